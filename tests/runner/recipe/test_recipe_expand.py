"""Matrix expansion (GitHub Actions' include/exclude), stable job ids, templates and platform presets."""

from __future__ import annotations

from pathlib import Path

import pytest

from motionctl.runner.actions import Export, Say, Upload
from motionctl.runner.errors import RecipeValidationError
from motionctl.runner.recipe import load_plan
from motionctl.runner.recipe.expand import Combination, Scalar, expand_matrix, job_ids
from motionctl.runner.recipe.templates import TemplateFailure, render
from tests.runner.recipe.recipes import FIXTURES, WriteRecipe


def combos(matrix: dict[str, object]) -> list[dict[str, Scalar]]:
    return [c.as_dict() for c in expand_matrix(matrix)]


def test_product_in_matrix_order() -> None:
    assert combos({"a": [1, 2], "b": ["x", "y"]}) == [
        {"a": 1, "b": "x"}, {"a": 1, "b": "y"}, {"a": 2, "b": "x"}, {"a": 2, "b": "y"}]


def test_no_matrix_is_one_job() -> None:
    assert combos({}) == [{}]


def test_github_actions_include_example() -> None:
    # The example of GitHub's docs: "Expanding or adding matrix configurations".
    matrix = {
        "fruit": ["apple", "pear"],
        "animal": ["cat", "dog"],
        "include": [
            {"color": "green"},
            {"color": "pink", "animal": "cat"},
            {"fruit": "apple", "shape": "circle"},
            {"fruit": "banana"},
            {"fruit": "banana", "animal": "cat"},
        ],
    }
    assert combos(matrix) == [
        {"fruit": "apple", "animal": "cat", "color": "pink", "shape": "circle"},
        {"fruit": "apple", "animal": "dog", "color": "green", "shape": "circle"},
        {"fruit": "pear", "animal": "cat", "color": "pink"},
        {"fruit": "pear", "animal": "dog", "color": "green"},
        {"fruit": "banana"},
        {"fruit": "banana", "animal": "cat"},
    ]


def test_exclude_partial_match_drops_every_matching_combination() -> None:
    matrix = {"os": ["mac", "linux"], "v": [1, 2, 3],
              "exclude": [{"os": "mac", "v": 1}, {"v": 3}]}
    assert combos(matrix) == [{"os": "mac", "v": 2}, {"os": "linux", "v": 1}, {"os": "linux", "v": 2}]


def test_exclude_everything_is_a_problem(write_recipe: WriteRecipe) -> None:
    path = write_recipe("""
        version: 1
        name: none
        matrix: {image: [shoe.png], exclude: [{image: shoe.png}]}
        steps:
          - upload: "{{ image }}"
    """)
    with pytest.raises(RecipeValidationError, match=r":3:9: field 'matrix': every combination is excluded"):
        load_plan(path)


def test_job_ids_are_stable_slugs_of_the_values() -> None:
    found = expand_matrix({"image": ["images/shoe.png", "images/Red Bag.HEIC"], "platform": ["tiktok"]})
    assert job_ids("Spring Sale", found) == ["spring-sale-shoe-tiktok", "spring-sale-red-bag-tiktok"]


def test_job_ids_stay_unique_when_values_slug_alike() -> None:
    found = [Combination((("image", "a/shoe.png"),)), Combination((("image", "b/shoe.png"),)),
             Combination((("image", "c/bag.png"),))]
    assert job_ids("x", found) == ["x-shoe-1", "x-shoe-2", "x-bag"]


def test_template_filters() -> None:
    context = {"image": "images/Red Shoe.final.png", "brand": "Acme Inc."}
    assert render("{{ image | stem }}", context) == "Red Shoe.final"
    assert render("{{ image | stem | slug }}", context) == "red-shoe-final"
    assert render("{{ brand | upper }}-{{ brand | lower }}", context) == "ACME INC.-acme inc."


def test_templates_are_sandboxed() -> None:
    # Calls are refused before the template runs; attribute games without a call hit the sandbox.
    with pytest.raises(TemplateFailure, match="calls: not supported in recipe templates"):
        render("{{ ''.__class__.__mro__[1].__subclasses__() }}", {})
    with pytest.raises(TemplateFailure, match=r"template error: access to attribute '__class__'.*unsafe"):
        render("{{ ''.__class__.__mro__ }}", {})


def test_undefined_is_an_error_not_an_empty_string() -> None:
    with pytest.raises(TemplateFailure, match="undefined variable 'brnad' in template, did you mean 'brand'"):
        render("{{ brnad }}", {"brand": "Acme"})


SPRING = FIXTURES / "spring-sale.yaml"


def test_the_design_example_expands_into_named_jobs_with_presets(tmp_path: Path) -> None:
    plan = load_plan(SPRING, out_dir=tmp_path)
    assert [job.id for job in plan.jobs] == [
        "spring-sale-shoe-tiktok", "spring-sale-shoe-instagram-feed",
        "spring-sale-bag-tiktok", "spring-sale-bag-instagram-feed"]
    assert plan.jobs[1].params == {"image": "shoe.png", "platform": "instagram-feed"}
    first = plan.jobs[0].actions
    assert isinstance(first[0], Upload) and first[0].paths == ((FIXTURES / "shoe.png").resolve(),)
    # The platform wins over defaults.aspect; the defaults follow the first upload.
    assert [a.sentence for a in plan.jobs[0].actions[1:3]] == [  # type: ignore[union-attr]
        "Set the aspect ratio to 9:16 for tiktok.", "Set the duration to 6s."]
    assert [a.sentence for a in plan.jobs[1].actions[1:3]] == [  # type: ignore[union-attr]
        "Set the aspect ratio to 4:5 for instagram-feed.", "Set the duration to 6s."]
    exports = [a.dest for job in plan.jobs for a in job.actions if isinstance(a, Export)]
    assert exports == [tmp_path / "spring-sale" / f"{img}-{p}.mp4"
                       for img in ("shoe", "bag") for p in ("tiktok", "instagram-feed")]
    texts = {a.sentence for job in plan.jobs for a in job.actions
             if isinstance(a, Say) and a.where.step_kind == "text"}
    assert texts == {'Add the text "Acme — 30% off" from 0s for 3s at the bottom.'}


def test_platform_cap_is_checked_per_job(write_recipe: WriteRecipe) -> None:
    path = write_recipe("""
        version: 1
        name: long
        defaults: {duration: 75s}
        matrix: {platform: [youtube, reels, tiktok]}
        steps:
          - upload: shoe.png
          - export: "{{ job }}.mp4"
    """)
    with pytest.raises(RecipeValidationError) as caught:
        load_plan(path)
    assert [str(p).split(str(path))[1] for p in caught.value.problems] == [
        ":3:22: field 'defaults.duration': 75s is longer than tiktok takes (60s at most); "
        "shorten it or use another platform"]


def test_aspect_step_with_a_preset(write_recipe: WriteRecipe) -> None:
    path = write_recipe("""
        version: 1
        name: p
        steps:
          - upload: shoe.png
          - aspect: instagram-square
          - duration: 60s
    """)
    plan = load_plan(path)
    assert [a.sentence for a in plan.jobs[0].actions[1:]] == [  # type: ignore[union-attr]
        "Set the aspect ratio to 1:1 for instagram-square.", "Set the duration to 60s."]


def test_two_jobs_writing_the_same_file_is_a_problem(write_recipe: WriteRecipe) -> None:
    path = write_recipe("""
        version: 1
        name: clash
        matrix: {image: [shoe.png, bag.jpg]}
        steps:
          - upload: "{{ image }}"
          - export: {to: clip.mp4}
    """)
    with pytest.raises(RecipeValidationError,
                       match=r":6:18: step 2 \(export\), field 'to': export 'clip.mp4' is also written by "
                             r"job clash-shoe"):
        load_plan(path)


def test_batch_and_iterative_jobs_export_several_times(write_recipe: WriteRecipe, tmp_path: Path) -> None:
    path = write_recipe("""
        version: 1
        name: batch
        steps:
          - upload: [shoe.png, bag.jpg]
          - use: shoe.png
          - motion: {zoom: in}
          - export: {}
          - use: bag.jpg
          - motion: {pan: right}
          - export: {format: webm}
          - export: {to: "final/{{ name }}", preview: false}
    """.replace(", preview: false", ""))
    plan = load_plan(path, out_dir=tmp_path / "o", preview=True)
    exports = [a for a in plan.jobs[0].actions if isinstance(a, Export)]
    assert [(e.dest, e.format, e.quality, e.resolution) for e in exports] == [
        (tmp_path / "o" / "batch.mp4", "mp4", "low", "540p"),
        (tmp_path / "o" / "batch-2.webm", "webm", "low", "540p"),
        (tmp_path / "o" / "final" / "batch.mp4", "mp4", "low", "540p"),
    ]
