"""Issue 10: every step happens once across faults and kills.

A fault matrix over every documented error code and every stream fault of the mock's fault plans
(specs/faults.schema.json): each run is followed by ``--resume`` against the same mock until it finishes,
and the mock's request log must show one render submit per job and one upload per job — per session
when the session was lost (1002, or a new token after 1001/400), whose replay into a new session is the
documented recovery — and the ``expect`` must hold (never "tracks.text: expected 1, got 2").
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import av
import pytest

from motionctl.mock_server import MockConfig, parse_fault_plan, serve_in_thread
from motionctl.runner.run import RunConfig, RunResult, run_recipe
from tests.integration.conftest import WORKFLOWS, CliResult, count, journal_records, mock_requests

RECIPE = """\
version: 1
name: once
defaults: {duration: 1s}
steps:
  - upload: sneaker.jpg
  - motion: {zoom: in, speed: slow}
  - text: {content: "Once", at: 0s, for: 1s}
  - expect: {tracks: {video: 1, text: 1}}
  - export: {to: once.mp4}
"""
# The client's documented retries, made quick: a persistent fault exhausts them in milliseconds.
FAST = {"backoff_initial": 0.005, "backoff_max": 0.01, "rate_limit_wait": 0.01, "sse_idle_budget": 1.0,
        "poll_interval": 0.02, "max_retries": 2}
STATE, SSE, UPLOAD = "GET /api/state/*", "POST /run_sse", "POST /api/upload-video/*"
SUBMIT, STATUS = "POST /api/render/proxy/lambda", "GET /api/render/proxy/lambda/*"
DOWNLOAD = "GET /cdn/renders/*"  # the render's outputUrl, where the runner downloads the clip


def persist(route: str, *, after: int = 0, **what: Any) -> dict[str, Any]:
    """A rule that fires on more calls in a row than the client retries, so the job really fails."""
    return {"route": route, "after": after, "times": 3, **what}


CASES: dict[str, dict[str, Any]] = {
    # The issue's case: the text step was applied, the state read after it failed.
    "state-503-after-text": persist(STATE, after=4, respond={"status": 503}),
    "state-reset": persist(STATE, after=3, reset=True),
    "state-garbage": persist(STATE, after=4, respond={"status": 200, "body": "<html>busy</html>"}),
    "state-500": persist(STATE, after=2, respond={"status": 500}),
    "state-1001": persist(STATE, after=3, respond={"code": 1001}),
    "state-429": persist(STATE, after=4, respond={"code": 429, "retry_after": 0}),
    "state-1002": {"route": STATE, "nth": 4, "respond": {"code": 1002}},
    "upload-503": persist(UPLOAD, respond={"status": 503}),
    "upload-reset": persist(UPLOAD, reset=True),
    "upload-4001": persist(UPLOAD, respond={"code": 4001}),
    "upload-4002": persist(UPLOAD, respond={"code": 4002}),
    "upload-400-client-id": persist(UPLOAD, respond={"code": 400}),
    "sse-2001": {"route": SSE, "nth": 2, "respond": {"code": 2001}},
    "sse-exhaust-credits": {"route": SSE, "nth": 3, "exhaust_credits": True},
    "sse-502": persist(SSE, after=1, respond={"status": 502}),
    "sse-drop-first-event": {"route": SSE, "nth": 2, "stream": {"drop_after": 1}},
    "sse-drop-late": {"route": SSE, "nth": 3, "stream": {"drop_after": 3}},
    "sse-stall": {"route": SSE, "nth": 3, "stream": {"stall_after": 2, "stall_seconds": 5}},
    "sse-stall-early": {"route": SSE, "nth": 3, "stream": {"stall_after": 1, "stall_seconds": 5}},
    "sse-malformed": {"route": SSE, "nth": 2, "stream": {"malformed_at": 2}},
    "sse-lose-session": {"route": SSE, "nth": 3, "lose_session": True},
    "sse-expire-token": {"route": SSE, "nth": 3, "expire_token": True},
    "submit-402": persist(SUBMIT, respond={"code": 402}),
    "submit-reset": persist(SUBMIT, reset=True),
    "submit-503": persist(SUBMIT, respond={"status": 503}),
    "status-503": persist(STATUS, after=1, respond={"status": 503}),
    "status-reset": persist(STATUS, after=1, reset=True),
    "render-fails": {"route": SUBMIT, "nth": 1, "render": "fail"},
    "download-503": persist(DOWNLOAD, respond={"status": 503}),
    "download-truncated": {"route": DOWNLOAD, "nth": 1, "corrupt": {"truncate_to": 2048}},
    "download-not-mp4": {"route": DOWNLOAD, "nth": 1, "corrupt": {"replace_with": "<html>busy</html>"}},
}

# The faults a run rides out by itself, each by a documented recovery. Every other case must fail its first
# run (else the fault did not reach what the case is about), and the resumes must finish it.
RIDDEN_OUT = {
    "state-1002": "the lost session is replaced and the finished steps replayed into it",
    "sse-lose-session": "the same, found on a stream",
    "sse-expire-token": "one new token",
    "sse-exhaust-credits": "the session paid with its first instruction and owes nothing more",
    "sse-drop-late": "the step's events arrived before the cut; the state shows it done",
    "sse-stall": "the same, for a stream that goes quiet after its events",
    "sse-malformed": "an event that is not JSON is skipped, and the state shows the step done",
}

TRANSIENT = ("state-503", "state-reset", "state-500", "state-429", "upload-503", "upload-reset", "sse-2001",
             "sse-502", "sse-drop", "sse-stall", "submit-503", "submit-reset", "status-",
             "download-503")


def run(recipe: Path, url: str, tmp_path: Path, resume: Path | None = None) -> RunResult:
    return run_recipe(RunConfig(recipe=recipe, base_url=url, preview=True, runs_dir=tmp_path / "runs",
                                out_dir=tmp_path / "out", resume=resume, client_overrides=FAST))


def once_recipe(tmp_path: Path) -> Path:
    shutil.copy(WORKFLOWS / "images" / "sneaker.jpg", tmp_path / "sneaker.jpg")
    path = tmp_path / "once.yaml"
    path.write_text(RECIPE)
    return path


def assert_once(url: str, run_dir: Path, out: Path) -> None:
    """At most one upload into each session (exactly one into the job's last), one render submit (plus
    one per render journaled as replaced), and the clip whole and playable."""
    log = mock_requests(url)
    uploads = [r["path"].rsplit("/", 1)[-1] for r in log
               if r["path"].startswith("/api/upload-video/") and count([r], "POST", "/api/upload-video/")]
    last = [r for r in journal_records(run_dir) if r["type"] == "session"][-1]["session_id"]
    assert all(uploads.count(sid) == 1 for sid in uploads), uploads
    assert uploads.count(last) == 1
    replaced = sum(1 for r in journal_records(run_dir) if r["type"] == "render_replaced")
    assert count(log, "POST", "/api/render/proxy/lambda") - count(log, "POST", "/api/render/proxy/lambda/") \
        == 1 + replaced
    with av.open(str(out)) as clip:
        assert sum(1 for _ in clip.decode(video=0)) == 30  # 1 s at 30 fps


@pytest.mark.parametrize("name", list(CASES))
def test_every_fault_then_resume_does_each_step_exactly_once(
        name: str, cli: Callable[..., CliResult], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    recipe = once_recipe(tmp_path)
    faults = parse_fault_plan({"faults": [CASES[name]]})
    with serve_in_thread(MockConfig(seed=0, initial_credits=10_000, faults=faults)) as mock:
        first = run(recipe, mock.url, tmp_path)
        fired = [r for r in mock_requests(mock.url) if r["fault"]]
        assert fired, f"the rule never fired: nothing here tests {name}"
        assert first.ok is (name in RIDDEN_OUT), [j.error for j in first.jobs]
        attempts = [first]
        while not attempts[-1].ok and len(attempts) < 5:
            attempts.append(run(recipe, mock.url, tmp_path, resume=first.run_dir))
        last = attempts[-1]
        assert last.ok, [j.error for a in attempts for j in a.jobs]
        assert all(a.run_dir == first.run_dir for a in attempts)
        assert_once(mock.url, first.run_dir, tmp_path / "out" / "once.mp4")
        failed = [r for r in journal_records(first.run_dir) if r["type"] == "job_failed"]
        command = f"motionctl run {recipe} --resume {first.run_dir} --base-url {mock.url}"
        assert all(command in r["error"] for r in failed if r["resumable"])  # complete and pasteable
        if name.startswith(TRANSIENT) and not first.ok:  # says nothing about the recipe: resumable
            assert failed and all(r["resumable"] for r in failed), failed
        if name.startswith("download-") and name != "download-503":
            assert "does not decode" in (first.jobs[0].error or "")
        if name == "state-503-after-text":
            assert len(attempts) == 2  # failed once, resumed once; the reconciled text step was not re-sent
            steps = [r for r in journal_records(first.run_dir) if r["type"] == "step"]
            text = next(r for r in steps if r["label"] == "step 3 (text)")
            assert text["reconciled"] is True
            assert count(mock_requests(mock.url), "POST", "/run_sse") == 3  # duration, motion, text


def test_the_issues_state_fault_then_resume_from_the_command_line(
        cli: Callable[..., CliResult], tmp_path: Path) -> None:
    """The exact report: faults on state reads, `--resume` → no "tracks.text: expected 1, got 2"."""
    recipe = once_recipe(tmp_path)
    faults = parse_fault_plan({"faults": [{"route": "GET /api/state/*", "after": 4, "times": 4,
                                           "respond": {"status": 503}}]})
    with serve_in_thread(MockConfig(seed=0, initial_credits=10_000, faults=faults)) as mock:
        first = run(recipe, mock.url, tmp_path)
        assert not first.ok and "503" in (first.jobs[0].error or "")
        assert f"--resume {first.run_dir} --base-url {mock.url}" in (first.jobs[0].error or "")
        resumed = cli("run", recipe, "--resume", first.run_dir)
        assert resumed.code == 0, resumed.err
        assert "expected 1, got 2" not in resumed.err
        assert_once(mock.url, first.run_dir, tmp_path / "out" / "once.mp4")


def test_kills_at_random_moments_then_resume_do_each_step_exactly_once(tmp_path: Path) -> None:
    """The bounded version of bench/kill_resume.py: one trial, three seeded SIGKILLs, then a last resume."""
    import random

    from bench.kill_resume import new_token, trial

    with serve_in_thread(MockConfig(seed=0, initial_credits=10_000, render_speed=1.0)) as mock:
        landed, problem = trial(mock.url, new_token(mock.url), tmp_path / "trial", random.Random(3), 3,
                                mock_requests)
    assert problem is None
    assert landed >= 2  # a kill can miss only when the run finished first
