"""Relative edits of the camera motion: faster, slower, more, less, the other way, smoother, a move that
ends sooner, and the merge of a new move into the current one. Pure; each returns an ``Edit`` whose reply
says what changed from what ("Made the pan faster: 5% → 10% over 5 s.").

A move's amount is specs/motion.md's ``a`` (zoom, pan, tilt) or degrees (roll); "faster" means more
amount over the same time, as motion.md's speed table does.
"""

from __future__ import annotations

import copy
from typing import Any

from ...amounts import DEFAULT_SPEED, SPEED_AMOUNTS
from .. import drafts
from ..drafts import Draft
from .camera import DEFAULT_EASING, LIMITS
from .edit import Ask, Edit, fmt, seconds
from .edit_words import DEGREE_INDEX, STEPS
from .references import AXIS_NAMES, Thing, motion_axes

_MIN_AMOUNT = {"zoom": 0.005, "x": 0.005, "y": 0.005, "roll": 0.5}
_COLUMN = {"zoom": 0, "x": 1, "y": 1, "roll": 2}
_MIN_MOVE_MS = 500


def motion_of(draft: Draft) -> dict[str, Any]:
    seg = drafts.video_segment(draft)
    if seg is None:
        raise Ask("There is no image yet: upload one first.")
    return copy.deepcopy(seg.get("motion") or {})


def amount(motion: dict[str, Any], axis: str) -> float:
    """The axis's amount: a fraction of the frame (zoom, pan, tilt) or degrees (roll), unsigned."""
    if axis == "zoom":
        start, end = motion["zoom"]
        return abs(float(end) - float(start))
    if axis in ("x", "y"):
        return abs(float(motion["pan"][0 if axis == "x" else 1]))
    start, end = motion["roll"]
    return abs(float(end) - float(start))


def direction(motion: dict[str, Any], axis: str) -> str:
    if axis == "zoom":
        return "in" if motion["zoom"][1] >= motion["zoom"][0] else "out"
    if axis == "x":
        return "left" if motion["pan"][0] < 0 else "right"
    if axis == "y":
        return "up" if motion["pan"][1] < 0 else "down"
    return "clockwise" if motion["roll"][1] >= motion["roll"][0] else "counterclockwise"


def with_amount(motion: dict[str, Any], axis: str, a: float) -> dict[str, Any]:
    """``motion`` with the axis's amount set to ``a`` (clamped to what a move can do), direction kept."""
    a = round(min(max(a, _MIN_AMOUNT[axis]), LIMITS[axis]), 6)
    out = copy.deepcopy(motion)
    if axis == "zoom":
        start, end = out["zoom"]
        out["zoom"] = [start, round(start + a, 6)] if end >= start else [round(end + a, 6), end]
    elif axis in ("x", "y"):
        i = 0 if axis == "x" else 1
        out["pan"][i] = -a if out["pan"][i] < 0 else a
    else:
        start, end = out["roll"]
        out["roll"] = [start, start + a if end >= start else start - a]
    return out


def amount_text(axis: str, a: float) -> str:
    return f"{fmt(a)}°" if axis == "roll" else f"{fmt(a * 100)}%"


def _over(draft: Draft, motion: dict[str, Any]) -> str:
    length = motion.get("d")
    return f" over {seconds(length if length is not None else drafts.duration(draft))}"


def _set(draft: Draft, motion: dict[str, Any] | None) -> Draft:
    return drafts.set_motion(draft, motion)


def _names(axes: tuple[str, ...], present: list[str]) -> str:
    if len(axes) == len(present) and len(axes) > 1:
        return "the camera"
    names = [AXIS_NAMES[a] for a in axes]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _touched(axes: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(f"motion:{a}" for a in axes)


def scale(draft: Draft, thing: Thing, factor: float, word: str) -> Edit:
    """Every axis of ``thing`` ``factor`` times its amount: "faster", "more", "a bit slower"."""
    motion = motion_of(draft)
    present = motion_axes(draft)
    parts = []
    at_limit = []
    for axis in thing.axes:
        old = amount(motion, axis)
        motion = with_amount(motion, axis, old * factor)
        new = amount(motion, axis)
        if new == old:
            at_limit.append(axis)
        parts.append((axis, old, new))
    if at_limit and len(at_limit) == len(thing.axes):
        limit = "the most" if factor > 1 else "the least"
        raise Ask(f"{_names(thing.axes, present)[0].upper()}{_names(thing.axes, present)[1:]} already moves "
                  f"{limit} it can: {', '.join(amount_text(a, o) for a, o, _ in parts)}.")
    if len(parts) == 1:
        axis, old, new = parts[0]
        changes = f"{amount_text(axis, old)} → {amount_text(axis, new)}"
    else:
        changes = ", ".join(f"{AXIS_NAMES[a][4:]} {amount_text(a, o)} → {amount_text(a, n)}"
                            for a, o, n in parts)
    summary = f"Made {_names(thing.axes, present)} {word}: {changes}{_over(draft, motion)}."
    return Edit(_set(draft, motion), summary, _touched(thing.axes), motion=True)


def set_amount(draft: Draft, thing: Thing, value: float | None, speed: str | None) -> Edit:
    """Each axis of ``thing`` to ``value`` (in the axis's unit: a fraction of the frame, degrees for roll)
    or to ``speed``'s amount (specs/motion.md's table)."""
    motion = motion_of(draft)
    parts = []
    for axis in thing.axes:
        old = amount(motion, axis)
        new = value if value is not None else SPEED_AMOUNTS[speed or DEFAULT_SPEED][_COLUMN[axis]]
        motion = with_amount(motion, axis, new)
        new_text = amount_text(axis, amount(motion, axis))
        parts.append(f"{AXIS_NAMES[axis][4:]} {amount_text(axis, old)} → {new_text}")
    how = f"{speed} " if speed else ""
    summary = f"Set {how}the camera: {', '.join(parts)}{_over(draft, motion)}."
    return Edit(_set(draft, motion), summary, _touched(thing.axes), motion=True)


def flip(draft: Draft, thing: Thing) -> Edit:
    """Every axis of ``thing`` the other way, same amount: "pan the other way", "reverse it"."""
    motion = motion_of(draft)
    parts = []
    for axis in thing.axes:
        before = f"{direction(motion, axis)} {amount_text(axis, amount(motion, axis))}"
        if axis == "zoom":
            motion["zoom"] = list(reversed(motion["zoom"]))
        elif axis in ("x", "y"):
            i = 0 if axis == "x" else 1
            motion["pan"][i] = -motion["pan"][i]
        else:
            start, end = motion["roll"]
            motion["roll"] = [start, 2 * start - end]
        after = f"{direction(motion, axis)} {amount_text(axis, amount(motion, axis))}"
        parts.append((axis, before, after))
    if len(parts) == 1:
        axis, before, after = parts[0]
        summary = f"Reversed {AXIS_NAMES[axis]}: {before} → {after}."
    else:
        changes = ", ".join(f"{AXIS_NAMES[a][4:]} {b} → {c}" for a, b, c in parts)
        summary = f"Reversed the camera: {changes}."
    return Edit(_set(draft, motion), summary, _touched(thing.axes), motion=True)


def set_direction(draft: Draft, thing: Thing, wanted: str) -> Draft:
    """The draft with the axis of ``thing`` turned to ``wanted`` (in, left, …) if it goes the other way."""
    motion = motion_of(draft)
    axis = thing.axes[0]
    if direction(motion, axis) == wanted:
        return draft
    return flip(draft, thing).draft


def set_easing(draft: Draft, thing: Thing, easing: str) -> Edit:
    motion = motion_of(draft)
    old = motion.get("easing", DEFAULT_EASING)
    if old == easing:
        raise Ask(f"The camera already moves with {easing} easing.")
    motion["easing"] = easing
    return Edit(_set(draft, motion), f"Changed the camera's easing: {old} → {easing}.", _touched(thing.axes),
                motion=True)


def smoother(draft: Draft, thing: Thing, degree: str | None, sign: int) -> Edit:
    """Smoother: ease-in-out; a move already eased is made slower. Less smooth: linear (a constant speed)."""
    motion = motion_of(draft)
    if sign < 0:
        return set_easing(draft, thing, "linear")
    if motion.get("easing", DEFAULT_EASING) != "ease-in-out":
        return set_easing(draft, thing, "ease-in-out")
    step = STEPS["camera"][DEGREE_INDEX[degree] if degree else 0]  # plain "smoother": a bit slower
    slower = scale(draft, thing, 1 / step, "slower")
    return Edit(slower.draft, "The camera already eases in and out; to make it smoother, "
                + slower.summary[0].lower() + slower.summary[1:], slower.touched, motion=True)


def closer(draft: Draft, thing: Thing, degree: str | None, sign: int) -> Edit:
    """Closer (tighter) or wider: more zoom in, or less; a zoom out the other way round."""
    motion = motion_of(draft)
    if "zoom" not in motion_axes(draft):
        raise Ask("There is no zoom to make " + ("closer" if sign > 0 else "wider")
                  + ': say "zoom in" or "zoom out".')
    factor = STEPS["camera"][DEGREE_INDEX[degree]]
    inward = direction(motion, "zoom") == "in"
    grow = (sign > 0) == inward
    word = ("tighter" if sign > 0 else "wider")
    return scale(draft, Thing("motion", ("zoom",)), factor if grow else 1 / factor, word)


def move_length(draft: Draft, thing: Thing, sign: int, degree: str | None, value_ms: int | None) -> Edit:
    """How long the move takes (its ``d``): set, or longer or shorter by a step. A move cannot outlast its
    clip: "longer" on one that fills the clip makes it slower instead (the same path, more slowly)."""
    motion = motion_of(draft)
    clip = drafts.duration(draft)
    old = motion.get("d")
    current = old if old is not None else clip
    if value_ms is None:
        step = round(STEPS["move_time"][DEGREE_INDEX[degree]] * 1000)
        if sign > 0 and current >= clip:
            slower = scale(draft, thing, 1 / STEPS["camera"][DEGREE_INDEX[degree]], "slower")
            return Edit(slower.draft, f"The move already lasts the whole {seconds(clip)} clip; "
                        + slower.summary[0].lower() + slower.summary[1:], slower.touched, motion=True)
        value_ms = max(_MIN_MOVE_MS, current + sign * step)
    was = "the whole clip" if old is None else seconds(old)
    if value_ms >= clip:
        motion.pop("d", None)
        summary = f"The camera now moves over the whole {seconds(clip)} clip (was {was})."
    else:
        motion["d"] = int(value_ms)
        summary = f"The camera move now takes {seconds(value_ms)} (was {was}), then holds."
    return Edit(_set(draft, motion), summary, _touched(thing.axes), motion=True)


def remove_axes(draft: Draft, thing: Thing) -> Edit:
    """Take ``thing``'s moves out of the motion; the rest stays. No move left: no motion."""
    motion = motion_of(draft)
    present = motion_axes(draft)
    left = [a for a in present if a not in thing.axes]
    if not thing.axes or not left:
        return Edit(_set(draft, None), "Removed the camera motion.", ("motion",))
    for axis in thing.axes:
        if axis == "zoom":
            motion.pop("zoom", None)
            motion.pop("focus", None)
        elif axis in ("x", "y"):
            motion["pan"][0 if axis == "x" else 1] = 0.0
            if not any(motion["pan"]):
                motion.pop("pan")
        else:
            motion.pop("roll", None)
    kept = ", ".join(AXIS_NAMES[a] for a in left)
    summary = f"Removed {_names(thing.axes, present)}; kept {kept}."
    return Edit(_set(draft, motion), summary, _touched(thing.axes))
