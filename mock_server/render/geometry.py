"""Output frame sizes: aspect ratio × resolution tier → even pixel dimensions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

Resolution = Literal["1080p", "720p", "540p"]

#: The short side of the output for each resolution tier.
SHORT_SIDE: dict[str, int] = {"1080p": 1080, "720p": 720, "540p": 540}

#: Aspect ratios the draft may name, as (width, height) ratios.
ASPECTS: dict[str, tuple[int, int]] = {"9:16": (9, 16), "1:1": (1, 1), "4:5": (4, 5), "16:9": (16, 9)}

DEFAULT_ASPECT = "9:16"
DEFAULT_FPS = 30


@dataclass(frozen=True)
class FrameSize:
    """An output frame size in pixels (always even, as yuv420p requires)."""

    width: int
    height: int

    @property
    def short_side(self) -> int:
        return min(self.width, self.height)


def _even(value: float) -> int:
    # Round to the nearest even integer, never below 2: 4:5 at 540p is 540×675 → 540×676.
    return max(2, 2 * round(value / 2))


def frame_size(aspect: tuple[float, float], resolution: str) -> FrameSize:
    """The output size for an aspect ratio (w, h) at a resolution tier (its short side).

    Raises:
        ValueError: for an unknown resolution tier or a non-positive aspect.
    """
    if resolution not in SHORT_SIDE:
        raise ValueError(f"unknown resolution {resolution!r}; use one of {', '.join(SHORT_SIDE)}")
    aw, ah = aspect
    if aw <= 0 or ah <= 0:
        raise ValueError(f"aspect must be positive, got {aw}:{ah}")
    short = SHORT_SIDE[resolution]
    if aw <= ah:
        return FrameSize(_even(short), _even(short * ah / aw))
    return FrameSize(_even(short * aw / ah), _even(short))


def draft_aspect(meta: dict[str, Any]) -> tuple[float, float]:
    """The aspect ratio the draft metadata asks for: ``aspect``, else ``width``/``height``, else 9:16."""
    named = meta.get("aspect")
    if isinstance(named, str) and named in ASPECTS:
        return ASPECTS[named]
    width, height = meta.get("width"), meta.get("height")
    if isinstance(width, int | float) and isinstance(height, int | float) and width > 0 and height > 0:
        return (float(width), float(height))
    return ASPECTS[DEFAULT_ASPECT]


def draft_reference_short_side(meta: dict[str, Any]) -> int:
    """The short side the draft's pixel sizes (text ``size``) refer to: its own width/height, else 1080."""
    width, height = meta.get("width"), meta.get("height")
    if isinstance(width, int) and isinstance(height, int) and width > 0 and height > 0:
        return min(width, height)
    return 1080
