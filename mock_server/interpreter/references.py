"""What a clause speaks of: its words for things of the draft ("the second title", "the music", "it"),
resolved against the draft and what the conversation touched last. Pure.

Resolution, in order (specs/instructions.md, "References"):

1. Named things: "the music", "the zoom", "the clip". A title by its content (quoted or not), its ordinal
   ("the second title", "第二个标题"), its place ("the top title") or, with "that"/"this"/"the new one",
   the one touched last. "The title" with several on the timeline is ambiguous: the reply asks which.
2. "It", "that" or no word at all: what the last change touched, if the edit applies to it; else the only
   thing of the draft the edit applies to; several → the reply asks; none → the reply says so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from .. import drafts
from ..drafts import Draft
from . import lexicon
from .edit import Ambiguous, Ask

AXES = ("zoom", "x", "y", "roll")
AXIS_NAMES = {"zoom": "the zoom", "x": "the pan", "y": "the tilt", "roll": "the rotation"}
_PLACES = {"top": "top", "upper": "top", "bottom": "bottom", "lower": "bottom", "middle": "center",
           "center": "center", "centre": "center", "顶部": "top", "上面": "top", "上方": "top",
           "底部": "bottom", "下面": "bottom", "下方": "bottom", "中间": "center"}
_PLACE_BEFORE = re.compile(r"(?<![a-z])(top|upper|bottom|lower|middle|center|centre)\s+(?:one|title|text|"
                           r"caption|line|subtitle|headline)|(顶部|上面|上方|底部|下面|下方|中间)的(?:标题|字幕|文字)")
_PLACE_AFTER = re.compile(r"(?:title|text|caption|one|line)s?\s+(?:at|on|in)\s+the\s+(top|bottom|middle|"
                          r"center|centre)")
_PLURAL = re.compile(r"(?<![a-z])(?:titles|texts|captions|subtitles|overlays|all (?:the )?text)(?![a-z])")


@dataclass(frozen=True)
class Thing:
    """A thing of the draft an edit acts on: ``kind`` motion (``axes`` the moves meant, () all of it), text
    (``text_id`` its segment), music, clip or aspect."""

    kind: str
    axes: tuple[str, ...] = ()
    text_id: str = ""

    @property
    def touched(self) -> tuple[str, ...]:
        if self.kind == "motion":
            return tuple(f"motion:{a}" for a in self.axes) or ("motion",)
        if self.kind == "text":
            return (f"text:{self.text_id}",)
        return (self.kind,)


@dataclass
class Mention:
    """What a clause says about the thing it speaks of."""

    kinds: list[str] = field(default_factory=list)  # target kinds named, in order (edit_words "target")
    ref: str | None = None  # "it", "all", "other"
    ordinal: int | None = None
    place: str | None = None  # "the top title": top, center, bottom
    texts: list[str] = field(default_factory=list)  # ids of the texts named by their content
    plural: bool = False

    @property
    def empty(self) -> bool:
        return not (self.kinds or self.ref or self.ordinal or self.place or self.texts or self.plural)


def read_mention(low: str, original: str, quotes: list[str], draft: Draft) -> Mention:
    """The mention of a clause: ``low`` normalised, ``original`` as typed (for titles named by content)."""
    mention = Mention(kinds=[h.meaning for h in lexicon.find("target", low)])
    refs = lexicon.find("ref", low)
    mention.ref = refs[0].meaning if refs else None
    # "1 second", "the first 2 seconds", "the last 3 s" count time, not titles.
    ordinals = [h for h in lexicon.find("ordinal", low)
                if not re.match(r"\s*\d", low[h.end:]) and not re.search(r"\d\s*$", low[:h.start])]
    if ordinals:
        mention.ordinal = int(ordinals[0].meaning)
    elif m := re.search(r"(?:title|text|caption|subtitle|line)\s*#?\s*(\d)(?![\d.%])", low):
        mention.ordinal = int(m[1])
    if m := _PLACE_BEFORE.search(low) or _PLACE_AFTER.search(low):
        mention.place = _PLACES[next(g for g in m.groups() if g)]
    mention.plural = bool(_PLURAL.search(low))
    contents = {sg["id"]: sg.get("text", "") for sg in text_segments(draft)}
    for sid, content in contents.items():
        if content in quotes or (len(content) > 1 and _names(original, content)):
            mention.texts.append(sid)
    return mention


def _names(original: str, content: str) -> bool:
    """Whether ``original`` names a title by its content, unquoted and as written ("make Sale bigger";
    "the last one" does not name "One")."""
    i = original.find(content)
    if i < 0:
        return False
    before = original[i - 1] if i else " "
    after = original[i + len(content)] if i + len(content) < len(original) else " "
    return not (before.isalnum() and before.isascii()) and not (after.isalnum() and after.isascii())


def text_segments(draft: Draft) -> list[dict[str, Any]]:
    t = drafts.track(draft, drafts.TEXT)
    return list(t["sg"]) if t else []


def motion_axes(draft: Draft) -> list[str]:
    """The moves the current camera motion makes, in AXES order."""
    seg = drafts.video_segment(draft)
    motion = seg.get("motion") if seg else None
    if not motion:
        return []
    axes = []
    zoom, pan, roll = motion.get("zoom"), motion.get("pan"), motion.get("roll")
    if zoom and zoom[0] != zoom[1]:
        axes.append("zoom")
    if pan and pan[0]:
        axes.append("x")
    if pan and pan[1]:
        axes.append("y")
    if roll and roll[0] != roll[1]:
        axes.append("roll")
    return axes


def quote_list(texts: list[dict[str, Any]]) -> str:
    names = [f'"{sg.get("text", "")}"' for sg in texts]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


def exists(thing_kind: str, draft: Draft) -> bool:
    if thing_kind == "motion":
        return bool(motion_axes(draft))
    if thing_kind == "text":
        return bool(text_segments(draft))
    if thing_kind == "music":
        return drafts.track(draft, drafts.AUDIO) is not None
    return True  # the clip and its aspect are always there


@dataclass(frozen=True)
class Context:
    """What "it" may mean: the things the last change touched, and all touched lately (most recent first),
    as history.py names them; this message's own earlier things come first."""

    last: tuple[str, ...] = ()
    recent: tuple[str, ...] = ()


def resolve(kinds: tuple[str, ...], mention: Mention, draft: Draft, context: Context,
            what: str) -> list[Thing]:
    """The things an edit applying to ``kinds`` (in order of preference) acts on. ``what`` names the edit
    for the replies ("make faster").

    Raises:
        Ask: the mention is ambiguous, or names or finds nothing the edit applies to.
    """
    named = _named_kinds(mention, kinds)
    if named:
        return [t for kind in named for t in _things(kind, mention, draft, context, what)]
    if mention.ref == "other" and "text" in kinds:
        return _texts(mention, draft, context, what)
    if mention.ref == "all" and "text" in kinds and len(text_segments(draft)) > 1:
        return [Thing("text", text_id=sg["id"]) for sg in text_segments(draft)]
    if (mention.texts or mention.ordinal or mention.place) and "text" in kinds:
        return _texts(mention, draft, context, what)
    last = _from_touched(context.last, kinds, draft)
    if last:
        return last
    present = [k for k in kinds if exists(k, draft)]
    if not present:
        raise Ask(_nothing(kinds[0], what))
    kind = present[0]
    return _things(kind, mention, draft, context, what)


def _named_kinds(mention: Mention, kinds: tuple[str, ...]) -> list[str]:
    out: list[str] = []
    for k in mention.kinds:
        kind = "motion" if k in AXES else k
        if kind in kinds and kind not in out:
            out.append(kind)
    return out


def _things(kind: str, mention: Mention, draft: Draft, context: Context, what: str) -> list[Thing]:
    if not exists(kind, draft):
        raise Ask(_nothing(kind, what))
    if kind == "text":
        return _texts(mention, draft, context, what)
    if kind == "motion":
        present = motion_axes(draft)
        asked = [k for k in mention.kinds if k in AXES]
        if asked:
            missing = [a for a in asked if a not in present]
            if missing and not any(a in present for a in asked):
                raise Ask(f"There is no {AXIS_NAMES[missing[0]][4:]} in the camera motion to {what}: it "
                          f"{describe_axes(present)}.")
            return [Thing("motion", tuple(a for a in AXES if a in asked and a in present))]
        touched = [a for a in AXES if f"motion:{a}" in context.last and a in present]
        return [Thing("motion", tuple(touched) or tuple(present))]
    return [Thing(kind)]


def _texts(mention: Mention, draft: Draft, context: Context, what: str) -> list[Thing]:
    segments = text_segments(draft)
    if not segments:
        raise Ask(_nothing("text", what))
    chosen = segments
    if mention.texts:
        chosen = [sg for sg in segments if sg["id"] in mention.texts]
    elif mention.ordinal:
        index = mention.ordinal - 1 if mention.ordinal > 0 else len(segments) + mention.ordinal
        if not 0 <= index < len(segments):
            raise Ask(f"There are only {len(segments)} titles: {quote_list(segments)}.")
        chosen = [segments[index]]
    elif mention.place:
        chosen = [sg for sg in segments if _place(sg) == mention.place]
        if not chosen:
            raise Ask(f"No title is at the {mention.place}: there are {quote_list(segments)}.")
    elif mention.plural or mention.ref == "all":
        chosen = segments
    elif mention.ref == "other":
        last = [sg for sg in segments if f"text:{sg['id']}" in context.last]
        chosen = [sg for sg in segments if sg not in last] if last else segments
    elif mention.ref == "it" or not mention.kinds:
        recent = [sg for t in (*context.last, *context.recent) for sg in segments if t == f"text:{sg['id']}"]
        chosen = recent[:1] or segments
    if len(chosen) > 1 and not (mention.plural or mention.ref == "all"):
        raise Ambiguous(f"Which title: {quote_list(chosen)}?")
    return [Thing("text", text_id=sg["id"]) for sg in chosen]


def _place(segment: dict[str, Any]) -> str:
    pos = segment.get("pos", "bottom")
    if isinstance(pos, str):
        return pos
    y = float(pos[1])
    return "top" if y < 1 / 3 else "bottom" if y > 2 / 3 else "center"


def _from_touched(touched: tuple[str, ...], kinds: tuple[str, ...], draft: Draft) -> list[Thing]:
    """The things of ``touched`` (history.py's names) an edit of ``kinds`` applies to, still in the draft."""
    axes = [a for a in AXES if f"motion:{a}" in touched and a in motion_axes(draft)]
    if "motion" in touched:
        axes = motion_axes(draft)
    ids = {sg["id"] for sg in text_segments(draft)}
    for kind in kinds:
        if kind == "motion" and axes:
            return [Thing("motion", tuple(axes))]
        if kind == "text":
            texts = [t.split(":", 1)[1] for t in touched if t.startswith("text:")]
            if texts and all(i in ids for i in texts):
                return [Thing("text", text_id=i) for i in texts]
        if kind in ("music", "clip", "aspect") and kind in touched and exists(kind, draft):
            return [Thing(kind)]
    return []


def _nothing(kind: str, what: str) -> str:
    name = {"motion": "camera motion", "text": "title", "music": "music", "clip": "clip",
            "aspect": "aspect ratio"}.get(kind, kind)
    return f"There is no {name} to {what}." if kind != "clip" else f"I can't {what} the clip."


def describe_axes(axes: list[str]) -> str:
    words = {"zoom": "zooms", "x": "pans", "y": "tilts", "roll": "rotates"}
    said = [words[a] for a in axes] or ["does not move"]
    return said[0] if len(said) == 1 else ", ".join(said[:-1]) + " and " + said[-1]
