"""Issue 8: "ok" means the clip is what the recipe says — refused steps fail, uploads keep the API's names,
credits are checked first, a resume stays on its backend, a render is bounded by --render-timeout."""

from __future__ import annotations

import json
import math
import shutil
import struct
import wave
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from motionctl.mock_server import MockConfig, serve_in_thread
from tests.integration.conftest import (
    WORKFLOWS,
    CliResult,
    count,
    journal_records,
    mock_admin,
    mock_requests,
    mock_token,
)


def recipe(tmp_path: Path, steps: str, *, duration: str | None = "2s",
           images: tuple[str, ...] = ("sneaker.jpg",)) -> Path:
    for name in images:
        shutil.copy(WORKFLOWS / "images" / "sneaker.jpg", tmp_path / name)
    path = tmp_path / "r.yaml"
    defaults = f"defaults: {{duration: {duration}}}\n" if duration else "defaults: {}\n"
    path.write_text(f"version: 1\nname: r\n{defaults}steps:\n{steps}", encoding="utf-8")
    return path


def tone(path: Path) -> None:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(b"".join(struct.pack("<h", int(8000 * math.sin(i / 10))) for i in range(8000)))


def only_run(tmp_path: Path) -> Path:
    return next((tmp_path / "runs").iterdir())


@pytest.fixture
def mock() -> Iterator[str]:
    with serve_in_thread(MockConfig(seed=0, initial_credits=10_000)) as served:
        yield served.url


# --- 1. a step the backend refused or that changed nothing fails its job at that step -----------------

@pytest.mark.parametrize(("step", "reason"), [
    ('  - text: {content: "late", at: 10s, for: 3s}\n', 'no text "late" was added to the timeline'),
    ('  - remove: {text: "nothing-like-this"}\n', 'there was no text "nothing-like-this" to remove'),
    ('  - say: "add a gentle light leak at the start"\n', "nothing changed in the session state"),
])
def test_a_step_the_backend_refused_fails_its_job_naming_the_place_and_quoting_the_reply(
        cli: Callable[..., CliResult], tmp_path: Path, step: str, reason: str) -> None:
    path = recipe(tmp_path, "  - upload: sneaker.jpg\n  - motion: {zoom: in}\n" + step
                  + "  - export: {to: clip.mp4}\n", duration=None)  # the mock's 5 s clip
    result = cli("run", path, "--preview")
    assert result.code == 1, result.err
    kind = step.split(":")[0].strip(" -")
    assert f"job r failed at {path}:7:5, step 3 ({kind}): not done: {reason}; the agent said: \"" \
        in result.err
    assert "I didn't understand" in result.err or "there is no" in result.err.lower()
    assert not (tmp_path / "out" / "clip.mp4").exists()  # the export never ran
    records = journal_records(only_run(tmp_path))
    refused = [r for r in records if r["type"] == "step_refused"]
    assert len(refused) == 1 and refused[0]["index"] == 3 and refused[0]["patch"] == []
    assert reason in refused[0]["reason"] and refused[0]["reply"]
    assert [r["label"] for r in records if r["type"] == "step"] == [
        "step 1 (upload)", "step 2 (motion)"]  # the refused step is not "done"


def test_allow_noop_lets_a_step_that_did_nothing_pass_and_the_golden_says_it_did_not_act(
        cli: Callable[..., CliResult], tmp_path: Path) -> None:
    path = recipe(tmp_path, "  - upload: sneaker.jpg\n  - motion: {zoom: in}\n"
                            '  - say: "add a gentle light leak at the start"\n    allow_noop: true\n'
                            "  - export: {to: clip.mp4}\n")
    result = cli("run", path, "--preview", "--update")
    assert result.code == 0, result.err
    golden = (tmp_path / "r.golden.yaml").read_text()
    assert "say: add a gentle light leak at the start\n    acted: false\n    patch: []\n" in golden


def test_steps_that_did_what_they_asked_are_journaled_as_having_acted(
        cli: Callable[..., CliResult], tmp_path: Path) -> None:
    path = recipe(tmp_path, "  - upload: sneaker.jpg\n  - motion: {zoom: in, pan: left, easing: linear}\n"
                            "  - expect: {motion: {easing: linear}}\n  - export: {to: clip.mp4}\n")
    result = cli("run", path, "--preview")
    assert result.code == 0, result.err
    steps = [r for r in journal_records(only_run(tmp_path)) if r["type"] == "step"]
    assert all(r["acted"] for r in steps if r["kind"] in ("upload", "say"))


# --- 2. uploads the server renames are referred to by the name it returned ----------------------------

def test_use_and_music_file_work_for_names_with_spaces_and_accents(
        cli: Callable[..., CliResult], tmp_path: Path) -> None:
    tone(tmp_path / "my tone.wav")
    path = recipe(tmp_path, '  - upload: ["with space é.jpg", b.jpg, "my tone.wav"]\n'
                            '  - use: "with space é.jpg"\n  - motion: {zoom: in}\n'
                            '  - music: {file: "my tone.wav", volume: 40%}\n'
                            "  - expect: {tracks: {audio: 1}, volume: 40%}\n  - export: {to: clip.mp4}\n",
                  images=("with space é.jpg", "b.jpg"))
    result = cli("run", path, "--preview")
    assert result.code == 0, result.err
    records = journal_records(only_run(tmp_path))
    upload = next(r for r in records if r["type"] == "step" and r["kind"] == "upload")
    assert upload["names"] == {"with space é.jpg": "with_space_é.jpg", "b.jpg": "b.jpg",
                               "my tone.wav": "my_tone.wav"}  # what the mock made of them
    says = {r["label"]: r["sent"] for r in records if r["type"] == "step" and r["kind"] == "say"}
    assert says["step 2 (use)"] == 'Use the image "with_space_é.jpg".'
    assert says["step 4 (music)"] == 'Add background music from the file "my_tone.wav" at 40% volume.'
    state = json.loads((only_run(tmp_path) / "states" / "r" / "007.json").read_text())
    video = next(t for t in state["draft"]["t"] if t["tt"] == 0)["sg"][0]
    assert video["name"] == "with_space_é.jpg"
    assert (tmp_path / "out" / "clip.mp4").stat().st_size > 1000


# --- 3. credits are compared with the plan's estimate before the first step ---------------------------

def test_a_run_that_needs_more_credits_than_the_balance_is_refused_before_any_step(
        cli: Callable[..., CliResult], workflows_copy: Path, tmp_path: Path) -> None:
    # quickstart's session edits, which costs 50 (specs/instructions.md, "Credits").
    with serve_in_thread(MockConfig(seed=0, initial_credits=40)) as served:
        result = cli("run", workflows_copy / "quickstart.yaml", "--base-url", served.url, "--preview")
        log = mock_requests(served.url)
        assert result.code == 2, result.err
        assert "needs about 50 credits" in result.err and "the balance is 40" in result.err
        assert "--no-credit-check" in result.err
        assert count(log, "POST", "/run_sse", ok=False) == 0
        assert count(log, "POST", "/api/upload", ok=False) == 0
        records = journal_records(only_run(tmp_path))
        assert [r["type"] for r in records] == ["run", "run_stopped"]  # no step was started, and why

        forced = cli("run", workflows_copy / "quickstart.yaml", "--base-url", served.url, "--preview",
                     "--no-credit-check")
        assert forced.code == 1 and "out of credits" in forced.err  # it tried, as asked


# --- 4. a resume stays on the backend the run was made on; every resume command is complete -----------

def test_out_of_credits_prints_a_complete_resume_command_that_uses_the_runs_backend(
        cli: Callable[..., CliResult], workflows_copy: Path, tmp_path: Path, mock: str,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEMO_TOKEN", mock_token(mock))
    # The session pays with its first instruction: an empty account refuses that one.
    faults = {"faults": [{"route": "POST /run_sse", "nth": 1, "exhaust_credits": True}]}
    mock_admin(mock, "faults", faults)
    recipe_path = workflows_copy / "quickstart.yaml"
    result = cli("run", recipe_path, "--base-url", mock, "--preview")
    assert result.code == 1
    run_dir = Path("runs") / only_run(tmp_path).name
    command = f"motionctl run {recipe_path} --resume {run_dir} --base-url {mock}"
    assert command in result.err
    header = journal_records(run_dir)[0]
    assert header["backend_config"] == {"kind": "mock", "base_url": mock}

    other = cli("run", recipe_path, "--resume", run_dir, "--base-url", "http://127.0.0.1:9")
    assert other.code == 2
    assert f"that run was made with --backend mock --base-url {mock}, not --base-url http://127.0.0.1:9" \
        in other.err
    assert cli("run", recipe_path, "--resume", run_dir, "--backend", "live").code == 2

    mock_admin(mock, "faults", {})
    monkeypatch.setenv("NEMO_TOKEN", mock_token(mock))  # a topped-up account
    before = len(mock_requests(mock))
    resumed = cli("run", recipe_path, "--resume", run_dir)  # no --base-url: the journal's is used
    assert resumed.code == 0, resumed.err
    assert count(mock_requests(mock)[before:], "POST", "/api/render/proxy/lambda") == 1


# --- 5. --render-timeout bounds a render; a resume replaces the cancelled one ------------------------

def test_a_hung_render_is_cancelled_at_the_render_timeout_and_a_resume_replaces_it(
        cli: Callable[..., CliResult], tmp_path: Path, mock: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEMO_TOKEN", mock_token(mock))
    faults = {"faults": [{"route": "POST /api/render/proxy/lambda", "nth": 1, "render": "hang"}]}
    mock_admin(mock, "faults", faults)
    path = recipe(tmp_path, "  - upload: sneaker.jpg\n  - motion: {zoom: in}\n  - export: {to: clip.mp4}\n")
    result = cli("run", path, "--base-url", mock, "--preview", "--render-timeout", "1")
    assert result.code == 1
    assert "not finished within --render-timeout 1 s" in result.err and "--resume" in result.err
    run_dir = only_run(tmp_path)
    events = [json.loads(line) for line in (run_dir / "events.jsonl").read_text().splitlines()]
    progress = [e for e in events if e["event"] == "RenderProgress"]
    assert progress and all(e["timeout"] == 1 for e in progress)
    assert progress[-1]["elapsed"] >= 1
    log = mock_requests(mock)
    assert count(log, "POST", "/api/render/proxy/lambda/") == 1  # the .../cancel
    resumed = cli("run", path, "--resume", run_dir)
    assert resumed.code == 0, resumed.err
    replaced = [r for r in journal_records(run_dir) if r["type"] == "render_replaced"]
    assert [r["reason"] for r in replaced] == ["timeout"]
    submits = [r for r in mock_requests(mock)
               if r["method"] == "POST" and r["path"] == "/api/render/proxy/lambda"]
    assert len(submits) == 2  # the hung one and its replacement, never a third
    assert (tmp_path / "out" / "clip.mp4").stat().st_size > 1000


def test_fail_fast_says_how_to_continue_the_jobs_it_stopped(
        cli: Callable[..., CliResult], tmp_path: Path, mock: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEMO_TOKEN", mock_token(mock))
    path = recipe(tmp_path, '  - upload: sneaker.jpg\n  - motion: {zoom: in}\n  - say: "{{ words }}"\n'
                            "  - export: {to: '{{ job }}.mp4'}\n")
    path.write_text(path.read_text().replace(
        "steps:", 'matrix: {words: ["no such thing, please", "make it 16:9 for YouTube"]}\nsteps:'))
    result = cli("run", path, "--base-url", mock, "--preview", "--fail-fast", "--concurrency", "1")
    assert result.code == 1
    run_dir = Path("runs") / only_run(tmp_path).name
    command = f"motionctl run {path} --resume {run_dir} --base-url {mock}"
    stopped = [line for line in result.err.splitlines() if "--fail-fast is on" in line]
    assert stopped and all(line.endswith(f"continue with: {command}") for line in stopped)


def test_a_resume_is_checked_against_the_credits_the_work_left_needs(
        cli: Callable[..., CliResult], workflows_copy: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    import re

    recipe_path = workflows_copy / "quickstart.yaml"
    # Not enough for the session's editing: refused; forced, it stops at the first instruction, unpaid.
    with serve_in_thread(MockConfig(seed=0, initial_credits=40)) as served:
        monkeypatch.setenv("NEMO_TOKEN", mock_token(served.url))
        assert cli("run", recipe_path, "--base-url", served.url, "--preview").code == 2
        started = cli("run", recipe_path, "--base-url", served.url, "--preview", "--no-credit-check")
        assert started.code == 1 and "out of credits" in started.err
        (stopped,) = [d for d in (tmp_path / "runs").iterdir()
                      if any(r["type"] == "job_failed" for r in journal_records(d))]
        resumed = cli("run", recipe_path, "--resume", Path("runs") / stopped.name)
        assert resumed.code == 2, resumed.err
        found = re.search(r"needs about (\d+) credits .* the balance is (\d+)", resumed.err)
        assert found is not None and (int(found.group(1)), int(found.group(2))) == (50, 40)

    # A session that already paid owes nothing more: its resume starts even with the balance at 0.
    faults = {"faults": [{"route": "POST /run_sse", "nth": 2, "exhaust_credits": True},
                         {"route": "POST /run_sse", "nth": 3, "respond": {"code": 2001}}]}
    with serve_in_thread(MockConfig(seed=0, initial_credits=10_000)) as served:
        monkeypatch.setenv("NEMO_TOKEN", mock_token(served.url))
        mock_admin(served.url, "faults", faults)
        first = cli("run", recipe_path, "--base-url", served.url, "--preview")
        assert first.code == 1 and "out of credits" in first.err, first.err
        mock_admin(served.url, "faults", {})
        failed = [d for d in (tmp_path / "runs").iterdir()
                  if any(r["type"] == "job_failed" for r in journal_records(d))]
        (stopped,) = [d for d in failed if d.name != stopped.name]
        resumed = cli("run", recipe_path, "--resume", Path("runs") / stopped.name)
        assert resumed.code == 0, resumed.err


def test_a_resumed_shard_does_its_own_jobs_only(cli: Callable[..., CliResult], workflows_copy: Path,
                                                tmp_path: Path, mock: str,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEMO_TOKEN", mock_token(mock))
    mock_admin(mock, "faults", {"faults": [{"route": "POST /run_sse", "nth": 1, "exhaust_credits": True}]})
    recipe_path = workflows_copy / "campaign.yaml"  # two jobs: sneaker on tiktok and on youtube
    first = cli("run", recipe_path, "--base-url", mock, "--preview", "--job", "*-tiktok")
    assert first.code == 1 and "out of credits" in first.err
    mock_admin(mock, "faults", {})
    mock_admin(mock, "reset")
    monkeypatch.setenv("NEMO_TOKEN", mock_token(mock))
    resumed = cli("run", recipe_path, "--resume", Path("runs") / only_run(tmp_path).name)
    assert resumed.code == 0, resumed.err
    assert "1/1 jobs ok" in resumed.err and "youtube" not in resumed.err + resumed.out
    assert count(mock_requests(mock), "POST", "/api/tasks/", ok=False) == 1  # one session: one job
