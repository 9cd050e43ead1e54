"""Structured steps compile to the exact sentences of specs/instructions.md, the same bytes every time."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from motionctl.runner.actions import Expect, Expectation, Export, Say, Upload
from motionctl.runner.recipe import compile_step, load_plan
from motionctl.runner.recipe.compiler import number
from motionctl.runner.recipe.model import (
    AspectStep,
    DurationStep,
    MotionPart,
    MotionStep,
    MusicStep,
    RemoveStep,
    ReplaceStep,
    TextStep,
    UploadStep,
    UseStep,
)
from motionctl.runner.recipe.presets import PLATFORMS
from tests.runner.recipe.recipes import FIXTURES

EVERY_STEP = FIXTURES / "every-step.yaml"

EXPECTED_SENTENCES = [
    "Set the aspect ratio to 16:9 for youtube.",  # defaults.aspect: youtube, right after the upload
    "Set the duration to 8s.",
    'Use the image "shoe.png".',
    "Animate the image with camera motion: slow zoom in, slow pan left.",
    "Animate the image with camera motion: zoom out 15%, tilt up 4%, roll clockwise 5 degrees, "
    "focus at 25% 25%, easing linear, over 2.5s.",
    "Animate the image with camera motion: fast pan right 12.5%, fast tilt down 12.5%, focus at 30% 60%, "
    "easing ease-out.",
    "make the colours warmer",
    'Add the text "Acme says \\"hi\\"" from 0.5s for 3s at the bottom.',
    'Add the text "Sale" from 1s for 2s at the top, size 64, color #FFCC00.',
    'Add the text "Corner" from 0s for 1.5s at 20% 80%.',
    'Replace the text "Sale" with "Big sale".',
    'Remove the text "Corner".',
    "Add background music: lo-fi mood at 40% volume.",  # defaults.music.volume
    "Set the music volume to 25%.",
    'Add background music from the file "song.mp3" at 50% volume.',
    "Set the aspect ratio to 9:16.",
    "Set the duration to 6.25s.",
    'Use the image "bag.jpg".',
    "Remove the camera motion.",
    "Remove all text.",
    "Remove the background music.",
]


def test_every_step_kind_compiles_to_its_sentence(tmp_path: Path) -> None:
    plan = load_plan(EVERY_STEP, out_dir=tmp_path)
    (job,) = plan.jobs
    says = [a for a in job.actions if isinstance(a, Say)]
    assert [s.sentence for s in says] == EXPECTED_SENTENCES
    assert [s.free_text for s in says].count(True) == 1
    assert [s.where.step_kind for s in says[:4]] == ["defaults", "defaults", "use", "motion"]
    assert (says[3].where.line, says[3].where.column, says[3].where.step_index) == (13, 5, 3)

    upload, *_ = job.actions
    assert isinstance(upload, Upload)
    assert [p.name for p in upload.paths] == ["shoe.png", "bag.jpg", "song.mp3"]
    expect = next(a for a in job.actions if isinstance(a, Expect))
    assert expect.expectation == Expectation(tracks={"video": 1, "audio": 0, "text": 0}, duration_ms=6250,
                                             texts=(), aspect="9:16")
    export = job.actions[-1]
    assert isinstance(export, Export)
    assert (export.dest, export.format, export.quality, export.resolution) == (
        tmp_path / "every-step" / "final.mp4", "mp4", "medium", "1080p")


@pytest.mark.parametrize(("step", "sentence"), [
    (MotionStep((MotionPart("roll", "counterclockwise"),), speed="medium"),
     "Animate the image with camera motion: medium roll counterclockwise."),
    (MotionStep((MotionPart("zoom", "in", 20.0), MotionPart("pan", "left", 3.333333)), duration_ms=1500),
     "Animate the image with camera motion: zoom in 20%, pan left 3.333%, over 1.5s."),
    (TextStep("a\\b", 0, 250, (33.5, 0.0)), 'Add the text "a\\b" from 0s for 0.25s at 33.5% 0%.'),
    (RemoveStep("text", 'say "x"'), 'Remove the text "say \\"x\\"".'),
    (ReplaceStep("old", "new"), 'Replace the text "old" with "new".'),
    (MusicStep(35.0, mood="cinematic"), "Add background music: cinematic mood at 35% volume."),
    (MusicStep(12.5), "Set the music volume to 12.5%."),
    (AspectStep("4:5"), "Set the aspect ratio to 4:5."),
    (AspectStep("9:16", PLATFORMS["reels"]), "Set the aspect ratio to 9:16 for reels."),
    (TextStep("x", 0, 1000, (10.0, 90.0), keep_safe=False),
     'Add the text "x" from 0s for 1s at 10% 90%, ignoring the safe zone.'),
    (DurationStep(60_000), "Set the duration to 60s."),
    (UseStep("my photo.png"), 'Use the image "my photo.png".'),
])
def test_sentences(step: MotionStep, sentence: str) -> None:
    assert compile_step(step) == sentence


def test_steps_that_are_api_calls_send_no_sentence() -> None:
    with pytest.raises(TypeError, match="upload step sends no instruction"):
        compile_step(UploadStep(("a.png",)))


def test_numbers_have_no_trailing_zeros() -> None:
    assert [number(x) for x in (15, 15.0, 2.5, 0.125, 0.1 + 0.2, 100.0, 1e-9)] == [
        "15", "15", "2.5", "0.125", "0.3", "100", "0"]


def test_same_recipe_same_words_across_processes(tmp_path: Path) -> None:
    # A fresh interpreter per run: nothing (hash seeds, dict order, caches) may change a byte of the plan.
    script = ("import json,sys; from pathlib import Path; from motionctl.runner.recipe import load_plan; "
              "from motionctl.runner.cli.recipe_commands import plan_as_json; "
              "plan = load_plan(Path(sys.argv[1]), out_dir=Path('o')); "
              "print(json.dumps(plan_as_json(plan), sort_keys=True))")
    runs = {subprocess.run([sys.executable, "-c", script, str(recipe)], capture_output=True, text=True,
                           check=True, env={"PYTHONHASHSEED": seed, "PATH": ""}).stdout
            for recipe in (EVERY_STEP, FIXTURES / "spring-sale.yaml") for seed in ("1", "2")}
    assert len(runs) == 2  # one output per recipe, whatever the hash seed


def test_recipe_hash_covers_the_uploaded_files(tmp_path: Path) -> None:
    for name in ("shoe.png", "bag.jpg", "song.mp3"):
        (tmp_path / name).write_bytes((FIXTURES / name).read_bytes())
    recipe = tmp_path / "r.yaml"
    recipe.write_bytes(EVERY_STEP.read_bytes())
    first = load_plan(recipe).recipe_hash
    assert load_plan(recipe).recipe_hash == first
    (tmp_path / "song.mp3").write_bytes((FIXTURES / "song.mp3").read_bytes() + b"\0")
    changed_media = load_plan(recipe).recipe_hash
    recipe.write_bytes(EVERY_STEP.read_bytes() + b"\n# a comment\n")
    changed_recipe = load_plan(recipe).recipe_hash
    assert len({first, changed_media, changed_recipe}) == 3
