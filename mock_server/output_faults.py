"""Output faults: a render that completes and reports success, but whose clip is wrong in one way.

For testing a clip QC (ours, or a user's own): each fault changes the draft the renderer is given, so the
file is a real, playable clip of the expected kind with one thing wrong, as a cloud renderer's bug would
make it. Armed by a fault rule's ``render`` (specs/faults.schema.json) on the submit call; pure functions
of the draft, applied where the render job starts (render_jobs.py).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from . import drafts

Draft = dict[str, Any]

_BLACK_MS = 600  # "black start": the first 0.6 s show no picture
_CUT = 0.6  # "cut short": the clip ends at 60 % of its length
_FREEZE_AT = 0.3  # "frozen": the move stops at 30 % of the clip and the picture stays put after it


def _video(draft: Draft) -> dict[str, Any] | None:
    return drafts.video_segment(draft)


def black_start(draft: Draft) -> None:
    """The picture starts 0.6 s late: the renderer fills the frames no segment covers with black."""
    seg = _video(draft)
    if seg is not None:
        shift = min(_BLACK_MS, max(0, int(seg.get("d", 0)) - 1))
        seg["st"] = int(seg.get("st", 0)) + shift
        seg["d"] = int(seg.get("d", 0)) - shift


def frozen(draft: Draft) -> None:
    """The move ends after 30 % of the clip and the picture holds still for the rest (no motion: still)."""
    seg = _video(draft)
    if seg is not None and seg.get("motion"):
        seg["motion"]["d"] = max(1, int(drafts.duration(draft) * _FREEZE_AT))


def reversed_motion(draft: Draft) -> None:
    """The move plays backwards: start and end swapped, the easing mirrored in time."""
    seg = _video(draft)
    motion = seg.get("motion") if seg else None
    if not motion:
        return
    for key in ("zoom", "roll"):
        if key in motion:
            motion[key] = list(reversed(motion[key]))
    if "pan" in motion:
        motion["pan"] = [-v for v in motion["pan"]]
    motion["easing"] = {"ease-in": "ease-out", "ease-out": "ease-in"}.get(
        motion.get("easing", ""), motion.get("easing", "ease-in-out")
    )


def mirrored_motion(draft: Draft) -> None:
    """The move is mirrored left to right: pan and roll go the other way, the focus swaps sides."""
    seg = _video(draft)
    motion = seg.get("motion") if seg else None
    if not motion:
        return
    if "pan" in motion:
        motion["pan"] = [-motion["pan"][0], motion["pan"][1]]
    if "roll" in motion:
        motion["roll"] = [-v for v in motion["roll"]]
    if "focus" in motion:
        motion["focus"] = [1.0 - motion["focus"][0], motion["focus"][1]]


def no_audio(draft: Draft) -> None:
    """The music is dropped: the clip has no audio stream."""
    draft["t"] = [t for t in draft.get("t", []) if t.get("tt") != drafts.AUDIO]


def wrong_size(draft: Draft) -> None:
    """The clip comes out square whatever the aspect asked (a platform preset ignored)."""
    meta = draft.setdefault("m", {})
    meta["aspect"] = "1:1" if meta.get("aspect") != "1:1" else "16:9"
    meta.pop("width", None)
    meta.pop("height", None)


def no_text(draft: Draft) -> None:
    """Every text overlay is dropped."""
    draft["t"] = [t for t in draft.get("t", []) if t.get("tt") != drafts.TEXT]


def cut_short(draft: Draft) -> None:
    """The clip ends at 60 % of its length."""
    draft["d"] = max(1, int(drafts.duration(draft) * _CUT))


FAULTS: dict[str, Callable[[Draft], None]] = {
    "black_start": black_start,
    "frozen": frozen,
    "reversed": reversed_motion,
    "mirrored": mirrored_motion,
    "no_audio": no_audio,
    "wrong_size": wrong_size,
    "no_text": no_text,
    "cut_short": cut_short,
}


def apply(fault: str, draft: Draft) -> Draft:
    """A copy of ``draft`` with output fault ``fault`` applied (one of ``FAULTS``)."""
    out = copy.deepcopy(draft)
    FAULTS[fault](out)
    return out
