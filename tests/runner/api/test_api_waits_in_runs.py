"""The client's waits seen from a run against the embedded mock: a Retry-After within --max-wait is a
``Waiting`` event of its job (the display's countdown) and the job goes on; a longer one fails the job at
once, naming the wait in a person's units."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from motionctl.mock_server.faults import parse_fault_plan
from motionctl.runner.cli import main
from motionctl.runner.run import RunConfig, run_recipe

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def recipe(tmp_path: Path) -> Path:
    # No export: the point is the calls before it, and a render would only slow the test down.
    (tmp_path / "images").mkdir()
    shutil.copy(ROOT / "workflows" / "images" / "sneaker.jpg", tmp_path / "images" / "sneaker.jpg")
    path = tmp_path / "waits.yaml"
    path.write_text("version: 1\nname: waits\nsteps:\n  - upload: images/sneaker.jpg\n"
                    "  - motion: {zoom: in, speed: slow}\n")
    return path


def _run(recipe: Path, retry_after: float, **options: Any) -> tuple[bool, list[dict[str, Any]]]:
    respond = {"status": 429, "code": 429, "retry_after": retry_after}
    plan = parse_fault_plan({"faults": [{"route": "POST /api/upload-video/*", "nth": 1, "respond": respond}]})
    result = run_recipe(RunConfig(recipe=recipe, runs_dir=recipe.parent / "runs",
                                  out_dir=recipe.parent / "out", mock_overrides={"faults": plan}, **options))
    events = [json.loads(line) for line in (result.run_dir / "events.jsonl").read_text().splitlines()]
    return result.ok, events


def test_a_short_retry_after_is_a_waiting_event_of_its_job_and_the_job_goes_on(recipe: Path) -> None:
    ok, events = _run(recipe, 0.2)
    assert ok
    waits = [e for e in events if e["event"] == "Waiting"]
    assert len(waits) == 1 and waits[0]["seconds"] == 0.2
    assert waits[0]["job"] == next(e["job"] for e in events if e["event"] == "JobStarted")
    reason = waits[0]["reason"]
    assert reason.startswith("POST /api/upload-video/") and reason.endswith("rate limited (429)")


def test_a_retry_after_beyond_max_wait_fails_the_job_at_once_in_human_units(recipe: Path) -> None:
    ok, events = _run(recipe, 120, max_wait=60.0)
    assert not ok
    assert not [e for e in events if e["event"] == "Waiting"]
    (failed,) = [e for e in events if e["event"] == "JobFailed"]
    message = failed["message"]
    assert "the API asks to wait 2 min (120 s), longer than motionctl waits (--max-wait 60 s)" in message
    assert "--max-wait 2m" in message and "try again later" not in message


def test_max_wait_option_takes_durations_and_refuses_others(
    recipe: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    seen: list[RunConfig] = []

    def record(config: RunConfig) -> None:
        seen.append(config)
        raise KeyboardInterrupt  # stop here: only the option's value is under test

    monkeypatch.setattr("motionctl.runner.run.run_recipe", record)  # the command imports it when it runs
    assert main(["run", str(recipe), "--max-wait", "10m"]) == 130
    assert seen[0].max_wait == 600.0
    assert main(["run", str(recipe), "--max-wait", "a while"]) == 2
    assert "use seconds (300) or 90s, 10m, 2h, 1d" in capsys.readouterr().err
