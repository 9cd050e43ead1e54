"""The recipe schema itself: a valid JSON Schema 2020-12 that editors can use, in step with the code."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from motionctl.runner.recipe.loader import parse_yaml
from motionctl.runner.recipe.model import ALLOW_NOOP, STEP_KINDS
from motionctl.runner.recipe.presets import FOCUS_POINTS, MOODS, PLATFORMS, RATIOS
from motionctl.runner.recipe.schema import recipe_schema
from tests.runner.recipe.recipes import FIXTURES

SCHEMA_FILE = Path(__file__).resolve().parents[3] / "specs" / "recipe.schema.json"


def test_the_schema_is_a_valid_2020_12_schema() -> None:
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)
    assert jsonschema.validators.validator_for(schema) is jsonschema.Draft202012Validator


def test_the_code_reads_the_same_schema_file() -> None:
    assert recipe_schema() == json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))


def test_every_ref_resolves() -> None:
    schema = recipe_schema()

    def refs(node: Any) -> list[str]:
        if isinstance(node, dict):
            return ([node["$ref"]] if "$ref" in node else []) + [r for v in node.values() for r in refs(v)]
        return [r for v in node for r in refs(v)] if isinstance(node, list) else []

    names = {ref.removeprefix("#/$defs/") for ref in refs(schema)}
    assert names <= set(schema["$defs"])
    assert set(schema["$defs"]) - names == set(), "unused definitions"


def test_schema_and_code_agree_on_names() -> None:
    defs = recipe_schema()["$defs"]
    kinds = tuple(defs["step"]["properties"])
    assert kinds == (ALLOW_NOOP, *STEP_KINDS)  # allow_noop: the one key a step may carry beside its kind
    assert defs["aspect"]["enum"] == [*RATIOS, *PLATFORMS]
    assert set(defs["motion"]["properties"]["focus"]["oneOf"][0]["enum"]) == set(FOCUS_POINTS)
    assert tuple(defs["music"]["oneOf"][0]["enum"]) == MOODS


@pytest.mark.parametrize("recipe", sorted(FIXTURES.glob("*.yaml")), ids=lambda p: p.name)
def test_fixture_recipes_are_valid_documents(recipe: Path) -> None:
    doc = parse_yaml(recipe.read_text(encoding="utf-8"), str(recipe))
    jsonschema.Draft202012Validator(recipe_schema()).validate(doc.value)


def test_editors_get_titles_and_descriptions() -> None:
    defs = recipe_schema()["$defs"]
    for kind, spec in defs["step"]["properties"].items():
        target = defs[spec["$ref"].removeprefix("#/$defs/")] if "$ref" in spec else spec
        assert "description" in target or "description" in spec, kind
