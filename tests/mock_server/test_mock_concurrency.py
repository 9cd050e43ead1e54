"""Many sessions streaming /run_sse at once against one mock all complete (bench/mock_concurrency.py runs the
same code at 100+ sessions and reports latencies)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

from motionctl.mock_server import MockConfig

pytestmark = pytest.mark.anyio


def bench_module() -> ModuleType:
    path = Path(__file__).resolve().parents[2] / "bench" / "mock_concurrency.py"
    spec = importlib.util.spec_from_file_location("mock_concurrency", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


async def test_twenty_concurrent_sessions_stream_without_errors() -> None:
    bench = bench_module()
    wall, latencies, errors = await bench.run(20, MockConfig(work_delay=0.5, heartbeat_interval=0.1))
    assert errors == [] and len(latencies) == 20
    # Streams overlap: twenty 0.5 s generations take far less than 20 x 0.5 s of wall time.
    assert min(latencies) >= 0.5 and wall < 20 * 0.5
