"""One instruction → a draft edit and its reply, purely.

Two layers: the canonical sentences of specs/instructions.md (exact grammar, what the runner's compiler
sends), then free text: edits by keyword and intent (text, music, aspect, duration, removal, images) and
camera moves by the grammar of ``camera``. Motion values follow specs/motion.md. Anything else is answered
with a reply starting "I didn't understand" and an unchanged draft.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from ... import specs as motionctl_specs
from .. import drafts
from ..drafts import Draft
from .camera import Move, Reading, build_motion, describe, read_camera
from .normalise import normalise

Kind = Literal["generation", "edit", "none"]
GENERATE_TOOL = "generate_video_with_seedance"
EDIT_TOOL = "edit_multitrack"

MOODS = ("lo-fi", "upbeat", "calm", "cinematic")
EASINGS = ("linear", "ease-in", "ease-out", "ease-in-out")
DEFAULT_MUSIC_VOLUME = 35.0
DEFAULT_TEXT_MS = 3000

_NUM = r"(\d+(?:\.\d+)?)"
# specs/instructions.md: inside "…" the only escape is \" for a quote; any other backslash is itself. A
# backslash before a quote may also be literal and the quote the closing one (content that ends in a
# backslash): the fit of the whole sentence decides, by backtracking.
_QUOTED_CHAR = r'(?:[^"\\]|\\"|\\)'
_QUOTED = rf'"({_QUOTED_CHAR}*)"'
# Quoted content is kept byte for byte; only the words around it have their spacing normalised. Free text's
# '…' is not protected: an apostrophe ("don't") cannot be told from an opening quote.
_VERBATIM = re.compile(rf'"{_QUOTED_CHAR}*"|“[^”]*”|「[^」]*」')


@dataclass(frozen=True)
class Interpretation:
    """What an instruction does. ``draft`` is a new dict (an unchanged copy when not understood)."""

    understood: bool
    draft: dict[str, Any]
    reply: str
    kind: Kind
    tool: str


class _NotUnderstood(Exception):
    """An instruction that parsed but cannot apply to this draft; the message says why."""


@dataclass(frozen=True)
class _Edit:
    draft: Draft
    summary: str
    motion: bool = False


def interpret(text: str, draft: dict[str, Any], library: Sequence[dict[str, Any]]) -> Interpretation:
    """Interpret ``text`` against the session's ``draft`` and uploaded ``library`` (its ``video_infos``).

    Pure: the inputs are not modified.
    """
    sentence = _normalise_spacing(text)
    try:
        edits = _canonical(sentence, draft, library)
        if edits is None:
            edits = _free_text(sentence, draft, library)
    except _NotUnderstood as exc:
        return _refuse(text, draft, str(exc))
    if not edits:
        return _refuse(text, draft, None)
    result = edits[-1].draft
    is_generation = any(e.motion for e in edits)
    reply = "Done. " + " ".join(e.summary for e in edits)
    return Interpretation(True, result, reply, "generation" if is_generation else "edit",
                          GENERATE_TOOL if is_generation else EDIT_TOOL)


def is_canonical(text: str) -> bool:
    """Whether ``text`` is one of the canonical sentences of specs/instructions.md (whatever the draft)."""
    s = _normalise_spacing(text)
    if m := _C_MOTION.fullmatch(s):
        return _canonical_motion(m["body"]) is not None
    return bool(_C_TEXT.fullmatch(s)) or any(pattern.fullmatch(s) for pattern, _ in _SIMPLE)


def _normalise_spacing(text: str) -> str:
    """``text`` with runs of whitespace outside quotes made one space, and the ends stripped."""
    out, pos = [], 0
    for m in _VERBATIM.finditer(text):
        out += [re.sub(r"\s+", " ", text[pos:m.start()]), m[0]]
        pos = m.end()
    out.append(re.sub(r"\s+", " ", text[pos:]))
    return "".join(out).strip()


def _refuse(text: str, draft: dict[str, Any], reason: str | None) -> Interpretation:
    shown = text.strip()
    shown = shown if len(shown) <= 80 else shown[:77] + "..."
    reply = f'I didn\'t understand "{shown}"' + (f": {reason}" if reason else
        ". Try for example: \"animate this image with a slow zoom-in and leftward pan\".")
    return Interpretation(False, copy.deepcopy(draft), reply, "none", "")


def _fmt(x: float) -> str:
    return f"{x:g}"


def _unquote(s: str) -> str:
    return s.replace('\\"', '"')


# --- canonical sentences ----------------------------------------------------------------------------

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


def _canonical(s: str, draft: Draft, library: Sequence[dict[str, Any]]) -> list[_Edit] | None:
    """The edits of a canonical sentence, or ``None`` if ``s`` is not one."""
    if m := _C_MOTION.fullmatch(s):
        read = _canonical_motion(m["body"])
        return None if read is None else [_motion_edit(draft, *read)]
    if m := _C_TEXT.fullmatch(s):
        pos: str | list[float] = m[4] if m[4] else [float(m[5]) / 100, float(m[6]) / 100]
        size = re.search(r"size (\d+)", m[7])
        color = re.search(r"color (#[0-9A-Fa-f]{6})", m[7])
        return [_text_edit(draft, _unquote(m[1]), float(m[2]), float(m[3]), pos,
                           int(size[1]) if size else None, color[1] if color else None, safe=not m[8])]
    for pattern, what in _SIMPLE:
        if m := pattern.fullmatch(s):
            return [_ACTIONS[what](draft, library, [g if g is None else _unquote(g) for g in m.groups()])]
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


def _motion_edit(draft: Draft, motion: dict[str, Any] | None, moves: Sequence[Move] = (),
                 still: bool = False) -> _Edit:
    if drafts.video_segment(draft) is None:
        raise _NotUnderstood("there is no image to animate yet; upload one first")
    if motion is None:
        summary = "Kept the camera still: no camera motion." if still else "Removed the camera motion."
        return _Edit(drafts.set_motion(draft, None), summary)
    words = describe(moves, motion)
    return _Edit(drafts.set_motion(draft, motion), f"{words[0].upper()}{words[1:]}.", motion=True)


def _text_edit(draft: Draft, content: str, start_s: float, length_s: float, pos: str | list[float],
               size: int | None, color: str | None, *, safe: bool = True) -> _Edit:
    start_ms, length_ms = round(start_s * 1000), round(length_s * 1000)
    if not content:
        raise _NotUnderstood("the text is empty")
    if start_ms >= drafts.duration(draft):
        raise _NotUnderstood(f"the text starts at {_fmt(start_s)}s, after the end of the "
                             f"{_fmt(drafts.duration(draft) / 1000)}s clip")
    return _Edit(drafts.add_text(draft, content, start_ms, length_ms, pos, size, color, safe),
                 f'Added the text "{content}".')


def _find_upload(library: Sequence[dict[str, Any]], filename: str, kinds: tuple[str, ...]) -> dict[str, Any]:
    for info in reversed(library):
        if info.get("filename") == filename and info.get("file_type") in kinds:
            return dict(info)
    raise _NotUnderstood(f'there is no uploaded {" or ".join(kinds)} file named "{filename}"')


# Each action takes the draft, the uploads and a sentence's groups, quoted ones already unquoted.
def _act_no_motion(d: Draft, lib: Sequence[dict[str, Any]], g: Sequence[Any]) -> _Edit:
    return _motion_edit(d, None)


def _act_duration(d: Draft, lib: Sequence[dict[str, Any]], g: Sequence[Any]) -> _Edit:
    ms = round(float(g[0]) * 1000)
    if ms <= 0:
        raise _NotUnderstood("the duration must be more than 0s")
    return _Edit(drafts.set_duration(d, ms), f"Set the duration to {_fmt(ms / 1000)}s.")


def _act_aspect(d: Draft, lib: Sequence[dict[str, Any]], g: Sequence[Any]) -> _Edit:
    platform = g[1] if len(g) > 1 else None  # "… for tiktok."
    if platform is None:
        return _Edit(drafts.set_aspect(d, g[0]), f"Set the aspect ratio to {g[0]}.")
    expected = motionctl_specs.load("safe-zones.json")["platforms"][platform]["aspect"]
    if g[0] != expected:
        raise _NotUnderstood(f"{platform} takes {expected}, not {g[0]}")
    return _Edit(drafts.set_aspect(d, g[0], platform), f"Set the aspect ratio to {g[0]} for {platform}.")


def _act_remove_text(d: Draft, lib: Sequence[dict[str, Any]], g: Sequence[Any]) -> _Edit:
    content = g[0]
    if content not in drafts.texts(d):
        raise _NotUnderstood(f'there is no text "{content}" on the timeline')
    return _Edit(drafts.remove_text(d, content), f'Removed the text "{content}".')


def _act_remove_all_text(d: Draft, lib: Sequence[dict[str, Any]], g: Sequence[Any]) -> _Edit:
    return _Edit(drafts.remove_text(d, None), "Removed all text.")


def _act_replace_text(d: Draft, lib: Sequence[dict[str, Any]], g: Sequence[Any]) -> _Edit:
    old, new = g[0], g[1]
    if old not in drafts.texts(d):
        raise _NotUnderstood(f'there is no text "{old}" on the timeline')
    if not new:
        raise _NotUnderstood("the new text is empty")
    return _Edit(drafts.replace_text(d, old, new), f'Replaced the text "{old}" with "{new}".')


def _act_mood(d: Draft, lib: Sequence[dict[str, Any]], g: Sequence[Any]) -> _Edit:
    mood, vol = g[0], float(g[1])
    return _Edit(drafts.set_music(d, f"mood:{mood}", mood, vol),
                 f"Added {mood} background music at {_fmt(vol)}% volume.")


def _act_music_file(d: Draft, lib: Sequence[dict[str, Any]], g: Sequence[Any]) -> _Edit:
    name, vol = g[0], float(g[1])
    info = _find_upload(lib, name, ("audio",))
    return _Edit(drafts.set_music(d, info["cdn_url"], name, vol),
                 f'Added background music from "{name}" at {_fmt(vol)}% volume.')


def _act_volume(d: Draft, lib: Sequence[dict[str, Any]], g: Sequence[Any]) -> _Edit:
    if drafts.track(d, drafts.AUDIO) is None:
        raise _NotUnderstood("there is no background music to change the volume of")
    vol = float(g[0])
    return _Edit(drafts.set_volume(d, vol), f"Set the music volume to {_fmt(vol)}%.")


def _act_no_music(d: Draft, lib: Sequence[dict[str, Any]], g: Sequence[Any]) -> _Edit:
    return _Edit(drafts.remove_music(d), "Removed the background music.")


def _act_use_image(d: Draft, lib: Sequence[dict[str, Any]], g: Sequence[Any]) -> _Edit:
    name = g[0]
    info = _find_upload(lib, name, ("image", "video"))
    return _Edit(drafts.set_source(d, info["cdn_url"], name, keep_motion=True), f'Now using "{name}".')


_ACTIONS: dict[str, Callable[[Draft, Sequence[dict[str, Any]], Sequence[Any]], _Edit]] = {
    "no_motion": _act_no_motion, "duration": _act_duration, "aspect": _act_aspect,
    "remove_text": _act_remove_text, "remove_all_text": _act_remove_all_text,
    "replace_text": _act_replace_text, "mood": _act_mood, "music_file": _act_music_file,
    "volume": _act_volume, "no_music": _act_no_music, "use_image": _act_use_image,
}


# --- free text ---------------------------------------------------------------------------------------

_REMOVE = re.compile(r"\b(?:remove|delete|drop|clear|get rid of|take out|take off|no more)\b|删除|移除|去掉")
_MUSIC = re.compile(r"\b(?:music|bgm|soundtrack)\b|背景音乐|音乐")
_TEXTWORD = re.compile(r"\b(?:text|texts|title|titles|caption|captions|subtitles?|overlay)\b|字幕|标题|文字")
_MOTIONWORD = re.compile(r"\b(?:motion|camera|animation|movement|zoom|pan|tilt|roll|rotation|dolly|"
                         r"ken burns)\b|运动|镜头|运镜")
_QUOTE_ANY = re.compile(rf'"({_QUOTED_CHAR}+)"|“([^”]+)”|「([^」]+)」|\'([^\']+)\'')
_RATIO = re.compile(r"(?<![\d.])(9|1|4|16)\s*[:：/]\s*(16|1|5|9)(?![\d.])")
_PLATFORMS = [
    (re.compile(r"\b(?:tiktok|reels?|shorts|stor(?:y|ies)|vertical)\b|竖屏|抖音"), "9:16"),
    (re.compile(r"\b(?:square)\b|方形"), "1:1"),
    (re.compile(r"\b(?:portrait|instagram feed|feed post)\b"), "4:5"),
    (re.compile(r"\b(?:youtube|landscape|widescreen|horizontal)\b|横屏"), "16:9"),
]
_ASPECTWORD = re.compile(r"\b(?:aspect|ratio|format|make it|for|crop)\b|比例")
_DURATIONWORD = re.compile(r"\b(?:duration|long|length|lasts?|seconds? long|make it)\b|时长")
_SECONDS = re.compile(r"(\d+(?:\.\d+)?)\s*(?:s|secs?|seconds?|秒)(?![a-z])")
_PERCENT = re.compile(r"(\d+(?:\.\d+)?)\s*%")
_MOVE_LENGTH = re.compile(r"\b(?:over|from|for|in|during|within|across)(?: the (?:first|last|next))?\s*$"
                          r"|(?:前|用)\s*$")
_VOLUMEWORD = re.compile(r"\b(?:volume|louder|quieter|softer)\b|音量")
_ANIMATE = re.compile(r"\banimate\b|\bbring (?:it|this|the image) to life\b|动起来|动画")
_POSITIONS = re.compile(r"\b(top|center|centre|middle|bottom)\b|(顶部|中间|底部)")


def _quoted(s: str) -> list[str]:
    return [_unquote(next(g for g in m.groups() if g is not None)) for m in _QUOTE_ANY.finditer(s)]


def _free_text(s: str, draft: Draft, library: Sequence[dict[str, Any]]) -> list[_Edit]:
    quotes = _quoted(s)
    bare = _QUOTE_ANY.sub(" ", s)
    unquoted = normalise(bare)
    camera = read_camera(bare)

    # "remove the music" removes; "clear sky, the camera pans left" is a camera move, and in "remove the
    # zoom and pan left" the camera grammar reads the removal as a negation.
    if _REMOVE.search(unquoted) and not camera.moves and (removed := _free_removal(unquoted, quotes, draft)):
        return removed
    replacing = re.search(r"\b(?:replace|change)\b|替换", unquoted)
    if replacing and len(quotes) == 2 and _TEXTWORD.search(unquoted):
        return [_act_replace_text(draft, library, quotes)]

    edits: list[_Edit] = []
    current = draft

    def push(edit: _Edit) -> None:
        nonlocal current
        edits.append(edit)
        current = edit.draft

    if aspect := _free_aspect(unquoted):
        push(_act_aspect(current, library, [aspect]))
    # "over 3s" times a move and "from 1s for 2s" places a text: neither is the clip's duration.
    lengths = [m for m in _SECONDS.finditer(unquoted)
               if not _MOVE_LENGTH.search(unquoted[:m.start()])
               and not unquoted[m.end():].startswith(("内", "钟内", "之内"))]
    if _DURATIONWORD.search(unquoted) and lengths and not (quotes and _TEXTWORD.search(unquoted)):
        push(_act_duration(current, library, [lengths[0][1]]))
    if _MUSIC.search(unquoted):
        push(_free_music(unquoted, quotes, current, library))
    elif _VOLUMEWORD.search(unquoted) and (m := _PERCENT.search(unquoted)):
        push(_act_volume(current, library, [m[1]]))
    if quotes and _TEXTWORD.search(unquoted) and not _MUSIC.search(unquoted):
        push(_free_text_overlay(unquoted, quotes[0], current))
    if camera.moves:
        edit = _motion_edit(current, camera.motion, camera.moves)
        push(_Edit(edit.draft, edit.summary + _ignored_note(camera, unquoted), motion=True))
    elif camera.static:
        push(_motion_edit(current, None, still=True))
    elif _ANIMATE.search(unquoted) and not _other_intent(unquoted):
        moves = [Move("zoom", "in")]  # "animate this image": the gentlest move that is motion at all
        push(_motion_edit(current, build_motion(moves, None, None, None), moves))
    if not edits and quotes and re.search(r"\b(?:use|switch to)\b|换成", unquoted):
        push(_act_use_image(current, library, [quotes[0]]))
    return edits


def _free_removal(low: str, quotes: list[str], draft: Draft) -> list[_Edit]:
    edits: list[_Edit] = []
    current = draft
    if _MUSIC.search(low):
        edits.append(_act_no_music(current, [], []))
        current = edits[-1].draft
    if _TEXTWORD.search(low):
        edits.append(_act_remove_text(current, [], [quotes[0]]) if quotes
                     else _act_remove_all_text(current, [], []))
        current = edits[-1].draft
    if _MOTIONWORD.search(low):
        edits.append(_motion_edit(current, None))
    return edits


def _free_aspect(low: str) -> str | None:
    if m := _RATIO.search(low):
        ratio = f"{m[1]}:{m[2]}"
        if ratio in drafts.ASPECT_SIZES:
            return ratio
    if _ASPECTWORD.search(low):
        for pattern, ratio in _PLATFORMS:
            if pattern.search(low):
                return ratio
    return None


def _free_music(low: str, quotes: list[str], draft: Draft, library: Sequence[dict[str, Any]]) -> _Edit:
    pct = _PERCENT.search(low)
    volume = float(pct[1]) if pct else None
    mood = next((m for m in MOODS if re.search(rf"\b{m}\b", low)), None)
    if mood is None and re.search(r"\blo[\s-]?fi\b|\blofi\b", low):
        mood = "lo-fi"
    audio_names = {i.get("filename") for i in library if i.get("file_type") == "audio"}
    named = next((q for q in quotes if q in audio_names), None)
    if named is not None:
        vol = _fmt(volume if volume is not None else DEFAULT_MUSIC_VOLUME)
        return _act_music_file(draft, library, [named, vol])
    if mood is None and volume is not None and drafts.track(draft, drafts.AUDIO) is not None and (
            _VOLUMEWORD.search(low)):
        return _act_volume(draft, library, [_fmt(volume)])
    vol = _fmt(volume if volume is not None else DEFAULT_MUSIC_VOLUME)
    return _act_mood(draft, library, [mood or "lo-fi", vol])


def _free_text_overlay(low: str, content: str, draft: Draft) -> _Edit:
    start = re.search(r"\bfrom\s+(\d+(?:\.\d+)?)\s*s", low)
    length = re.search(r"\bfor\s+(\d+(?:\.\d+)?)\s*s", low)
    start_s = float(start[1]) if start else 0.0
    default_len = min(DEFAULT_TEXT_MS, drafts.duration(draft) - round(start_s * 1000)) / 1000
    length_s = float(length[1]) if length else max(default_len, 0.0)
    pos_m = _POSITIONS.search(low)
    word = (pos_m[1] or pos_m[2]) if pos_m else "bottom"
    synonyms = {"centre": "center", "middle": "center", "顶部": "top", "中间": "center", "底部": "bottom"}
    pos = synonyms.get(word, word)
    return _text_edit(draft, content, start_s, length_s, pos, None, None)


def _ignored_note(camera: Reading, text: str) -> str:
    """The reply's account of what the camera grammar left out, or "" when it used everything."""
    words = [re.escape(n.split('"')[1]) for n in camera.notes if n.count('"') >= 2]
    noted = re.compile("|".join(words) or "$^")  # a clause a note already explains is not listed again
    clauses = [c for c in camera.ignored_clauses if not _other_intent(c) and not _MUSIC.search(c)
               and not _SECONDS.search(c) and not _TEXTWORD.search(c) and not noted.search(c)]
    parts = list(camera.notes)
    if clauses:
        shown = [c if len(c) <= 40 else c[:37] + "..." for c in clauses[:3]]
        more = " and more" if len(clauses) > 3 else ""
        parts.append("ignored " + ", ".join(f'"{c}"' for c in shown) + more)
    return (" Note: " + "; ".join(parts) + ".") if parts else ""


def _other_intent(low: str) -> bool:
    return bool(_MUSIC.search(low) or _TEXTWORD.search(low) or _free_aspect(low))
