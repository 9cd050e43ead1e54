"""Schemathesis against the mock, briefly: valid and invalid cases for every operation of
specs/nemo-api.yaml, not one 5xx or dropped connection, and no finding of schemathesis's checks (valid
data accepted, invalid refused, answers as the spec describes them, auth enforced);
bench/schemathesis_mock.py is the long run."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

from motionctl.mock_server import MockConfig, serve_in_thread


def bench_module() -> ModuleType:
    path = Path(__file__).resolve().parents[2] / "bench" / "schemathesis_mock.py"
    spec = importlib.util.spec_from_file_location("schemathesis_mock", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_generated_requests_never_get_a_server_error_nor_disagree_with_the_spec() -> None:
    bench = bench_module()
    config = MockConfig(work_delay=0.0, heartbeat_interval=0.01, initial_credits=10**6, render_workers=1,
                        warm_workers=False)
    with serve_in_thread(config) as mock:
        tally = bench.fuzz(mock.url, bench.new_token(mock.url), examples=3, seed=1)
    assert tally.server_errors == []
    assert dict(tally.findings) == {}
    assert tally.cases >= 11 * 2 * 2  # every operation, valid and invalid cases
    assert any(400 <= status < 500 for status in tally.statuses)  # invalid ones were refused, not accepted
