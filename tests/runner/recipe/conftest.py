"""Fixtures for the recipe tests: a folder holding a recipe and copies of the small fixture media."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest

from tests.runner.recipe.recipes import FIXTURES, MEDIA, WriteRecipe

# Recipes other tests load, not tests of their own: `pytest tests/…` would list each as a recipe without a
# golden (skipped), as the motionctl plugin lists a folder's recipes.
collect_ignore = ["fixtures"]


@pytest.fixture
def write_recipe(tmp_path: Path) -> WriteRecipe:
    """Write a recipe (dedented) into a temporary folder that also holds copies of the fixture media;
    returns the recipe's path."""
    for name in MEDIA:
        shutil.copy(FIXTURES / name, tmp_path / name)

    def write(text: str, name: str = "recipe.yaml") -> Path:
        path = tmp_path / name
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return path

    return write
