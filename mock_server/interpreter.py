"""The mock's "agent": turns one instruction into a draft edit, purely.

Two layers: the canonical sentences of specs/instructions.md (exact grammar, what the runner's compiler
sends), then free text by keyword and intent (English and the Chinese keywords the spec lists). Motion values
follow specs/motion.md. Anything else is answered with a reply starting "I didn't understand" and an unchanged
draft.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import motionctl_specs

from mock_server import drafts
from mock_server.drafts import Draft

Kind = Literal["generation", "edit", "none"]
GENERATE_TOOL = "generate_video_with_seedance"
EDIT_TOOL = "edit_multitrack"

# specs/motion.md: amounts for speed words (zoom a, pan/tilt a, roll degrees).
SPEEDS: dict[str, tuple[float, float, float]] = {
    "slow": (0.10, 0.05, 3.0), "medium": (0.20, 0.10, 6.0), "fast": (0.35, 0.20, 12.0)}
MOODS = ("lo-fi", "upbeat", "calm", "cinematic")
EASINGS = ("linear", "ease-in", "ease-out", "ease-in-out")
DEFAULT_EASING = "ease-in-out"
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
        motion = _canonical_motion(m["body"])
        return None if motion is None else [_motion_edit(draft, motion)]
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


def _canonical_motion(body: str) -> dict[str, Any] | None:
    parts: list[tuple[str, str | None, float | None]] = []
    focus: list[float] | None = None
    easing: str | None = None
    over: float | None = None
    for item in body.split(", "):
        if m := _C_PART.fullmatch(item):
            if focus or easing or over is not None:
                return None  # parts come first
            # As in free text, a speed word also covers the later parts that have none.
            speed = m["speed"] or (parts[-1][1] if parts else None)
            parts.append((m["move"], speed, float(m[3]) if m[3] else None))
        elif (m := _C_FOCUS.fullmatch(item)) and focus is None:
            focus = [float(m[1]) / 100, float(m[2]) / 100]
        elif (m := _C_EASING.fullmatch(item)) and easing is None:
            easing = m[1]
        elif (m := _C_OVER.fullmatch(item)) and over is None:
            over = float(m[1])
        else:
            return None
    if not parts:
        return None
    return _build_motion(parts, focus, easing, over)


def _build_motion(parts: Sequence[tuple[str, str | None, float | None]], focus: list[float] | None,
                  easing: str | None, over: float | None) -> dict[str, Any]:
    """The ``motion`` value for camera moves (move, speed, amount in % or degrees), per specs/motion.md."""
    motion: dict[str, Any] = {}
    pan = [0.0, 0.0]
    for move, speed, amount in parts:
        zoom_a, pan_a, roll_deg = SPEEDS[speed or "medium"]
        if move in ("zoom in", "zoom out"):
            a = round(amount / 100 if amount is not None else zoom_a, 6)
            motion["zoom"] = [1.0, round(1 + a, 6)] if move == "zoom in" else [round(1 + a, 6), 1.0]
        elif move in ("pan left", "pan right", "tilt up", "tilt down"):
            a = round(amount / 100 if amount is not None else pan_a, 6)
            axis = 0 if move.startswith("pan") else 1
            pan[axis] = -a if move in ("pan left", "tilt up") else a
            motion["pan"] = pan
        else:
            deg = amount if amount is not None else roll_deg
            motion["roll"] = [0.0, deg if move == "roll clockwise" else -deg]
    if focus is not None:
        motion["focus"] = focus
    motion["easing"] = easing or DEFAULT_EASING
    if over is not None:
        motion["d"] = round(over * 1000)
    return motion


def _describe_motion(motion: dict[str, Any]) -> str:
    bits = []
    if "zoom" in motion:
        z0, z1 = motion["zoom"]
        bits.append(f"zoom {'in' if z1 >= z0 else 'out'} to {_fmt(max(z0, z1))}x")
    if "pan" in motion:
        dx, dy = motion["pan"]
        if dx:
            bits.append(f"pan {'left' if dx < 0 else 'right'} {_fmt(abs(dx) * 100)}%")
        if dy:
            bits.append(f"tilt {'up' if dy < 0 else 'down'} {_fmt(abs(dy) * 100)}%")
    if "roll" in motion:
        deg = motion["roll"][1]
        bits.append(f"roll {'clockwise' if deg >= 0 else 'counterclockwise'} {_fmt(abs(deg))} degrees")
    return ", ".join(bits) + f" ({motion['easing']})"


def _motion_edit(draft: Draft, motion: dict[str, Any] | None) -> _Edit:
    if drafts.video_segment(draft) is None:
        raise _NotUnderstood("there is no image to animate yet; upload one first")
    if motion is None:
        return _Edit(drafts.set_motion(draft, None), "Removed the camera motion.")
    return _Edit(drafts.set_motion(draft, motion), f"Animated the image: {_describe_motion(motion)}.",
                 motion=True)


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
_MOTIONWORD = re.compile(r"\b(?:motion|camera|animation|movement|zoom|pan|ken burns)\b|运动|镜头")
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
_VOLUMEWORD = re.compile(r"\b(?:volume|louder|quieter|softer)\b|音量")
_SPEEDWORDS = [
    (re.compile(r"\b(?:slow|slowly|gentle|gently|subtle|subtly)\b|缓慢|慢"), "slow"),
    (re.compile(r"\b(?:medium|moderate|moderately)\b"), "medium"),
    (re.compile(r"\b(?:fast|quick|quickly|rapid|rapidly|dramatic)\b|快"), "fast"),
]
_MOVES = [
    (re.compile(r"\bzoom(?:s|ing)?[\s-]*in\b|\bzoom(?:s|ing)? (?:toward|towards|into|on)\b|"
                r"\bpush(?:es|ing)?[\s-]*in\b|\bdolly[\s-]*in\b|放大|拉近"), "zoom in"),
    (re.compile(r"\bzoom(?:s|ing)?[\s-]*out\b|\bpull(?:s|ing)?[\s-]*(?:out|back)\b|缩小|拉远"), "zoom out"),
    (re.compile(r"\bpan(?:s|ning)?[\s-]*(?:to (?:the )?)?left\b|\bleftwards?\b|\bleft pan\b|向左|左移"),
     "pan left"),
    (re.compile(r"\bpan(?:s|ning)?[\s-]*(?:to (?:the )?)?right\b|\brightwards?\b|\bright pan\b|向右|右移"),
     "pan right"),
    (re.compile(r"\btilt(?:s|ing)?[\s-]*up\b|\bupwards?\b|向上|上移"), "tilt up"),
    (re.compile(r"\btilt(?:s|ing)?[\s-]*down\b|\bdownwards?\b|向下|下移"), "tilt down"),
]
_ROLL = re.compile(r"\b(?:roll(?:s|ing)?|rotat\w*|spin\w*|(?:counter|anti)?[\s-]*clockwise)\b"
                   r"|旋转|逆时针|顺时针")
_COUNTER = re.compile(r"\b(?:counter|anti)[\s-]*clockwise\b|逆时针")
_FOCI = [
    (re.compile(r"\btop[\s-]+left\b|\bupper[\s-]+left\b|左上"), [0.25, 0.25]),
    (re.compile(r"\btop[\s-]+right\b|\bupper[\s-]+right\b|右上"), [0.75, 0.25]),
    (re.compile(r"\bbottom[\s-]+left\b|\blower[\s-]+left\b|左下"), [0.25, 0.75]),
    (re.compile(r"\bbottom[\s-]+right\b|\blower[\s-]+right\b|右下"), [0.75, 0.75]),
    (re.compile(r"\b(?:the )?(?:top|upper)\b"), [0.5, 0.25]),
    (re.compile(r"\b(?:the )?(?:bottom|lower)\b"), [0.5, 0.75]),
    (re.compile(r"\b(?:the )?centre|\b(?:the )?center\b|中心|中间"), [0.5, 0.5]),
]
_FOCUS_INTRO = re.compile(r"\b(?:toward|towards|into|on|focus(?:ed|ing)? on|centred on|centered on)\s+(.*)")
_EASE = [
    (re.compile(r"\bease[\s-]*in[\s-]*(?:and[\s-]*)?out\b|\bsmooth(?:ly)?\b"), "ease-in-out"),
    (re.compile(r"\bease[\s-]*in\b"), "ease-in"),
    (re.compile(r"\bease[\s-]*out\b"), "ease-out"),
    (re.compile(r"\blinear(?:ly)?\b|\bconstant speed\b|\bsteady\b"), "linear"),
]
_ANIMATE = re.compile(r"\banimate\b|\bbring (?:it|this|the image) to life\b|动起来|动画")
_POSITIONS = re.compile(r"\b(top|center|centre|middle|bottom)\b|(顶部|中间|底部)")


def _quoted(s: str) -> list[str]:
    return [_unquote(next(g for g in m.groups() if g is not None)) for m in _QUOTE_ANY.finditer(s)]


def _free_text(s: str, draft: Draft, library: Sequence[dict[str, Any]]) -> list[_Edit]:
    low = s.lower()
    quotes = _quoted(s)
    unquoted = _QUOTE_ANY.sub(" ", low)

    if _REMOVE.search(unquoted):
        return _free_removal(unquoted, quotes, draft)
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
               if not re.search(r"\b(?:over|from|for)\s*$", unquoted[:m.start()])]
    if _DURATIONWORD.search(unquoted) and lengths and not (quotes and _TEXTWORD.search(unquoted)):
        push(_act_duration(current, library, [lengths[0][1]]))
    if _MUSIC.search(unquoted):
        push(_free_music(unquoted, quotes, current, library))
    elif _VOLUMEWORD.search(unquoted) and (m := _PERCENT.search(unquoted)):
        push(_act_volume(current, library, [m[1]]))
    if quotes and _TEXTWORD.search(unquoted) and not _MUSIC.search(unquoted):
        push(_free_text_overlay(unquoted, quotes[0], current))
    motion = _free_motion(unquoted)
    if motion is not None:
        push(_motion_edit(current, motion))
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
    if _MOTIONWORD.search(low) or any(p.search(low) for p, _ in _MOVES):
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


def _free_motion(low: str) -> dict[str, Any] | None:
    found: list[tuple[int, int, str]] = []
    for pattern, move in _MOVES:
        for m in pattern.finditer(low):
            if not any(s <= m.start() < e for s, e, _ in found):
                found.append((m.start(), m.end(), move))
    moves: dict[str, tuple[int, int]] = {}
    for start, end, move in sorted(found):
        # One move per axis: the first word wins ("zoom in ... zoom out" keeps "zoom in").
        if not any(m.split()[0] == move.split()[0] for m in moves):
            moves[move] = (start, end)
    rolls = list(_ROLL.finditer(low))
    if rolls:  # direction from anywhere in the text; the amount follows the last roll word
        moves["roll counterclockwise" if _COUNTER.search(low) else "roll clockwise"] = (
            rolls[0].start(), rolls[-1].end())
    focus = _free_focus(low)
    if not moves:
        if re.search(r"\bzoom\b", low) or (_ANIMATE.search(low) and (focus or not _other_intent(low))):
            moves["zoom in"] = (0, 0)
        else:
            return None
    speeds = sorted((m.start(), speed) for pattern, speed in _SPEEDWORDS for m in pattern.finditer(low))
    parts: list[tuple[str, str | None, float | None]] = []
    for move, (start, end) in sorted(moves.items(), key=lambda kv: kv[1]):
        before = [sp for pos, sp in speeds if pos < start]
        speed = before[-1] if before else (speeds[0][1] if speeds else None)
        unit = r"\s*(?:degrees?|°|度)" if move.startswith("roll") else r"\s*%"
        amount = re.match(rf"\s*(?:by\s+)?(\d+(?:\.\d+)?){unit}", low[end:]) if end else None
        parts.append((move, speed, float(amount[1]) if amount else None))
    easing = next((e for p, e in _EASE if p.search(low)), None)
    over = re.search(r"\bover\s+(\d+(?:\.\d+)?)\s*(?:s|secs?|seconds?)\b", low)
    return _build_motion(parts, focus, easing, float(over[1]) if over else None)


def _free_focus(low: str) -> list[float] | None:
    if m := re.search(rf"focus at {_NUM}% {_NUM}%", low):
        return [float(m[1]) / 100, float(m[2]) / 100]
    intro = _FOCUS_INTRO.search(low)
    scope = intro[1] if intro else ""
    scope_zh = low if re.search(r"左上|右上|左下|右下|中心", low) else ""
    for pattern, point in _FOCI:
        if pattern.search(scope) or (scope_zh and pattern.search(scope_zh)):
            return list(point)
    return None


def _other_intent(low: str) -> bool:
    return bool(_MUSIC.search(low) or _TEXTWORD.search(low) or _free_aspect(low))
