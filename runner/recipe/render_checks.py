"""What the bundled renderer can tell about a recipe before anything renders: a text that cannot be drawn
whole (a word wider than the safe zone, a glyph no bundled font has, a block that leaves the zone) and a
picture enlarged so much it looks soft.

The answers come from the renderer's own measuring functions (``mock_server/render/measure.py``), imported
here and only here, lazily: a recipe without text or pictures never loads the renderer, and the rule is an
import-linter contract (pyproject.toml, ``runner-measures-with-the-renderer-only-here``). The live API
renders with its own fonts; these checks are the bundled renderer's, which is what a run on the mock makes.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ...amounts import DEFAULT_SPEED, SPEED_AMOUNTS
from .compiler import number
from .model import MotionStep, TextStep
from .presets import Platform


@functools.lru_cache(maxsize=65536)
def _text_problem(content: str, size: int | None, position: str | tuple[float, float], ratio: str,
                  platform: str | None, keep_safe: bool) -> tuple[str, str] | None:
    from ...mock_server.render.measure import text_problem

    found = text_problem(content, size=size, position=position, ratio=ratio, platform=platform,
                         keep_safe=keep_safe)
    return None if found is None else (found.field, found.message)


def text_problem(step: TextStep, platform: Platform | None, ratio: str | None) -> tuple[str, str] | None:
    """(the step's field to change, why) when the renderer would refuse the text, else ``None``."""
    position = step.position if isinstance(step.position, str) else (step.position[0] / 100,
                                                                     step.position[1] / 100)
    return _text_problem(step.content, step.size, position, ratio or "9:16",
                         platform.name if platform else None, step.keep_safe)


def draft_motion(step: MotionStep | None) -> dict[str, Any] | None:
    """The draft ``motion`` a motion step asks for (specs/motion.md; amounts from the speed when none)."""
    if step is None:
        return None
    zoom_a, pan_a, roll_deg = SPEED_AMOUNTS[step.speed or DEFAULT_SPEED]
    motion: dict[str, Any] = {}
    pan = [0.0, 0.0]
    for part in step.parts:
        if part.axis == "roll":
            degrees = part.amount if part.amount is not None else roll_deg
            motion["roll"] = [0.0, degrees if part.direction == "clockwise" else -degrees]
            continue
        a = part.amount / 100 if part.amount is not None else (zoom_a if part.axis == "zoom" else pan_a)
        if part.axis == "zoom":
            motion["zoom"] = [1.0, 1.0 + a] if part.direction == "in" else [1.0 + a, 1.0]
        else:
            pan[0 if part.axis == "pan" else 1] = -a if part.direction in ("left", "up") else a
    if any(pan):
        motion["pan"] = pan
    if step.focus is not None:
        motion["focus"] = [step.focus[0] / 100, step.focus[1] / 100]
    return motion


@functools.lru_cache(maxsize=4096)
def _picture_size(path: Path) -> tuple[int, int] | None:
    from ...mock_server.render.measure import picture_size

    try:
        return picture_size(path)
    except OSError:
        return None  # not a picture, or unreadable: the media checks report that


@dataclass(frozen=True)
class Upscaled:
    """A picture enlarged beyond the renderer's ``UPSCALE_LIMIT`` in one export's frame."""

    factor: float
    message: str


@functools.lru_cache(maxsize=4096)  # a campaign asks about few pictures × platforms × moves, per job
def upscaled(picture: Path, ratio: str | None, platform: Platform | None, resolution: str,
             motion: MotionStep | None) -> Upscaled | None:
    """How much ``picture`` is enlarged in the export's frame (its cover fit, the motion's zoom and the extra
    zoom a pan or roll needs), when that is more than the renderer's ``UPSCALE_LIMIT``; else ``None``."""
    from ...mock_server.render.measure import UPSCALE_LIMIT, upscale_factor

    size = _picture_size(picture)
    if size is None:
        return None
    try:
        factor = upscale_factor(size, ratio or "9:16", resolution, draft_motion(motion))
    except ValueError:
        return None  # the move itself cannot be rendered: the render says so at the motion step
    if factor <= UPSCALE_LIMIT:
        return None
    needed = [math.ceil(round(side * factor / UPSCALE_LIMIT, 3)) for side in size]
    frame = f"a {platform.name if platform else ratio or '9:16'} frame at {resolution}"
    return Upscaled(factor, (
        f"{picture.name} ({size[0]}×{size[1]} px) is enlarged {number(round(factor, 1))}× to fill {frame}"
        f"{' with its camera move' if motion else ''}, more than {number(UPSCALE_LIMIT)}×, so it will look "
        f"soft; use a picture of at least {needed[0]}×{needed[1]} px"))
