"""Platforms' safe zones (specs/safe-zones.json) as values, for the recipe checks and the mock's renderer.

Both sides need the same zones and may not import each other (the mock knows no runner), so the one
definition lives here, beside the data it reads.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from . import specs


@dataclass(frozen=True)
class SafeZone:
    """The margins (fractions of the frame) a platform's interface covers; text stays inside the rest."""

    top: float
    bottom: float
    left: float
    right: float
    label: str  # the platform or ratio it belongs to ("tiktok", "9:16"), or "the frame"

    def contains(self, x: float, y: float) -> bool:
        """Whether the point (fractions of the frame) lies inside the zone."""
        return self.left <= x <= 1 - self.right and self.top <= y <= 1 - self.bottom

    def box(self, width: int, height: int) -> tuple[int, int, int, int]:
        """(left, top, right, bottom) of the part text may use, in pixels of a width × height frame."""
        return (round(width * self.left), round(height * self.top),
                round(width * (1 - self.right)), round(height * (1 - self.bottom)))

    def describe(self) -> str:
        return (f"x {self.left * 100:.0f}..{(1 - self.right) * 100:.0f}%, "
                f"y {self.top * 100:.0f}..{(1 - self.bottom) * 100:.0f}%")


@functools.cache
def table() -> dict[str, Any]:
    """The data file: ``platforms`` and ``aspects``, each name → margins and the sources they come from."""
    data: dict[str, Any] = specs.load("safe-zones.json")
    return data


def zone(entry: dict[str, Any], label: str) -> SafeZone:
    """A zone from one entry of the table."""
    return SafeZone(entry["top"], entry["bottom"], entry["left"], entry["right"], label)
