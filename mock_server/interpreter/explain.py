"""How the mock reads a message, for ``motionctl explain``: in a conversation (earlier turns, from a starting
draft), the reply, what the last message changes, the motion value, the camera words understood and the
words ignored. Offline and pure: without a draft it starts from one image (the state a ``say:`` step
usually meets)."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

from .. import drafts
from .camera import read_camera
from .canonical import is_canonical
from .history import History
from .instruction import interpret, normalise_spacing

_IMAGE = {"filename": "image.png", "file_type": "image", "cdn_url": "explain://image.png"}


def start_from(state: dict[str, Any] | None) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The draft and uploads to start from: ``state`` may be a draft, a session state (``draft`` and
    ``video_infos``) or what ``motionctl state ID --json`` prints (the state under ``state``).

    Raises:
        ValueError: ``state`` holds no draft.
    """
    if state is None:
        src, name = _IMAGE["cdn_url"], _IMAGE["filename"]
        return drafts.set_source(drafts.new_draft(), src, name, keep_motion=False), [dict(_IMAGE)]
    inner: dict[str, Any] = state["state"] if isinstance(state.get("state"), dict) else state
    draft: dict[str, Any] = inner["draft"] if isinstance(inner.get("draft"), dict) else inner
    if not isinstance(draft.get("t"), list):
        raise ValueError("it holds no draft: expected a draft ({\"t\": [...]}), a session state with a "
                         "\"draft\", or the output of `motionctl state SESSION_ID --json`")
    infos = inner.get("video_infos")
    library = [dict(i) for i in infos if isinstance(i, dict)] if isinstance(infos, list) else []
    return copy.deepcopy(draft), library


def explain(text: str, before: Sequence[str] = (), state: dict[str, Any] | None = None) -> dict[str, Any]:
    """A JSON-able account of ``text`` read after the ``before`` turns, from ``state`` (see ``start_from``).

    Raises:
        ValueError: ``state`` holds no draft.
    """
    draft, library = start_from(state)
    history = History()
    turns = []
    for message in before:
        it = interpret(message, draft, library, history)
        turns.append({"message": message, "understood": it.understood, "reply": it.reply})
        draft, history = it.draft, it.history
    it = interpret(text, draft, library, history)
    segment = drafts.video_segment(it.draft)
    result: dict[str, Any] = {
        "before": turns, "instruction": text, "understood": it.understood, "kind": it.kind, "reply": it.reply,
        "changes": changes(draft, it.draft), "motion": segment.get("motion") if segment else None,
        "undo_levels": len(it.history.done)}
    if is_canonical(normalise_spacing(text)):
        result.update(parts=[{"words": text.strip(), "meaning": "a canonical sentence of "
                                                                "specs/instructions.md"}],
                      ignored=[], notes=[])
        return result
    # Each clause read as an edit of what is there says what it did; the words left to the free-text
    # reading say what the camera grammar understood of them, word by word.
    parts = [{"words": e.words, "meaning": e.summary} for e in it.edits if e.words and not e.whole]
    rest = next((e.words for e in it.edits if e.whole), "" if it.edits else text)
    reading = read_camera(rest) if rest else None
    if reading is not None:
        parts += [{"words": w, "meaning": m} for w, m in reading.understood]
    result.update(parts=parts, ignored=list(reading.ignored) if reading else [],
                  notes=list(reading.notes) if reading else [])
    return result


def changes(before: Any, after: Any, path: str = "") -> list[dict[str, Any]]:
    """What differs between two drafts, as ``{"path", "from", "to"}`` (JSON Pointer paths; a missing side
    is ``null``). Lists of tracks and segments are compared by place."""
    if isinstance(before, dict) and isinstance(after, dict):
        out = []
        for key in [*before, *(k for k in after if k not in before)]:
            out += changes(before.get(key), after.get(key), f"{path}/{key}")
        return out
    if isinstance(before, list) and isinstance(after, list) and not _pair(before) and not _pair(after):
        out = []
        for i in range(max(len(before), len(after))):
            out += changes(before[i] if i < len(before) else None, after[i] if i < len(after) else None,
                           f"{path}/{i}")
        return out
    return [] if before == after else [{"path": path, "from": before, "to": after}]


def _pair(value: list[Any]) -> bool:
    """A pair of numbers ([start, end], [x, y]) is one value, reported whole."""
    return len(value) == 2 and all(isinstance(v, int | float) for v in value)
