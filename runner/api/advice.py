"""Advice that can work, for the failures whose cure depends on what the API said.

A refusal of the request as sent (a draft value out of range) is cured by changing the value, never by
trying again; a damaged media file by replacing the file; a render node's hiccup by running again. The
API says which in words, so these are read from its message. Pure functions; the tables are data.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

# Track types and segment fields of the short-key draft (specs/draft.schema.json), in a person's words.
TRACK_NAMES = {0: "video", 1: "music (audio)", 7: "text"}
FIELD_NAMES = {
    "vol": "volume in percent", "fo": "fade-out in ms", "fi": "fade-in in ms", "st": "start in ms",
    "d": "length in ms",
    "src": "source file", "name": "file name", "text": "text", "pos": "position", "size": "font size in px",
    "color": "colour", "box": "box", "fade": "fade in ms", "zoom": "zoom [start, end]",
    "pan": "pan [dx, dy]", "roll": "roll [start, end] in degrees", "focus": "focus [x, y]",
    "easing": "easing", "aspect": "aspect ratio", "width": "width", "height": "height", "fps": "frame rate",
}

_DRAFT_PATH = re.compile(r"draft invalid at (/[^\s:]*)")
# A render's reason that names a place in the draft (draft.t[1].sg[0].text, draft.m.platform) is about the
# draft's content, which the same draft will always fail on.
_DRAFT_PLACE = re.compile(r"\bdraft(\.t\[\d+\]|\.m\b|:)")
# How the API (and the mock's renderer) describe a media file it could not decode.
_DAMAGED = re.compile(r"not a (readable|decodable)|cannot (read|decode|identify)|truncated|corrupt|damaged|"
                      r"no audio stream|stream is empty|broken data stream|image file is", re.IGNORECASE)
_REFUSED_MEDIA = re.compile(r"(image|music|audio|video) (\S+?):", re.IGNORECASE)


def draft_field(path: str, draft: Mapping[str, Any] | None = None) -> str:
    """``/t/1/sg/0/vol`` → ``"the music (audio) track's volume in percent (/t/1/sg/0/vol)"``.

    The track's kind is read from ``draft`` when given (the path holds only its index).
    """
    parts = [p for p in path.strip("/").split("/") if p]
    words: list[str] = []
    if len(parts) >= 2 and parts[0] == "t" and parts[1].isdigit():
        tracks = draft.get("t") if isinstance(draft, Mapping) else None
        track = tracks[int(parts[1])] if isinstance(tracks, list) and int(parts[1]) < len(tracks) else None
        tt = track.get("tt") if isinstance(track, Mapping) else None
        kind = TRACK_NAMES.get(tt) if isinstance(tt, int) else None
        words.append(f"the {kind} track's" if kind else f"track {parts[1]}'s")
    named = [FIELD_NAMES[p] for p in parts if p in FIELD_NAMES and p not in ("t", "sg")]
    if named:
        words.append(named[-1])
    elif parts and not words:
        words.append(f"field {parts[-1]}")
    described = " ".join(words) or "the draft"
    return f"{described} ({path})"


def refused_request_hint(message: str, draft: Mapping[str, Any] | None = None) -> str:
    """The hint for a 4xx refusal: what to change (retrying the same request cannot help, so never that)."""
    match = _DRAFT_PATH.search(message)
    if match:
        return (f"the API refuses this value of {draft_field(match.group(1), draft)}, so retrying cannot "
                "help: change the recipe value that sets it (the bounds are in specs/draft.schema.json), "
                "then run again")
    if "nothing to render" in message:
        return "upload an image and add a motion step before the export"
    return "the API refuses the request as sent, so retrying cannot help: change what its message names"


def is_damaged_media(message: str) -> bool:
    """Whether the API's words say a media file could not be decoded (damaged or cut short)."""
    return _DAMAGED.search(message) is not None


def damaged_file_hint(which: str, futile: str) -> str:
    """Replace the file; ``futile`` names what would not help ("re-rendering", "another file type")."""
    return (f"{which} is damaged or cut short, so {futile} cannot help: check that it opens completely "
            "(`ffprobe -v error FILE` prints nothing for a good file, or open it in a viewer) and replace "
            "it with a good copy, then run again")


def render_failure_hint(reason: str) -> str:
    """The hint for a render that ran and failed: fix the file, fix the draft, or (a node's hiccup) rerun."""
    if reason == "cancelled" or reason.endswith(": cancelled"):
        return "the render was cancelled on the server; run again to render it anew"
    if is_damaged_media(reason):
        media = _REFUSED_MEDIA.search(reason)
        which = f"the {media.group(1).lower()} file {media.group(2)}" if media else "an uploaded file"
        return damaged_file_hint(which, "re-rendering")
    match = _DRAFT_PATH.search(reason)
    if match:
        return refused_request_hint(reason)
    if _DRAFT_PLACE.search(reason):
        return ("the renderer cannot draw this part of the draft as it stands, so running again cannot help: "
                "change the recipe step that sets it, as the reason says")
    if re.search(r"over the \d+ ?MB limit|too large", reason, re.IGNORECASE):
        return "use a smaller file (compress or scale it down), then run again"
    return ("probably a passing failure of the render service: run again (finished steps are kept; "
            "--resume continues the run); if it fails the same way, check the draft with "
            "`motionctl state SESSION_ID`")
