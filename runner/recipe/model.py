"""Typed, frozen values for a recipe, built right after its (expanded) document passed the schema.

The schema guarantees the shapes, so the builders here only convert units (``6s`` → 6000 ms, ``35%`` → 35)
and apply defaults. A value the schema cannot judge (a zero duration) raises ``InvalidValue`` with the path
inside the step, which the planner turns into a located problem.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from .limits import (
    MAX_CLIP_MS,
    MAX_ROLL_DEGREES,
    MAX_ZOOM_PAN_PERCENT,
    Range,
    draft_bounds,
)
from .presets import FOCUS_POINTS, Platform, aspect_of


class InvalidValue(Exception):
    """A value that passed the schema but makes no sense; ``path`` is relative to the step's value."""

    def __init__(self, message: str, path: tuple[str | int, ...] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.path = path


# --- defaults -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExportDefaults:
    format: str | None = None  # None: from the file suffix, else mp4
    quality: str = "high"
    resolution: str = "1080p"


@dataclass(frozen=True)
class TextDefaults:
    position: str | tuple[float, float] = "bottom"
    size: int | None = None
    color: str | None = None


@dataclass(frozen=True)
class Defaults:
    aspect: str | None = None  # a ratio
    platform: Platform | None = None  # when ``aspect`` named a preset
    duration_ms: int | None = None
    export: ExportDefaults = ExportDefaults()
    music_volume: float = 35.0  # the mock's and the seed's usual bed level
    text: TextDefaults = TextDefaults()


def build_defaults(value: Mapping[str, Any]) -> Defaults:
    aspect, platform = aspect_of(value["aspect"]) if "aspect" in value else (None, None)
    export = value.get("export") or {}
    text = value.get("text") or {}
    return Defaults(
        aspect=aspect,
        platform=platform,
        duration_ms=_positive_ms(value["duration"], ("duration",)) if "duration" in value else None,
        export=ExportDefaults(export.get("format"), export.get("quality", "high"),
                              export.get("resolution", "1080p")),
        music_volume=(_volume(value["music"]["volume"], ("music", "volume"))
                      if "volume" in value.get("music", {}) else 35.0),
        text=TextDefaults(_position(text.get("position", "bottom"), ("text", "position")), text.get("size"),
                          _color(text.get("color"))),
    )


# --- steps -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class UploadStep:
    paths: tuple[str, ...]  # as written (relative to the recipe file), after templates
    kind: Literal["upload"] = "upload"


@dataclass(frozen=True)
class MotionPart:
    axis: Literal["zoom", "pan", "tilt", "roll"]
    direction: str  # in|out, left|right, up|down, clockwise|counterclockwise
    amount: float | None = None  # percent (zoom/pan/tilt) or degrees (roll); None: from the speed


@dataclass(frozen=True)
class MotionStep:
    parts: tuple[MotionPart, ...]  # in the fixed order zoom, pan, tilt, roll
    speed: str | None = None
    easing: str | None = None
    focus: tuple[float, float] | None = None  # percent of the image
    duration_ms: int | None = None
    kind: Literal["motion"] = "motion"


@dataclass(frozen=True)
class SayStep:
    text: str
    kind: Literal["say"] = "say"


@dataclass(frozen=True)
class TextStep:
    content: str
    start_ms: int
    length_ms: int
    position: str | tuple[float, float]
    size: int | None = None
    color: str | None = None  # #RRGGBB, upper case
    keep_safe: bool = True  # false: {x, y} may lie where the platform's interface covers it
    kind: Literal["text"] = "text"


@dataclass(frozen=True)
class RemoveStep:
    what: Literal["motion", "text", "music"]
    text: str | None = None  # one text by content; None with what="text" removes all text
    kind: Literal["remove"] = "remove"


@dataclass(frozen=True)
class ReplaceStep:
    old: str
    new: str
    kind: Literal["replace"] = "replace"


@dataclass(frozen=True)
class MusicStep:
    volume: float
    mood: str | None = None
    file: str | None = None  # an uploaded audio file's name
    kind: Literal["music"] = "music"

    @property
    def volume_only(self) -> bool:
        return self.mood is None and self.file is None


@dataclass(frozen=True)
class AspectStep:
    ratio: str
    platform: Platform | None = None
    kind: Literal["aspect"] = "aspect"


@dataclass(frozen=True)
class DurationStep:
    ms: int
    kind: Literal["duration"] = "duration"


@dataclass(frozen=True)
class UseStep:
    name: str  # a file name (a path is reduced to its name)
    kind: Literal["use"] = "use"


@dataclass(frozen=True)
class ReadableAt:
    text: str
    at_ms: int


@dataclass(frozen=True)
class ClipExpect:
    """``expect: clip:``: what the next export's clip must measure (checked by the clip QC)."""

    loudness: float | None = None  # LUFS
    loudness_tolerance: float = 1.0  # LU
    max_true_peak: float | None = None  # dBTP
    readable: tuple[ReadableAt, ...] = ()


@dataclass(frozen=True)
class ExpectStep:
    tracks: Mapping[str, int] | None = None
    duration_ms: int | None = None
    texts: tuple[str, ...] | None = None
    aspect: str | None = None
    volume: float | None = None
    motion: Mapping[str, object] | None = None
    clip: ClipExpect | None = None
    kind: Literal["expect"] = "expect"


@dataclass(frozen=True)
class ExportStep:
    to: str | None
    format: str | None  # None: from ``to``'s suffix or the defaults
    quality: str
    resolution: str
    kind: Literal["export"] = "export"


Step = (UploadStep | MotionStep | SayStep | TextStep | RemoveStep | ReplaceStep | MusicStep | AspectStep
        | DurationStep | UseStep | ExpectStep | ExportStep)

ALLOW_NOOP = "allow_noop"  # the one key a step may carry beside its kind (specs/recipe.schema.json)

STEP_KINDS = ("upload", "motion", "say", "text", "remove", "replace", "music", "aspect", "duration", "use",
              "expect", "export")


def build_step(step: Mapping[str, Any], defaults: Defaults = Defaults()) -> Step:
    """A typed step from one schema-valid, expanded ``{kind: value}`` mapping.

    Raises:
        InvalidValue: the value passed the schema but cannot be used (e.g. a zero duration).
    """
    ((kind, value),) = step.items()
    match kind:
        case "upload":
            return UploadStep(tuple([value] if isinstance(value, str) else value))
        case "motion":
            return _motion(value)
        case "say":
            return SayStep(value)
        case "text":
            return TextStep(
                content=value["content"],
                start_ms=_ms(value.get("at", 0), ("at",)),
                length_ms=_positive_ms(value["for"], ("for",)),
                position=_position(value.get("position", defaults.text.position), ("position",)),
                size=value.get("size", defaults.text.size),
                color=_color(value.get("color")) or defaults.text.color,
                keep_safe=value.get("keep_safe", True),
            )
        case "remove":
            if isinstance(value, dict):
                return RemoveStep("text", value["text"])
            return RemoveStep(value)
        case "replace":
            return ReplaceStep(value["text"], value["with"])
        case "music":
            if isinstance(value, str):
                return MusicStep(defaults.music_volume, mood=value)
            volume = _volume(value["volume"], ("volume",)) if "volume" in value else defaults.music_volume
            return MusicStep(volume, mood=value.get("mood"), file=value.get("file"))
        case "aspect":
            ratio, platform = aspect_of(value)
            return AspectStep(ratio, platform)
        case "duration":
            return DurationStep(_positive_ms(value, ()))
        case "use":
            return UseStep(value.replace("\\", "/").rsplit("/", 1)[-1])
        case "expect":
            return _expect(value)
        case "export":
            spec = {"to": value} if isinstance(value, str) else value
            return ExportStep(spec.get("to"), spec.get("format", defaults.export.format),
                              spec.get("quality", defaults.export.quality),
                              spec.get("resolution", defaults.export.resolution))
    raise InvalidValue(f"unknown step kind '{kind}'")  # pragma: no cover — the schema rejects it first


_AXES: dict[str, Literal["zoom", "pan", "tilt", "roll"]] = {
    "zoom": "zoom", "pan": "pan", "tilt": "tilt", "roll": "roll"}


def _motion(value: Mapping[str, Any]) -> MotionStep:
    amount = value.get("amount")
    parts = []
    for axis in _AXES.values():
        if axis not in value:
            continue
        given = amount.get(axis) if isinstance(amount, dict) else amount
        path: tuple[str | int, ...] = ("amount", axis) if isinstance(amount, dict) else ("amount",)
        parts.append(MotionPart(axis, value[axis], None if given is None else _amount(given, axis, path)))
    if isinstance(amount, dict):
        for axis in amount:
            if axis not in value:
                raise InvalidValue(f"an amount for '{axis}' but no {axis} direction; add '{axis}:' or drop "
                                   "the amount", ("amount", axis))
    focus = value.get("focus")
    return MotionStep(
        parts=tuple(parts),
        speed=value.get("speed"),
        easing=value.get("easing"),
        focus=None if focus is None else FOCUS_POINTS[focus] if isinstance(focus, str) else _point(focus,
                                                                                                   ("focus",)),
        duration_ms=_positive_ms(value["duration"], ("duration",)) if "duration" in value else None,
    )


def _amount(value: Any, axis: str, path: tuple[str | int, ...]) -> float:
    if isinstance(value, int | float):
        number, unit = value, ""
    else:
        match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(%|deg|degrees|°)\s*", value)
        assert match, value  # the schema's pattern
        number, unit = float(match[1]), match[2]
    if axis == "roll" and unit == "%":
        raise InvalidValue("roll takes degrees (6 or 6deg), not a percentage", path)
    if axis != "roll" and unit not in ("", "%"):
        raise InvalidValue(f"{axis} takes a percentage of the frame (15%), not degrees", path)
    if number <= 0:
        raise InvalidValue("the amount must be more than 0; use 'remove: motion' for no motion", path)
    limit, unit = (MAX_ROLL_DEGREES, " degrees") if axis == "roll" else (MAX_ZOOM_PAN_PERCENT, "%")
    if not number <= limit:
        raise InvalidValue(f"{axis} amount {value} is too large (at most {limit:g}{unit})", path)
    return float(number)


def _expect(value: Mapping[str, Any]) -> ExpectStep:
    texts = value.get("text")
    aspect = value.get("aspect")
    return ExpectStep(
        tracks=dict(value["tracks"]) if "tracks" in value else None,
        duration_ms=_positive_ms(value["duration"], ("duration",)) if "duration" in value else None,
        texts=None if texts is None else (texts,) if isinstance(texts, str) else tuple(texts),
        aspect=None if aspect is None else aspect_of(aspect)[0],
        volume=_volume(value["volume"], ("volume",)) if "volume" in value else None,
        motion=dict(value["motion"]) if "motion" in value else None,
        clip=_clip(value["clip"]) if "clip" in value else None,
    )


def _clip(value: Mapping[str, Any]) -> ClipExpect:
    readable = value.get("readable", [])
    return ClipExpect(
        loudness=_level(value["loudness"], "LUFS") if "loudness" in value else None,
        loudness_tolerance=_level(value.get("loudness_tolerance", 1), "LU"),
        max_true_peak=_level(value["max_true_peak"], "dBTP") if "max_true_peak" in value else None,
        readable=tuple(ReadableAt(r["text"], _ms(r["at"], ("clip", "readable", i, "at")))
                       for i, r in enumerate([readable] if isinstance(readable, dict) else readable)),
    )


def _level(value: Any, unit: str) -> float:
    """``-23``, ``"-23 LUFS"``, ``"1 LU"``, ``"-1 dBTP"`` → the number (the schema checked the unit)."""
    if isinstance(value, int | float):
        return float(value)
    return float(str(value).strip().removesuffix(unit).strip())


# --- units -------------------------------------------------------------------------------------------------

_SECONDS = re.compile(r"\s*(\d+(?:\.\d+)?)\s*(s|ms)?\s*")


def parse_ms(value: Any) -> int:
    """``6s``, ``2.5s``, ``1500ms``, ``"6"`` or ``6`` (seconds) → milliseconds, rounded to the nearest.

    Raises:
        InvalidValue: not a duration, negative, or longer than ``MAX_CLIP_MS`` (no clip is; the number
            could hang a render, and ±1e308 seconds has no milliseconds to count).
    """
    if isinstance(value, int | float) and not isinstance(value, bool):
        number, unit = value, "s"
    else:
        match = _SECONDS.fullmatch(str(value))
        if not match:
            raise InvalidValue(f"'{value}' is not a duration; write it like 6s, 2.5s or 1500ms")
        number, unit = float(match[1]), match[2] or "s"
    limit = MAX_CLIP_MS if unit == "ms" else MAX_CLIP_MS / 1000
    if number < 0:
        raise InvalidValue(f"{value} is negative; a duration is 0 or more")
    if not number <= limit:  # also NaN
        raise InvalidValue(f"{value} is longer than any clip can be ({MAX_CLIP_MS // 60_000} minutes at "
                           "most); shorten it")
    return round(float(number) if unit == "ms" else float(number) * 1000)


def _ms(value: Any, path: tuple[str | int, ...]) -> int:
    try:
        return parse_ms(value)
    except InvalidValue as exc:
        raise InvalidValue(exc.message, path) from None


def _positive_ms(value: Any, path: tuple[str | int, ...]) -> int:
    ms = _ms(value, path)
    if ms <= 0:
        raise InvalidValue(f"the duration must be more than 0, got {value!r}", path)
    return ms


def parse_percent(value: Any) -> float:
    """``35%``, ``"35"`` or ``35`` → 35.0 (a number too large for a float is infinite)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value) if abs(value) < 1e300 else math.inf if value > 0 else -math.inf
    return float(str(value).strip().rstrip("%").strip())


def _bounded_percent(value: Any, bounds: Range, what: str, path: tuple[str | int, ...]) -> float:
    number = parse_percent(value)
    if not bounds.minimum <= number <= bounds.maximum:
        raise InvalidValue(f"{what} {value} is out of range ({bounds.minimum:g}% to {bounds.maximum:g}%)",
                           path)
    return number


def _volume(value: Any, path: tuple[str | int, ...]) -> float:
    """A music volume within the range the draft takes (specs/draft.schema.json: ``vol``)."""
    return _bounded_percent(value, draft_bounds().volume, "volume", path)


_FRAME = Range(0, 100)


def _point(value: Mapping[str, Any], path: tuple[str | int, ...]) -> tuple[float, float]:
    return (_bounded_percent(value["x"], _FRAME, "x", (*path, "x")),
            _bounded_percent(value["y"], _FRAME, "y", (*path, "y")))


def _position(value: Any, path: tuple[str | int, ...]) -> str | tuple[float, float]:
    if isinstance(value, tuple):
        return value
    return value if isinstance(value, str) else _point(value, path)


def _color(value: str | None) -> str | None:
    return value.upper() if value else None
