"""What a job asks of one exported clip, as values: the QC's only idea of "right".

Built from the recipe (runner/recipe/asked.py folds the job's steps up to the export), never from the
backend's draft: the backend is what the QC verifies. The one exception is a ``say:`` step, whose free text
only its outcome explains: a field a say step may have changed after the recipe last set it names that step
in ``say_steps``, and ``resolve`` takes that field from the state the run recorded (or marks it unknown when
no run is at hand, so its checks say "not checked" instead of passing).

Units are the draft's (specs/draft.schema.json, specs/motion.md): motion as zoom factors, pan fractions of
the frame, roll degrees, focus fractions of the image; times in ms; volume in percent.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

# The API's canvas when a recipe names none (specs/instructions.md; the mock's new draft): 9:16, 5 s, 30 fps.
DEFAULT_ASPECT = "9:16"
DEFAULT_DURATION_MS = 5000
DEFAULT_FPS = 30
GIF_MAX_FPS = 15  # a gif's frame delay is in 1/100 s: renders cap its rate (the mock's encoder does)
DEFAULT_EASING = "ease-in-out"
EASINGS = ("linear", "ease-in", "ease-out", "ease-in-out")
SHORT_SIDE = {"1080p": 1080, "720p": 720, "540p": 540}
RATIOS = {"9:16": (9, 16), "1:1": (1, 1), "4:5": (4, 5), "16:9": (16, 9)}

Field = Literal["aspect", "duration", "motion", "texts", "music"]
FIELDS: tuple[Field, ...] = ("aspect", "duration", "motion", "texts", "music")
_ATTRIBUTE = {
    "aspect": "aspect",
    "duration": "duration_ms",
    "motion": "motion",
    "texts": "texts",
    "music": "music",
}


@dataclass(frozen=True)
class AskedMotion:
    """A camera move in the draft's terms (specs/motion.md). The default is a still camera."""

    zoom: tuple[float, float] = (1.0, 1.0)
    pan: tuple[float, float] = (0.0, 0.0)  # fractions of the frame's width and height, over the move
    roll: tuple[float, float] = (0.0, 0.0)  # degrees, positive: the camera turns clockwise
    focus: tuple[float, float] = (0.5, 0.5)  # fractions of the image
    easing: str = DEFAULT_EASING
    duration_ms: int | None = None  # the move's length; the end pose holds after it

    @property
    def still(self) -> bool:
        return self.zoom[0] == self.zoom[1] and self.pan == (0.0, 0.0) and self.roll[0] == self.roll[1]


@dataclass(frozen=True)
class AskedText:
    content: str
    start_ms: int
    length_ms: int
    position: str | tuple[float, float]  # top | center | bottom, or the centre as fractions of the frame
    size: int | None = None  # px at a 1080 short side
    color: str | None = None
    keep_safe: bool = True
    step: str = ""  # where it was asked ("step 3 (text)"), for messages

    @property
    def end_ms(self) -> int:
        return self.start_ms + self.length_ms


@dataclass(frozen=True)
class AskedMusic:
    volume: float  # percent of the source's own level
    mood: str | None = None
    file: Path | None = None  # an uploaded track, on this machine: its own loudness is the reference
    name: str = ""  # as the recipe wrote it, for messages


@dataclass(frozen=True)
class Readable:
    """``expect: clip: readable``: this text can be read in the frame at this time (OCR at --qc full)."""

    text: str
    at_ms: int


@dataclass(frozen=True)
class ClipAssertions:
    """``expect: clip:`` keys (specs/recipe.schema.json), for the next export's clip."""

    step: str  # "step 6 (expect)"
    loudness: float | None = None  # LUFS of the music between its edges
    loudness_tolerance: float = 1.0  # LU
    max_true_peak: float | None = None  # dBTP
    readable: tuple[Readable, ...] = ()


@dataclass(frozen=True)
class Unknown:
    """A field that a ``say:`` step may have changed, checked without the run that knows what it did."""

    step: str  # "step 6 (say)"

    def why(self) -> str:
        return f"asked by {self.step}, whose outcome only its run knows: pass --run"


@dataclass(frozen=True)
class AskedClip:
    """Everything one export asks of its clip."""

    format: str = "mp4"  # mp4 | webm | mov | gif
    resolution: str = "1080p"
    aspect: str | Unknown = DEFAULT_ASPECT
    platform: str | None = None  # whose safe zone text keeps to (else the ratio's)
    duration_ms: int | Unknown = DEFAULT_DURATION_MS
    fps: int = DEFAULT_FPS
    image: Path | None = None  # the active image, for where the focus sits on screen
    motion: AskedMotion | Unknown = AskedMotion()
    texts: tuple[AskedText, ...] | Unknown = ()
    music: AskedMusic | Unknown | None = None
    assertions: tuple[ClipAssertions, ...] = ()
    # field → the action indexes of say: steps after the recipe last set it (resolved against the run)
    say_steps: Mapping[str, tuple[int, ...]] = field(default_factory=dict)
    say_labels: Mapping[int, str] = field(default_factory=dict)  # action index → "step 6 (say)"
    sources: Mapping[str, str] = field(default_factory=dict)  # field → the say step it was taken from

    @property
    def size(self) -> tuple[int, int] | None:
        """The frame's width × height: the ratio at the resolution's short side, both even."""
        if isinstance(self.aspect, Unknown):
            return None
        return frame_size(self.aspect, self.resolution)

    @property
    def video_fps(self) -> int:
        return min(self.fps, GIF_MAX_FPS) if self.format == "gif" else self.fps

    @property
    def has_audio(self) -> bool | Unknown:
        """Whether the file must carry an audio stream: music asked, in a container that holds sound."""
        if isinstance(self.music, Unknown):
            return self.music
        return self.music is not None and self.music.volume > 0 and self.format != "gif"


def frame_size(aspect: str, resolution: str) -> tuple[int, int]:
    """Width × height of a ratio at a resolution tier: the short side is the tier, the long one rounded to
    an even number of pixels (yuv420p needs even sides; 4:5 at 540p is 540×676)."""
    w, h = RATIOS[aspect]
    short = SHORT_SIDE[resolution]
    long_side = max(2, 2 * round(short * max(w, h) / min(w, h) / 2))
    return (short, long_side) if w <= h else (long_side, short)


def touched_fields(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[Field]:
    """The fields of the clip that differ between two drafts (what a ``say:`` step changed)."""
    return [f for f in FIELDS if _draft_field(before, f) != _draft_field(after, f)]


def resolve(
    asked: AskedClip,
    touched: Mapping[int, tuple[str, ...]] | None,
    draft: Mapping[str, Any] | None,
    names: Mapping[str, Path] | None = None,
) -> AskedClip:
    """``asked`` with every field a say step changed taken from ``draft`` (the state at the export).

    ``touched`` maps a say step's action index to the fields it changed, as the run journaled them;
    ``None`` (no run at hand): such fields become ``Unknown``. ``names`` maps an upload's API name to its
    local file (for a music file a say step chose).
    """
    changes: dict[str, Any] = {}
    sources: dict[str, str] = {}
    for name, steps in asked.say_steps.items():
        if not steps:
            continue
        if touched is None or draft is None:
            changes[_ATTRIBUTE[name]] = Unknown(asked.say_labels.get(steps[-1], f"action {steps[-1]}"))
            continue
        by = [s for s in steps if name in touched.get(s, ())]
        if by:
            label = asked.say_labels.get(by[-1], f"action {by[-1]}")
            sources[name] = label
            changes.update(_from_draft(draft, name, f"the outcome of {label}", names or {}))
    return replace(asked, **changes, sources=sources) if changes else asked


# --- reading the draft (only for what a say: step did) -----------------------------------------------


def _track(draft: Mapping[str, Any], kind: int) -> list[Mapping[str, Any]]:
    for track in draft.get("t") or []:
        if isinstance(track, Mapping) and track.get("tt") == kind:
            return [s for s in track.get("sg") or [] if isinstance(s, Mapping)]
    return []


def _draft_field(draft: Mapping[str, Any], name: str) -> Any:
    meta: Mapping[str, Any] = draft["m"] if isinstance(draft.get("m"), Mapping) else {}
    if name == "aspect":
        return (meta.get("aspect"), meta.get("platform"))
    if name == "duration":
        return draft.get("d")
    if name == "motion":
        video = _track(draft, 0)
        return video[0].get("motion") if video else None
    if name == "texts":
        return [
            {k: s.get(k) for k in ("text", "st", "d", "pos", "size", "color", "safe")}
            for s in _track(draft, 7)
        ]
    return [{k: s.get(k) for k in ("src", "vol")} for s in _track(draft, 1)]


def _pair(value: Any, default: tuple[float, float]) -> tuple[float, float]:
    if isinstance(value, list | tuple) and len(value) == 2 and all(isinstance(v, int | float) for v in value):
        return (float(value[0]), float(value[1]))
    return default


def motion_from_draft(motion: Any) -> AskedMotion:
    """A draft's ``motion`` object (or null) as an ``AskedMotion``."""
    if not isinstance(motion, Mapping):
        return AskedMotion()
    d = motion.get("d")
    return AskedMotion(
        zoom=_pair(motion.get("zoom"), (1.0, 1.0)),
        pan=_pair(motion.get("pan"), (0.0, 0.0)),
        roll=_pair(motion.get("roll"), (0.0, 0.0)),
        focus=_pair(motion.get("focus"), (0.5, 0.5)),
        easing=str(motion.get("easing") or DEFAULT_EASING),
        duration_ms=int(d) if isinstance(d, int | float) else None,
    )


def _from_draft(draft: Mapping[str, Any], name: str, label: str, names: Mapping[str, Path]) -> dict[str, Any]:
    meta: Mapping[str, Any] = draft["m"] if isinstance(draft.get("m"), Mapping) else {}
    if name == "aspect":
        aspect = meta.get("aspect")
        platform = meta.get("platform")
        return {
            "aspect": aspect if aspect in RATIOS else DEFAULT_ASPECT,
            "platform": platform if isinstance(platform, str) else None,
        }
    if name == "duration":
        d = draft.get("d")
        return {"duration_ms": int(d) if isinstance(d, int | float) and d > 0 else DEFAULT_DURATION_MS}
    if name == "motion":
        video = _track(draft, 0)
        return {"motion": motion_from_draft(video[0].get("motion") if video else None)}
    if name == "texts":
        texts = []
        for s in _track(draft, 7):
            pos = s.get("pos", "bottom")
            position = (float(pos[0]), float(pos[1])) if isinstance(pos, list | tuple) else str(pos)
            texts.append(
                AskedText(
                    str(s.get("text", "")),
                    int(s.get("st", 0)),
                    int(s.get("d", 0)),
                    position,
                    s.get("size") if isinstance(s.get("size"), int) else None,
                    s.get("color") if isinstance(s.get("color"), str) else None,
                    s.get("safe", True) is not False,
                    label,
                )
            )
        return {"texts": tuple(texts)}
    music = _track(draft, 1)
    if not music:
        return {"music": None}
    src = urllib.parse.unquote(str(music[0].get("src", "")))
    vol = music[0].get("vol", 100)
    volume = float(vol) if isinstance(vol, int | float) else 100.0
    if src.startswith("mood:"):
        return {"music": AskedMusic(volume, mood=src.removeprefix("mood:"), name=src)}
    name_in_api = src.rsplit("/", 1)[-1]
    return {"music": AskedMusic(volume, file=names.get(name_in_api), name=name_in_api)}
