"""The canonical sentences of specs/instructions.md (what the runner's compiler sends): exact grammar,
each one edit of the draft, and the actions they share with free text. Pure."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from ... import specs as motionctl_specs
from .. import drafts
from ..drafts import Draft
from .camera import Move, build_motion, describe
from .edit import Edit, NotUnderstood

MOODS = ("lo-fi", "upbeat", "calm", "cinematic")
DEFAULT_MUSIC_VOLUME = 35.0

NUM = r"(\d+(?:\.\d+)?)"
_NUM = NUM
# specs/instructions.md: inside "…" the only escape is \" for a quote; any other backslash is itself. A
# backslash before a quote may also be literal and the quote the closing one (content that ends in a
# backslash): the fit of the whole sentence decides, by backtracking.
QUOTED_CHAR = r'(?:[^"\\]|\\"|\\)'
_QUOTED = rf'"({QUOTED_CHAR}*)"'


def fmt(x: float) -> str:
    return f"{x:g}"


def unquote(s: str) -> str:
    return s.replace('\\"', '"')


def is_canonical(text: str) -> bool:
    """Whether ``text`` (spacing normalised) is one of the canonical sentences, whatever the draft."""
    if m := _C_MOTION.fullmatch(text):
        return _canonical_motion(m["body"]) is not None
    return bool(_C_TEXT.fullmatch(text)) or any(pattern.fullmatch(text) for pattern, _ in _SIMPLE)

# --- the sentences ----------------------------------------------------------------------------

_C_MOTION = re.compile(r"Animate the image with camera motion: (?P<body>.+)\.")
_C_PART = re.compile(
    r"(?:(?P<speed>slow|medium|fast) )?(?P<move>zoom in|zoom out|pan left|pan right|tilt up|tilt down|"
    rf"roll clockwise|roll counterclockwise)(?: {_NUM}(?P<unit>%| degrees))?")
_C_FOCUS = re.compile(rf"focus at {_NUM}% {_NUM}%")
_C_EASING = re.compile(r"easing (linear|ease-in-out|ease-in|ease-out)")
_C_OVER = re.compile(rf"over {_NUM}s")
_C_TEXT = re.compile(
    rf"Add the text {_QUOTED} from {_NUM}s for {_NUM}s at (?:the (top|center|bottom)|{_NUM}% {_NUM}%)"
    r"((?:, (?:size \d+|color #[0-9A-Fa-f]{6}))*)(, ignoring the safe zone)?\.")
_SIMPLE: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"Remove the camera motion\."), "no_motion"),
    (re.compile(rf"Set the duration to {_NUM}s\."), "duration"),
    (re.compile(r"Set the aspect ratio to (9:16|1:1|4:5|16:9)"
                r"(?: for (tiktok|reels|shorts|instagram-feed|instagram-square|youtube))?\."), "aspect"),
    (re.compile(rf"Remove the text {_QUOTED}\."), "remove_text"),
    (re.compile(r"Remove all text\."), "remove_all_text"),
    (re.compile(rf"Replace the text {_QUOTED} with {_QUOTED}\."), "replace_text"),
    (re.compile(rf"Add background music: (lo-fi|upbeat|calm|cinematic) mood at {_NUM}% volume\."), "mood"),
    (re.compile(rf"Add background music from the file {_QUOTED} at {_NUM}% volume\."), "music_file"),
    (re.compile(rf"Set the music volume to {_NUM}%\."), "volume"),
    (re.compile(r"Remove the background music\."), "no_music"),
    (re.compile(rf"Use the image {_QUOTED}\."), "use_image"),
]


def canonical(s: str, draft: Draft, library: Sequence[dict[str, Any]]) -> list[Edit] | None:
    """The edits of a canonical sentence, or ``None`` if ``s`` is not one."""
    if m := _C_MOTION.fullmatch(s):
        read = _canonical_motion(m["body"])
        return None if read is None else [motion_edit(draft, *read)]
    if m := _C_TEXT.fullmatch(s):
        pos: str | list[float] = m[4] if m[4] else [float(m[5]) / 100, float(m[6]) / 100]
        size = re.search(r"size (\d+)", m[7])
        color = re.search(r"color (#[0-9A-Fa-f]{6})", m[7])
        return [text_edit(draft, unquote(m[1]), float(m[2]), float(m[3]), pos,
                          int(size[1]) if size else None, color[1] if color else None, safe=not m[8])]
    for pattern, what in _SIMPLE:
        if m := pattern.fullmatch(s):
            return [ACTIONS[what](draft, library, [g if g is None else unquote(g) for g in m.groups()])]
    return None


_C_AXIS = {"zoom": "zoom", "pan": "x", "tilt": "y", "roll": "roll"}
_C_DIRECTION = {"clockwise": "cw", "counterclockwise": "ccw"}


def _canonical_motion(body: str) -> tuple[dict[str, Any], list[Move]] | None:
    moves: list[Move] = []
    focus: list[float] | None = None
    easing: str | None = None
    over: float | None = None
    for item in body.split(", "):
        if m := _C_PART.fullmatch(item):
            if focus or easing or over is not None:
                return None  # parts come first
            # As in free text, a speed word also covers the later parts that have none.
            speed = m["speed"] or (moves[-1].speed if moves else None)
            verb, direction = m["move"].split()
            moves.append(Move(_C_AXIS[verb], _C_DIRECTION.get(direction, direction), speed,
                              _canonical_amount(verb, m[3])))
        elif (m := _C_FOCUS.fullmatch(item)) and focus is None:
            focus = [float(m[1]) / 100, float(m[2]) / 100]
        elif (m := _C_EASING.fullmatch(item)) and easing is None:
            easing = m[1]
        elif (m := _C_OVER.fullmatch(item)) and over is None:
            over = float(m[1])
        else:
            return None
    if not moves:
        return None
    return build_motion(moves, focus, easing, over), moves


def _canonical_amount(verb: str, number: str | None) -> float | None:
    if number is None:
        return None
    return float(number) if verb == "roll" else round(float(number) / 100, 6)


def motion_edit(draft: Draft, motion: dict[str, Any] | None, moves: Sequence[Move] = (),
                still: bool = False) -> Edit:
    if drafts.video_segment(draft) is None:
        raise NotUnderstood("there is no image to animate yet; upload one first")
    if motion is None:
        summary = "Kept the camera still: no camera motion." if still else "Removed the camera motion."
        return Edit(drafts.set_motion(draft, None), summary, ("motion",))
    words = describe(moves, motion)
    return Edit(drafts.set_motion(draft, motion), f"{words[0].upper()}{words[1:]}.", motion_touched(motion),
                motion=True)


def motion_touched(motion: dict[str, Any]) -> tuple[str, ...]:
    """history.py's names for the moves of ``motion``."""
    zoom, pan, roll = motion.get("zoom"), motion.get("pan") or [0, 0], motion.get("roll")
    axes = [("zoom", bool(zoom and zoom[0] != zoom[1])), ("x", bool(pan[0])), ("y", bool(pan[1])),
            ("roll", bool(roll and roll[0] != roll[1]))]
    return tuple(f"motion:{a}" for a, moving in axes if moving) or ("motion",)


def text_edit(draft: Draft, content: str, start_s: float, length_s: float, pos: str | list[float],
              size: int | None, color: str | None, *, safe: bool = True) -> Edit:
    start_ms, length_ms = round(start_s * 1000), round(length_s * 1000)
    if not content:
        raise NotUnderstood("the text is empty")
    if start_ms >= drafts.duration(draft):
        raise NotUnderstood(f"the text starts at {fmt(start_s)}s, after the end of the "
                            f"{fmt(drafts.duration(draft) / 1000)}s clip")
    out = drafts.add_text(draft, content, start_ms, length_ms, pos, size, color, safe)
    track = drafts.track(out, drafts.TEXT)
    assert track is not None
    return Edit(out, f'Added the text "{content}".', (f"text:{track['sg'][-1]['id']}",))


def find_upload(library: Sequence[dict[str, Any]], filename: str, kinds: tuple[str, ...]) -> dict[str, Any]:
    for info in reversed(library):
        if info.get("filename") == filename and info.get("file_type") in kinds:
            return dict(info)
    raise NotUnderstood(f'there is no uploaded {" or ".join(kinds)} file named "{filename}"')


# Each action takes the draft, the uploads and a sentence's groups, quoted ones already unquoted.
def _act_no_motion(d: Draft, lib: Sequence[dict[str, Any]], g: Sequence[Any]) -> Edit:
    return motion_edit(d, None)


def _act_duration(d: Draft, lib: Sequence[dict[str, Any]], g: Sequence[Any]) -> Edit:
    ms = round(float(g[0]) * 1000)
    if ms <= 0:
        raise NotUnderstood("the duration must be more than 0s")
    return Edit(drafts.set_duration(d, ms), f"Set the duration to {fmt(ms / 1000)}s.", ("clip",))


def _act_aspect(d: Draft, lib: Sequence[dict[str, Any]], g: Sequence[Any]) -> Edit:
    platform = g[1] if len(g) > 1 else None  # "… for tiktok."
    if platform is None:
        return Edit(drafts.set_aspect(d, g[0]), f"Set the aspect ratio to {g[0]}.", ("aspect",))
    expected = motionctl_specs.load("safe-zones.json")["platforms"][platform]["aspect"]
    if g[0] != expected:
        raise NotUnderstood(f"{platform} takes {expected}, not {g[0]}")
    return Edit(drafts.set_aspect(d, g[0], platform), f"Set the aspect ratio to {g[0]} for {platform}.",
                ("aspect",))


def _act_remove_text(d: Draft, lib: Sequence[dict[str, Any]], g: Sequence[Any]) -> Edit:
    content = g[0]
    if content not in drafts.texts(d):
        raise NotUnderstood(f'there is no text "{content}" on the timeline')
    return Edit(drafts.remove_text(d, content), f'Removed the text "{content}".', _text_ids(d, content))


def _act_remove_all_text(d: Draft, lib: Sequence[dict[str, Any]], g: Sequence[Any]) -> Edit:
    return Edit(drafts.remove_text(d, None), "Removed all text.", _text_ids(d, None))


def _act_replace_text(d: Draft, lib: Sequence[dict[str, Any]], g: Sequence[Any]) -> Edit:
    old, new = g[0], g[1]
    if old not in drafts.texts(d):
        raise NotUnderstood(f'there is no text "{old}" on the timeline')
    if not new:
        raise NotUnderstood("the new text is empty")
    return Edit(drafts.replace_text(d, old, new), f'Replaced the text "{old}" with "{new}".',
                _text_ids(d, old))


def _act_mood(d: Draft, lib: Sequence[dict[str, Any]], g: Sequence[Any]) -> Edit:
    mood, vol = g[0], float(g[1])
    return Edit(drafts.set_music(d, f"mood:{mood}", mood, vol),
                f"Added {mood} background music at {fmt(vol)}% volume.", ("music",))


def _act_music_file(d: Draft, lib: Sequence[dict[str, Any]], g: Sequence[Any]) -> Edit:
    name, vol = g[0], float(g[1])
    info = find_upload(lib, name, ("audio",))
    return Edit(drafts.set_music(d, info["cdn_url"], name, vol),
                f'Added background music from "{name}" at {fmt(vol)}% volume.', ("music",))


def _act_volume(d: Draft, lib: Sequence[dict[str, Any]], g: Sequence[Any]) -> Edit:
    if drafts.track(d, drafts.AUDIO) is None:
        raise NotUnderstood("there is no background music to change the volume of")
    vol = float(g[0])
    return Edit(drafts.set_volume(d, vol), f"Set the music volume to {fmt(vol)}%.", ("music",))


def _act_no_music(d: Draft, lib: Sequence[dict[str, Any]], g: Sequence[Any]) -> Edit:
    return Edit(drafts.remove_music(d), "Removed the background music.", ("music",))


def _act_use_image(d: Draft, lib: Sequence[dict[str, Any]], g: Sequence[Any]) -> Edit:
    name = g[0]
    info = find_upload(lib, name, ("image", "video"))
    return Edit(drafts.set_source(d, info["cdn_url"], name, keep_motion=True), f'Now using "{name}".',
                ("image",))


def _text_ids(d: Draft, content: str | None) -> tuple[str, ...]:
    track = drafts.track(d, drafts.TEXT)
    return tuple(f"text:{sg['id']}" for sg in (track["sg"] if track else [])
                 if content is None or sg.get("text") == content)


ACTIONS: dict[str, Callable[[Draft, Sequence[dict[str, Any]], Sequence[Any]], Edit]] = {
    "no_motion": _act_no_motion, "duration": _act_duration, "aspect": _act_aspect,
    "remove_text": _act_remove_text, "remove_all_text": _act_remove_all_text,
    "replace_text": _act_replace_text, "mood": _act_mood, "music_file": _act_music_file,
    "volume": _act_volume, "no_music": _act_no_music, "use_image": _act_use_image,
}
