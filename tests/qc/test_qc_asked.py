"""What each export asks of its clip, folded from the recipe (runner/recipe/asked.py), and a say: step's
part settled from what it did (runner/qc/asked.py ``resolve``)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from motionctl.amounts import SPEED_AMOUNTS as SPEEDS
from motionctl.runner.actions import Export
from motionctl.runner.errors import RecipeValidationError
from motionctl.runner.qc import AskedMotion, AskedMusic, Unknown, resolve, touched_fields
from motionctl.runner.qc.asked import AskedClip
from motionctl.runner.recipe import load_plan
from motionctl.runner.recipe.presets import SPEED_AMOUNTS

WORKFLOWS = Path(__file__).resolve().parents[2] / "workflows"


def exports(text: str, tmp_path: Path) -> list[AskedClip]:
    shutil.copytree(WORKFLOWS / "images", tmp_path / "images", ignore=shutil.ignore_patterns("*.py"),
                    dirs_exist_ok=True)
    recipe = tmp_path / "r.yaml"
    recipe.write_text("version: 1\nname: r\nsteps:\n" + text)
    (job,) = load_plan(recipe).jobs
    return [a.asked for a in job.actions if isinstance(a, Export) and a.asked is not None]


def test_the_speed_table_is_the_mocks_and_motion_mds() -> None:
    for speed, (zoom, pan, roll) in SPEEDS.items():
        assert SPEED_AMOUNTS[speed] == pytest.approx(
            {"zoom": zoom * 100, "pan": pan * 100, "tilt": pan * 100, "roll": roll})
    table = (WORKFLOWS.parent / "specs" / "motion.md").read_text()
    assert "| slow | 0.10 | 0.05 | 3 |" in table and "| fast | 0.35 | 0.20 | 12 |" in table


def test_motion_in_draft_units_with_speed_amounts_focus_and_duration(tmp_path: Path) -> None:
    (asked,) = exports("  - upload: images/bag.jpg\n"
                       "  - motion: {zoom: out, pan: left, tilt: down, roll: counterclockwise, speed: fast, "
                       "easing: ease-in, focus: top-left, duration: 1.5s}\n  - export: a.mp4\n", tmp_path)
    assert asked.motion == AskedMotion(zoom=(1.35, 1.0), pan=(-0.2, 0.2), roll=(0.0, -12.0),
                                       focus=(0.25, 0.25),
                                       easing="ease-in", duration_ms=1500)
    assert asked.image == tmp_path / "images" / "bag.jpg"
    assert (asked.aspect, asked.platform, asked.duration_ms, asked.fps) == ("9:16", None, 5000, 30)


def test_each_export_asks_what_the_steps_before_it_made(tmp_path: Path) -> None:
    first, second, third = exports(
        "  - upload: images/bag.jpg\n  - motion: {zoom: in, amount: 12%}\n"
        "  - text: {content: Hello, at: 1s, for: 10s}\n  - export: a.mp4\n"
        "  - upload: images/watch.jpg\n  - duration: 3s\n  - music: {mood: calm, volume: 20%}\n"
        "  - replace: {text: Hello, with: Bye}\n  - export: b.mp4\n"
        "  - use: bag.jpg\n  - remove: text\n  - aspect: youtube\n  - music: {volume: 60%}\n"
        "  - export: {to: c.webm, resolution: 720p}\n", tmp_path)
    assert first.motion == AskedMotion(zoom=(1.0, 1.12))
    assert [(t.content, t.start_ms, t.length_ms, t.position) for t in first.texts] == [("Hello", 1000, 4000,
                                                                                       "bottom")]
    assert second.motion == AskedMotion()  # a new image resets the motion
    assert second.image is not None and second.image.name == "watch.jpg"
    assert [(t.content, t.length_ms) for t in second.texts] == [("Bye", 2000)]  # cut again at 3 s
    assert second.music == AskedMusic(20.0, mood="calm", name="mood:calm")
    assert third.image is not None and third.image.name == "bag.jpg"  # use: switches, keeps the motion
    assert third.texts == () and third.music == AskedMusic(60.0, mood="calm", name="mood:calm")
    assert (third.aspect, third.platform) == ("16:9", "youtube")
    assert (third.format, third.resolution) == ("webm", "720p")
    assert third.size == (1280, 720) and first.size == (1080, 1920)


def test_expect_clip_assertions_go_to_the_next_export_only(tmp_path: Path) -> None:
    first, second = exports(
        "  - upload: images/bag.jpg\n  - expect: {clip: {loudness: -20 LUFS, loudness_tolerance: 2 LU, "
        "max_true_peak: -1 dBTP, readable: [{text: Hi, at: 1s}]}}\n  - export: a.mp4\n  - export: b.mp4\n",
        tmp_path)
    (a,) = first.assertions
    assert (a.loudness, a.loudness_tolerance, a.max_true_peak) == (-20.0, 2.0, -1.0)
    assert [(r.text, r.at_ms) for r in a.readable] == [("Hi", 1000)]
    assert a.step == "step 2 (expect)"
    assert second.assertions == ()


def test_a_clip_assertion_with_no_export_after_it_is_a_recipe_problem(tmp_path: Path) -> None:
    where = r"r\.yaml:6:20: step 3 \(expect\), field 'clip': "
    with pytest.raises(RecipeValidationError, match=where + r".*no export follows; add an 'export:'"):
        exports("  - upload: images/bag.jpg\n  - export: a.mp4\n  - expect: {clip: {loudness: -20}}\n",
                tmp_path)


def test_fields_a_say_step_came_after_are_settled_from_what_it_did(tmp_path: Path) -> None:
    (asked,) = exports("  - upload: images/bag.jpg\n  - motion: {zoom: in}\n  - say: make it louder\n"
                       "  - text: {content: Hi, for: 1s}\n  - export: a.mp4\n", tmp_path)
    assert asked.say_steps == {f: (3,) for f in ("aspect", "duration", "motion", "texts", "music")}
    assert asked.say_labels == {3: "step 3 (say)"}
    before = {"d": 5000, "t": [{"tt": 0, "sg": [{"motion": {"zoom": [1.0, 1.2]}}]}]}
    after = {"d": 5000, "t": [{"tt": 0, "sg": [{"motion": {"zoom": [1.0, 1.2]}}]},
                              {"tt": 1, "sg": [{"src": "mood:upbeat", "vol": 80}]}]}
    assert touched_fields(before, after) == ["music"]
    settled = resolve(asked, {3: ("music",)}, after)
    assert settled.music == AskedMusic(80.0, mood="upbeat", name="mood:upbeat")
    assert settled.motion == AskedMotion(zoom=(1.0, 1.2))  # the recipe's, not the draft's
    assert settled.sources == {"music": "step 3 (say)"}
    unknown = resolve(asked, None, None)  # no run at hand: what the say step did is not known
    assert unknown.music == Unknown("step 3 (say)") and unknown.motion == Unknown("step 3 (say)")
