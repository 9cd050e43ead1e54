"""Session state snapshots, their RFC 6902 diffs, and a one-line account of what a diff changed (pure).

The engine fetches ``GET …/state/…/latest`` after every action; the ``state`` object of that envelope is the
snapshot. Diffs are JSON Patches (jsonpatch) from one snapshot to the next, so a journal line says exactly
what a step did, and ``describe`` turns one into words for a stream that closed without text.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from .api.models import motion_words

Json = Any
Snapshot = dict[str, Any]
PatchOps = list[dict[str, Any]]

VIDEO, AUDIO, TEXT = 0, 1, 7
TRACK_KINDS = {"video": VIDEO, "audio": AUDIO, "text": TEXT}


def snapshot(envelope_data: Mapping[str, Any]) -> Snapshot:
    """The comparable state of a session from the ``data`` of a state envelope (a deep copy).

    Accepts the documented ``{"session_id", "task_id", "state": {...}}`` and, for robustness, a bare state.
    """
    state = envelope_data.get("state", envelope_data)
    if not isinstance(state, Mapping):
        return {}
    return copy.deepcopy(dict(state))


def diff(before: Snapshot, after: Snapshot) -> PatchOps:
    """RFC 6902 operations that turn ``before`` into ``after`` (empty when nothing changed).

    Computed here, not by jsonpatch's ``make_patch``: goldens record these operations byte for byte, and
    that library's choice of operations changes between its releases (1.33 and 1.48 describe one inserted
    track differently). The rule is plain: objects key by key, arrays index by index over their common
    length, then the extra items removed from the end or added at it; a value of another JSON type, or
    another scalar, is replaced.
    """
    ops: PatchOps = []
    _diff(before, after, "", ops)
    return ops


def _diff(a: Any, b: Any, path: str, ops: PatchOps) -> None:
    if isinstance(a, dict) and isinstance(b, dict):
        for key in a:
            if key not in b:
                ops.append({"op": "remove", "path": f"{path}/{_escape(key)}"})
        for key in a:
            if key in b:
                _diff(a[key], b[key], f"{path}/{_escape(key)}", ops)
        for key in b:
            if key not in a:
                ops.append({"op": "add", "path": f"{path}/{_escape(key)}", "value": copy.deepcopy(b[key])})
    elif isinstance(a, list) and isinstance(b, list):
        common = min(len(a), len(b))
        for i in range(common):
            _diff(a[i], b[i], f"{path}/{i}", ops)
        for i in range(len(a) - 1, common - 1, -1):  # from the end, so each index is still there
            ops.append({"op": "remove", "path": f"{path}/{i}"})
        for i in range(common, len(b)):
            ops.append({"op": "add", "path": f"{path}/{i}", "value": copy.deepcopy(b[i])})
    elif type(a) is not type(b) or a != b:  # JSON tells 1 from 1.0 and from true; Python's == does not
        ops.append({"op": "replace", "path": path, "value": copy.deepcopy(b)})


def _escape(key: str) -> str:
    """A key as one JSON Pointer token (RFC 6901)."""
    return str(key).replace("~", "~0").replace("/", "~1")


def draft_of(state: Mapping[str, Any]) -> dict[str, Any]:
    draft = state.get("draft")
    return draft if isinstance(draft, dict) else {}


def segments(draft: Mapping[str, Any], track_type: int) -> list[dict[str, Any]]:
    """Every segment of every track of one type, in timeline order (by start, then track order)."""
    found: list[dict[str, Any]] = []
    for track in draft.get("t") or []:
        if isinstance(track, dict) and track.get("tt") == track_type:
            found.extend(s for s in track.get("sg") or [] if isinstance(s, dict))
    return sorted(found, key=lambda s: s.get("st", 0) if isinstance(s.get("st", 0), int | float) else 0)


def video_segment(draft: Mapping[str, Any]) -> dict[str, Any] | None:
    """The active (first) video segment, which carries the source image and its motion."""
    video = segments(draft, VIDEO)
    return video[0] if video else None


def describe(before: Snapshot, after: Snapshot) -> str:
    """What changed between two snapshots, in words: ``motion set zoom 1→1.1, pan -0.05; text added "Sale"``.

    Returns ``"nothing changed"`` for equal snapshots. Unknown changes are counted, not spelled out.
    """
    if before == after:
        return "nothing changed"
    b, a = draft_of(before), draft_of(after)
    parts: list[str] = []
    vb, va = video_segment(b) or {}, video_segment(a) or {}
    if vb.get("src") != va.get("src") and va.get("src"):
        parts.append(f"image set to {va.get('name') or _basename(str(va['src']))}")
    mb, ma = vb.get("motion"), va.get("motion")
    if mb != ma:
        if not ma:
            parts.append("motion removed")
        else:
            parts.append(f"motion {motion_words(ma) if isinstance(ma, dict) else ma}")
    if b.get("d") != a.get("d") and a.get("d") is not None:
        parts.append(f"duration {_seconds(b.get('d'))}→{_seconds(a.get('d'))}")
    mb_meta, ma_meta = b.get("m") or {}, a.get("m") or {}
    platform = ma_meta.get("platform") if mb_meta.get("platform") != ma_meta.get("platform") else None
    on = f" for {platform}" if isinstance(platform, str) else ""
    if mb_meta.get("aspect") != ma_meta.get("aspect") and ma_meta.get("aspect"):
        parts.append(f"aspect {mb_meta.get('aspect') or '?'}→{ma_meta.get('aspect')}{on}")
    elif on:  # the same ratio, now for a platform (its safe zone)
        parts.append(f"aspect {ma_meta.get('aspect') or '9:16'}{on}")
    tb = [s.get("text") for s in segments(b, TEXT)]
    ta = [s.get("text") for s in segments(a, TEXT)]
    parts += [f'text added "{t}"' for t in ta if t not in tb]
    parts += [f'text removed "{t}"' for t in tb if t not in ta]
    sb, sa = segments(b, AUDIO), segments(a, AUDIO)
    if sb != sa:
        if not sa:
            parts.append("music removed")
        else:
            music = sa[0]
            src = str(music.get("src", ""))
            what = f"{src.removeprefix('mood:')} mood" if src.startswith("mood:") else _basename(src)
            parts.append(f"music {what} at {_num(music.get('vol', 100))}%")
    if not parts:  # nothing this summary knows by name: say which fields, as a person can look them up
        fields = sorted({op["path"] for op in diff(before, after)})
        parts.append("changed " + ", ".join(fields[:3]) + (f" and {len(fields) - 3} more" if len(fields) > 3
                                                             else ""))
    return "; ".join(parts)


def _num(v: Json) -> str:
    if isinstance(v, float):
        text = f"{v:.4f}".rstrip("0")
        return text + "0" if text.endswith(".") else text  # 1.0 stays "1.0", as the API writes it
    return str(v)


def _seconds(ms: Json) -> str:
    return f"{ms / 1000:g}s" if isinstance(ms, int | float) else "?"


def _basename(src: str) -> str:
    return src.rstrip("/").rsplit("/", 1)[-1].split("?", 1)[0] or src
