"""Faults injected by the mock: a lost session is replayed into a new one; no credits stops resumably."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from motionctl.mock_server import MockConfig, parse_fault_plan, serve_in_thread
from tests.integration.conftest import CliResult


def journal_of(tmp_path: Path) -> list[dict[str, object]]:
    run_dir = next((tmp_path / "runs").iterdir())
    return [json.loads(line) for line in (run_dir / "journal.jsonl").read_text().splitlines()]


def test_a_lost_session_is_replayed_into_a_new_one_and_the_clip_still_arrives(
        cli: Callable[..., CliResult], workflows_copy: Path, tmp_path: Path) -> None:
    # The backend forgets the session at the second instruction (1002 from then on).
    faults = parse_fault_plan({"faults": [{"route": "POST /run_sse", "nth": 2, "lose_session": True}]})
    with serve_in_thread(MockConfig(seed=0, initial_credits=10_000, faults=faults)) as mock:
        result = cli("run", workflows_copy / "quickstart.yaml", "--base-url", mock.url, "--preview")
    assert result.code == 0, result.err
    sessions = [r for r in journal_of(tmp_path) if r["type"] == "session"]
    assert [s["replay"] for s in sessions] == [False, True]
    assert sessions[0]["session_id"] != sessions[1]["session_id"]
    assert (tmp_path / "out" / "quickstart.mp4").stat().st_size > 1000


def test_running_out_of_credits_stops_the_job_and_says_how_to_resume(
        cli: Callable[..., CliResult], workflows_copy: Path, tmp_path: Path) -> None:
    # A session pays its 50 with its first instruction (specs/instructions.md), so the motion step's 2001
    # is injected as the answer the API gives.
    faults = parse_fault_plan({"faults": [{"route": "POST /run_sse", "nth": 3, "respond": {
        "code": 2001, "message": "insufficient credits: this needs 50, 0 available"}}]})
    with serve_in_thread(MockConfig(seed=0, initial_credits=10_000, faults=faults)) as mock:
        result = cli("run", workflows_copy / "quickstart.yaml", "--base-url", mock.url, "--preview")
    assert result.code == 1
    run_dir = next((tmp_path / "runs").iterdir())
    assert "step 2 (motion)" in result.err and "out of credits" in result.err
    assert f"--resume runs/{run_dir.name}" in result.err  # relative to where the user ran it
    failed = [r for r in journal_of(tmp_path) if r["type"] == "job_failed"]
    assert failed and failed[0]["resumable"] is True
