"""``expect:`` steps checked against a session state snapshot (pure).

Track counts count *segments* of each track type (``text: 2`` means two texts on the timeline, whether the
backend keeps them in one text track or two). Numbers compare with a small tolerance because the API
stores floats it computed itself.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

from .actions import Expectation
from .state import AUDIO, TEXT, TRACK_KINDS, Snapshot, draft_of, segments, video_segment


@dataclass(frozen=True)
class Mismatch:
    """One assertion that did not hold: ``tracks.text: expected 2, got 1``."""

    field: str
    expected: Any
    actual: Any

    def __str__(self) -> str:
        return f"{self.field}: expected {_show(self.expected)}, got {_show(self.actual)}"


def check(expectation: Expectation, state: Snapshot) -> list[Mismatch]:
    """Every way ``state`` breaks ``expectation``; an empty list means it holds."""
    draft = draft_of(state)
    found: list[Mismatch] = []
    if expectation.tracks is not None:
        for kind, want in sorted(expectation.tracks.items()):
            got = len(segments(draft, TRACK_KINDS[kind])) if kind in TRACK_KINDS else None
            if got != want:
                found.append(Mismatch(f"tracks.{kind}", want, got))
    if expectation.duration_ms is not None and draft.get("d") != expectation.duration_ms:
        found.append(Mismatch("duration", f"{expectation.duration_ms}ms", _ms(draft.get("d"))))
    if expectation.texts is not None:
        present = [s.get("text") for s in segments(draft, TEXT)]
        if not _in_order(list(expectation.texts), present):
            found.append(Mismatch("texts (in timeline order)", list(expectation.texts), present))
    if expectation.aspect is not None:
        aspect = (draft.get("m") or {}).get("aspect")
        if aspect != expectation.aspect:
            found.append(Mismatch("aspect", expectation.aspect, aspect))
    if expectation.volume is not None:
        music = segments(draft, AUDIO)
        vol = music[0].get("vol", 100) if music else None
        if vol is None or not _close(vol, expectation.volume):
            found.append(Mismatch("volume", f"{_show(expectation.volume)}%",
                                  "no music" if vol is None else f"{_show(vol)}%"))
    if expectation.motion is not None:
        segment = video_segment(draft)
        motion = segment.get("motion") if segment else None
        for key, wanted in sorted(expectation.motion.items()):
            got = motion.get(key) if isinstance(motion, dict) else None
            if not _close(got, wanted):
                found.append(Mismatch(f"motion.{key}", wanted, got))
    return found


def explain(mismatches: list[Mismatch], state: Snapshot) -> str:
    """The failures on one line (what a summary quotes), then the draft they were checked against."""
    draft = json.dumps(draft_of(state), sort_keys=True, ensure_ascii=False)
    return "; ".join(str(m) for m in mismatches) + f"\n  draft: {draft}"


def _in_order(wanted: list[str], present: list[Any]) -> bool:
    it = iter(present)
    return all(any(w == p for p in it) for w in wanted)


def _close(got: Any, want: Any) -> bool:
    if isinstance(want, bool) or isinstance(got, bool):
        return bool(got == want)
    if isinstance(want, int | float) and isinstance(got, int | float):
        return math.isclose(got, want, rel_tol=1e-6, abs_tol=1e-6)
    if isinstance(want, list | tuple) and isinstance(got, list | tuple):
        return len(want) == len(got) and all(_close(g, w) for g, w in zip(got, want, strict=True))
    return bool(got == want)


def _ms(value: Any) -> str:
    return f"{value}ms" if isinstance(value, int | float) else "none"


def _show(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)
