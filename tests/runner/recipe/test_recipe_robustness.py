"""Whatever a recipe holds, loading it ends in a Plan or in located problems, never in a crash."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from motionctl.runner.errors import RecipeLoadError, RecipeValidationError
from motionctl.runner.recipe import load_plan
from motionctl.runner.recipe.model import STEP_KINDS
from tests.runner.recipe.recipes import FIXTURES, MEDIA

WORDS = ["in", "out", "left", "up", "clockwise", "slow", "linear", "6s", "1500ms", "35%", "0", "9:16",
         "tiktok", "lo-fi", "motion", "text", "shoe.png", "song.mp3", "notes.png", "../x.mp4", "/abs.mp4",
         "{{ x }}", "{{ name | slug }}", "{{ nope }}", "{% for %}", "top-left", "#FFCC00", ""]
KEYS = [*STEP_KINDS, "zoom", "pan", "tilt", "roll", "amount", "speed", "easing", "focus", "duration",
        "content", "at", "for", "position", "mood", "file", "volume", "to", "format", "quality", "x", "y",
        "tracks", "zom"]

scalars = st.one_of(st.sampled_from(WORDS), st.integers(-5, 500), st.floats(-1, 100, allow_nan=False),
                    st.booleans(), st.none())
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.sampled_from(KEYS), inner, max_size=3)), max_leaves=8)


def one(kind: str, value: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    return value.map(lambda v: {kind: v})


def pick(*choices: Any) -> st.SearchStrategy[Any]:
    return st.sampled_from(choices)


def some(required: dict[str, Any], **optional: Any) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries({k: pick(*v) for k, v in required.items()},
                                 optional={k: pick(*v) for k, v in optional.items()})


# Mostly sensible steps with a few slips, so that both plans and problems come out.
plausible_steps = st.one_of(
    one("upload", pick("shoe.png", ["shoe.png", "song.mp3"], "notes.png", "missing.png", "{{ x }}")),
    one("motion", some({"zoom": ("in", "out", "inn")}, pan=("left", "right"), roll=("clockwise",),
                       speed=("slow", "fast", 3), amount=("15%", 6, "6deg", {"zoom": "10%"}, {"roll": "5%"}),
                       focus=("top-left", {"x": 5}), duration=("2s", 0, "1500ms"))),
    one("text", some({"content": ("Hi", "{{ name }}", 'a "q"'), "for": ("2s", 0)},
                     at=(0, "7s", "-1"), position=("top", {"x": 1, "y": 2}))),
    one("music", pick("lo-fi", {"file": "song.mp3"}, {"volume": "20%"}, {"mood": "calm", "file": "x"})),
    one("aspect", pick("9:16", "tiktok", "youtube", "9:61")),
    one("duration", pick("6s", 90, "0s")),
    one("use", pick("shoe.png", "bag.jpg")),
    one("remove", pick("motion", "text", {"text": "Hi"}, "musik")),
    one("expect", pick({"tracks": {"video": 1}}, {"duration": "6s", "aspect": "tiktok"}, {})),
    one("export", pick({}, "x.mp4", {"to": "../x.mp4"}, {"to": "a.webm", "format": "mp4"}, "{{ job }}")),
    one("say", pick("make it pop", "")),
)
steps = st.lists(st.one_of(plausible_steps, plausible_steps, plausible_steps,
                           st.dictionaries(st.sampled_from(KEYS), values, max_size=2)), max_size=6)
often = st.one_of(scalars, scalars, values)
documents = st.fixed_dictionaries(
    {"version": pick(1, 1, 1, 2, "1"), "name": pick("demo", "demo", "Demo Two", "", 5),
     "steps": st.one_of(steps, steps, steps, values)},
    optional={
        "defaults": st.one_of(values, some({}, aspect=("tiktok", "1:1"), duration=("6s", "75s"),
                                           music=({"volume": 20},))),
        "vars": st.dictionaries(pick("x", "x", "name", "bad key"), often, max_size=2),
        "matrix": st.dictionaries(pick("x", "platform", "include", "exclude"), st.lists(often, max_size=3),
                                  max_size=3),
    })


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("fuzz")
    for name in MEDIA:
        shutil.copy(FIXTURES / name, path / name)
    return path


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents)
# Found by this test: a template standing for the whole steps list once gave a plan with no jobs.
@example({"version": 1, "name": "demo", "steps": "{{ x }}"})
def test_any_document_gives_a_plan_or_located_problems(folder: Path, document: dict[str, Any]) -> None:
    recipe = folder / "fuzz.yaml"
    recipe.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    try:
        plan = load_plan(recipe, out_dir=folder / "out")
    except RecipeValidationError as exc:
        assert exc.problems
        for problem in exc.problems:
            assert problem.file == str(recipe) and problem.line >= 1 and problem.column >= 1
            assert "\n" not in problem.message
    except RecipeLoadError:  # pragma: no cover — safe_dump writes valid YAML
        raise
    else:
        assert plan.jobs
