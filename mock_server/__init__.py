"""The bundled mock of the Nemo video API: stateful, streaming, with fault injection and a real renderer.

    from motionctl.mock_server import MockConfig, create_app, serve_in_thread

    with serve_in_thread(MockConfig(seed=1, sse_dialect="nemo")) as mock:
        ...  # talk to mock.url
        mock.admin.requests()  # the request log (tokens and client ids masked); admin_for(mock.url) too

The mock knows the API, nothing of the runner. Behaviour choices the public sources leave open are
documented where they are made (``envelopes.py`` for HTTP statuses, ``sse.py`` for the event dialects,
``render_jobs.py`` for the status shapes, ``faults.py`` for fault plans).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..lazy import lazy_exports

if TYPE_CHECKING:
    from .admin import MockAdmin, admin_for
    from .app import create_app
    from .clock import Clock, ManualClock, SystemClock
    from .config import MockConfig
    from .faults import FaultPlan, FaultPlanError, load_fault_plan, parse_fault_plan
    from .render_pool import prestart_render_workers
    from .server import RunningMock, serve_in_thread

# Loaded on first use: a render worker imports this package for the renderer alone.
__getattr__ = lazy_exports(__name__, {
    "MockAdmin": "admin", "admin_for": "admin", "create_app": "app", "Clock": "clock",
    "ManualClock": "clock", "SystemClock": "clock", "MockConfig": "config", "FaultPlan": "faults",
    "FaultPlanError": "faults", "load_fault_plan": "faults", "parse_fault_plan": "faults",
    "RunningMock": "server", "serve_in_thread": "server", "prestart_render_workers": "render_pool",
})

__all__ = [
    "Clock",
    "FaultPlan",
    "FaultPlanError",
    "ManualClock",
    "MockAdmin",
    "MockConfig",
    "RunningMock",
    "SystemClock",
    "admin_for",
    "create_app",
    "load_fault_plan",
    "parse_fault_plan",
    "prestart_render_workers",
    "serve_in_thread",
]
