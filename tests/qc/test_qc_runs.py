"""The clip check inside runs: the mock's output faults fail the job at its export step, naming the check;
what passes is journaled with its measurements; a resume checks again without rendering again."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from motionctl.mock_server import MockConfig, parse_fault_plan, serve_in_thread
from motionctl.runner.run import RunConfig, run_recipe
from tests.integration.conftest import WORKFLOWS, CliResult, count, journal_records, mock_requests

SUBMIT = "POST /api/render/proxy/lambda"

# Each output fault, and the check that must name it.
FAULTS = {
    "black_start": "picture.black",
    "frozen": "picture.frozen",
    "reversed": "motion.zoom",
    "mirrored": "motion.pan",
    "no_audio": "format.audio",
    "wrong_size": "format.size",
    "no_text": "text.shown",
    "cut_short": "format.duration",
}

RECIPE = """\
version: 1
name: faulty
defaults: {aspect: tiktok, duration: 1.5s}
matrix:
  take: [%s]
steps:
  - upload: images/watch.jpg
  - motion: {zoom: in, pan: left, amount: {zoom: 20%%, pan: 10%%}}
  - text: {content: "Take {{ take }}", at: 0.4s, for: 0.8s, position: bottom}
  - music: {mood: lo-fi, volume: 40%%}
  - export: {to: "{{ take }}.mp4"}
"""


def recipe(tmp_path: Path, takes: list[str]) -> Path:
    shutil.copytree(WORKFLOWS / "images", tmp_path / "images", ignore=shutil.ignore_patterns("*.py"))
    path = tmp_path / "faulty.yaml"
    path.write_text(RECIPE % ", ".join(takes))
    return path


def test_each_output_fault_fails_its_job_at_the_export_naming_the_check(tmp_path: Path) -> None:
    takes = ["good", *(f.replace("_", "-") for f in FAULTS)]  # job ids are slugs
    path = recipe(tmp_path, takes)
    # One job at a time, so the n-th render is the n-th job's: job 1 renders right, job k+1 gets fault k.
    plan = parse_fault_plan(
        {"faults": [{"route": SUBMIT, "nth": n, "render": fault} for n, fault in enumerate(FAULTS, start=2)]}
    )
    with serve_in_thread(MockConfig(seed=0, initial_credits=10_000, faults=plan)) as mock:
        result = run_recipe(
            RunConfig(
                recipe=path,
                base_url=mock.url,
                preview=True,
                runs_dir=tmp_path / "runs",
                out_dir=tmp_path / "out",
                concurrency=1,
            )
        )
        assert count(mock_requests(mock.url), "POST", "/api/render/proxy/lambda") == len(takes)
    outcomes = {o.job.removeprefix("faulty-"): o for o in result.jobs}
    assert outcomes["good"].ok, outcomes["good"].error
    export = re.escape(f"{path}:11:5, step 5 (export)")
    for fault, check in FAULTS.items():
        outcome = outcomes[fault.replace("_", "-")]
        assert not outcome.ok, fault
        assert re.fullmatch(export, outcome.where or ""), outcome.where
        assert re.search(
            rf"^clip check failed: {re.escape(check)}\b[^\n]*: measured .+, asked .+$",
            outcome.error or "",
            re.M,
        ), (fault, outcome.error)
        assert outcome.outputs and outcome.outputs[0].is_file()  # the clip is kept for a person to look at
    records = journal_records(result.run_dir)
    checks = {
        r["job"].removeprefix("faulty-").replace("-", "_"): r for r in records if r["type"] == "clip_check"
    }
    assert checks["good"]["ok"] is True
    zoom = next(c for c in checks["good"]["checks"] if c["name"] == "motion.zoom")
    assert zoom["status"] == "passed" and zoom["measured"].startswith(
        "×1.2"
    )  # journaled with its measurement
    assert checks["frozen"]["ok"] is False
    failed = [r for r in records if r["type"] == "job_failed"]
    assert {r["error_type"] for r in failed} == {"ClipCheckFailed"}


def test_a_resume_checks_again_without_rendering_again_and_qc_off_accepts(
    tmp_path: Path, cli: Callable[..., CliResult]
) -> None:
    path = recipe(tmp_path, ["one"])
    plan = parse_fault_plan({"faults": [{"route": SUBMIT, "nth": 1, "render": "reversed"}]})
    with serve_in_thread(MockConfig(seed=0, initial_credits=10_000, faults=plan)) as mock:
        first = cli(
            "run",
            path,
            "--base-url",
            mock.url,
            "--preview",
            "--runs-dir",
            tmp_path / "runs",
            "--out",
            tmp_path / "out",
        )
        assert first.code == 1
        # The zoom reversed: 1.2 → 1 reads as ×1/1.2 (the last digit moves with the renderer's sampling).
        assert "step 5 (export): clip check failed: motion.zoom: measured ×0.83" in first.err
        run_dir = next((tmp_path / "runs").iterdir())
        assert f"to accept it as it is: motionctl run {path} --resume {run_dir}" in first.err
        again = cli("run", path, "--resume", run_dir)
        assert again.code == 1 and "clip check failed: motion.zoom" in again.err
        accepted = cli("run", path, "--resume", run_dir, "--qc", "off")
        assert accepted.code == 0, accepted.err
        log = mock_requests(mock.url)
        assert count(log, "POST", "/api/render/proxy/lambda") == 1  # rendered once, checked three times
        assert count(log, "GET", "/cdn/renders/") == 1  # and downloaded once
    records = journal_records(run_dir)
    assert [r["level"] for r in records if r["type"] == "clip_check"] == ["fast", "fast"]
    assert records[-1]["type"] == "job_finished"


def test_a_say_step_is_checked_against_what_it_did(tmp_path: Path) -> None:
    shutil.copytree(WORKFLOWS / "images", tmp_path / "images", ignore=shutil.ignore_patterns("*.py"))
    path = tmp_path / "said.yaml"
    path.write_text(
        "version: 1\nname: said\ndefaults: {duration: 2s}\nsteps:\n  - upload: images/bag.jpg\n"
        "  - say: animate this image with a slow zoom-in and leftward pan\n  - export: said.mp4\n"
    )
    plan = parse_fault_plan({"faults": [{"route": SUBMIT, "nth": 2, "render": "mirrored"}]})
    with serve_in_thread(MockConfig(seed=0, initial_credits=10_000, faults=plan)) as mock:
        config = RunConfig(
            recipe=path, base_url=mock.url, preview=True, runs_dir=tmp_path / "runs", out_dir=tmp_path / "out"
        )
        good = run_recipe(config)
        assert good.ok, good.jobs[0].error
        mirrored = run_recipe(config)
    error = mirrored.jobs[0].error or ""
    assert "clip check failed: motion.pan: measured 5.0% right" in error
    assert "asked 5.0% left ±0.6%, as step 2 (say) left it" in error
    step = next(r for r in journal_records(good.run_dir) if r["type"] == "step" and r.get("free_text"))
    assert step["clip_fields"] == ["motion"]


def test_clip_assertions_of_expect_are_checked(tmp_path: Path, cli: Callable[..., CliResult]) -> None:
    shutil.copytree(WORKFLOWS / "images", tmp_path / "images", ignore=shutil.ignore_patterns("*.py"))
    path = tmp_path / "loud.yaml"
    path.write_text(
        "version: 1\nname: loud\ndefaults: {duration: 2s}\nsteps:\n  - upload: images/bag.jpg\n"
        "  - music: {mood: calm, volume: 50%}\n  - expect: {clip: {loudness: -14 LUFS}}\n"
        "  - export: loud.mp4\n"
    )
    result = cli("run", path, "--preview", "--runs-dir", tmp_path / "runs", "--out", tmp_path / "out")
    assert result.code == 1
    assert re.search(
        r"step 4 \(export\): clip check failed: expect.loudness: measured -2\d\.\d LUFS, "
        r"asked -14 LUFS ±1 LU \(step 3 \(expect\)\)",
        result.err,
    ), result.err


@pytest.mark.parametrize("level", ["fast", "full"])
def test_the_level_is_journaled_and_shown(tmp_path: Path, cli: Callable[..., CliResult], level: str) -> None:
    path = recipe(tmp_path, ["one"])
    result = cli(
        "run", path, "--preview", "--runs-dir", tmp_path / "runs", "--out", tmp_path / "out", "--qc", level
    )
    assert result.code == 0, result.err
    run_dir = next((tmp_path / "runs").iterdir())
    header = journal_records(run_dir)[0]
    assert header["options"]["qc"] == level
    shown = cli("show", run_dir)
    assert f"clip check ({level}) of one.mp4: ok" in shown.out
    assert "motion.zoom: measured ×1.2" in shown.out
    spelling = (
        "text.spelling 'Take one': measured reads 'Take one'"
        if level == "full"
        else "text.spelling: not checked (read at the full level"
    )
    assert spelling in shown.out
    as_json = json.loads(cli("show", run_dir, "--json").out)
    assert as_json["jobs"][0]["clip_checks"][0]["ok"] is True
