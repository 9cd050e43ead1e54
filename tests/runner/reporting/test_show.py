"""``motionctl run -q`` names each job's session; ``motionctl show runs/<id>`` reads the run back offline:
session ids, the final state as a track summary, outputs with their sizes, failures, and it skips journal
records it does not know."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from motionctl.mock_server import MockConfig, serve_in_thread
from motionctl.runner.api.models import motion_words
from motionctl.runner.cli import main
from motionctl.runner.reporting.history import fold_history, format_run

ROOT = Path(__file__).resolve().parents[3]


def test_a_quiet_run_then_show_tell_the_same_session_state_and_output(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.delenv("NEMO_TOKEN", raising=False)
    monkeypatch.delenv("NEMO_BASE_URL", raising=False)
    assert main(["run", str(ROOT / "workflows/quickstart.yaml"), "--preview", "-q"]) == 0
    run = capsys.readouterr()
    (run_dir,) = (tmp_path / "runs").iterdir()
    records = [json.loads(line) for line in (run_dir / "journal.jsonl").read_text().splitlines()]
    session = next(r["session_id"] for r in records if r["type"] == "session")
    lines = run.err.splitlines()
    assert lines[0] == f"run {run_dir.name}: 1 job on the embedded mock (seed 0)"
    assert lines[1] == f"[1/1] ok      quickstart  session {session}  out/quickstart.mp4"  # -q
    assert re.fullmatch(rf"run {run_dir.name}: 1/1 jobs ok in [\d.]+s, [\d.]+ jobs/s; journal: "
                        rf"runs/{run_dir.name}/journal.jsonl", lines[2])
    assert len(lines) == 3
    assert run.out == "out/quickstart.mp4\n"

    size = (tmp_path / "out/quickstart.mp4").stat().st_size
    assert main(["show", f"runs/{run_dir.name}"]) == 0
    shown = capsys.readouterr().out.splitlines()
    recipe = ROOT / "workflows/quickstart.yaml"
    assert shown[0] == f"run {run_dir.name}: {recipe} on the embedded mock (seed 0)"
    assert shown[1] == "1 job: 1 ok, 0 failed"
    assert shown[3] == f"quickstart: ok · session {session} · 4 steps done"  # the defaults are no steps
    # The frame and the camera move in words (issue 18: the motion was missing).
    assert shown[4] == ("  Timeline (aspect 16:9, 4 s, 1 track): 1. Video: sneaker.jpg (0-4s, zoom in 10%, "
                        "pan left 5%, ease-in-out)")
    assert shown[5] == f"  output: out/quickstart.mp4 ({size / 1024:.1f} KiB)"

    assert main(["show", f"runs/{run_dir.name}", "--json"]) == 0
    (job,) = json.loads(capsys.readouterr().out)["jobs"]
    assert job["session_id"] == session and job["outputs"] == [{"path": "out/quickstart.mp4", "bytes": size}]


def test_failures_resumes_and_unknown_records_from_a_journal() -> None:
    records = [
        {"type": "run", "recipe": "c.yaml", "backend": "the embedded mock (seed 0)"},
        {"type": "intent", "job": "a", "index": 1, "call": "upload"},  # a kind this reader does not know
        {"type": "session", "job": "a", "session_id": "111"},
        {"type": "step", "job": "a", "index": 1, "label": "step 1 (upload)"},
        {"type": "step", "job": "a", "index": 2, "label": "step 0 (defaults)"},
        {"type": "job_failed", "job": "a", "where": "c.yaml:9:5, step 2 (motion)", "error": "boom\n  - why"},
        {"type": "session", "job": "b", "session_id": 222},  # a field of an unexpected type
        {"type": "step", "job": "b", "index": "x"},
        {"type": "did", "job": None, "summary": "…"},
        {"type": "resume", "recipe": "c.yaml"},
        {"type": "session", "job": "c", "session_id": "333"},
        {"type": "output", "job": "c", "index": 3, "path": "out/c.mp4", "bytes": 60_773_447},
        {"type": "job_finished", "job": "c"},
    ]
    history = fold_history(records, "r1")
    assert [(j.job, j.status, j.session_id) for j in history.jobs.values()] == [
        ("a", "failed", "111"), ("b", "unfinished", None), ("c", "ok", "333")]
    assert format_run(history) == [
        "run r1: c.yaml on the embedded mock (seed 0) (resumed 1×)",
        "3 jobs: 1 ok, 1 failed, 1 unfinished",
        "",
        "a: FAILED · session 111 · 1 step done",
        "  (no state kept for this job)",
        "  failed at c.yaml:9:5, step 2 (motion): boom",
        "    - why",
        "",
        "b: unfinished · no session · 0 steps done",
        "",
        "c: ok · session 333 · 0 steps done",
        "  output: out/c.mp4 (58.0 MiB)",
    ]
    # A failed job that a resume takes up again is no longer failed.
    again = fold_history([*records, {"type": "session", "job": "a", "session_id": "444"}], "r1")
    assert again.jobs["a"].status == "unfinished" and again.jobs["a"].session_id == "444"


def test_show_of_a_folder_that_is_no_run_is_one_line_and_exit_2(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["show", str(tmp_path)]) == 2
    assert capsys.readouterr().err == (f"motionctl: error: {tmp_path}: no journal.jsonl here "
                                       "(pass the run directory, e.g. runs/<run-id>)\n")


def test_show_says_why_a_run_ended_before_any_job(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.delenv("NEMO_TOKEN", raising=False)
    with serve_in_thread(MockConfig(initial_credits=10)) as mock:  # a token that cannot pay for one session
        assert main(["run", str(ROOT / "workflows/quickstart.yaml"), "--base-url", mock.url, "-q"]) == 2
    refusal = capsys.readouterr().err.splitlines()[-1].removeprefix("motionctl: error: ")
    (run_dir,) = (tmp_path / "runs").iterdir()
    assert main(["show", str(run_dir)]) == 0
    shown = capsys.readouterr().out.splitlines()
    assert shown[1:] == ["0 jobs: 0 ok, 0 failed", f"the run stopped before any job started: {refusal}"]
    assert "needs about 50 credits" in refusal
    assert main(["show", str(run_dir), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["stopped"] == refusal


def test_motion_in_words() -> None:
    assert motion_words({"zoom": [1.15, 1.0], "pan": [0.04, -0.1], "roll": [0, -6], "focus": [0.25, 0.5],
                         "d": 2500, "easing": "linear"}) == (
        "zoom out 15%, pan right 4%, tilt up 10%, roll counterclockwise 6°, focus 25% 50%, over 2.5s, linear")
    assert motion_words({"zoom": [1.0, 1.0], "easing": "ease-in-out"}) == "no camera motion"
