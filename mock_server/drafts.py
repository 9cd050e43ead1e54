"""Pure edits of the short-key draft (specs/draft.schema.json). Every function returns a new draft.

Tracks are kept in a stable order (video 0, audio 1, text 7) and segment ids are derived from what is
already there ("v1", "a1", "x1", "x2" …), so the same instructions always give the same draft.
"""

from __future__ import annotations

import copy
from typing import Any

Draft = dict[str, Any]
Segment = dict[str, Any]

VIDEO, AUDIO, TEXT = 0, 1, 7
DEFAULT_DURATION_MS = 5000
ASPECT_SIZES = {"9:16": (1080, 1920), "1:1": (1080, 1080), "4:5": (1080, 1350), "16:9": (1920, 1080)}
_ID_PREFIX = {VIDEO: "v", AUDIO: "a", TEXT: "x"}
_ORDER = {VIDEO: 0, AUDIO: 1, TEXT: 2}


def new_draft(title: str = "project") -> Draft:
    """An empty timeline: 9:16 at 1080x1920, 30 fps, 5 s."""
    width, height = ASPECT_SIZES["9:16"]
    return {"t": [], "d": DEFAULT_DURATION_MS,
            "m": {"title": title, "width": width, "height": height, "aspect": "9:16", "fps": 30}}


def canvas_config(draft: Draft) -> dict[str, Any]:
    """The state's ``canvas_config``: the draft's frame size and aspect."""
    meta = draft.get("m", {})
    return {"width": meta.get("width", 1080), "height": meta.get("height", 1920),
            "aspect_ratio": meta.get("aspect", "9:16")}


def duration(draft: Draft) -> int:
    return int(draft.get("d", DEFAULT_DURATION_MS))


def track(draft: Draft, tt: int) -> dict[str, Any] | None:
    """The first track of type ``tt``, or ``None``."""
    return next((t for t in draft.get("t", []) if t.get("tt") == tt), None)


def video_segment(draft: Draft) -> Segment | None:
    """The active video segment (the first of the video track), or ``None`` before any upload."""
    t = track(draft, VIDEO)
    return t["sg"][0] if t and t.get("sg") else None


def _next_id(draft: Draft, tt: int) -> str:
    prefix = _ID_PREFIX.get(tt, "s")
    used = {sg.get("id") for t in draft.get("t", []) for sg in t.get("sg", [])}
    n = 1
    while f"{prefix}{n}" in used:
        n += 1
    return f"{prefix}{n}"


def _put_track(draft: Draft, new: dict[str, Any]) -> None:
    tracks = [t for t in draft.get("t", []) if t.get("tt") != new["tt"]]
    tracks.append(new)
    tracks.sort(key=lambda t: _ORDER.get(t.get("tt", 99), 3))
    draft["t"] = tracks


def set_source(draft: Draft, src: str, name: str, *, keep_motion: bool) -> Draft:
    """Make ``src`` the video segment's source; motion is reset unless ``keep_motion``."""
    out = copy.deepcopy(draft)
    seg = video_segment(out)
    if seg is None:
        seg = {"id": _next_id(out, VIDEO), "st": 0, "d": duration(out), "src": src, "name": name,
               "motion": None}
        _put_track(out, {"tt": VIDEO, "sg": [seg]})
    else:
        seg["src"], seg["name"] = src, name
        if not keep_motion:
            seg["motion"] = None
    return out


def set_motion(draft: Draft, motion: dict[str, Any] | None) -> Draft:
    """Replace the video segment's motion (``None`` removes it). The draft must have a video segment."""
    out = copy.deepcopy(draft)
    seg = video_segment(out)
    if seg is None:
        raise ValueError("no video segment")
    seg["motion"] = motion
    return out


def set_duration(draft: Draft, ms: int) -> Draft:
    """Set the draft, video and music length; texts are clamped to it and dropped if they start after."""
    out = copy.deepcopy(draft)
    out["d"] = ms
    for t in out.get("t", []):
        if t.get("tt") in (VIDEO, AUDIO):
            for sg in t.get("sg", []):
                sg["d"] = max(0, ms - int(sg.get("st", 0)))
        elif t.get("tt") == TEXT:
            kept = []
            for sg in t.get("sg", []):
                if int(sg.get("st", 0)) < ms:
                    sg["d"] = min(int(sg.get("d", 0)), ms - int(sg["st"]))
                    kept.append(sg)
            t["sg"] = kept
    out["t"] = [t for t in out.get("t", []) if t.get("tt") != TEXT or t.get("sg")]
    return out


def set_aspect(draft: Draft, aspect: str, platform: str | None = None) -> Draft:
    """Set ``m.aspect``, the frame size (1080 px on the short side) and ``m.platform`` (dropped if None)."""
    out = copy.deepcopy(draft)
    width, height = ASPECT_SIZES[aspect]
    meta = out.setdefault("m", {})
    meta.update({"aspect": aspect, "width": width, "height": height})
    if platform is None:
        meta.pop("platform", None)
    else:
        meta["platform"] = platform
    return out


def add_text(draft: Draft, text: str, start_ms: int, length_ms: int, pos: str | list[float],
             size: int | None = None, color: str | None = None, safe: bool = True) -> Draft:
    """Append a text segment, clamped to the draft's duration (``safe=False``: outside the safe zone too)."""
    out = copy.deepcopy(draft)
    seg: Segment = {"id": _next_id(out, TEXT), "st": start_ms,
                    "d": max(0, min(length_ms, duration(out) - start_ms)), "text": text, "pos": pos}
    if size is not None:
        seg["size"] = size
    if color is not None:
        seg["color"] = color
    if not safe:
        seg["safe"] = False
    t = track(out, TEXT)
    if t is None:
        _put_track(out, {"tt": TEXT, "sg": [seg]})
    else:
        t["sg"].append(seg)
    return out


def texts(draft: Draft) -> list[str]:
    t = track(draft, TEXT)
    return [sg.get("text", "") for sg in t["sg"]] if t else []


def remove_text(draft: Draft, content: str | None) -> Draft:
    """Drop the text segments with ``content`` (every one if ``None``); an empty text track goes too."""
    out = copy.deepcopy(draft)
    for t in out.get("t", []):
        if t.get("tt") == TEXT:
            t["sg"] = [sg for sg in t["sg"] if content is not None and sg.get("text") != content]
    out["t"] = [t for t in out.get("t", []) if t.get("tt") != TEXT or t.get("sg")]
    return out


def replace_text(draft: Draft, old: str, new: str) -> Draft:
    out = copy.deepcopy(draft)
    for t in out.get("t", []):
        if t.get("tt") == TEXT:
            for sg in t["sg"]:
                if sg.get("text") == old:
                    sg["text"] = new
    return out


def set_music(draft: Draft, src: str, name: str, volume: float) -> Draft:
    """Replace the music track with one bed over the whole draft."""
    out = copy.deepcopy(draft)
    old = track(out, AUDIO)
    seg_id = old["sg"][0]["id"] if old and old.get("sg") else _next_id(out, AUDIO)
    _put_track(out, {"tt": AUDIO, "sg": [{"id": seg_id, "st": 0, "d": duration(out), "src": src,
                                          "name": name, "vol": volume}]})
    return out


def set_volume(draft: Draft, volume: float) -> Draft:
    out = copy.deepcopy(draft)
    t = track(out, AUDIO)
    if t is None:
        raise ValueError("no music")
    for sg in t["sg"]:
        sg["vol"] = volume
    return out


def remove_music(draft: Draft) -> Draft:
    out = copy.deepcopy(draft)
    out["t"] = [t for t in out.get("t", []) if t.get("tt") != AUDIO]
    return out
