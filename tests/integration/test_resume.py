"""Kill a run mid-render, resume it: the render is polled again, not submitted again; no token recorded."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import av
import httpx
import pytest

from motionctl.mock_server import MockConfig, parse_fault_plan, serve_in_thread
from motionctl.runner.cli import run_command
from motionctl.runner.events import Event, RenderProgress
from motionctl.runner.reporting import PlainReporter
from tests.integration.conftest import WORKFLOWS, CliResult, mock_requests
from tests.processes import alive, children

RECIPE = """\
version: 1
name: slow-render
defaults: {duration: 2s}
steps:
  - upload: sneaker.jpg
  - motion: {zoom: in, pan: left, speed: slow}
  - export: {to: clip.mp4}
"""
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def slow_mock() -> Iterator[str]:
    # Renders paced at a quarter of real time: a 2 s clip takes 8 s, time enough to kill the runner.
    with serve_in_thread(MockConfig(seed=0, initial_credits=10_000, render_speed=0.25)) as mock:
        yield mock.url


def mock_token(url: str) -> str:
    answer = httpx.post(f"{url}/api/auth/anonymous-token",
                        headers={"X-Client-Id": str(uuid.uuid4()), "X-Skill-Source": "test",
                                 "X-Skill-Version": "0", "X-Skill-Platform": "unknown"})
    return str(answer.json()["data"]["token"])


def wait_for_render_record(journal: Path, proc: subprocess.Popen[bytes], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if journal.is_file() and '"type": "render"' in journal.read_text():
            return
        assert proc.poll() is None, "the run ended before its render was submitted"
        time.sleep(0.02)
    raise AssertionError("no render record was journaled")


def test_resume_after_a_kill_mid_render_polls_the_same_render_and_delivers_the_mp4(
        cli: Callable[..., CliResult], tmp_path: Path, slow_mock: str,
        monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copy(WORKFLOWS / "images" / "sneaker.jpg", tmp_path / "sneaker.jpg")
    recipe = tmp_path / "slow.yaml"
    recipe.write_text(RECIPE)
    token = mock_token(slow_mock)
    env = {**os.environ, "NEMO_TOKEN": token, "XDG_CONFIG_HOME": str(tmp_path / "config"),
           "PYTHONPATH": str(ROOT)}
    args = [sys.executable, "-m", "motionctl", "run", str(recipe), "--base-url", slow_mock, "--preview"]
    proc = subprocess.Popen(args, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        runs = tmp_path / "runs"
        deadline = time.monotonic() + 30
        while not (runs.is_dir() and any(runs.iterdir())) and time.monotonic() < deadline:
            time.sleep(0.02)
        run_dir = next(runs.iterdir())
        wait_for_render_record(run_dir / "journal.jsonl", proc)
        proc.send_signal(signal.SIGKILL)  # no clean-up of any kind: as if the machine went away
    finally:
        out, err = proc.communicate(timeout=30)
    assert not (tmp_path / "out" / "clip.mp4").exists()

    monkeypatch.setenv("NEMO_TOKEN", token)
    resumed = cli("run", recipe, "--resume", run_dir, "--base-url", slow_mock)

    assert resumed.code == 0, resumed.err
    assert "step 1 (upload)" not in resumed.err  # finished steps are not done again
    requests = mock_requests(slow_mock)
    submits = [r for r in requests if r["method"] == "POST" and r["path"] == "/api/render/proxy/lambda"]
    assert len(submits) == 1
    with av.open(str(tmp_path / "out" / "clip.mp4")) as clip:
        assert sum(1 for _ in clip.decode(video=0)) == 2 * 30  # the whole 2 s clip, playable
    records = [json.loads(line) for line in (run_dir / "journal.jsonl").read_text().splitlines()]
    assert [r["type"] for r in records].count("render") == 1
    assert records[-1]["type"] == "job_finished"

    # The token the runs used is nowhere in what they wrote or printed.
    written = "".join(p.read_text(errors="replace") for p in run_dir.rglob("*") if p.is_file())
    assert token not in written + out.decode() + err.decode() + resumed.out + resumed.err
    assert "nmv_usr_" not in written


def test_ctrl_c_says_once_how_to_resume_exits_130_and_the_printed_command_finishes_the_run(
        cli: Callable[..., CliResult], workflows_copy: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    class CtrlCWhenTheRenderIsDone(PlainReporter):
        def handle(self, event: Event) -> None:
            super().handle(event)
            if isinstance(event, RenderProgress) and event.status == "completed":
                signal.raise_signal(signal.SIGINT)  # what Ctrl-C in a terminal sends

    plain = run_command.console_reporter
    monkeypatch.setattr(run_command, "console_reporter", lambda stream, **_: CtrlCWhenTheRenderIsDone(stream))
    recipe = workflows_copy / "quickstart.yaml"
    # The clip's download is held back, so the run still has its download to do when the signal lands,
    # however loaded the machine: it cannot finish first (the CDN holds it for 10 minutes).
    held = parse_fault_plan({"faults": [{"route": "GET /cdn/renders/*", "delay": 600}]})
    with serve_in_thread(MockConfig(seed=0, initial_credits=10_000, faults=held)) as mock:
        result = cli("run", recipe, "--preview", "--base-url", mock.url)
        mock.admin.set_faults(None)  # the CDN answers again

        assert result.code == 130, result.err
        run_dir = Path("runs") / next((tmp_path / "runs").iterdir()).name
        resume = f"motionctl run {recipe} --resume {run_dir} --base-url {mock.url}"
        assert result.err.endswith(f"interrupted: finished steps are kept in {run_dir}\n"
                                   f"continue with: {resume}\n")
        assert result.err.count("interrupted") == 1  # no second word from the CLI
        assert not (tmp_path / "out" / "quickstart.mp4").exists()

        monkeypatch.setattr(run_command, "console_reporter", plain)
        resumed = cli(*resume.split()[1:])
        assert resumed.code == 0, resumed.err
        assert resumed.out.splitlines()[0] == "out/quickstart.mp4"  # shown as the run that began showed it
        assert "step 2 (motion)" not in resumed.err  # finished steps are not sent again
        assert len(mock.admin.calls("POST", "/api/render/proxy/lambda")) == 1  # the render was not redone


def test_sigterm_ends_a_run_as_ctrl_c_does_and_stops_its_render_workers(
        cli: Callable[..., CliResult], workflows_copy: Path, tmp_path: Path) -> None:
    # A CI system cancelling the job, or Kubernetes stopping the pod, sends SIGTERM to the run alone.
    recipe = workflows_copy / "campaign.yaml"
    env = {**os.environ, "XDG_CONFIG_HOME": str(tmp_path / "config"), "PYTHONPATH": str(ROOT)}
    args = [sys.executable, "-m", "motionctl", "run", str(recipe), "--preview", "--concurrency", "1"]
    with subprocess.Popen(args, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True) as proc:
        runs = tmp_path / "runs"
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not (
                runs.is_dir() and any(runs.iterdir())
                and '"type": "job_finished"' in (next(runs.iterdir()) / "journal.jsonl").read_text()):
            assert proc.poll() is None, proc.communicate()
            time.sleep(0.02)
        # Frozen at that journal line, the run cannot finish its second job before the SIGTERM is handled:
        # it is delivered on SIGCONT, and Python runs its handler before the event loop takes another turn.
        proc.send_signal(signal.SIGSTOP)
        journal = (next(runs.iterdir()) / "journal.jsonl").read_text()
        assert journal.count('"type": "job_finished"') == 1, "both jobs finished before the run was stopped"
        workers = children(proc.pid)
        proc.send_signal(signal.SIGTERM)
        proc.send_signal(signal.SIGCONT)
        _, err = proc.communicate(timeout=60)
    run_dir = Path("runs") / next(runs.iterdir()).name
    assert proc.returncode == 130, err
    assert err.endswith(f"interrupted: finished steps are kept in {run_dir}\n"
                        f"continue with: motionctl run {recipe} --resume {run_dir}\n"), err
    assert "Traceback" not in err
    assert workers
    deadline = time.monotonic() + 30  # they stop at their next frame, or when they see their parent gone
    while [pid for pid in workers if alive(pid)] and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not [pid for pid in workers if alive(pid)]  # its render workers ended with it

    resumed = cli("run", recipe, "--resume", run_dir)
    assert resumed.code == 0, resumed.err
    assert len(list((tmp_path / "out").rglob("*.mp4"))) == 2

