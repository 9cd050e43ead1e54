"""Edits of the music, the titles and the clip, set or relative ("quieter", "bigger", "a bit earlier",
"move it up"). Pure; each returns an ``Edit`` whose reply says what changed from what, and keeps every
other setting of the thing as it was (the music's mood, volume and fades; a title's place, time, size,
colour and content).
"""

from __future__ import annotations

import copy
import math
from typing import Any

from ... import safezones
from .. import drafts
from ..drafts import Draft
from .canonical import MOODS
from .edit import Answer, Ask, Edit, fmt, seconds
from .edit_words import DEGREE_INDEX, STEPS

MAX_VOLUME = 200.0  # specs/draft.schema.json
DEFAULT_FADE_MS = 2000
DEFAULT_TEXT_FADE_MS = 500
# The renderer's size for a title that names none (mock_server/render/text.py; a test keeps them equal).
DEFAULT_TEXT_SIZE = 64
TEXT_SIZES = (8, 400)  # specs/draft.schema.json
CLIP_LIMITS_MS = (1000, 600_000)  # a clip of at least a second; recipes cap durations at 10 minutes
_MIN_TEXT_MS = 500


def _step(name: str, degree: str | None) -> float:
    return STEPS[name][DEGREE_INDEX[degree]]


# --- the music ------------------------------------------------------------------------------------------

def _music(draft: Draft) -> tuple[Draft, dict[str, Any]]:
    out = copy.deepcopy(draft)
    track = drafts.track(out, drafts.AUDIO)
    if track is None or not track.get("sg"):
        raise Ask("There is no music yet: say for example \"add calm music at 30%\".")
    return out, track["sg"][0]


def volume(draft: Draft, sign: int, degree: str | None, points: float | None = None,
           value: float | None = None, factor: float | None = None) -> Edit:
    """Set the volume (``value``), or louder or quieter by ``points``, a ``factor``, or a step (never
    below half the current volume in one step, so quieter stays audible)."""
    out, seg = _music(draft)
    old = float(seg.get("vol", 100))
    if value is not None:
        new = value
    elif factor is not None:
        new = old * factor
    else:
        step = points if points is not None else _step("volume", degree)
        new = old + step if sign > 0 else max(old - step, old / 2)
    new = round(min(max(new, 0.0), MAX_VOLUME), 1)
    if new == old:
        if value is not None:
            raise Ask(f"The music is already at {fmt(old)}%.")
        raise Ask(f"The music is already at {fmt(old)}%, as {'loud' if sign > 0 else 'quiet'} as it goes.")
    seg["vol"] = new
    word = "louder" if new > old else "quieter"
    summary = (f"Set the music volume to {fmt(new)}% (was {fmt(old)}%)." if value is not None
               else f"Made the music {word}: {fmt(old)}% → {fmt(new)}%.")
    return Edit(out, summary, ("music",))


def mood(draft: Draft, wanted: str) -> Edit:
    """Another bundled bed, everything else kept; ``next`` is the mood after the current one."""
    out, seg = _music(draft)
    old = seg.get("name", "")
    if wanted == "next":
        wanted = MOODS[(MOODS.index(old) + 1) % len(MOODS)] if old in MOODS else MOODS[0]
    if seg.get("src") == f"mood:{wanted}":
        raise Ask(f"The music is already {wanted}.")
    seg["src"], seg["name"] = f"mood:{wanted}", wanted
    return Edit(out, f"Changed the music to {wanted} (was {old}), kept at {fmt(seg.get('vol', 100))}%.",
                ("music",))


def fade(draft: Draft, which: str, ms: int | None, sign: int = 0, degree: str | None = None) -> Edit:
    """The music's fade in (``fi``) or out (``fo``): set, longer or shorter by a step (``sign``), or
    removed (``ms`` 0)."""
    out, seg = _music(draft)
    key, word = ("fi", "in") if which == "in" else ("fo", "out")
    old = int(seg.get(key, 0))
    limit = max(0, int(seg.get("d", drafts.duration(draft))) // 2)
    if ms is None:
        ms = DEFAULT_FADE_MS if not sign or not old else old + sign * round(_step("fade", degree) * 1000)
    ms = max(0, min(ms, limit))
    if ms == old:
        raise Ask(f"The music already fades {word} over {seconds(ms)}." if ms else
                  f"The music has no fade {word}.")
    if ms:
        seg[key] = ms
        was = f" (was {seconds(old)})" if old else ""
        summary = f"The music now fades {word} over {seconds(ms)}{was}."
    else:
        seg.pop(key, None)
        summary = f"Removed the music's fade {word}."
    return Edit(out, summary, ("music",))


def music_start(draft: Draft, ms: int) -> Edit:
    out, seg = _music(draft)
    clip = drafts.duration(draft)
    if not 0 <= ms < clip:
        raise Ask(f"The clip is {seconds(clip)} long: the music cannot start at {seconds(ms)}.")
    old = int(seg.get("st", 0))
    seg["st"], seg["d"] = ms, clip - ms
    return Edit(out, f"The music now starts at {seconds(ms)} (was {seconds(old)}).", ("music",))


# --- the titles -----------------------------------------------------------------------------------------

def _text(draft: Draft, text_id: str) -> tuple[Draft, dict[str, Any]]:
    out = copy.deepcopy(draft)
    track = drafts.track(out, drafts.TEXT)
    for seg in track["sg"] if track else []:
        if seg.get("id") == text_id:
            return out, seg
    raise Ask("That title is no longer on the timeline.")


def _name(seg: dict[str, Any]) -> str:
    return f'"{seg.get("text", "")}"'


def size(draft: Draft, text_id: str, sign: int, degree: str | None, px: int | None = None,
         factor: float | None = None) -> Edit:
    out, seg = _text(draft, text_id)
    old = int(seg.get("size", DEFAULT_TEXT_SIZE))
    if px is None:
        k = factor if factor is not None else _step("size", degree)
        px = round(old * k) if factor is not None or sign > 0 else round(old / k)
    new = min(max(px, TEXT_SIZES[0]), TEXT_SIZES[1])
    if new == old:
        raise Ask(f"{_name(seg)} is already {old} px" + ("." if px == old else ", the limit."))
    seg["size"] = new
    word = "bigger" if new > old else "smaller"
    return Edit(out, f"Made {_name(seg)} {word}: {old} px → {new} px.", (f"text:{text_id}",))


def colour(draft: Draft, text_id: str, hex_colour: str, name: str) -> Edit:
    out, seg = _text(draft, text_id)
    old = seg.get("color", "#FFFFFF")
    if old.upper() == hex_colour.upper():
        raise Ask(f"{_name(seg)} is already {name}.")
    seg["color"] = hex_colour
    return Edit(out, f"Coloured {_name(seg)} {name} ({hex_colour}, was {old}).", (f"text:{text_id}",))


def content(draft: Draft, text_id: str, new: str) -> Edit:
    out, seg = _text(draft, text_id)
    old = seg.get("text", "")
    if not new.strip():
        raise Ask("The new text is empty: say what the title should read.")
    seg["text"] = new
    return Edit(out, f'Changed the title {_name({"text": old})} to "{new}".', (f"text:{text_id}",))


def box(draft: Draft, text_id: str, on: bool) -> Edit:
    out, seg = _text(draft, text_id)
    if bool(seg.get("box", False)) == on:
        raise Ask(f"{_name(seg)} already has {'a' if on else 'no'} box behind it.")
    if on:
        seg["box"] = True
    else:
        seg.pop("box", None)
    return Edit(out, f"{'Added a box behind' if on else 'Removed the box behind'} {_name(seg)}.",
                (f"text:{text_id}",))


def text_fade(draft: Draft, text_id: str, ms: int) -> Edit:
    out, seg = _text(draft, text_id)
    if ms:
        seg["fade"] = ms
        return Edit(out, f"{_name(seg)} now fades in and out over {seconds(ms)}.", (f"text:{text_id}",))
    seg.pop("fade", None)
    return Edit(out, f"{_name(seg)} no longer fades.", (f"text:{text_id}",))


def timing(draft: Draft, text_id: str, start_ms: int | None = None, length_ms: int | None = None,
           end_ms: int | None = None) -> Edit:
    """A title's time on screen: a new start (its length kept), length, end, or all of them."""
    out, seg = _text(draft, text_id)
    clip = drafts.duration(draft)
    old_st, old_d = int(seg.get("st", 0)), int(seg.get("d", 0))
    st = old_st if start_ms is None else start_ms
    if not 0 <= st < clip:
        raise Ask(f"The clip is {seconds(clip)} long: {_name(seg)} cannot appear at {seconds(st)}.")
    d = old_d if length_ms is None else length_ms
    if end_ms is not None:
        d = end_ms - st
    if d <= 0:
        raise Ask(f"{_name(seg)} would end before it starts ({seconds(st)}).")
    d = min(d, clip - st)
    if (st, d) == (old_st, old_d):
        raise Ask(f"{_name(seg)} is already shown from {seconds(st)} for {seconds(d)}.")
    seg["st"], seg["d"] = st, d
    return Edit(out, f"{_name(seg)} now shows from {seconds(st)} for {seconds(d)} "
                f"(was from {seconds(old_st)} for {seconds(old_d)}).", (f"text:{text_id}",))


def shift_time(draft: Draft, text_id: str, sign: int, degree: str | None, ms: int | None = None) -> Edit:
    """Earlier or later by a step (or ``ms``), keeping its length as far as the clip allows."""
    _, seg = _text(draft, text_id)
    step = ms if ms is not None else round(_step("text_time", degree) * 1000)
    start = max(0, int(seg.get("st", 0)) + sign * step)
    if sign > 0:
        start = min(start, drafts.duration(draft) - _MIN_TEXT_MS)
    return timing(draft, text_id, start_ms=start, length_ms=int(seg.get("d", 0)))


def stretch(draft: Draft, text_id: str, sign: int, degree: str | None, ms: int | None = None) -> Edit:
    """On screen longer or shorter by a step (or ``ms``)."""
    _, seg = _text(draft, text_id)
    step = ms if ms is not None else round(_step("text_time", degree) * 1000)
    return timing(draft, text_id, length_ms=max(_MIN_TEXT_MS, int(seg.get("d", 0)) + sign * step))


def _zone(draft: Draft) -> safezones.SafeZone:
    meta = draft.get("m", {})
    table = safezones.table()
    if meta.get("platform") in table["platforms"]:
        return safezones.zone(table["platforms"][meta["platform"]], meta["platform"])
    aspect = meta.get("aspect", "9:16")
    return safezones.zone(table["aspects"].get(aspect, table["aspects"]["9:16"]), aspect)


def _block(draft: Draft, seg: dict[str, Any], zone: safezones.SafeZone) -> tuple[float, float]:
    """A generous estimate of the title's width and height as fractions of the frame (the renderer wraps
    it to the safe zone), so a nudged title stays inside the zone whatever the font measures."""
    meta = draft.get("m", {})
    width, height = float(meta.get("width", 1080)), float(meta.get("height", 1920))
    px = float(seg.get("size", DEFAULT_TEXT_SIZE)) * min(width, height) / 1080
    text = str(seg.get("text", ""))
    ems = sum(1.0 if not c.isascii() else 0.62 for c in text) * px
    room = width * (1 - zone.left - zone.right)
    lines = max(1, math.ceil(ems / room)) + text.count("\n")
    return min(ems, room) / width, (lines * 1.3 + 0.6) * px / height


def _centre(draft: Draft, seg: dict[str, Any], zone: safezones.SafeZone) -> tuple[float, float]:
    pos = seg.get("pos", "bottom")
    if not isinstance(pos, str):
        return float(pos[0]), float(pos[1])
    _, h = _block(draft, seg, zone)
    y = {"top": zone.top + h / 2, "center": 0.5, "bottom": 1 - zone.bottom - h / 2}[pos]
    return 0.5, y


def _where(pos: Any) -> str:
    return f"the {pos}" if isinstance(pos, str) else f"x {fmt(pos[0] * 100)}% y {fmt(pos[1] * 100)}%"


def move(draft: Draft, text_id: str, way: str, degree: str | None, fraction: float | None = None) -> Edit:
    """Nudge a title up, down, left or right by a step of the frame, kept inside the safe zone."""
    out, seg = _text(draft, text_id)
    zone = _zone(draft)
    w, h = _block(draft, seg, zone)
    x, y = _centre(draft, seg, zone)
    step = fraction if fraction is not None else _step("position", degree)
    dx, dy = {"up": (0, -step), "down": (0, step), "left": (-step, 0), "right": (step, 0)}[way]
    margin = 0.01
    x_range = (zone.left + w / 2 + margin, 1 - zone.right - w / 2 - margin)
    y_range = (zone.top + h / 2 + margin, 1 - zone.bottom - h / 2 - margin)
    if x_range[0] > x_range[1]:
        x_range = (0.5, 0.5)
    if y_range[0] > y_range[1]:
        raise Ask(f"{_name(seg)} fills the safe zone's height: make it smaller to move it.")
    nx = round(min(max(x + dx, x_range[0]), x_range[1]), 3)
    ny = round(min(max(y + dy, y_range[0]), y_range[1]), 3)
    if (nx - x) * dx <= 0 and (ny - y) * dy <= 0:  # already at the zone's edge that way (or past it)
        raise Answer(f"{_name(seg)} is already as far {way} as the safe zone of {zone.label} allows.")
    old = seg.get("pos", "bottom")
    seg["pos"] = [nx, ny]
    return Edit(out, f"Moved {_name(seg)} {way}: {_where(old)} → {_where(seg['pos'])}.", (f"text:{text_id}",))


def place(draft: Draft, text_id: str, pos: str | list[float]) -> Edit:
    out, seg = _text(draft, text_id)
    old = seg.get("pos", "bottom")
    if old == pos:
        raise Ask(f"{_name(seg)} is already at {_where(pos)}.")
    seg["pos"] = pos
    return Edit(out, f"Moved {_name(seg)} to {_where(pos)} (was {_where(old)}).", (f"text:{text_id}",))


def remove_text(draft: Draft, text_id: str) -> Edit:
    out, seg = _text(draft, text_id)
    track = drafts.track(out, drafts.TEXT)
    assert track is not None
    track["sg"] = [s for s in track["sg"] if s.get("id") != text_id]
    out["t"] = [t for t in out["t"] if t.get("tt") != drafts.TEXT or t.get("sg")]
    return Edit(out, f"Removed the title {_name(seg)}.", (f"text:{text_id}",))


# --- the clip -------------------------------------------------------------------------------------------

def clip_length(draft: Draft, sign: int, degree: str | None, ms: int | None = None,
                factor: float | None = None, value_ms: int | None = None) -> Edit:
    """The clip's duration: set, times ``factor``, or longer or shorter by ``ms`` or a step."""
    old = drafts.duration(draft)
    if value_ms is not None:
        new = value_ms
    elif factor is not None:
        new = round(old * factor)
    else:
        new = old + sign * (ms if ms is not None else round(_step("clip", degree) * 1000))
    new = min(max(new, CLIP_LIMITS_MS[0]), CLIP_LIMITS_MS[1])
    if new == old:
        raise Ask(f"The clip is already {seconds(old)} long" + ("." if value_ms == old else
                                                                ", as far as it goes."))
    out = drafts.set_duration(draft, new)
    lost = [t for t in _texts(draft) if t not in _texts(out)]
    word = "longer" if new > old else "shorter"
    summary = f"Made the clip {word}: {seconds(old)} → {seconds(new)}."
    if lost:
        summary += " Dropped " + ", ".join(f'"{t}"' for t in lost) + ", which started after the new end."
    return Edit(out, summary, ("clip",))


def _texts(draft: Draft) -> list[str]:
    return drafts.texts(draft)
