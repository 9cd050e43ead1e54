"""The mock's settings: one frozen value read once at startup."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from .faults import FaultPlan

SseDialect = Literal["adk", "nemo"]
RenderShape = Literal["nested", "flat"]

MAX_UPLOAD_BYTES = 50 * 1024 * 1024  # the seed: "files up to 50MB"


def default_render_workers() -> int:
    """The CPUs this process may use (its affinity, not the machine's count), at least 1."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


@dataclass(frozen=True)
class MockConfig:
    """How the mock behaves. Every field has a default that makes tests fast and deterministic.

    Args:
        seed: drives every choice the mock makes "at random" (no-text replies, ids, fault probabilities).
        sse_dialect: ``adk`` (ADK Event JSON) or ``nemo`` (``{"type": ...}`` events) on /run_sse.
        render_shape: ``nested`` (Shape 1, ``{success, data: {...}}``) or ``flat`` (Shape 2, ``{taskId,
            status, progress, output: {url, ...}}``) for every render answer (render_jobs.py).
        strict: hold every request to specs/nemo-api.yaml (contract.py); ``False`` is ``--lenient``.
        data_dir: where uploads and renders are kept; a temporary directory when ``None``.
        faults: the fault plan the middleware applies (``POST /__mock/faults`` replaces it at run time).
        initial_credits: credits of a new anonymous token.
        no_text_ratio: share of understood instructions whose stream closes without a text reply.
        temporary_issue_ratio: share of understood instructions whose stream ends with the backend's
            trailing "I encountered a temporary issue" text, which clients ignore (specs/SOURCES.md, "The chat
            stream"). Off by default, so a seeded run's replies stay as they are; chosen from the seed like
            ``no_text_ratio``.
        work_delay: simulated generation/edit time in seconds; heartbeats flow during it.
        heartbeat_interval: seconds between heartbeats while working.
        render_speed: 0 renders as fast as the machine can; N > 0 makes each job last at least the draft's
            duration / N seconds (a cloud render at N times real time), so polling clients see progress.
        render_workers: renders run in at most this many worker processes at once, never on the event
            loop; the default is the number of CPUs this process may use (renders are CPU-bound: more only
            queues).
        warm_workers: start the render workers with the server (their imports overlap the first job's
            uploads); ``False`` starts each at the first render that needs it (``--lazy-workers``), so a
            mock that never renders costs one process.
        rate_limit: requests allowed per client per ``rate_window`` seconds, or ``None`` for no limit.
        rate_window: the fixed window of the rate limit, in seconds.
        max_upload_bytes: uploads above this size get 4002.
        tokens_per_ip: new anonymous tokens one IP address may get per 7 days before 429 (the documented
            10), or ``None`` for no limit. Off by default: the embedded runner and test suites mint a
            token per simulated user, all from 127.0.0.1; ``motionctl mock serve`` turns it on.
        url_fetch_timeout: seconds a URL upload may take to fetch one URL (http(s) on this machine only).
        admin_key: the key ``/__mock/*`` routes require (``X-Mock-Admin-Key``); random when ``None``, and
            never derived from ``seed``. ``RunningMock.admin`` knows it.
        header_timeout: seconds a connection may take to send a request's headers (408, then closed).
        body_timeout: seconds a request's body may pause before the connection is closed.
        max_connections: connections served at once, past which a request gets 503; ``None``: as many as
            the open-file limit allows (raised to the system's maximum at start), at most 10,000.
            mock_server/connections.py says why each exists.
    """

    seed: int = 0
    sse_dialect: SseDialect = "adk"
    render_shape: RenderShape = "nested"
    strict: bool = True
    data_dir: Path | None = None
    faults: FaultPlan | None = None
    initial_credits: int = 100
    no_text_ratio: float = 0.3
    temporary_issue_ratio: float = 0.0
    work_delay: float = 0.05
    heartbeat_interval: float = 0.02
    render_speed: float = 0.0
    render_workers: int = field(default_factory=lambda: default_render_workers())
    warm_workers: bool = True
    rate_limit: int | None = None
    rate_window: float = 1.0
    max_upload_bytes: int = MAX_UPLOAD_BYTES
    tokens_per_ip: int | None = None
    url_fetch_timeout: float = 10.0
    admin_key: str | None = None
    header_timeout: float = 10.0
    body_timeout: float = 30.0
    max_connections: int | None = None
