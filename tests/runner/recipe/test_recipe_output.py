"""What `validate` and `plan` print (issue 13): bare file:line:col lines, each problem once, no cascades,
folders and globs, --json, readable values and step numbers as the user counts them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from motionctl.runner.actions import Say
from motionctl.runner.cli import main
from motionctl.runner.recipe import load_plan
from tests.runner.recipe.recipes import FIXTURES, WriteRecipe

WORKFLOWS = Path(__file__).parents[3] / "workflows"
HEAD = "version: 1\nname: demo\nsteps:\n"


def test_a_bad_upload_does_not_cascade(write_recipe: WriteRecipe, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_recipe(HEAD + "  - upload: missing.png\n  - motion: {zoom: in}\n  - use: missing.png\n"
                               "  - export: clip.mp4\n")
    assert main(["validate", str(path)]) == 2
    lines = capsys.readouterr().err.splitlines()
    # One mistake, one line: not also "'motion' before any image upload" or "no image named 'missing.png'".
    assert lines == [f"{path}:4:13: step 1 (upload): 'missing.png': no such file; check the path (relative "
                     "paths start at the recipe)"]


def test_the_same_problem_in_every_job_is_printed_once(write_recipe: WriteRecipe,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    path = write_recipe("version: 1\nname: demo\nmatrix:\n  image: [shoe.png, bag.jpg]\n  n: [1, 2, 3]\n"
                        "steps:\n  - upload: \"{{ image }}\"\n  - motion: {zoom: \"{{ 'inn' }}\"}\n")
    assert main(["validate", str(path)]) == 2
    lines = capsys.readouterr().err.splitlines()
    assert lines == [f"{path}:8:20: step 2 (motion), field 'zoom': unknown value 'inn', did you mean 'in'?"]


def test_validate_a_glob_and_a_folder_expands_to_the_recipes(capsys: pytest.CaptureFixture[str]) -> None:
    recipes = sorted(p for p in WORKFLOWS.glob("*.yaml") if not p.name.endswith(".golden.yaml"))
    everything = sorted(WORKFLOWS.glob("*"))  # what the shell makes of workflows/*: goldens, images/
    assert any(p.is_dir() for p in everything) and any(p.name.endswith(".golden.yaml") for p in everything)
    for arguments in ([str(p) for p in everything], [str(WORKFLOWS)]):
        assert main(["validate", *arguments]) == 0
        out = capsys.readouterr().out.splitlines()
        assert [line.split(": ok (")[0] for line in out] == [str(p) for p in recipes]


def test_validate_json(write_recipe: WriteRecipe, capsys: pytest.CaptureFixture[str]) -> None:
    good = write_recipe(HEAD + "  - upload: shoe.png\n", name="good.yaml")
    bad = write_recipe(HEAD + "  - upload: shoe.png\n  - motion: {zom: in}\n", name="bad.yaml")
    broken = write_recipe(HEAD + '  - say: "open\n', name="broken.yaml")
    assert main(["validate", "--json", str(good), str(bad), str(broken)]) == 2
    captured = capsys.readouterr()
    assert captured.err == ""
    shown = json.loads(captured.out)
    assert shown["recipes"] == [
        {"file": str(good), "ok": True, "jobs": 1, "actions": 1, "warnings": 0},
        {"file": str(bad), "ok": False, "problems": 1},
        {"file": str(broken), "ok": False, "problems": 1}]
    assert shown["problems"][0] == {"file": str(bad), "line": 5, "column": 14, "step": "step 2 (motion)",
                                    "field": None, "message": "unknown key 'zom', did you mean 'zoom'?"}
    assert shown["problems"][1]["line"] == 4 and "quoted scalar" in shown["problems"][1]["message"]


def test_defaults_are_numbered_as_the_step_that_uploads(capsys: pytest.CaptureFixture[str]) -> None:
    plan = load_plan(FIXTURES / "spring-sale.yaml")
    labels = [a.where.label for a in plan.jobs[0].actions]
    assert labels[:4] == ["step 1 (upload)", "step 1 (defaults)", "step 1 (defaults)", "step 2 (motion)"]
    assert not any(a.where.step_index == 0 for job in plan.jobs for a in job.actions)
    assert all(isinstance(a, Say) for a in plan.jobs[0].actions[1:3])


def test_plan_prints_readable_expectations(write_recipe: WriteRecipe, capsys: pytest.CaptureFixture[str]
                                           ) -> None:
    path = write_recipe(HEAD + "  - upload: shoe.png\n  - expect: {tracks: {video: 1}, text: [Hi, 'a b'], "
                               "volume: 35%, aspect: tiktok, motion: {easing: linear, zoom: [1, 1.2]}}\n")
    assert main(["plan", str(path)]) == 0
    out = capsys.readouterr().out
    assert ('expect tracks video 1; text "Hi", "a b"; aspect 9:16; volume 35%; '
            "motion easing linear, zoom [1, 1.2]  [line 5]") in out
