"""A request (requests.py) → the edits it makes on the draft, its things resolved by references.py.

``perform`` returns ``None`` for a request that is not an edit of something already there (a camera move
with its direction, a new aspect …): the caller hands those words to the free-text reading.
"""

from __future__ import annotations

import re
from typing import Any

from .. import drafts
from ..drafts import Draft
from . import adjust_camera as cam
from . import adjust_media as media
from . import titles
from .camera import read_camera
from .canonical import MOODS
from .edit import Answer, Ask, Edit
from .edit_words import DEGREE_INDEX, STEPS
from .references import AXES, Context, Thing, exists, motion_axes, resolve, text_segments
from .requests import Request

# Which things each parameter of a relative word applies to, in order of preference.
PARAM_KINDS: dict[str, tuple[str, ...]] = {
    "speed": ("motion",), "amount": ("motion", "music"), "flip": ("motion",), "smooth": ("motion",),
    "closer": ("motion",), "wider": ("motion",), "volume": ("music",), "size": ("text", "motion"),
    "length": ("clip", "text", "motion"), "start": ("text", "music", "motion"), "up": ("text",),
    "down": ("text",), "left": ("text",), "right": ("text",), "mood": ("music",), "fade": ("music",),
}
_WHAT = {"speed": "speed up or slow down", "amount": "change", "flip": "reverse", "smooth": "smooth",
         "closer": "tighten", "wider": "widen", "volume": "turn up or down", "size": "resize",
         "length": "lengthen or shorten", "start": "move in time", "up": "move", "down": "move",
         "left": "move", "right": "move", "mood": "change"}
_DIRECTIONS = {"zoom": {"in": "in", "out": "out"}, "x": {"left": "left", "right": "right"},
               "y": {"up": "up", "down": "down"},
               "roll": {"clockwise": "clockwise", "counterclockwise": "counterclockwise",
                        "anticlockwise": "counterclockwise", "counter clockwise": "counterclockwise"}}
_POSITIONAL = {"up", "down", "left", "right"}
_DURATION_WORDS = re.compile(r"(?<![a-z])(?:for|over|take|takes|last|lasts|stay|stays|show|display|visible|"
                             r"on screen|within|during)(?![a-z])|持续|显示|停留|内")
_MOVE_TIME = re.compile(r"(?<![a-z])(?:take|takes|taking|last|lasts|lasting|run|runs)(?![a-z])|持续")
_DEFAULT_VOLUME = 35.0


def perform(request: Request, draft: Draft, context: Context) -> list[Edit] | None:
    """The edits of ``request`` on ``draft``; ``None`` if it is not an edit this module makes.

    Raises:
        Ask: the request's thing is ambiguous or missing (the reply asks or says so).
    """
    op = request.op
    if op is None:
        return None
    if op == "keep":
        return []
    if op == "keep-only":
        return _keep_only(request, draft, context)
    if op == "relative":
        return _relative(request, draft, context)
    if op == "remove":
        return _remove(request, draft, context)
    if op == "add-text":
        if titles.content_of(request.clause) is None and "text" not in request.mention.kinds:
            return None  # "add a gentle light leak": not a title, nothing this module makes
        return [titles.add(request.clause, draft)]
    if op == "add-music":
        return [_add_music(request, draft)]
    return _value(request, draft, context)


def _choose(request: Request, context: Context, draft: Draft) -> tuple[str, str] | None:
    """The option of a relative word the clause means, by the thing it names, the last touched thing or the
    things there are: (parameter, sign or value)."""
    options = [o.split() for o in request.options]
    named = {"motion" if k in AXES else k for k in request.mention.kinds}
    if request.mention.texts or request.mention.ordinal:
        named.add("text")
    for param, *rest in options:
        if named & set(PARAM_KINDS.get(param, ())):
            return param, rest[0] if rest else ""
    if named - {"fade", "box"}:
        return None  # "make the music faster": not a thing the music does
    touched = {t.split(":", 1)[0] for t in context.last}
    for param, *rest in options:
        if touched & set(PARAM_KINDS.get(param, ())):
            return param, rest[0] if rest else ""
    for param, *rest in options:
        if any(exists(k, draft) for k in PARAM_KINDS.get(param, ())):
            return param, rest[0] if rest else ""
    param, *rest = options[0]
    return param, rest[0] if rest else ""


def _relative(request: Request, draft: Draft, context: Context) -> list[Edit] | None:
    mention, degree, numbers = request.mention, request.degree, request.numbers
    if "fade" in mention.kinds and any(o.startswith("length") for o in request.options):
        which = "in" if re.search(r"fade[\s-]?in|淡入", request.clause.low) else "out"
        segment = drafts.track(draft, drafts.AUDIO)
        if which == "out" and segment and "fo" not in segment["sg"][0] and "fi" in segment["sg"][0]:
            which = "in"
        sign = 1 if "length +" in request.options else -1
        ms = None if "seconds" not in numbers else round(numbers["seconds"] * 1000)
        return [media.fade(draft, which, ms, sign, degree)]
    chosen = _choose(request, context, draft)
    if chosen is None:
        return None
    param, sign_word = chosen
    sign = -1 if sign_word == "-" else 1
    kinds = PARAM_KINDS.get(param, ("motion",))
    if param in _POSITIONAL and not _names_text(request, context):
        return None  # "move it up" of no title: the camera grammar's (a pedestal up)
    if param == "length" and not (set(mention.kinds) & {"text", "clip", *AXES, "motion"} or mention.texts
                                  or mention.ordinal):
        kinds = ("clip",)
        if any(t.startswith("text:") for t in context.last):
            kinds = ("clip", "text")
        elif _MOVE_TIME.search(request.clause.low) and any(t.startswith("motion") for t in context.last):
            kinds = ("motion",)  # "make it take longer" of a camera move
    try:
        things = resolve(kinds, mention, draft, context, _WHAT.get(param, "change"))
    except Answer:
        raise
    except Ask:
        if read_camera(request.clause.original).moves:
            return None  # "缓慢放大" of a still image: a camera move (放大 is also "bigger")
        raise
    edits: list[Edit] = []
    current = draft
    for thing in things:
        edit = _relative_one(param, sign, sign_word, thing, request, current)
        edits.append(edit)
        current = edit.draft
    return edits


def _names_text(request: Request, context: Context) -> bool:
    mention = request.mention
    if "text" in mention.kinds or mention.texts or mention.ordinal or mention.place:
        return True
    things = set(mention.kinds) - {"fade", "box"}
    return not things and any(t.startswith("text:") for t in context.last)


def _relative_one(param: str, sign: int, value: str, thing: Thing, request: Request, draft: Draft) -> Edit:
    degree, numbers = request.degree, request.numbers
    if request.absolute and (numbers.keys() & {"percent", "seconds", "px"}):
        return _to_value(param, thing, request, draft)
    if thing.kind == "motion":
        return _camera(param, sign, thing, request, draft)
    if thing.kind == "music":
        if param == "mood":
            return media.mood(draft, value)
        if param == "start":
            seconds = numbers.get("seconds", STEPS["text_time"][DEGREE_INDEX[degree]])
            segment = drafts.track(draft, drafts.AUDIO)
            start = int(segment["sg"][0].get("st", 0)) if segment else 0
            return media.music_start(draft, max(0, start + sign * round(seconds * 1000)))
        if param == "length":
            raise Ask("The music always plays to the end of the clip: make the clip longer or shorter "
                      "instead.")
        return media.volume(draft, sign, degree, points=numbers.get("percent"), factor=numbers.get("factor"))
    if thing.kind == "text":
        if param == "size":
            factor = numbers.get("factor")
            if factor is None and "percent" in numbers:
                factor = 1 + sign * numbers["percent"] / 100
            px = int(numbers["px"]) if "px" in numbers else None
            if px is not None:
                segment = _segment(draft, thing.text_id)
                px = int(segment.get("size", media.DEFAULT_TEXT_SIZE)) + sign * px
            return media.size(draft, thing.text_id, sign, degree, px=px, factor=factor)
        if param in _POSITIONAL:
            fraction = numbers["percent"] / 100 if "percent" in numbers else None
            return media.move(draft, thing.text_id, param, degree, fraction)
        ms = round(numbers["seconds"] * 1000) if "seconds" in numbers else None
        if param == "start":
            return media.shift_time(draft, thing.text_id, sign, degree, ms)
        if param == "length":
            return media.stretch(draft, thing.text_id, sign, degree, ms)
        raise Ask(f"A title cannot be made {request.clause.low.strip()}.")
    if param == "length":
        ms = round(numbers["seconds"] * 1000) if "seconds" in numbers else None
        return media.clip_length(draft, sign, degree, ms=ms, factor=numbers.get("factor"))
    raise Ask(f"I can't {_WHAT.get(param, 'change')} the {thing.kind}.")


def _to_value(param: str, thing: Thing, request: Request, draft: Draft) -> Edit:
    """A relative word with "to" and a number: the number is the new value ("turn it down to 25%",
    "shorten it to 4 seconds", "make the zoom faster, to 30%")."""
    numbers = request.numbers
    ms = round(numbers["seconds"] * 1000) if "seconds" in numbers else None
    if thing.kind == "music" and "percent" in numbers:
        return media.volume(draft, 1, None, value=numbers["percent"])
    if thing.kind == "motion" and "percent" in numbers:
        return cam.set_amount(draft, thing, numbers["percent"] / 100, None)
    if thing.kind == "motion" and ms is not None:
        return cam.move_length(draft, thing, 0, None, ms)
    if thing.kind == "text" and "px" in numbers:
        return media.size(draft, thing.text_id, 1, None, px=int(numbers["px"]))
    if thing.kind == "text" and ms is not None:
        if param == "start":
            return media.timing(draft, thing.text_id, start_ms=ms)
        return media.timing(draft, thing.text_id, length_ms=ms)
    if thing.kind == "clip" and ms is not None:
        return media.clip_length(draft, 1, None, value_ms=ms)
    raise Ask(f"I can't set the {thing.kind} to {request.clause.low}.")


def _segment(draft: Draft, text_id: str) -> dict[str, Any]:
    track = drafts.track(draft, drafts.TEXT)
    return next(sg for sg in (track["sg"] if track else []) if sg.get("id") == text_id)


def _camera(param: str, sign: int, thing: Thing, request: Request, draft: Draft) -> Edit:
    degree, numbers, low = request.degree, request.numbers, request.clause.low
    factor = STEPS["camera"][DEGREE_INDEX[degree]]
    if len(thing.axes) == 1:
        draft = _towards(draft, thing, low)
    if param in ("speed", "amount", "size"):
        if param == "size":
            thing = Thing("motion", tuple(a for a in thing.axes if a == "zoom") or thing.axes)
        word = {"speed": ("faster", "slower"), "amount": ("stronger", "gentler"),
                "size": ("bigger", "smaller")}[param][sign < 0]
        if "factor" in numbers:
            return cam.scale(draft, thing, numbers["factor"], word)
        if "percent" in numbers and param == "speed":
            return cam.scale(draft, thing, max(0.05, 1 + sign * numbers["percent"] / 100), word)
        if "percent" in numbers and len(thing.axes) == 1 and thing.axes[0] != "roll":
            old = cam.amount(cam.motion_of(draft), thing.axes[0])
            return cam.set_amount(draft, thing, max(0.005, old + sign * numbers["percent"] / 100), None)
        return cam.scale(draft, thing, factor if sign > 0 else 1 / factor, word)
    if param == "flip":
        return cam.flip(draft, thing)
    if param == "smooth":
        return cam.smoother(draft, thing, degree, sign)
    if param in ("closer", "wider"):
        return cam.closer(draft, thing, degree, 1 if param == "closer" else -1)
    if param == "length":
        ms = round(numbers["seconds"] * 1000) if "seconds" in numbers else None
        if ms is not None:
            motion = cam.motion_of(draft)
            ms = int(motion.get("d", drafts.duration(draft))) + sign * ms
        return cam.move_length(draft, thing, sign, degree, ms)
    if param == "start":
        raise Answer(_NO_START)
    raise Ask(f"I can't {_WHAT.get(param, 'change')} the camera.")


_NO_START = ("The camera move always starts with the clip here (a motion has no start time); it can end "
             "sooner instead: say for example \"stop the zoom at 3s\".")


def _towards(draft: Draft, thing: Thing, low: str) -> Draft:
    """The draft with a one-axis thing turned the way the clause names ("zoom in more" of a zoom out)."""
    axis = thing.axes[0]
    for word, wanted in _DIRECTIONS[axis].items():
        if re.search(rf"(?<![a-z]){word}(?![a-z])", low):
            return cam.set_direction(draft, thing, wanted)
    return draft


def _remove(request: Request, draft: Draft, context: Context) -> list[Edit]:
    mention = request.mention
    kinds = [k for k in mention.kinds]
    if "fade" in kinds:
        return [_unfade(request, draft, context)]
    if "box" in kinds:
        things = resolve(("text",), mention, draft, context, "remove the box of")
        return [media.box(draft, things[0].text_id, False)]
    edits: list[Edit] = []
    current = draft
    wanted = tuple(dict.fromkeys("motion" if k in AXES else k for k in kinds
                                 if k in ("music", "text", "motion", *AXES)))
    if not wanted:
        if mention.texts or mention.ordinal or request.clause.quotes or mention.place:
            wanted = ("text",)
        else:  # "remove it": the thing the last change touched
            last = _from_last(context, draft)
            if not last:
                raise Ask("Remove what? Name it: the music, the camera motion, or a title.")
            for thing in last:
                edit = _remove_one(thing, current)
                edits.append(edit)
                current = edit.draft
            return edits
    for kind in wanted:
        if kind == "text" and request.clause.quotes and not mention.texts:
            raise Ask(f'There is no title "{request.clause.quotes[0]}" on the timeline.')
        for thing in resolve((kind,), mention, current, context, "remove"):
            edit = _remove_one(thing, current)
            edits.append(edit)
            current = edit.draft
    return edits


def _keep_only(request: Request, draft: Draft, context: Context) -> list[Edit]:
    """"Only keep the zoom", "keep just the first title": the others of their kind go."""
    mention = request.mention
    axes = [k for k in mention.kinds if k in AXES]
    if axes:
        others = tuple(a for a in motion_axes(draft) if a not in axes)
        return [cam.remove_axes(draft, Thing("motion", others))] if others else []
    kept = {t.text_id for t in resolve(("text",), mention, draft, context, "keep")}
    edits: list[Edit] = []
    current = draft
    for segment in text_segments(draft):
        if segment["id"] not in kept:
            edits.append(media.remove_text(current, segment["id"]))
            current = edits[-1].draft
    return edits


def _from_last(context: Context, draft: Draft) -> list[Thing]:
    things = [Thing("text", text_id=t.split(":", 1)[1]) for t in context.last if t.startswith("text:")
              and any(sg["id"] == t.split(":", 1)[1] for sg in text_segments(draft))]
    axes = tuple(a for a in AXES if f"motion:{a}" in context.last and a in motion_axes(draft))
    if axes or ("motion" in context.last and exists("motion", draft)):
        things.append(Thing("motion", axes or tuple(motion_axes(draft))))
    if "music" in context.last and exists("music", draft):
        things.append(Thing("music"))
    return things


def _remove_one(thing: Thing, draft: Draft) -> Edit:
    if thing.kind == "motion":
        return cam.remove_axes(draft, thing)
    if thing.kind == "text":
        return media.remove_text(draft, thing.text_id)
    if thing.kind == "music":
        return Edit(drafts.remove_music(draft), "Removed the music.", ("music",))
    raise Ask(f"The {thing.kind} cannot be removed.")


def _unfade(request: Request, draft: Draft, context: Context) -> Edit:
    if "text" in request.mention.kinds or request.mention.texts:
        thing = resolve(("text",), request.mention, draft, context, "stop fading")[0]
        return media.text_fade(draft, thing.text_id, 0)
    which = "in" if re.search(r"fade[\s-]?in|淡入", request.clause.low) else "out"
    return media.fade(draft, which, 0)


def _add_music(request: Request, draft: Draft) -> Edit:
    mood = request.value or ""
    if exists("music", draft):
        if mood:
            return media.mood(draft, mood)
        if "percent" in request.numbers:
            return media.volume(draft, 1, None, value=request.numbers["percent"])
        segment = drafts.track(draft, drafts.AUDIO)
        assert segment is not None
        current = segment["sg"][0]
        raise Ask(f"There is already {current.get('name', '')} music at {current.get('vol', 100):g}%: say "
                  "\"make it upbeat\" or \"quieter\" to change it.")
    mood = mood if mood in MOODS else "lo-fi"
    vol = request.numbers.get("percent", _DEFAULT_VOLUME)
    out = drafts.set_music(draft, f"mood:{mood}", mood, vol)
    return Edit(out, f"Added {mood} background music at {vol:g}% volume.", ("music",))


def _value(request: Request, draft: Draft, context: Context) -> list[Edit] | None:
    op, mention, numbers = request.op, request.mention, request.numbers
    if op == "mood":
        if not exists("music", draft):
            return [_add_music(request, draft)] if "music" in mention.kinds else None
        return [media.mood(draft, request.value)]
    if op == "volume":
        touched = {t.split(":", 1)[0] for t in context.last}
        if "motion" in touched and "music" not in mention.kinds and exists("motion", draft):
            thing = resolve(("motion",), mention, draft, context, "set")[0]  # "make it 30%" of a zoom
            return [cam.set_amount(draft, thing, numbers["percent"] / 100, None)]
        if not exists("music", draft):
            if "music" not in mention.kinds:
                return None
            return [_add_music(request, draft)]
        things = resolve(("music",), mention, draft, context, "set the volume of")
        return [media.volume(draft, 1, None, value=numbers["percent"]) for _ in things[:1]]
    if op == "fade":
        return [_fade(request, draft, context)]
    if op == "speed" or op == "amount":
        if not _names_motion(request, context, draft) or not exists("motion", draft):
            return None  # "a zoom of about 3%" of a still image: the camera grammar's
        thing = resolve(("motion",), mention, draft, context, "set")[0]
        value = numbers["percent"] / 100 if op == "amount" else None
        return [cam.set_amount(draft, thing, value, request.value if op == "speed" else None)]
    if op == "time":
        return _time(request, draft, context)
    if op == "what":
        resolve(("text",), mention, draft, context, "change")
        raise Answer("What should change about the title: its words, place, time, colour or size? For "
                     "example: \"make the title yellow\".")
    if not _names_text(request, context) and not (op in ("colour", "content") and exists("text", draft)):
        return None
    things = resolve(("text",), mention, draft, context, {"colour": "colour", "content": "change",
                                                        "place": "move", "size": "resize",
                                                        "box": "put a box behind"}.get(op or "", "change"))
    edits: list[Edit] = []
    current = draft
    for thing in things:
        if op == "colour" and not request.value:
            raise Answer("Which colour? For example: \"make the title yellow\" or \"color it #FFCC00\".")
        if op == "colour":
            edit = media.colour(current, thing.text_id, request.value, request.options[0])
        elif op == "content":
            edit = media.content(current, thing.text_id, request.value)
        elif op == "place":
            edit = media.place(current, thing.text_id, request.value)
        elif op == "size":
            edit = media.size(current, thing.text_id, 1, None, px=int(numbers["px"]))
        else:
            edit = media.box(current, thing.text_id, True)
        edits.append(edit)
        current = edit.draft
    return edits


def _names_motion(request: Request, context: Context, draft: Draft) -> bool:
    kinds = set(request.mention.kinds)
    if kinds & {*AXES, "motion"}:
        return True
    return not kinds and bool(motion_axes(draft)) and (
        not context.last or any(t.startswith("motion") for t in context.last))


def _fade(request: Request, draft: Draft, context: Context) -> Edit:
    mention = request.mention
    ms = round(request.numbers["seconds"] * 1000) if "seconds" in request.numbers else None
    if "text" in mention.kinds or mention.texts or mention.ordinal or (
            "music" not in mention.kinds and any(t.startswith("text:") for t in context.last)):
        thing = resolve(("text",), mention, draft, context, "fade")[0]
        return media.text_fade(draft, thing.text_id, ms or media.DEFAULT_TEXT_FADE_MS)
    if request.value == "both":
        faded_in = media.fade(draft, "in", ms)
        out = media.fade(faded_in.draft, "out", ms)
        return Edit(out.draft, f"{faded_in.summary} {out.summary}", ("music",))
    return media.fade(draft, request.value, ms)


def _time(request: Request, draft: Draft, context: Context) -> list[Edit] | None:
    """A time said of a title, the camera move or the music: "make it appear at 1s", "stop the zoom at
    3s", "for the first 2 seconds", "over the whole clip". Without a named thing it is about the last one
    touched, if the words are about time on screen ("for 3 seconds"); "make it 8 seconds" is the clip's."""
    mention, numbers, kind = request.mention, request.numbers, request.value
    clip = drafts.duration(draft)
    first = round(numbers["seconds"] * 1000) if "seconds" in numbers else clip
    named = {"motion" if k in AXES else k for k in mention.kinds}
    touched = {t.split(":", 1)[0] for t in context.last}
    implicit = not named and not mention.texts and not mention.ordinal
    if implicit and kind == "length" and not _DURATION_WORDS.search(request.clause.low):
        return None
    if "motion" in named or (implicit and "motion" in touched):
        if not exists("motion", draft):
            return None
        thing = resolve(("motion",), mention, draft, context, "time")[0]
        if kind == "start":
            raise Answer(_NO_START)
        return [cam.move_length(draft, thing, 0, None, first)]
    if "music" in named:
        if kind != "start":
            raise Answer("The music always plays to the end of the clip; it can start later (\"start the "
                         "music at 2s\") or fade out (\"fade the music out over 2s\").")
        return [media.music_start(draft, first)]
    if not ("text" in named or not implicit or "text" in touched):
        return None
    thing = resolve(("text",), mention, draft, context, "time")[0]
    text_id = thing.text_id
    if kind == "span":
        second = round(numbers.get("seconds2", numbers["seconds"]) * 1000)
        return [media.timing(draft, text_id, start_ms=first, length_ms=second - first)]
    if kind == "first":
        return [media.timing(draft, text_id, start_ms=0, length_ms=first)]
    if kind == "last":
        return [media.timing(draft, text_id, start_ms=max(0, clip - first), length_ms=first)]
    if kind == "whole":
        return [media.timing(draft, text_id, start_ms=0, length_ms=clip)]
    if kind == "end":
        return [media.timing(draft, text_id, end_ms=first)]
    if kind == "start":
        return [media.timing(draft, text_id, start_ms=first)]
    return [media.timing(draft, text_id, length_ms=first)]
