"""The values the Nemo client returns, and the pure parsers that build them from API bodies."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

JSON = dict[str, Any]

EventKind = Literal["text", "tool_call", "tool_result", "heartbeat"]
RENDER_FINAL = frozenset({"completed", "failed", "cancelled"})


@dataclass(frozen=True)
class Session:
    """One agent session; ``session_id`` goes into every later call."""

    task_id: str
    session_id: str
    user_id: str | None = None


@dataclass(frozen=True)
class UploadedFile:
    """A file the API stored for a session."""

    filename: str
    cdn_url: str
    file_type: str | None = None
    duration: float | None = None
    width: int | None = None
    height: int | None = None
    fps: float | None = None
    hash: str | None = None

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> UploadedFile:
        return cls(
            filename=str(data.get("filename", "")),
            cdn_url=str(data.get("cdn_url", "")),
            file_type=data.get("file_type"),
            duration=data.get("duration"),
            width=data.get("width"),
            height=data.get("height"),
            fps=data.get("fps"),
            hash=data.get("hash"),
        )


@dataclass(frozen=True)
class Credits:
    available: float
    frozen: float
    total: float


@dataclass(frozen=True)
class ClaimToken:
    """A claim token and the browser link that moves an anonymous session to an account."""

    token: str = field(repr=False)
    expires_in: int | None = None

    @property
    def url(self) -> str:
        return f"https://nemovideo.com/workspace/claim?ct={self.token}"

    def __repr__(self) -> str:
        return f"ClaimToken(token='***', expires_in={self.expires_in!r})"


@dataclass(frozen=True)
class StreamEvent:
    """One decoded /run_sse event, whatever the dialect.

    ``text`` for text events; ``name``/``args`` for tool calls; ``name``/``result`` for tool results.
    ``partial`` marks an ADK streaming chunk that a later final event repeats in full.
    """

    kind: EventKind
    text: str = ""
    name: str | None = None
    args: JSON | None = None
    result: Any = None
    partial: bool = False
    raw: JSON | None = field(default=None, repr=False, compare=False)


@dataclass(frozen=True)
class StreamResult:
    """What one message produced: the agent's text, every event, and the tool calls."""

    text: str
    events: tuple[StreamEvent, ...]

    @property
    def tool_calls(self) -> tuple[StreamEvent, ...]:
        return tuple(e for e in self.events if e.kind == "tool_call")

    @property
    def tool_results(self) -> tuple[StreamEvent, ...]:
        return tuple(e for e in self.events if e.kind == "tool_result")

    @property
    def no_text(self) -> bool:
        """True when the stream closed without any text (about 30% of edits): read the state then."""
        return not self.text.strip()


@dataclass(frozen=True)
class RenderStatus:
    """A render job as either documented status shape describes it."""

    id: str
    status: str
    progress: float | None = None
    output_url: str | None = None
    error: str | None = None

    @property
    def done(self) -> bool:
        return self.status in RENDER_FINAL


def _get(mapping: object, *path: str) -> Any:
    for key in path:
        if not isinstance(mapping, Mapping):
            return None
        mapping = mapping.get(key)
    return mapping


def parse_render_status(body: Mapping[str, Any], *, fallback_id: str) -> RenderStatus:
    """Read Shape 1 (``{"success", "data": {...}}``) or the flat Shape 2 into a ``RenderStatus``.

    Reads ``data.status|status`` and ``data.outputUrl|data.output.url|output.url|outputUrl``.
    """
    data = body.get("data") if isinstance(body.get("data"), Mapping) else None
    first = [_get(data, "status"), body.get("status")]
    status = next((s for s in first if isinstance(s, str) and s), "pending")
    urls = [_get(data, "outputUrl"), _get(data, "output", "url"), _get(body, "output", "url"),
            body.get("outputUrl")]
    ids = [_get(data, "id"), _get(data, "taskId"), body.get("taskId"), body.get("id")]
    progress = next((p for p in (_get(data, "progress"), body.get("progress"))
                     if isinstance(p, int | float)), None)
    error = next((e for e in (_get(data, "error"), body.get("error")) if isinstance(e, str) and e), None)
    return RenderStatus(
        id=next((str(i) for i in ids if i), fallback_id),
        status=status.lower(),
        progress=float(progress) if progress is not None else None,
        output_url=next((u for u in urls if isinstance(u, str) and u), None),
        error=error,
    )


_TRACK_LABELS = {0: "Video", 1: "BGM", 7: "Title"}


def _seconds(ms: object) -> str:
    value = (ms if isinstance(ms, int | float) else 0) / 1000
    return f"{value:g}"


def _segment_label(tt: object, seg: Mapping[str, Any]) -> str:
    start = seg.get("st", 0)
    end = (start if isinstance(start, int | float) else 0) + (seg.get("d") or 0)
    span = f"{_seconds(start)}-{_seconds(end)}s"
    if tt == 7:
        return f'"{seg.get("text", "")}" ({span})'
    name = seg.get("name") or str(seg.get("src", "?")).rsplit("/", 1)[-1].removeprefix("mood:")
    if tt == 1 and isinstance(seg.get("vol"), int | float):
        return f"{name} ({span}, {seg['vol']:g}%)"
    motion = seg.get("motion")
    if tt == 0 and isinstance(motion, Mapping) and motion:
        return f"{name} ({span}, {motion_words(motion)})"
    return f"{name} ({span})"


def _pair(value: object) -> tuple[float, float] | None:
    if isinstance(value, list | tuple) and len(value) == 2 and all(
            isinstance(v, int | float) and not isinstance(v, bool) for v in value):
        return float(value[0]), float(value[1])
    return None


def _percent(fraction: float) -> str:
    return f"{round(fraction * 100, 2):g}%"


def motion_words(motion: Mapping[str, Any]) -> str:
    """A draft ``motion`` as a person says it (specs/motion.md): ``zoom in 10%, pan left 5%, ease-in-out``."""
    words: list[str] = []
    zoom, pan, roll, focus = (_pair(motion.get(k)) for k in ("zoom", "pan", "roll", "focus"))
    if zoom and zoom[0] != zoom[1]:
        words.append(f"zoom {'in' if zoom[1] > zoom[0] else 'out'} {_percent(abs(zoom[1] - zoom[0]))}")
    if pan and pan[0]:
        words.append(f"pan {'left' if pan[0] < 0 else 'right'} {_percent(abs(pan[0]))}")
    if pan and pan[1]:
        words.append(f"tilt {'up' if pan[1] < 0 else 'down'} {_percent(abs(pan[1]))}")
    if roll and roll[0] != roll[1]:
        turn = roll[1] - roll[0]
        words.append(f"roll {'clockwise' if turn > 0 else 'counterclockwise'} {abs(turn):g}°")
    if focus and focus != (0.5, 0.5):
        words.append(f"focus {_percent(focus[0])} {_percent(focus[1])}")
    length = motion.get("d")
    if isinstance(length, int | float) and not isinstance(length, bool):
        words.append(f"over {_seconds(length)}s")
    if not words:
        return "no camera motion"
    easing = motion.get("easing")
    return ", ".join([*words, *([easing] if isinstance(easing, str) else [])])


def summarize_tracks(draft: Mapping[str, Any] | None) -> str:
    """The seed's one-line track summary, the frame first when the draft states it: ``Timeline (aspect 9:16
    for tiktok, 6 s, 3 tracks): 1. Video: shoe.png (0-6s, zoom in 10%, ease-in-out) 2. BGM: … 3. Title: …``.
    """
    tracks = [t for t in (draft or {}).get("t", []) if isinstance(t, Mapping)]
    meta = (draft or {}).get("m")
    frame = []
    if isinstance(meta, Mapping) and isinstance(meta.get("aspect"), str):
        platform = meta.get("platform")
        frame.append(f"aspect {meta['aspect']}" + (f" for {platform}" if isinstance(platform, str) else ""))
    length = (draft or {}).get("d")
    if isinstance(length, int | float) and not isinstance(length, bool) and frame:
        frame.append(f"{_seconds(length)} s")
    noun = "track" if len(tracks) == 1 else "tracks"
    head = f"Timeline ({', '.join([*frame, f'{len(tracks)} {noun}'])})"
    if not tracks:
        return f"{head}: empty"
    parts = []
    for index, track in enumerate(tracks, start=1):
        tt = track.get("tt")
        label = _TRACK_LABELS.get(tt, f"Track type {tt}") if isinstance(tt, int) else "Track"
        segments = [s for s in track.get("sg", []) if isinstance(s, Mapping)]
        body = ", ".join(_segment_label(tt, s) for s in segments) or "(empty)"
        parts.append(f"{index}. {label}: {body}")
    return f"{head}: " + " ".join(parts)
