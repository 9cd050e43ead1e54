"""Free text: a message as people write it, read against the draft and the conversation so far.

Clause by clause, in order, the requests that edit something already there or add a title or music
(requests.py, perform.py: "make the pan faster", "move the title up", "make it red", "add a title Sale");
each one's things become "it" for the next. The clauses left over are read as a whole for what needs no
reference: the aspect, the duration, the camera moves of the camera grammar (camera.py), switching images.

A camera move said in a conversation changes the moves it names and keeps the others ("pan left" after a
zoom in gives a zoom in and a pan left); "just"/"only", or "instead" with no move of its own to replace,
replace the whole motion. A move word without a direction keeps the current direction of its axis.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Sequence
from dataclasses import replace
from typing import Any, Literal

from .. import drafts
from ..drafts import Draft
from . import requests
from .camera import AXES, DEFAULT_EASING, Move, Reading, build_motion, describe, read_camera
from .canonical import ACTIONS, DEFAULT_MUSIC_VOLUME, MOODS, QUOTED_CHAR, fmt, motion_edit, unquote
from .edit import Answer, Ask, Edit
from .history import History
from .normalise import normalise
from .perform import perform
from .references import Context
from .requests import PERCENT, SECONDS

_MUSIC = re.compile(r"\b(?:music|bgm|soundtrack)\b|背景音乐|音乐")
_TEXTWORD = re.compile(r"\b(?:text|texts|title|titles|caption|captions|subtitles?|overlay)\b|字幕|标题|文字")
_QUOTE_ANY = re.compile(rf'"({QUOTED_CHAR}+)"|“([^”]+)”|「([^」]+)」|\'([^\']+)\'')
_RATIO = re.compile(r"(?<![\d.])(9|1|4|16)\s*[:：/x×]\s*(16|1|5|9)(?![\d.])")
_PLATFORMS = [
    (re.compile(r"\b(?:tiktok|reels?|shorts|stor(?:y|ies)|vertical)\b|竖屏|竖版|抖音"), "9:16"),
    (re.compile(r"\b(?:square)\b|方形|正方形"), "1:1"),
    (re.compile(r"\b(?:portrait|instagram feed|feed post)\b"), "4:5"),
    (re.compile(r"\b(?:youtube|landscape|widescreen|horizontal)\b|横屏|横版|宽屏"), "16:9"),
]
_ASPECTWORD = re.compile(r"\b(?:aspect|ratio|format|make it|for|crop|back to|switch|change|convert|go|"
                         r"turn it|into|reformat|make)\b|比例|改成|换成|变成|恢复|切换|改为|改回|"
                         r"换回|调回|变回|回到")
_DURATIONWORD = re.compile(r"\b(?:duration|long|length|lasts?|seconds? long|make|clip|video|whole thing)\b|"
                           r"时长|视频")
_EARLIER = re.compile(r"(?<![a-z])(?:original|previous|old|before|earlier|first|last)(?![a-z])|"
                      r"原来|之前|原始|最初|一开始|以前")
_ASPECT_NOUN = re.compile(r"(?<![a-z])(?:aspect|ratio|format|size|orientation|shape)(?![a-z])|比例|画幅|尺寸")
_MOVE_LENGTH = re.compile(r"\b(?:over|from|for|in|during|within|across)(?: the (?:first|last|next))?\s*$"
                          r"|(?:前|用)\s*$")
_VOLUMEWORD = re.compile(r"\b(?:volume|louder|quieter|softer)\b|音量")
_ANIMATE = re.compile(r"\banimate\b|\bbring (?:it|this|the image) to life\b|动起来|动画")
_REPLACE_ALL = re.compile(r"(?<![a-z])(?:just|only|simply|nothing but|replace)(?![a-z])|只|仅")
_INSTEAD = re.compile(r"(?<![a-z])(?:instead|rather|actually)(?![a-z])|改成|改为|而是")


def read(sentence: str, draft: Draft, library: Sequence[dict[str, Any]], history: History,
         degree: str | Literal[False] | None = False) -> list[Edit]:
    """The edits of free ``sentence``, in order. Raises ``Ask`` or ``NotUnderstood`` (see edit.py).
    ``degree`` (``small``, ``None`` for a plain step, ``large``), when given, is the step of every relative
    request, whatever the sentence says: "a bit more" re-reads the last change's relative words with it."""
    clauses = requests.split(sentence)
    asked = requests.inherit([requests.parse(c, draft) for c in clauses])
    if degree is not False:
        asked = [replace(r, degree=degree) if r.op == "relative" else r for r in asked]
    edits: list[Edit] = []
    current = draft
    last: tuple[str, ...] = ()
    recent: tuple[str, ...] = ()
    rest: list[str] = []
    unanswered: Ask | None = None
    said: list[tuple[tuple[str, ...], bool]] = []  # relative words so far, and whether they named a thing
    slowing = any(r.op == "relative" and r.options == ("speed -",) for r in asked)
    for request in asked:
        if request.op == "relative" and _said_before(request, said):
            continue  # "too fast, slow it down", "too much, less zoom": one wish
        if request.options == ("smooth",) and slowing and _eased(current):
            continue  # "slower and smoother" of an eased move: "smoother" would only slow it once more
        said.append((request.options, bool(request.mention.kinds)))
        context = Context(last or history.last, (*recent, *history.recent))
        try:
            done = perform(request, current, context)
        except Ask as exc:
            mention = request.mention
            named = mention.kinds or mention.texts or mention.ordinal or mention.place
            if isinstance(exc, Answer) or (named and request.op != "remove"):
                raise
            # "not too fast" or "no music" in a camera prompt of a still image: said only if nothing else
            # of the message is understood
            unanswered, done = unanswered or exc, None
        if done is None:
            rest.append(request.clause.original)
            continue
        for edit in done:
            edit = replace(edit, words=request.clause.original, relative=request.op == "relative")
            edits.append(edit)
            current = edit.draft
            last = edit.touched
            recent = (*edit.touched, *recent)
    if rest:
        text = sentence if len(rest) == len(clauses) else ", ".join(rest)
        edits += [replace(e, words=text, whole=True) for e in _absolute(text, current, library, history)]
    if not edits and unanswered is not None:
        raise unanswered
    return edits


def _said_before(request: requests.Request, said: list[tuple[tuple[str, ...], bool]]) -> bool:
    """Whether a relative request repeats an earlier one of the message (unless both name their thing:
    "make the pan faster and the zoom faster" is two)."""
    named = bool(request.mention.kinds)
    return any(options == request.options and not (named and was_named) for options, was_named in said)


def _eased(draft: Draft) -> bool:
    """Whether the camera move already eases in and out (where "smoother" means slower)."""
    motion = _motion(draft)
    return motion is not None and motion.get("easing", DEFAULT_EASING) == "ease-in-out"


def _quoted(s: str) -> list[str]:
    return [unquote(next(g for g in m.groups() if g is not None)) for m in _QUOTE_ANY.finditer(s)]


def _absolute(s: str, draft: Draft, library: Sequence[dict[str, Any]], history: History) -> list[Edit]:
    """What needs no reference: the aspect, the duration, music and text by keyword, the camera moves."""
    quotes = _quoted(s)
    bare = _QUOTE_ANY.sub(" ", s)
    unquoted = normalise(bare)
    camera = read_camera(bare)
    replacing = re.search(r"\b(?:replace|change)\b|替换", unquoted)
    if replacing and len(quotes) == 2 and _TEXTWORD.search(unquoted):
        return [ACTIONS["replace_text"](draft, library, quotes)]

    edits: list[Edit] = []
    current = draft

    def push(edit: Edit) -> None:
        nonlocal current
        edits.append(edit)
        current = edit.draft

    if aspect := free_aspect(unquoted) or _aspect_before(unquoted, current, history):
        push(ACTIONS["aspect"](current, library, [aspect]))
    # "over 3s" times a move and "from 1s for 2s" places a text: neither is the clip's duration.
    lengths = [m for m in SECONDS.finditer(unquoted)
               if not _MOVE_LENGTH.search(unquoted[:m.start()])
               and not unquoted[m.end():].startswith(("内", "钟内", "之内"))
               and not (camera.moves and _within(m.span(), camera.length_span))]  # the move's, not the clip's
    if _DURATIONWORD.search(unquoted) and lengths and not (quotes and _TEXTWORD.search(unquoted)):
        push(ACTIONS["duration"](current, library, [lengths[0][1]]))
    if _MUSIC.search(unquoted):
        push(_music(unquoted, quotes, current, library))
    elif _VOLUMEWORD.search(unquoted) and (m := PERCENT.search(unquoted)):
        push(ACTIONS["volume"](current, library, [m[1]]))
    if camera.moves:
        push(_camera(current, camera, unquoted))
    elif camera.static:
        push(motion_edit(current, None, still=True))
    elif (camera.easing or camera.focus or camera.length_s) and _motion(current):
        push(_retime(current, camera))
    elif _ANIMATE.search(unquoted) and not _other_intent(unquoted) and not _motion(current):
        moves = [Move("zoom", "in")]  # "animate this image": the gentlest move that is motion at all
        push(motion_edit(current, build_motion(moves, None, None, None), moves))
    if not edits and quotes and re.search(r"\b(?:use|switch to)\b|换成", unquoted):
        push(ACTIONS["use_image"](current, library, [quotes[0]]))
    return edits


def _within(span: tuple[int, int], outer: tuple[int, int] | None) -> bool:
    return outer is not None and outer[0] <= span[0] and span[1] <= outer[1]


def _motion(draft: Draft) -> dict[str, Any] | None:
    segment = drafts.video_segment(draft)
    return segment.get("motion") if segment else None


def _camera(draft: Draft, camera: Reading, low: str) -> Edit:
    """The camera moves read, merged into the current motion (see the module's words)."""
    current = _motion(draft)
    moves = list(camera.moves)
    ignored = _ignored_note(camera)
    if not current or _REPLACE_ALL.search(low) or (
            _INSTEAD.search(low) and not {m.axis for m in moves} & set(_axes(current))):
        edit = motion_edit(draft, camera.motion, moves)
        return replace(edit, summary=edit.summary + ignored)
    moves = [_keep_direction(m, current) for m in moves]
    new = build_motion(moves, camera.focus, camera.easing, camera.length_s)
    merged = copy.deepcopy(current)
    for move in moves:
        if move.axis == "zoom":
            merged["zoom"] = new["zoom"]
        elif move.axis in ("x", "y"):
            pan = list(merged.get("pan") or [0.0, 0.0])
            i = 0 if move.axis == "x" else 1
            pan[i] = new["pan"][i]
            merged["pan"] = pan
        else:
            merged["roll"] = new["roll"]
    if camera.focus is not None:
        merged["focus"] = new["focus"]
    merged["easing"] = camera.easing or current.get("easing", DEFAULT_EASING)
    if camera.length_s is not None:
        merged["d"] = new["d"]
    edit = motion_edit(draft, merged, moves)
    kept = [a for a in _axes(current) if a not in {m.axis for m in moves}]
    if kept:
        words = describe([_as_move(current, a) for a in kept], {"easing": merged["easing"]})
        edit = replace(edit, summary=edit.summary + " Kept " + words.rsplit(" (", 1)[0] + ".")
    return replace(edit, summary=edit.summary + ignored)


def _axes(motion: dict[str, Any]) -> list[str]:
    zoom, pan, roll = motion.get("zoom"), motion.get("pan") or [0.0, 0.0], motion.get("roll")
    found = {"zoom": bool(zoom and zoom[0] != zoom[1]), "x": bool(pan[0]), "y": bool(pan[1]),
             "roll": bool(roll and roll[0] != roll[1])}
    return [a for a in AXES if found[a]]


def _as_move(motion: dict[str, Any], axis: str) -> Move:
    """The move ``motion`` makes on ``axis``, for the reply's words."""
    if axis == "zoom":
        start, end = motion["zoom"]
        return Move("zoom", "in" if end >= start else "out", None, round(abs(end - start), 6))
    if axis in ("x", "y"):
        value = motion["pan"][0 if axis == "x" else 1]
        way = ("left" if value < 0 else "right") if axis == "x" else ("up" if value < 0 else "down")
        return Move(axis, way, None, abs(value))
    start, end = motion["roll"]
    return Move("roll", "cw" if end >= start else "ccw", None, abs(end - start))


def _keep_direction(move: Move, current: dict[str, Any]) -> Move:
    """A move word said without a direction ("pan slowly") keeps the way its axis already goes."""
    if not move.guessed or move.axis not in _axes(current):
        return move
    return replace(move, direction=_as_move(current, move.axis).direction)


def _retime(draft: Draft, camera: Reading) -> Edit:
    """Easing, focus or length said on their own ("make it linear", "over 3 seconds") change the motion."""
    current = copy.deepcopy(_motion(draft) or {})
    parts = []
    if camera.easing:
        parts.append(f"easing {current.get('easing', DEFAULT_EASING)} → {camera.easing}")
        current["easing"] = camera.easing
    if camera.focus:
        parts.append(f"focus → {fmt(camera.focus[0] * 100)}% {fmt(camera.focus[1] * 100)}%")
        current["focus"] = [float(camera.focus[0]), float(camera.focus[1])]
    if camera.length_s:
        parts.append(f"over {fmt(camera.length_s)} s")
        current["d"] = round(camera.length_s * 1000)
    out = drafts.set_motion(draft, current)
    return Edit(out, "Changed the camera motion: " + ", ".join(parts) + ".",
                tuple(f"motion:{a}" for a in _axes(current)), motion=True)


def _aspect_before(low: str, draft: Draft, history: History) -> str | None:
    """"Back to the original aspect ratio" (the session's first), "the previous format" (the last other)."""
    if not (_EARLIER.search(low) and _ASPECT_NOUN.search(low)):
        return None
    current = draft.get("m", {}).get("aspect")
    aspects = [s.before.get("m", {}).get("aspect") for s in history.done]
    if re.search(r"original|first|原来|原始|最初|一开始", low):
        return aspects[0] if aspects and aspects[0] != current else None
    return next((a for a in reversed(aspects) if a != current), None)


def free_aspect(low: str) -> str | None:
    if m := _RATIO.search(low):
        ratio = f"{m[1]}:{m[2]}"
        if ratio in drafts.ASPECT_SIZES:
            return ratio
    if _ASPECTWORD.search(low):
        for pattern, ratio in _PLATFORMS:
            if pattern.search(low):
                return ratio
    return None


def _music(low: str, quotes: list[str], draft: Draft, library: Sequence[dict[str, Any]]) -> Edit:
    pct = PERCENT.search(low)
    volume = float(pct[1]) if pct else None
    mood = next((m for m in MOODS if re.search(rf"\b{m}\b", low)), None)
    if mood is None and re.search(r"\blo[\s-]?fi\b|\blofi\b", low):
        mood = "lo-fi"
    audio_names = {i.get("filename") for i in library if i.get("file_type") == "audio"}
    named = next((q for q in quotes if q in audio_names), None)
    if named is not None:
        vol = fmt(volume if volume is not None else DEFAULT_MUSIC_VOLUME)
        return ACTIONS["music_file"](draft, library, [named, vol])
    if mood is None and volume is not None and drafts.track(draft, drafts.AUDIO) is not None:
        return ACTIONS["volume"](draft, library, [fmt(volume)])
    vol = fmt(volume if volume is not None else DEFAULT_MUSIC_VOLUME)
    return ACTIONS["mood"](draft, library, [mood or "lo-fi", vol])


def _ignored_note(camera: Reading) -> str:
    """The reply's account of what the camera grammar left out, or "" when it used everything."""
    words = [re.escape(n.split('"')[1]) for n in camera.notes if n.count('"') >= 2]
    noted = re.compile("|".join(words) or "$^")  # a clause a note already explains is not listed again
    clauses = [c for c in camera.ignored_clauses if not _other_intent(c) and not _MUSIC.search(c)
               and not SECONDS.search(c) and not _TEXTWORD.search(c) and not noted.search(c)]
    parts = list(camera.notes)
    if clauses:
        shown = [c if len(c) <= 40 else c[:37] + "..." for c in clauses[:3]]
        more = " and more" if len(clauses) > 3 else ""
        parts.append("ignored " + ", ".join(f'"{c}"' for c in shown) + more)
    return (" Note: " + "; ".join(parts) + ".") if parts else ""


def _other_intent(low: str) -> bool:
    return bool(_MUSIC.search(low) or _TEXTWORD.search(low) or free_aspect(low))

