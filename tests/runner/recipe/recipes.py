"""Shared names of the recipe tests: the fixture folder and the type of the ``write_recipe`` fixture."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures"
MEDIA = ("shoe.png", "bag.jpg", "song.mp3", "notes.png")  # notes.png holds text bytes under a .png name

WriteRecipe = Callable[..., Path]
