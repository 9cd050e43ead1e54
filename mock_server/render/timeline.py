"""The draft read into typed segments: what plays when (pure; no files are opened here)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .camera import Motion
from .errors import RenderInputError
from .geometry import DEFAULT_FPS, draft_aspect, draft_reference_short_side

VIDEO, AUDIO, TEXT = 0, 1, 7


@dataclass(frozen=True)
class VideoSegment:
    src: str
    start_ms: int
    duration_ms: int
    motion: Motion
    where: str


@dataclass(frozen=True)
class AudioSegment:
    src: str
    start_ms: int
    duration_ms: int
    volume: float  # 1.0 = 100 %
    fade_out_ms: int
    where: str
    fade_in_ms: int = 0


@dataclass(frozen=True)
class TextSegment:
    text: str
    start_ms: int
    duration_ms: int
    pos: str | tuple[float, float]
    size: int | None
    color: str
    box: bool
    fade_ms: int
    where: str
    keep_safe: bool = True  # false: the platform's safe zone does not apply (draft key "safe")


@dataclass(frozen=True)
class Timeline:
    """Everything the renderer needs from a draft, in draft units (ms, draft pixel sizes)."""

    aspect: tuple[float, float]
    fps: int
    duration_ms: int
    reference_short_side: int
    video: tuple[VideoSegment, ...]
    audio: tuple[AudioSegment, ...]
    text: tuple[TextSegment, ...]
    platform: str | None = None  # m.platform: whose safe zone text keeps to (else the aspect's)

    def frame_count(self) -> int:
        """Frames at ``fps`` covering the duration (at least one)."""
        return max(1, round(self.duration_ms * self.fps / 1000))


def _ms(segment: Mapping[str, Any], key: str, where: str, default: int | None = None) -> int:
    value = segment.get(key, default)
    if not isinstance(value, int | float) or isinstance(value, bool) or not math.isfinite(value) or value < 0:
        raise RenderInputError(f"{where}.{key}: expected a time in ms ≥ 0, got {value!r}")
    return int(value)


def read_timeline(draft: Mapping[str, Any]) -> Timeline:
    """Read the short-key draft (specs/draft.schema.json) into a :class:`Timeline`.

    Raises:
        RenderInputError: no video segment, or a segment the renderer cannot follow.
    """
    if not isinstance(draft, Mapping):
        raise RenderInputError(f"draft: expected an object, got {type(draft).__name__}")
    meta = draft.get("m") or {}
    if not isinstance(meta, Mapping):
        raise RenderInputError("draft.m: expected an object")
    fps = meta.get("fps", DEFAULT_FPS)
    if not isinstance(fps, int) or not 1 <= fps <= 120:
        raise RenderInputError(f"draft.m.fps: expected an integer 1..120, got {fps!r}")
    tracks = draft.get("t")
    if not isinstance(tracks, list):
        raise RenderInputError("draft.t: expected a list of tracks; the draft has no timeline")

    video: list[VideoSegment] = []
    audio: list[AudioSegment] = []
    text: list[TextSegment] = []
    for ti, track in enumerate(tracks):
        if not isinstance(track, Mapping) or not isinstance(track.get("sg"), list):
            raise RenderInputError(f"draft.t[{ti}]: expected an object with a segment list 'sg'")
        kind = track.get("tt")
        for si, seg in enumerate(track["sg"]):
            where = f"draft.t[{ti}].sg[{si}]"
            if not isinstance(seg, Mapping):
                raise RenderInputError(f"{where}: expected an object")
            if kind == VIDEO:
                video.append(_video(seg, where))
            elif kind == AUDIO:
                audio.append(_audio(seg, where))
            elif kind == TEXT:
                text.append(_text(seg, where))
            # Other track types are undocumented; the renderer leaves them out rather than failing.
    video = [v for v in video if v.duration_ms > 0]
    if not video:
        raise RenderInputError("draft: no video segment (tt 0) with a length > 0; add an image first")

    spans: list[VideoSegment | AudioSegment | TextSegment] = [*video, *audio, *text]
    ends = [s.start_ms + s.duration_ms for s in spans]
    duration = draft.get("d")
    if duration is None or duration == 0:
        duration = max(ends)
    duration_ms = _ms({"d": duration}, "d", "draft")
    return Timeline(
        aspect=draft_aspect(dict(meta)),
        fps=fps,
        duration_ms=duration_ms,
        reference_short_side=draft_reference_short_side(dict(meta)),
        video=tuple(sorted(video, key=lambda s: s.start_ms)),
        audio=tuple(audio),
        text=tuple(text),
        platform=_platform(meta),
    )


def _platform(meta: Mapping[str, Any]) -> str | None:
    platform = meta.get("platform")
    if platform is not None and not isinstance(platform, str):
        raise RenderInputError(f"draft.m.platform: expected a platform name, got {platform!r}")
    return platform


def _src(seg: Mapping[str, Any], where: str) -> str:
    src = seg.get("src")
    if not isinstance(src, str) or not src:
        raise RenderInputError(f"{where}.src: missing; every video and audio segment names its media")
    return src


def _video(seg: Mapping[str, Any], where: str) -> VideoSegment:
    return VideoSegment(
        src=_src(seg, where),
        start_ms=_ms(seg, "st", where, 0),
        duration_ms=_ms(seg, "d", where),
        motion=Motion.from_draft(seg.get("motion"), where=f"{where}.motion"),
        where=where,
    )


def _audio(seg: Mapping[str, Any], where: str) -> AudioSegment:
    vol = seg.get("vol", 100)
    if not isinstance(vol, int | float) or not 0 <= vol <= 200:
        raise RenderInputError(f"{where}.vol: expected a volume in % within 0..200, got {vol!r}")
    return AudioSegment(
        src=_src(seg, where),
        start_ms=_ms(seg, "st", where, 0),
        duration_ms=_ms(seg, "d", where),
        volume=float(vol) / 100.0,
        fade_out_ms=_ms(seg, "fo", where, 0),
        where=where,
        fade_in_ms=_ms(seg, "fi", where, 0),
    )


def _text(seg: Mapping[str, Any], where: str) -> TextSegment:
    content = seg.get("text")
    if not isinstance(content, str) or not content.strip():
        raise RenderInputError(f"{where}.text: expected non-empty text")
    pos = seg.get("pos", "bottom")
    if isinstance(pos, list | tuple):
        if len(pos) != 2 or not all(isinstance(v, int | float) for v in pos):
            raise RenderInputError(f"{where}.pos: expected top, center, bottom or [x, y], got {pos!r}")
        position: str | tuple[float, float] = (float(pos[0]), float(pos[1]))
    elif pos in ("top", "center", "bottom"):
        position = str(pos)
    else:
        raise RenderInputError(f"{where}.pos: expected top, center, bottom or [x, y], got {pos!r}")
    size = seg.get("size")
    if size is not None and (not isinstance(size, int) or not 8 <= size <= 400):
        raise RenderInputError(f"{where}.size: expected a font size in px within 8..400, got {size!r}")
    color = seg.get("color", "#FFFFFF")
    if not (isinstance(color, str) and len(color) == 7 and color[0] == "#" and _is_hex(color[1:])):
        raise RenderInputError(f"{where}.color: expected #RRGGBB, got {color!r}")
    return TextSegment(
        text=content,
        start_ms=_ms(seg, "st", where, 0),
        duration_ms=_ms(seg, "d", where),
        pos=position,
        size=size,
        color=color,
        box=bool(seg.get("box", False)),
        fade_ms=_ms(seg, "fade", where, 0),
        where=where,
        keep_safe=_flag(seg, "safe", where),
    )


def _flag(seg: Mapping[str, Any], key: str, where: str) -> bool:
    value = seg.get(key, True)
    if not isinstance(value, bool):
        raise RenderInputError(f"{where}.{key}: expected true or false, got {value!r}")
    return value


def _is_hex(text: str) -> bool:
    try:
        int(text, 16)
    except ValueError:
        return False
    return True
