"""Fixtures for the recipe tests: a folder holding a recipe and copies of the small fixture media."""

from __future__ import annotations

import shutil
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"

WriteRecipe = Callable[[str], Path]


@pytest.fixture
def write_recipe(tmp_path: Path) -> WriteRecipe:
    """Write a recipe (dedented) into a temporary folder that also holds shoe.png, bag.jpg, song.mp3 and
    notes.png (text bytes under a .png name); returns the recipe's path."""
    for name in ("shoe.png", "bag.jpg", "song.mp3", "notes.png"):
        shutil.copy(FIXTURES / name, tmp_path / name)

    def write(text: str, name: str = "recipe.yaml") -> Path:
        path = tmp_path / name
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return path

    return write
