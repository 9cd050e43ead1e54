"""After an identity renewal mid-job, the session reported is the one that made the clip (issue 19.8).

A 1001 (a new token) or a 400 (a new client id) leaves the job's session with the old identity: the job is
replayed in a new session, which renders the clip. The `[n/M] ok` line and `motionctl show` name that
session, checked against the mock's own record of which session rendered, and the journal keeps both.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from motionctl.mock_server import MockConfig, parse_fault_plan, serve_in_thread
from tests.integration.conftest import CliResult, journal_records
from tests.integration.test_exactly_once import once_recipe


@pytest.mark.parametrize("fault", [
    {"route": "GET /api/state/*", "nth": 3, "respond": {"code": 1001}},  # a new token
    {"route": "GET /api/state/*", "nth": 3, "respond": {"code": 400}},  # a new client id
    {"route": "POST /run_sse", "nth": 2, "expire_token": True},  # the token expires mid-stream
], ids=["1001", "400", "expired-token"])
def test_the_session_reported_is_the_one_that_made_the_clip(
        fault: dict[str, Any], cli: Callable[..., CliResult], tmp_path: Path) -> None:
    recipe = once_recipe(tmp_path)
    with serve_in_thread(MockConfig(seed=0, faults=parse_fault_plan({"faults": [fault]}))) as mock:
        result = cli("run", recipe, "--base-url", mock.url, "--preview", "-q")
        renders = [r for r in mock.app.state.store.jobs.values() if r.status == "completed"]
    assert result.code == 0, result.err
    (render,) = renders
    run_dir = next((tmp_path / "runs").iterdir())
    sessions = [r["session_id"] for r in journal_records(run_dir) if r["type"] == "session"]
    assert len(sessions) == 2 and sessions[-1] == render.session_id  # the journal keeps every session
    (ok,) = [line for line in result.err.splitlines() if line.startswith("[1/1] ok")]
    assert f"session {render.session_id} " in ok and sessions[0] not in ok

    shown = cli("show", run_dir)
    assert f"once: ok · session {render.session_id} (replayed from {sessions[0]}, lost)" in shown.out
    account = json.loads(cli("show", run_dir, "--json").out)["jobs"][0]
    assert (account["session_id"], account["earlier_sessions"]) == (render.session_id, [sessions[0]])
