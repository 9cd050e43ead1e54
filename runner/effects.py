"""Did a step do what it asked? Its ``Effect`` checked against the session state before and after (pure).

A backend that refuses an instruction ("I didn't understand …") or accepts it without changing anything
still closes the stream normally, so the reply alone cannot tell; the state can. Each kind is checked
against what the request asked for, not merely "something changed": a motion step must leave a motion
with the asked axes moving the asked way, a text step one more text with that content, and so on.
"""

from __future__ import annotations

import math
import re
import urllib.parse
from collections.abc import Mapping, Sequence
from typing import Any

from . import state as st
from .actions import Action, Effect, Say, Where

# Which field of the draft's motion carries an axis, which coordinate, and the sign a direction gives
# (specs/motion.md, from the camera's point of view).
_MOTION_SIGNS: dict[tuple[str, str], tuple[str, int, int]] = {
    ("zoom", "in"): ("zoom", -1, +1), ("zoom", "out"): ("zoom", -1, -1),
    ("pan", "left"): ("pan", 0, -1), ("pan", "right"): ("pan", 0, +1),
    ("tilt", "up"): ("pan", 1, -1), ("tilt", "down"): ("pan", 1, +1),
    ("roll", "clockwise"): ("roll", -1, +1), ("roll", "counterclockwise"): ("roll", -1, -1),
}


def unmet(effect: Effect | None, before: st.Snapshot, after: st.Snapshot,
          names: Mapping[str, str] | None = None) -> str | None:
    """Why the state after a step does not show ``effect`` (``None``: it does).

    Args:
        effect: what the step asked for; ``None`` is treated as "anything changed".
        before: the state before the step.
        after: the state after it.
        names: local upload name → the name the API returned for it.
    """
    names = names or {}
    effect = effect or Effect("changed")
    b, a = st.draft_of(before), st.draft_of(after)
    match effect.kind:
        case "changed":
            return None if before != after else "nothing changed in the session state"
        case "motion":
            return _motion(effect, a)
        case "text":
            want = effect.text
            if _texts(a).count(want) <= _texts(b).count(want):
                return f'no text "{want}" was added to the timeline'
            return None
        case "remove_text":
            if effect.text not in _texts(b):
                return f'there was no text "{effect.text}" to remove'
            return f'the text "{effect.text}" is still there' if effect.text in _texts(a) else None
        case "remove_all_text":
            if not _texts(b):
                return "there was no text to remove"
            return None if not _texts(a) else f"{len(_texts(a))} text(s) are still there"
        case "replace":
            if effect.text not in _texts(b):
                return f'there was no text "{effect.text}" to replace'
            if effect.text in _texts(a) or effect.new_text not in _texts(a):
                return f'the text "{effect.text}" was not replaced by "{effect.new_text}"'
            return None
        case "remove_motion":
            if not _motion_of(b):
                return "there was no camera motion to remove"
            return None if not _motion_of(a) else "the camera motion is still there"
        case "remove_music":
            if not st.segments(b, st.AUDIO):
                return "there was no music to remove"
            return None if not st.segments(a, st.AUDIO) else "the music is still there"
        case "music" | "volume":
            return _music(effect, a, names)
        case "aspect":
            got = (a.get("m") or {}).get("aspect")
            if got == effect.aspect:
                return None
            return f"the aspect ratio is {got or 'unset'}, not {effect.aspect}"
        case "duration":
            got = a.get("d")
            if got == effect.duration_ms:
                return None
            return f"the duration is {_s(got)}, not {_s(effect.duration_ms)}"
        case "use":
            want = names.get(effect.file or "", effect.file)
            segment = st.video_segment(a) or {}
            if want in (segment.get("name"), _file_of(segment.get("src"))):
                return None
            return f'the active image is {segment.get("name") or "none"}, not "{want}"'
    return None  # pragma: no cover — every kind is handled above


def missing_uploads(returned: list[str], after: st.Snapshot) -> list[str]:
    """The uploaded names (as the API returned them) that the session's ``video_infos`` does not list."""
    infos = after.get("video_infos") or []
    listed = {i.get("filename") for i in infos if isinstance(i, dict)}
    return [name for name in returned if name not in listed]


def new_uploads(before: st.Snapshot, after: st.Snapshot) -> list[str]:
    """The file names ``video_infos`` gained between two states (to reconcile an interrupted upload)."""
    old = [i.get("filename") for i in before.get("video_infos") or [] if isinstance(i, dict)]
    new = [i.get("filename") for i in after.get("video_infos") or [] if isinstance(i, dict)]
    return [str(n) for n in new[len(old):]] if new[:len(old)] == old else []


def _motion(effect: Effect, draft: Mapping[str, Any]) -> str | None:
    motion = _motion_of(draft)
    if not motion:
        return "the image has no camera motion"
    for axis, direction in (effect.motion or {}).items():
        field, coordinate, sign = _MOTION_SIGNS.get((axis, direction), (axis, -1, 0))
        value = motion.get(field)
        if not isinstance(value, list) or len(value) != 2 or not all(_is_num(v) for v in value):
            return f"the motion has no {axis}"
        if sign:
            moved = value[1] - value[0] if coordinate == -1 else value[coordinate]
            if moved * sign <= 0:
                return f"the motion's {field} {value} does not {axis} {direction}"
    if effect.easing and motion.get("easing") != effect.easing:
        return f"the motion's easing is {motion.get('easing')}, not {effect.easing}"
    return None


def _music(effect: Effect, draft: Mapping[str, Any], names: Mapping[str, str]) -> str | None:
    music = st.segments(draft, st.AUDIO)
    if not music:
        return "there is no music track"
    segment = music[0]
    vol = segment.get("vol", 100)
    if effect.volume is not None and not (_is_num(vol) and math.isclose(vol, effect.volume, abs_tol=1e-6)):
        return f"the music volume is {vol}%, not {effect.volume:g}%"
    src = str(segment.get("src", ""))
    if effect.mood and src != f"mood:{effect.mood}":
        return f"the music is {src or 'unset'}, not the {effect.mood} mood"
    if effect.file:
        want = names.get(effect.file, effect.file)
        if want not in (segment.get("name"), _file_of(src)):
            return f'the music is {segment.get("name") or _file_of(src) or "unset"}, not "{want}"'
    return None


def _motion_of(draft: Mapping[str, Any]) -> dict[str, Any] | None:
    segment = st.video_segment(draft)
    motion = segment.get("motion") if segment else None
    return motion if isinstance(motion, dict) and motion else None


def _texts(draft: Mapping[str, Any]) -> list[Any]:
    return [s.get("text") for s in st.segments(draft, st.TEXT)]


def _file_of(src: Any) -> str:
    if not isinstance(src, str):
        return ""
    return urllib.parse.unquote(src.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1])


def _is_num(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _s(ms: Any) -> str:
    return f"{ms / 1000:g}s" if _is_num(ms) else "unset"


_TEXT_SEGMENT = re.compile(r"\bdraft\.t\[(\d+)\]\.sg\[(\d+)\]")
_QUOTED = re.compile(r'"([^"]+)"|“([^”]+)”')


def step_of_render_failure(reason: str, before: Sequence[Action], draft: Mapping[str, Any]) -> Where | None:
    """The step a render failure is about, when its reason names a text segment of the draft
    (``draft.t[1].sg[0].text …``: a text the renderer cannot draw): the last of ``before`` (the actions
    before the export) that put that text there. ``None``: the reason names no step of these."""
    found = _TEXT_SEGMENT.search(reason)
    if found is None:
        return None
    track = _nth(draft.get("t"), int(found[1]))
    segment = _nth(track.get("sg") if isinstance(track, Mapping) else None, int(found[2]))
    text = segment.get("text") if isinstance(segment, Mapping) else None
    if not isinstance(text, str):
        return None
    return next((a.where for a in reversed(before) if isinstance(a, Say) and text in _texts_added(a)), None)


def _nth(items: object, index: int) -> object:
    return items[index] if isinstance(items, list) and index < len(items) else None


def _texts_added(action: Say) -> tuple[str, ...]:
    """The text a step puts in the draft: a text or replace step's, or what a free sentence quotes."""
    effect = action.effect
    if effect is not None and effect.kind == "text" and effect.text:
        return (effect.text,)
    if effect is not None and effect.kind == "replace" and effect.new_text:
        return (effect.new_text,)
    if action.free_text:
        return tuple(a or b for a, b in _QUOTED.findall(action.sentence))
    return ()
