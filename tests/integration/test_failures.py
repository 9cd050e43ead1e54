"""Failures a user meets: a failing expect (located, with the state), other jobs unaffected, exit codes."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
from collections.abc import Callable
from pathlib import Path

from motionctl.mock_server.render import RenderOptions, render_draft
from motionctl.runner.reporting import PlainReporter
from motionctl.runner.run import RunConfig, run_recipe
from tests.integration.conftest import WORKFLOWS, CliResult
from tests.render.video_checks import video_draft

RECIPE = """\
version: 1
name: two-platforms
matrix:
  platform: [tiktok, youtube]
steps:
  - upload: sneaker.jpg
  - motion: {zoom: in}
  - expect: {aspect: "9:16"}
  - export: {to: "{{ platform }}.mp4"}
"""


def write_recipe(folder: Path, text: str = RECIPE) -> Path:
    shutil.copy(WORKFLOWS / "images" / "sneaker.jpg", folder / "sneaker.jpg")
    recipe = folder / "two.yaml"
    recipe.write_text(text)
    return recipe


def test_a_failing_expect_names_job_step_and_line_shows_the_diff_and_spares_other_jobs(
        cli: Callable[..., CliResult], tmp_path: Path) -> None:
    recipe = write_recipe(tmp_path)
    result = cli("run", recipe, "--preview")

    assert result.code == 1
    err = result.err
    run_dir = next((tmp_path / "runs").iterdir())
    # As it fails: the mismatch and the draft it was checked against.
    # (the job's line: the jobs counter, the job, its session, where and why)
    failed = (f"at {recipe}:8:5, step 3 (expect): the expectation did not hold: aspect: expected 9:16, "
              "got 16:9\n  draft: {")
    assert re.search(r"^\[\d/2\] FAILED  two-platforms-youtube  session \d+  " + re.escape(failed), err,
                     flags=re.M)
    assert '"aspect": "16:9"' in err
    # At the end, one line per failed job, without the draft again.
    assert err.endswith(f"motionctl: error: job two-platforms-youtube failed at {recipe}:8:5, "
                        "step 3 (expect): the expectation did not hold: aspect: expected 9:16, got 16:9\n")
    assert err.count("draft: {") == 1
    assert any(r["type"] == "job_failed" and "draft: {" in r["error"]
               for r in map(json.loads, (run_dir / "journal.jsonl").read_text().splitlines()))
    assert (tmp_path / "out" / "tiktok.mp4").is_file()  # the other job finished, under the default --out
    assert not (tmp_path / "out" / "youtube.mp4").exists()
    assert result.out.splitlines()[0] == "out/tiktok.mp4"


def test_fail_fast_does_not_start_the_remaining_jobs(cli: Callable[..., CliResult], tmp_path: Path) -> None:
    recipe = write_recipe(tmp_path, RECIPE.replace("[tiktok, youtube]", "[youtube, tiktok]")
                          .replace('"9:16"', '"4:5"'))
    result = cli("run", recipe, "--preview", "--fail-fast", "--concurrency", "1")
    assert result.code == 1
    assert "--fail-fast is on" in result.err and not list(tmp_path.rglob("*.mp4"))


def test_invalid_input_exits_2(cli: Callable[..., CliResult], tmp_path: Path) -> None:
    bad = write_recipe(tmp_path, RECIPE.replace("motion: {zoom: in}", "motion: {zom: in}"))
    result = cli("run", bad)
    assert result.code == 2
    assert f"{bad}:7" in result.err and "zoom" in result.err

    both = cli("run", bad, "--check", "--update")
    assert both.code == 2 and "exclude each other" in both.err
    assert cli("run", tmp_path / "missing.yaml").code == 2
    assert cli("run", bad, "--concurrency", "0").code == 2
    good = write_recipe(tmp_path)
    assert cli("run", good, "--base-url", "ftp://x").code == 2
    assert not (tmp_path / "runs").exists()  # no empty run directory is left behind by bad input


def test_several_recipes_are_all_checked_before_any_runs(cli: Callable[..., CliResult],
                                                         tmp_path: Path) -> None:
    good = write_recipe(tmp_path)
    bad = tmp_path / "bad.yaml"
    bad.write_text(RECIPE.replace("motion: {zoom: in}", "motion: {zom: in}"))
    result = cli("run", good, bad, "--preview")
    assert result.code == 2
    assert result.err == (f"motionctl: error: {bad}:7:14: step 2 (motion): unknown key 'zom', "
                          "did you mean 'zoom'?\n")
    assert not (tmp_path / "runs").exists() and not (tmp_path / "out").exists()  # nothing ran


def test_resume_refuses_when_the_recipe_changed(cli: Callable[..., CliResult], tmp_path: Path) -> None:
    recipe = write_recipe(tmp_path, RECIPE.replace('"9:16"', '"4:5"'))
    first = cli("run", recipe, "--preview", "--concurrency", "1", "--fail-fast")
    assert first.code == 1
    run_dir = next((tmp_path / "runs").iterdir())
    recipe.write_text(recipe.read_text().replace("zoom: in", "zoom: out"))
    again = cli("run", recipe, "--resume", run_dir)
    assert again.code == 2
    assert "changed since that run" in again.err


def test_a_closed_progress_stream_does_not_fail_the_run(workflows_copy: Path, tmp_path: Path) -> None:
    # `motionctl run recipe.yaml 2>&1 | head -2`: head exits, every later progress line meets a closed pipe.
    read_end, write_end = os.pipe()
    os.close(read_end)
    with open(write_end, "w", encoding="utf-8") as closed:
        config = RunConfig(recipe=workflows_copy / "quickstart.yaml", preview=True, out_dir=tmp_path / "out",
                           runs_dir=tmp_path / "runs", reporters=(PlainReporter(closed),), env={})
        result = run_recipe(config)
        with contextlib.suppress(BrokenPipeError):
            closed.close()
    assert result.ok, [j.error for j in result.jobs]  # before: "cannot write: [Errno 32] Broken pipe"
    assert result.outputs == (tmp_path / "out" / "quickstart.mp4",)
    assert (tmp_path / "out" / "quickstart.mp4").stat().st_size > 1000


def test_run_json_prints_each_runs_summary_on_stdout_and_nothing_else(
        cli: Callable[..., CliResult], tmp_path: Path) -> None:
    ok = cli("run", WORKFLOWS / "quickstart.yaml", "--preview", "--json", "--out", tmp_path / "out")
    assert ok.code == 0, ok.err
    (run,) = json.loads(ok.out)["runs"]  # the whole of stdout is one JSON document
    assert run["ok"] is True and run["jobs"][0]["job"] == "quickstart"
    assert Path(run["outputs"][0]).is_file()

    recipe = tmp_path / "late.yaml"
    recipe.write_text((WORKFLOWS / "quickstart.yaml").read_text(encoding="utf-8")
                      + "  - expect: {tracks: {text: 1}}\n", encoding="utf-8")  # there is no text: it fails
    (tmp_path / "images").mkdir(exist_ok=True)
    for image in (WORKFLOWS / "images").iterdir():
        (tmp_path / "images" / image.name).write_bytes(image.read_bytes())
    failed = cli("run", recipe, "--preview", "--json", "--out", tmp_path / "out2")
    assert failed.code == 1
    (run,) = json.loads(failed.out)["runs"]
    assert run["ok"] is False and run["jobs"][0]["error"]


def test_a_text_the_renderer_cannot_draw_fails_at_the_step_that_added_it_and_never_says_run_again(
        cli: Callable[..., CliResult], tmp_path: Path) -> None:
    # Free text is not checked before the run (what the service makes of it is only known when it
    # answers), so this one reaches the renderer, which refuses it: a deterministic failure.
    recipe = write_recipe(tmp_path, """\
version: 1
name: glyph
defaults: {aspect: tiktok, duration: 2s}
steps:
  - upload: sneaker.jpg
  - say: 'Add the text "搶購中" from 0s for 1s at the top.'
  - export: {to: glyph.mp4}
""")
    result = cli("run", recipe, "--preview", "-q")
    assert result.code == 1
    last = result.err.splitlines()[-1]
    assert last.startswith(f"motionctl: error: job glyph failed at {recipe}:6:5, step 2 (say): render ")
    assert "failed: draft.t[1].sg[0].text '搶購中': the renderer has no glyph for '搶'" in last
    assert "render failed: render failed" not in last and "failed: render failed:" not in last
    assert "running again cannot help" in last
    assert "run again" not in last.replace("running again cannot help", "")
    failed = [json.loads(line) for line in (next((tmp_path / "runs").iterdir()) / "journal.jsonl")
              .read_text().splitlines() if '"job_failed"' in line]
    assert failed[0]["where"] == f"{recipe}:6:5, step 2 (say)" and failed[0]["resumable"] is False


def test_a_preview_never_replaces_a_full_size_clip_without_a_word(
        cli: Callable[..., CliResult], tmp_path: Path) -> None:
    recipe = write_recipe(tmp_path, RECIPE.replace("platform: [tiktok, youtube]", "platform: [tiktok]")
                          .replace('  - expect: {aspect: "9:16"}\n', ""))
    clip = tmp_path / "out" / "tiktok.mp4"
    clip.parent.mkdir()
    # A full-size deliverable from an earlier run (a few frames of the real 1080x1920 size).
    render_draft(video_draft(None, ms=100), {"cdn://pic": tmp_path / "sneaker.jpg"}, clip,
                 RenderOptions(quality="low"))
    before = clip.read_bytes()
    refused = cli("run", recipe, "--preview")
    assert refused.code == 2
    assert refused.err == (
        "motionctl: error: --preview writes 540p clips where the full run writes its clips, and would "
        "replace 1 full-size clip: out/tiktok.mp4 (1080×1920) (give the previews a folder of their own "
        "(--out previews), or move the full-size clips away)\n")
    assert clip.read_bytes() == before and not (tmp_path / "runs").exists()
    elsewhere = cli("run", recipe, "--preview", "--out", "previews")
    assert elsewhere.code == 0 and (tmp_path / "previews" / "tiktok.mp4").is_file()
    again = cli("run", recipe, "--preview", "--out", "previews")  # a preview may replace a preview
    assert again.code == 0
