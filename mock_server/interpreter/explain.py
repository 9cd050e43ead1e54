"""How the mock reads one instruction, for ``motionctl explain``: the reply, the motion value, the parts
understood and the words ignored. Offline and pure: it interprets against a draft holding one image, the
state a ``say:`` step usually meets."""

from __future__ import annotations

from typing import Any

from .. import drafts
from .camera import read_camera
from .canonical import is_canonical
from .instruction import interpret, normalise_spacing

_IMAGE = {"filename": "image.png", "file_type": "image", "cdn_url": "explain://image.png"}


def explain(text: str) -> dict[str, Any]:
    """A JSON-able account of ``text``: what the mock replies and does, and which words it used."""
    draft = drafts.set_source(drafts.new_draft(), _IMAGE["cdn_url"], _IMAGE["filename"], keep_motion=False)
    it = interpret(text, draft, [_IMAGE])
    segment = drafts.video_segment(it.draft)
    motion = segment.get("motion") if segment else None
    result: dict[str, Any] = {"instruction": text, "understood": it.understood, "kind": it.kind,
                              "reply": it.reply, "motion": motion}
    if is_canonical(normalise_spacing(text)):
        result.update(parts=[{"words": text.strip(), "meaning": "a canonical sentence of "
                                                                "specs/instructions.md"}],
                      ignored=[], notes=[])
        return result
    reading = read_camera(text)
    result.update(parts=[{"words": w, "meaning": m} for w, m in reading.understood],
                  ignored=list(reading.ignored), notes=list(reading.notes))
    return result
