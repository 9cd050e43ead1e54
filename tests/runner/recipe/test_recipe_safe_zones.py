"""{x, y} text positions are checked against the platform's safe zone at validation, at the field's line."""

from __future__ import annotations

import pytest

from motionctl import specs as motionctl_specs
from motionctl.runner.actions import Say
from motionctl.runner.errors import RecipeValidationError
from motionctl.runner.recipe import load_plan
from motionctl.runner.recipe.presets import ASPECT_SAFE_ZONES, PLATFORM_SAFE_ZONES, PLATFORMS
from tests.runner.recipe.recipes import WriteRecipe

RECIPE = """\
version: 1
name: demo
defaults: {{aspect: {aspect}, duration: 4s}}
steps:
  - upload: shoe.png
  - text: {{content: "Corner", for: 1s, position: {{x: 10, y: 90}}{extra}}}
"""


def test_a_point_under_the_platforms_interface_is_refused_at_its_line(write_recipe: WriteRecipe) -> None:
    path = write_recipe(RECIPE.format(aspect="tiktok", extra=""))
    with pytest.raises(RecipeValidationError) as caught:
        load_plan(path, out_dir=path.parent / "out")
    (problem,) = caught.value.problems
    message = str(problem)
    assert message.startswith(f"{path}:6:")
    assert "{x: 10, y: 90} is outside the safe zone of tiktok (x 6..86%, y 8..77%)" in message
    assert "keep_safe: false" in message


def test_keep_safe_false_sends_the_point_as_written(write_recipe: WriteRecipe) -> None:
    path = write_recipe(RECIPE.format(aspect="tiktok", extra=", keep_safe: false"))
    (job,) = load_plan(path, out_dir=path.parent / "out").jobs
    sentences = [a.sentence for a in job.actions if isinstance(a, Say)]
    assert sentences == [
        "Set the aspect ratio to 9:16 for tiktok.",
        "Set the duration to 4s.",
        'Add the text "Corner" from 0s for 1s at 10% 90%, ignoring the safe zone.',
    ]


def test_a_bare_ratio_checks_against_its_aspects_zone(write_recipe: WriteRecipe) -> None:
    # 16:9 keeps 5 % at the sides: x 10 % is inside, y 90 % is at its bottom edge (90 %), still inside;
    # but the text centred there reaches below that edge, which the renderer would refuse (issue 18).
    path = write_recipe(RECIPE.format(aspect='"16:9"', extra=""))
    with pytest.raises(RecipeValidationError) as caught:
        load_plan(path, out_dir=path.parent / "out")
    (problem,) = caught.value.problems
    assert problem.field == "position" and problem.line == 6
    assert problem.message.startswith("the text centred at 10% 90% is ")
    assert "leaves the safe zone of 16:9 (x 5%..95%, y 5%..90% of the frame" in problem.message
    moved = write_recipe(RECIPE.format(aspect='"16:9"', extra="").replace("x: 10, y: 90", "x: 15, y: 85"))
    (job,) = load_plan(moved, out_dir=path.parent / "out").jobs
    assert any(isinstance(a, Say) and a.sentence.endswith("at 15% 85%.") for a in job.actions)


def test_every_preset_has_a_safe_zone_and_every_ratio_a_default() -> None:
    assert set(PLATFORM_SAFE_ZONES) == set(PLATFORMS)
    zones = motionctl_specs.load("safe-zones.json")["platforms"]
    assert all(zones[name]["aspect"] == platform.aspect for name, platform in PLATFORMS.items())
    assert set(ASPECT_SAFE_ZONES) == {"9:16", "4:5", "1:1", "16:9"}
    for zone in (*PLATFORM_SAFE_ZONES.values(), *ASPECT_SAFE_ZONES.values()):
        assert 0 <= zone.top < 1 - zone.bottom and 0 <= zone.left < 1 - zone.right
