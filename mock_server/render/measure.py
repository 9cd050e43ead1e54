"""What a render would make of a text or a picture, worked out without rendering.

For checks before any render (``motionctl validate`` and ``plan`` call these): the same glyph, fitting and
placement rules as a render, on the 1080p frame of the aspect ratio (text sizes are px at a 1080 short
side, so a text lays out alike at every resolution), and the scale a picture is drawn at. Fonts and a
picture's header are read; nothing is drawn or decoded.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from PIL import Image

from .camera import Motion, camera_path
from .errors import RenderInputError
from .geometry import ASPECTS, frame_size
from .layout import NO_ZONE, place, safe_zone
from .source import upright_size
from .timeline import TextSegment
from .typeset import Fonts, fit_text, measured_extent

#: Output pixels per source pixel above which a picture looks soft: each of its pixels is stretched over
#: more than 2×2 of the frame's. The recipe checks warn above it.
UPSCALE_LIMIT = 2.0

_REFERENCE = "1080p"
# Fonts by file and size, kept with the word widths they measured: a campaign's texts share most words.
# (Checks run on one thread; a render makes its own fonts.)
_shared_fonts = functools.lru_cache(maxsize=256)(Fonts)


@dataclass(frozen=True)
class TextProblem:
    """Why a render would refuse a text: ``field`` is what to change (its ``content`` or ``position``)."""

    field: Literal["content", "position"]
    message: str


def text_problem(
    text: str,
    *,
    size: int | None,
    position: str | tuple[float, float],
    ratio: str,
    platform: str | None,
    keep_safe: bool = True,
) -> TextProblem | None:
    """The reason a render would refuse this text, or ``None`` when it draws it whole inside its zone.

    Args:
        text: the text as the draft holds it.
        size: its size in px at a 1080 short side (``None``: the renderer's default).
        position: ``top``, ``center``, ``bottom`` or the block's centre as fractions of the frame.
        ratio: the draft's aspect ratio (``9:16``, ``1:1``, ``4:5``, ``16:9``).
        platform: the platform whose safe zone applies, if the draft names one.
        keep_safe: false when the text may leave the safe zone.
    """
    frame = frame_size(ASPECTS[ratio], _REFERENCE)
    zone = safe_zone(platform, frame) if keep_safe else NO_ZONE
    seg = TextSegment(text, 0, 1, position, size, "#FFFFFF", False, 0, "text", keep_safe)
    try:
        fonts, lines = fit_text(seg, frame, frame.short_side, zone, fonts_for=_shared_fonts)
    except RenderInputError as exc:
        return TextProblem("content", exc.detail)
    if isinstance(position, str):
        return None  # a named position is placed inside the zone whenever the block fits it
    try:
        place(measured_extent(seg, fonts, lines), position, zone, frame, keep_safe=keep_safe, where="text")
    except RenderInputError as exc:
        return TextProblem("position", exc.detail)
    return None


def picture_size(path: Path) -> tuple[int, int]:
    """A picture's upright (width, height), from its header.

    Raises:
        OSError: the file cannot be read as a picture.
    """
    with Image.open(path) as image:
        return upright_size(image)


def upscale_factor(
    source: tuple[int, int], ratio: str, resolution: str, motion: Mapping[str, Any] | None = None
) -> float:
    """Output pixels per source pixel where the camera is closest: the cover fit of the frame, the move's
    largest zoom and the extra zoom that keeps a pan or roll covered. Above 1 the picture is enlarged.

    Args:
        source: the picture's upright (width, height).
        ratio: the draft's aspect ratio.
        resolution: ``1080p``, ``720p`` or ``540p``.
        motion: the draft's ``motion`` object (specs/motion.md), or ``None`` for a still camera.

    Raises:
        RenderInputError: the move cannot be rendered (it would need more than 8× extra zoom).
    """
    frame = frame_size(ASPECTS[ratio], resolution)
    path = camera_path(Motion.from_draft(motion), (float(source[0]), float(source[1])),
                       (frame.width, frame.height))
    return path.max_scale()
