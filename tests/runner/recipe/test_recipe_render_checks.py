"""What the bundled renderer would refuse or make look bad is known before any render (issue 18): a text
that cannot be drawn whole fails `validate` at its step's line, and a picture enlarged past 2× is a warning
in `validate` and `plan`, job by job."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from PIL import Image

from motionctl.runner.cli import main
from motionctl.runner.recipe import load_plan
from motionctl.runner.recipe.model import MotionStep, build_step
from motionctl.runner.recipe.render_checks import draft_motion
from tests.runner.recipe.recipes import FIXTURES, WriteRecipe

TEXTS = """\
version: 1
name: texts
defaults: {aspect: tiktok, duration: 6s}
steps:
  - upload: shoe.png
  - text: {content: "Use code 026FREESHIPPINGWEEKEND", for: 2s, size: 200}
  - text: {content: "搶購中", for: 2s}
  - text: {content: "A big headline", for: 2s, size: 120, position: {x: 50, y: 12}}
  - text: {content: "Fits fine", for: 2s, size: 80, position: {x: 46, y: 50}}
  - export: out.mp4
"""


def _validate(path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str]]:
    code = main(["validate", str(path)])
    return code, capsys.readouterr().err.splitlines()


def test_text_the_renderer_cannot_draw_whole_fails_validate_at_its_step(
        write_recipe: WriteRecipe, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_recipe(TEXTS)
    code, lines = _validate(path, capsys)
    assert code == 2
    assert len(lines) == 3, lines
    wide, glyph, place = lines
    assert wide.startswith(f"{path}:6:21: step 2 (text), field 'content': '026FREESHIPPINGWEEKEND' is ")
    assert "wider than the safe zone of tiktok (864 px)" in wide and "use size " in wide
    assert glyph.startswith(f"{path}:7:21: step 3 (text), field 'content': the renderer has no glyph for "
                            "'搶' (U+6436")
    assert place.startswith(f"{path}:8:69: step 4 (text), field 'position': the text centred at 50% 12% is ")
    assert "leaves the safe zone of tiktok" in place


def test_a_later_aspect_step_rechecks_the_text_in_its_frame(write_recipe: WriteRecipe,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    # Fine on YouTube's wide frame when it is added; too wide once the clip turns 9:16 for TikTok.
    path = write_recipe("""\
        version: 1
        name: turn
        defaults: {aspect: youtube, duration: 3s}
        steps:
          - upload: shoe.png
          - text: {content: "CODE026FREESHIP", for: 2s, size: 150}
          - aspect: tiktok
          - export: out.mp4
    """)
    code, lines = _validate(path, capsys)
    assert code == 2
    assert lines == [line for line in lines if ":6:" in line] and len(lines) == 1
    assert "wider than the safe zone of tiktok" in lines[0]


def _picture(folder: Path, name: str, size: tuple[int, int]) -> None:
    Image.new("RGB", size, (120, 90, 60)).save(folder / name)


UPSCALED = """\
version: 1
name: soft
defaults: {duration: 3s}
matrix:
  image: [small.jpg, big.jpg]
  platform: [tiktok, youtube]
steps:
  - upload: "{{ image }}"
  - motion: {zoom: in, speed: slow}
  - export: "{{ job }}.mp4"
"""


def test_a_small_picture_is_a_warning_in_validate_and_in_plan_per_job(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _picture(tmp_path, "small.jpg", (600, 400))
    _picture(tmp_path, "big.jpg", (2400, 3200))
    path = tmp_path / "soft.yaml"
    path.write_text(UPSCALED)
    code, lines = _validate(path, capsys)
    assert code == 0
    assert lines == [
        f"{path}:8:13: warning: step 1 (upload): small.jpg (600×400 px) is enlarged 5.3× to fill a tiktok "
        "frame at 1080p with its camera move, more than 2×, so it will look soft; use a picture of at least "
        "1584×1056 px (2 exports enlarge it too much: `motionctl plan` lists them)"]
    assert main(["plan", str(path), "--json"]) == 0
    jobs = {j["id"]: j["warnings"] for j in json.loads(capsys.readouterr().out)["jobs"]}
    assert jobs["soft-big-tiktok"] == jobs["soft-big-youtube"] == []
    assert jobs["soft-small-youtube"] == [
        "small.jpg (600×400 px) is enlarged 3.5× to fill a youtube frame at 1080p with its camera move, "
        "more than 2×, so it will look soft; use a picture of at least 1056×704 px"]
    assert main(["plan", str(path)]) == 0
    out = capsys.readouterr().out
    assert out.count("  warning: small.jpg (600×400 px) is enlarged") == 2


def test_the_warning_is_about_the_deliverable_not_the_preview(tmp_path: Path) -> None:
    _picture(tmp_path, "small.jpg", (600, 400))
    shutil.copy(FIXTURES / "shoe.png", tmp_path / "big.jpg")
    path = tmp_path / "soft.yaml"
    path.write_text(UPSCALED.replace("[small.jpg, big.jpg]", "[small.jpg]"))
    assert load_plan(path, preview=True).warnings == load_plan(path).warnings != ()


@pytest.mark.parametrize(("motion", "draft"), [
    ({"zoom": "in", "speed": "slow"}, {"zoom": [1.0, 1.1]}),
    ({"zoom": "out", "pan": "left", "amount": {"zoom": "15%", "pan": "4%"}},
     {"zoom": [1.15, 1.0], "pan": [-0.04, 0.0]}),
    ({"tilt": "up", "roll": "clockwise", "speed": "fast", "focus": "top"},
     {"pan": [0.0, -0.2], "roll": [0.0, 12.0], "focus": [0.5, 0.25]}),
])
def test_a_motion_step_predicts_the_draft_motion_of_specs_motion_md(motion: dict[str, object],
                                                                    draft: dict[str, object]) -> None:
    step = build_step({"motion": motion})
    assert isinstance(step, MotionStep)
    assert draft_motion(step) == draft


def test_use_keeps_the_camera_move_so_the_picture_it_switches_to_is_still_checked(
        tmp_path: Path) -> None:
    # specs/instructions.md: `use:` switches the picture and keeps the motion. 600×1067 fills a 9:16 frame at
    # 1.8×, under the limit; the fast zoom-in it keeps takes it past 2×.
    _picture(tmp_path, "a.png", (600, 1067))
    _picture(tmp_path, "b.png", (600, 1067))
    path = tmp_path / "soft.yaml"
    path.write_text("version: 1\nname: soft\nsteps:\n  - upload: [a.png, b.png]\n"
                    "  - motion: {zoom: in, speed: fast}\n  - use: a.png\n  - export: out.mp4\n")
    warnings = [w.message for w in load_plan(path).warnings]
    assert len(warnings) == 1 and warnings[0].startswith("a.png (600×1067 px) is enlarged"), warnings
    assert "with its camera move, more than 2×, so it will look soft" in warnings[0]
