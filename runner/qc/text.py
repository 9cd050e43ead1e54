"""Text checks without reading: each text shows in its window and not outside it, where it was asked.

A text overlay appears and disappears in one frame while the picture under it moves smoothly, so the
difference between the frame before it appears and the frame it appears in, with the camera's small step
between them compensated, is the text itself: its box, found in the pixels, whatever the font. That gives
when it appears (and disappears), where it sits (its position, inside the platform's safe zone), and its
pixels, which must stay put through the window. A text shown for the whole clip has no edge: it is found as
the part of the picture that does not move while the camera does. Spelling needs reading: ocr.py, at
--qc full.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from ...safezones import SafeZone, table, zone
from .asked import AskedText
from .estimate import IDENTITY, Luma, Mask, Matrix, fit, inverse, warp
from .tolerances import TOLERANCES as TOL
from .verdict import Check, judged, not_checked

Box = tuple[float, float, float, float]  # left, top, right, bottom in full-resolution px
Colour = tuple[Luma, Luma]  # a frame's U and V planes at the working size
Between = Callable[[int, int], "Matrix | None"]
DEFAULT_SIZE = 64  # px at a 1080 short side, when a text step gives none (specs/draft.schema.json)
# keep_safe: false places top and bottom 2 % from the frame's edge (mock_server/render/layout.py, README).
NO_ZONE = SafeZone(0.02, 0.02, 0.02, 0.02, "the frame")
_DIFF = 36  # a pixel changed by this much (0..255) when the text appeared, motion compensated


def safe_zone(platform: str | None, aspect: str) -> SafeZone:
    """The zone text keeps to: the platform's, else the ratio's (specs/safe-zones.json)."""
    data = table()
    if platform is not None and platform in data["platforms"]:
        return zone(data["platforms"][platform], platform)
    return zone(data["aspects"].get(aspect, data["aspects"]["9:16"]), aspect)


def _wide(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in ("W", "F")


@dataclass(frozen=True)
class Window:
    """One text step on the clip's frames, and where it should be."""

    text: AskedText
    first: int  # the first frame it shows on
    end: int  # the first frame it no longer shows on
    zone: SafeZone  # the zone it keeps to (the frame's 2 % margin with keep_safe off)
    size: tuple[int, int]
    px: float  # its font size in output pixels
    frames: int  # of the clip

    @property
    def whole_clip(self) -> bool:
        return self.first == 0 and self.end >= self.frames

    @property
    def band(self) -> tuple[float, float]:
        """Rows it is expected to cover, generously (a guess from its length: no font is at hand)."""
        w, h = self.size
        left, top, right, bottom = self.zone.box(w, h)
        width = sum(self.px * (1.0 if _wide(c) else 0.56) for c in self.text.content)
        lines = max(1, math.ceil(width / max(1.0, right - left)))
        tall = (lines * 1.3 + 0.6) * self.px * 1.5
        pos = self.text.position
        if pos == "top":
            return top, top + tall
        if pos == "bottom":
            return bottom - tall, bottom
        cy = h / 2 if isinstance(pos, str) else float(pos[1]) * h
        return cy - tall / 2, cy + tall / 2

    @property
    def centre(self) -> tuple[float, float]:
        w = self.size[0]
        top, bottom = self.band
        x = w / 2 if isinstance(self.text.position, str) else float(self.text.position[0]) * w
        return x, (top + bottom) / 2


def windows(
    texts: Sequence[AskedText],
    fps: float,
    frames: int,
    size: tuple[int, int],
    platform: str | None,
    aspect: str,
) -> list[Window]:
    short = min(size)
    out = []
    for t in texts:
        first = math.ceil(t.start_ms * fps / 1000 - 1e-9)
        end = min(frames, math.ceil(t.end_ms * fps / 1000 - 1e-9))
        if end <= first:
            continue
        z = safe_zone(platform, aspect) if t.keep_safe else NO_ZONE
        out.append(Window(t, first, end, z, size, (t.size or DEFAULT_SIZE) * short / 1080, frames))
    return out


def frames_needed(wins: Sequence[Window], frames: int) -> set[int]:
    """Frames the text checks look at: around each edge, and the middle of each window."""
    need: set[int] = set()
    for w in wins:
        for edge in (w.first, w.end):
            if 0 < edge < frames:
                need.update(i for i in range(edge - 2, edge + 2) if 0 <= i < frames)
        need.add((w.first + w.end - 1) // 2)
        need.update({w.first, max(w.first, w.end - 1)})
    if any(w.first == 0 and w.end >= frames for w in wins):
        need.update({0, frames - 1})
    return need


def mask_for(wins: Sequence[Window], index: int, work: tuple[int, int], scale: float) -> Mask | None:
    """The working-size mask without the rows of every text shown on frame ``index`` (255: usable)."""
    shown = [w for w in wins if w.first <= index < w.end]
    if not shown:
        return None
    mask = np.full((work[1], work[0]), 255, np.uint8)
    for w in shown:
        top, bottom = w.band
        mask[max(0, int(top * scale)) : max(0, math.ceil(bottom * scale)), :] = 0
    return mask


@dataclass(frozen=True)
class Edge:
    """A text appearing (or disappearing) between two frames: where, how strongly, and its pixels."""

    frame: int  # the first frame of the new state
    box: Box
    contrast: float  # mean change over the text's pixels
    ink: Mask  # working-size mask of the pixels that changed (the text)


def _changed(a: Luma, b: Luma, band_mask: Mask | None, colour: tuple[Colour | None, Colour | None],
             known: Matrix | None) -> tuple[Mask, Luma]:
    """Pixels of ``b`` that differ from ``a`` once the camera's step between them is undone, and by how
    much: in brightness or, where the frames' colour is at hand, in colour (a yellow emoji on a pale sky
    barely changes the brightness)."""
    matrix, _ = fit(a, b, band_mask)
    if matrix is None:  # too few points between the two: the camera's step as the motion check measured it
        matrix = known if known is not None else IDENTITY
    diff = np.asarray(cv2.absdiff(warp(a, matrix), b), dtype=np.uint8)
    ca, cb = colour
    if ca is not None and cb is not None:
        for pa, pb in zip(ca, cb, strict=True):
            chroma = cv2.absdiff(warp(pa, matrix), pb).astype(np.uint16) * 2
            diff = np.maximum(diff, np.minimum(chroma, 255).astype(np.uint8))
    changed = np.where(diff >= _DIFF, 255, 0).astype(np.uint8)
    changed = np.asarray(cv2.morphologyEx(changed, cv2.MORPH_OPEN, np.ones((2, 2), np.uint8)), dtype=np.uint8)
    return changed, diff


@dataclass(frozen=True)
class Block:
    """Changed pixels joined across a letter's gap: a word, a line or a whole text (working pixels)."""

    x0: int
    y0: int
    x1: int
    y1: int
    area: int  # changed pixels in it
    contrast: float  # their mean change

    @property
    def weight(self) -> float:
        return self.area * self.contrast


def _blocks(changed: Mask, diff: Luma, px_work: float) -> list[Block]:
    k = max(3, int(px_work * 0.6))
    joined = cv2.dilate(changed, np.ones((max(1, k // 2), k), np.uint8))
    count, labels, stats, _ = cv2.connectedComponentsWithStats(joined, connectivity=8)
    out = []
    for n in range(1, count):
        x, y, w, h, _ = stats[n]
        inside = (labels[y : y + h, x : x + w] == n) & (changed[y : y + h, x : x + w] > 0)
        area = int(inside.sum())
        if area >= max(6.0, px_work * px_work * 0.15):
            out.append(Block(int(x), int(y), int(x + w), int(y + h), area,
                             float(diff[y : y + h, x : x + w][inside].mean())))
    return out


def _text_of(blocks: list[Block], px_work: float) -> list[Block]:
    """The blocks of one text: the strongest, and those lined up with it (a line above or below, as
    strong), not the stray change of a picture the camera step left behind."""
    if not blocks:
        return []
    main = max(blocks, key=lambda b: b.weight)
    chosen = [main]
    grown = True
    while grown:
        grown = False
        top, bottom = min(b.y0 for b in chosen), max(b.y1 for b in chosen)
        left, right = min(b.x0 for b in chosen), max(b.x1 for b in chosen)
        for b in blocks:
            near = b.y0 <= bottom + 1.5 * px_work and b.y1 >= top - 1.5 * px_work
            overlaps = b.x0 <= right + 3 * px_work and b.x1 >= left - 3 * px_work
            if b not in chosen and near and overlaps and b.contrast >= 0.6 * main.contrast:
                chosen.append(b)
                grown = True
    return chosen


def _edge(
    win: Window,
    peers: Sequence[Window],
    kept: Mapping[int, Luma],
    colour: Mapping[int, Colour],
    scale: float,
    at: int,
    masks: Mapping[int, Mask | None],
    between: Between,
) -> Edge | None:
    """The strongest change in ``win``'s part of the frame within a frame of edge ``at``."""
    best: Edge | None = None
    px_work = win.px * scale
    for frame in (at, at - 1, at + 1):
        a, b = kept.get(frame - 1), kept.get(frame)
        if a is None or b is None:
            continue
        changed, diff = _changed(a, b, masks.get(frame), (colour.get(frame - 1), colour.get(frame)),
                                 between(frame - 1, frame))
        mine = _text_of(_assign(_blocks(changed, diff, px_work), win, peers, scale), px_work)
        if not mine:
            continue
        x0, y0 = min(b_.x0 for b_ in mine), min(b_.y0 for b_ in mine)
        x1, y1 = max(b_.x1 for b_ in mine), max(b_.y1 for b_ in mine)
        ink = np.zeros_like(changed)
        ink[y0:y1, x0:x1] = changed[y0:y1, x0:x1]
        contrast = float(diff[ink > 0].mean()) if ink.any() else 0.0
        edge = Edge(frame, (x0 / scale, y0 / scale, x1 / scale, y1 / scale), contrast, ink)
        if best is None or edge.contrast * (ink > 0).sum() > best.contrast * (best.ink > 0).sum():
            best = edge
    return best


def _assign(blocks: list[Block], win: Window, peers: Sequence[Window], scale: float) -> list[Block]:
    """The blocks nearer ``win``'s expected place than any other text changing on the same frame."""
    if len(peers) <= 1:
        return blocks

    def nearest(b: Block) -> Window:
        cx, cy = (b.x0 + b.x1) / 2 / scale, (b.y0 + b.y1) / 2 / scale
        return min(peers, key=lambda p: math.hypot(p.centre[0] - cx, p.centre[1] - cy))

    return [b for b in blocks if nearest(b) is win]


def _static(
    win: Window, kept: Mapping[int, Luma], scale: float, frames: int, between: Between
) -> Edge | None:
    """A text shown for the whole clip: what stays put on screen while the camera moves."""
    a, b = kept.get(0), kept.get(frames - 1)
    matrix = between(0, frames - 1)
    if a is None or b is None or matrix is None:
        return None
    # On screen where it was, yet unlike the picture the camera brought there, seen from either end (one
    # side alone would also flag the text's ghost, where the warp carried it).
    moved = np.asarray(cv2.absdiff(warp(a, matrix), b), dtype=np.uint8)
    moved_back = cv2.absdiff(warp(b, inverse(matrix)), a)
    still = cv2.absdiff(a, b) < 12
    changed = np.where(still & (moved >= _DIFF) & (moved_back >= _DIFF), 255, 0).astype(np.uint8)
    changed = np.asarray(cv2.morphologyEx(changed, cv2.MORPH_OPEN, np.ones((2, 2), np.uint8)), dtype=np.uint8)
    top, bottom = win.band
    near = [bl for bl in _blocks(changed, moved, win.px * scale)
            if bl.y1 / scale >= top and bl.y0 / scale <= bottom]
    mine = _text_of(near, win.px * scale)
    if not mine:
        return None
    x0, y0 = min(b_.x0 for b_ in mine), min(b_.y0 for b_ in mine)
    x1, y1 = max(b_.x1 for b_ in mine), max(b_.y1 for b_ in mine)
    ink = np.zeros_like(changed)
    ink[y0:y1, x0:x1] = changed[y0:y1, x0:x1]
    return Edge(0, (x0 / scale, y0 / scale, x1 / scale, y1 / scale), float(moved[ink > 0].mean()), ink)


@dataclass(frozen=True)
class Found:
    window: Window
    appear: Edge | None
    disappear: Edge | None
    whole: Edge | None  # shown for the whole clip
    hold: float | None  # correlation of its pixels mid-window with those where it was found
    moving: bool  # the camera moves (a whole-clip text can only be found then)

    @property
    def box(self) -> Box | None:
        edge = self.appear or self.disappear or self.whole
        return None if edge is None else edge.box


def find(
    wins: Sequence[Window],
    kept: Mapping[int, Luma],
    colour: Mapping[int, Colour],
    scale: float,
    frames: int,
    masks: Mapping[int, Mask | None],
    moving: bool,
    between: Between,
) -> list[Found]:
    """Each text's edges and box; ``between(i, j)`` is the camera's map from frame i to j as the motion
    check measured it (working pixels), for where two frames have too few points of their own."""
    found = []
    for win in wins:
        appear = disappear = whole = None
        if win.first > 0:
            peers = [w for w in wins if win.first in (w.first, w.end)]
            appear = _edge(win, peers, kept, colour, scale, win.first, masks, between)
        if win.end < frames:
            peers = [w for w in wins if win.end in (w.first, w.end)]
            disappear = _edge(win, peers, kept, colour, scale, win.end, masks, between)
        if win.first == 0 and win.end >= frames and moving:
            whole = _static(win, kept, scale, frames, between)
        edge = appear or disappear or whole
        hold = None
        if edge is not None:
            shown_at = edge.frame if edge is appear or edge is whole else edge.frame - 1
            hold = _hold(kept, edge.ink, shown_at, (win.first + win.end - 1) // 2)
        found.append(Found(win, appear, disappear, whole, hold, moving))
    return found


def _hold(kept: Mapping[int, Luma], ink: Mask, a: int, b: int) -> float | None:
    """How alike the text's pixels are on frames ``a`` and ``b`` (1: the same; the text stayed)."""
    fa, fb = kept.get(a), kept.get(b)
    if fa is None or fb is None or not ink.any():
        return None
    pa = fa[ink > 0].astype(np.float64)
    pb = fb[ink > 0].astype(np.float64)
    if pa.std() < 1e-6 or pb.std() < 1e-6:
        return 1.0 if np.abs(pa - pb).mean() < 4 else 0.0
    return float(np.corrcoef(pa, pb)[0, 1])


def _where(box: Box, size: tuple[int, int]) -> str:
    w, h = size
    return (
        f"x {box[0] / w * 100:.0f}..{box[2] / w * 100:.0f}%, "
        f"y {box[1] / h * 100:.0f}..{box[3] / h * 100:.0f}%"
    )


def _asked_place(win: Window) -> tuple[str, float, float, str]:
    """Which edge of the box the position fixes ('top', 'bottom' or 'centre'), its y (px), the box centre's
    x, and the asked position in words."""
    w, h = win.size
    _, top, _, bottom = win.zone.box(w, h)
    pos = win.text.position
    if pos == "top":
        return "top", top, w / 2, f"top: its top on {top / h * 100:.0f}% of the height"
    if pos == "bottom":
        return "bottom", bottom, w / 2, f"bottom: its bottom on {bottom / h * 100:.0f}% of the height"
    if pos == "center":
        return "centre", h / 2, w / 2, "center of the frame"
    assert not isinstance(pos, str)
    x, y = float(pos[0]), float(pos[1])
    return "centre", y * h, x * w, f"centred at {x * 100:g}% {y * 100:g}%"


def checks(found: Sequence[Found], fps: float, scale: float) -> tuple[list[Check], list[dict[str, object]]]:
    out: list[Check] = []
    boxes: list[dict[str, object]] = []
    for f in found:
        out.extend(_text_checks(f, fps, scale))
        if f.box is not None:
            boxes.append(
                {
                    "text": f.window.text.content,
                    "box": [round(v, 1) for v in f.box],
                    "t": round((f.window.first + f.window.end - 1) / 2 / fps, 3),
                    "zone": list(f.window.zone.box(*f.window.size)),
                }
            )
    return out, boxes


def _text_checks(f: Found, fps: float, scale: float) -> list[Check]:
    win = f.window
    subject = f"'{win.text.content}'"
    asked_when = f"shown {win.first / fps:.2f}–{win.end / fps:.2f} s ({win.text.step})"
    box = f.box
    if box is None:
        if win.whole_clip and not f.moving:
            why = "shown for the whole clip over a still picture: only reading finds it (the full level)"
            return [not_checked("text.shown", why, subject)]
        return [judged(False, "text.shown", "not found", asked_when, subject)]
    out: list[Check] = []
    for edge, asked_frame, name, word in (
        (f.appear, win.first, "text.start", "appears"),
        (f.disappear, win.end, "text.end", "disappears"),
    ):
        if not 0 < asked_frame < win.frames:
            continue
        asked_s = asked_frame / fps
        if edge is None or edge.contrast < TOL.text_contrast:
            out.append(judged(False, name, f"nothing {word} at {asked_s:.2f} s", asked_when, subject))
            continue
        off = edge.frame - asked_frame
        out.append(
            judged(
                abs(off) <= TOL.text_time_frames,
                name,
                f"{word} at {edge.frame / fps:.2f} s",
                f"{asked_s:.2f} s ±{TOL.text_time_frames} frame",
                subject,
                measured=edge.frame / fps,
                asked=asked_s,
            )
        )
    if f.hold is not None:
        out.append(
            judged(
                f.hold >= TOL.text_hold,
                "text.shown",
                f"its pixels mid-window match {f.hold:.2f}",
                f"{asked_when}, ≥ {TOL.text_hold:g}",
                subject,
                hold=f.hold,
            )
        )
    out.append(_position(win, box, scale))
    if win.text.keep_safe:
        out.append(_inside(win, box, scale))
    return out


def _position(win: Window, box: Box, scale: float) -> Check:
    w, h = win.size
    edge, y, x, words = _asked_place(win)
    slack = 2 / scale  # the box is measured on working pixels
    measured_y = {"top": box[1], "bottom": box[3], "centre": (box[1] + box[3]) / 2}[edge]
    dy = measured_y - y
    dx = (box[0] + box[2]) / 2 - x
    if not win.text.keep_safe:
        # Placed off the safe zone, a text may be cut off at the frame's edge: only its visible part is
        # there to measure, so the direction it runs off in is not judged.
        dx = 0.0 if box[0] <= slack or box[2] >= w - slack else dx
        dy = 0.0 if box[1] <= slack or box[3] >= h - slack else dy
    ok = abs(dy) <= TOL.text_position * h + slack and abs(dx) <= TOL.text_position * w + slack
    if win.text.position == "center" and not ok:
        # "center" moves only as far as the zone needs: inside the zone and centred horizontally is fine.
        ok = abs(dx) <= TOL.text_position * w + slack and box[1] >= win.zone.box(w, h)[1] - slack
    return judged(
        ok,
        "text.position",
        f"{_where(box, win.size)} (off by {dx:+.0f}, {dy:+.0f} px)",
        f"{words}, within {TOL.text_position * 100:g}%",
        f"'{win.text.content}'",
        box=list(box),
    )


def _inside(win: Window, box: Box, scale: float) -> Check:
    w, h = win.size
    left, top, right, bottom = win.zone.box(w, h)
    slack = TOL.text_zone_px + 2 / scale
    out = max(left - box[0], top - box[1], box[2] - right, box[3] - bottom)
    return judged(
        out <= slack,
        "text.safe_zone",
        _where(box, win.size),
        f"inside the safe zone of {win.zone.label} ({win.zone.describe()})",
        f"'{win.text.content}'",
        outside_px=out,
    )


def crop_box(box: Box, size: tuple[int, int], margin: float) -> tuple[int, int, int, int]:
    """``box`` grown by ``margin`` px and kept inside the frame, as integer pixel bounds."""
    w, h = size
    return (
        max(0, int(box[0] - margin)),
        max(0, int(box[1] - margin)),
        min(w, math.ceil(box[2] + margin)),
        min(h, math.ceil(box[3] + margin)),
    )
