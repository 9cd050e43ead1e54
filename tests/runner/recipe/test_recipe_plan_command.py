"""``motionctl plan``: the jobs, each action's exact words, the API calls and the credits a run will spend."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from motionctl.runner.cli import main
from motionctl.runner.recipe import estimate, load_plan
from tests.runner.recipe.recipes import FIXTURES, WriteRecipe

SPRING = FIXTURES / "spring-sale.yaml"


def test_plan_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", str(SPRING), "--json", "--out", str(tmp_path)]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["name"] == "spring-sale"
    assert len(shown["recipe_hash"]) == 64
    job = shown["jobs"][0]
    assert job["id"] == "spring-sale-shoe-tiktok"
    assert [a["type"] for a in job["actions"]] == ["upload", "say", "say", "say", "say", "say", "say",
                                                    "expect", "export"]
    assert job["actions"][3] == {
        "type": "say", "free_text": False,
        "sentence": "Animate the image with camera motion: slow zoom in, slow pan left, easing ease-in-out.",
        "where": {"file": str(SPRING), "line": 10, "column": 5, "step_index": 2, "step_kind": "motion"}}
    assert job["actions"][-1]["dest"] == str(tmp_path / "spring-sale" / "shoe-tiktok.mp4")
    # 6 instructions: 6 streams; a state read after each upload and instruction, and one for the render.
    assert job["api_calls"] == {"create_session": 1, "upload": 1, "run_sse": 6, "state": 8,
                                "render_submit": 1, "render_poll": 1, "download": 1}
    # The session's editing, camera motion included: 50 once (specs/instructions.md, "Credits").
    assert job["credits"] == 50
    assert shown["credits"] == 4 * 50


def test_plan_text_shows_the_exact_sentences(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", str(SPRING), "--preview"]) == 0
    out = capsys.readouterr().out
    assert "job spring-sale-bag-instagram-feed  (image=bag.jpg, platform=instagram-feed)" in out
    assert "say Set the aspect ratio to 4:5 for instagram-feed.  [defaults]" in out
    assert "expect tracks video 1, audio 1, text 1; duration 6s" in out  # readable values, not Python reprs
    assert "{'" not in out
    assert 'say Add the text "Acme — 30% off" from 0s for 3s at the bottom.  [line 12]' in out
    assert "export out/spring-sale/bag-tiktok.mp4 (mp4, low, 540p)" in out  # under the default --out
    assert "total: about 200 credits for 4 jobs" in out


def test_plan_of_a_broken_recipe_exits_2_with_located_lines(
        write_recipe: WriteRecipe, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_recipe("version: 1\nname: x\nsteps:\n  - upload: shoe.png\n  - motion: {zoom: inn}\n")
    assert main(["plan", str(path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    # A bare file:line:col: line, as editors' problem matchers read it (no "motionctl: error:" prefix).
    assert captured.err == (f"{path}:5:20: step 2 (motion), field 'zoom': unknown value "
                            "'inn', did you mean 'in'?\n")


def test_credits_are_50_per_session_however_much_it_edits(write_recipe: WriteRecipe) -> None:
    path = write_recipe("""
        version: 1
        name: credits
        steps:
          - upload: [shoe.png, bag.jpg]
          - motion: {zoom: in}
          - motion: {zoom: out}
          - use: shoe.png
          - motion: {pan: left}
          - export: {}
    """)
    (job,) = load_plan(path).jobs
    assert estimate(job).credits == 50


def test_a_job_that_sends_no_instruction_spends_nothing(write_recipe: WriteRecipe) -> None:
    path = write_recipe("version: 1\nname: g\nsteps:\n  - upload: shoe.png\n  - export: {}\n")
    (job,) = load_plan(path).jobs
    assert estimate(job).credits == 0


def test_without_a_token_plan_compares_its_estimate_with_a_new_tokens_100_credits(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NEMO_TOKEN", raising=False)
    assert main(["plan", str(SPRING)]) == 0
    last = capsys.readouterr().out.splitlines()[-1]
    assert last.startswith("NEMO_TOKEN is not set, so `--backend live` would start from a new anonymous "
                           "token with 100 credits, 100 short of this plan's 200 (it covers 2 of 4 jobs): ")
    assert "set NEMO_TOKEN" in last and "--job or --shard" in last
    assert main(["plan", str(SPRING), "--job", "*-shoe-tiktok"]) == 0
    assert capsys.readouterr().out.splitlines()[-1].endswith("with 100 credits: enough for this plan")
    monkeypatch.setenv("NEMO_TOKEN", "nmv_usr_someone")  # an account of its own: its balance is unknown here
    assert main(["plan", str(SPRING)]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "total: about 200 credits for 4 jobs"
