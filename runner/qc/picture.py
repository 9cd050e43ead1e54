"""Picture faults: a blank picture, black stretches, frozen stretches, bars burnt in, corrupt lines at the
frame's edges.

Black looks at every frame (tiny thumbnails), outside the text the recipe puts on screen (a black video with
its captions drawn is still a black video); blank does the same for frames with no texture at all (a flat
grey or white clip, which the motion checks cannot follow and so leave unchecked). Frozen compares the
measured camera with the asked one: a stretch where the picture stays put while the asked move shifts it by
pixels is a freeze; a hold the recipe asks for (after a move's ``duration``, or no motion at all) is not.
Bars and corrupt lines look at the outermost rows and columns at full resolution, where a renderer's padding
or a wrongly strided buffer shows: a bar is a run of black lines (cropdetect's rule), a corrupt band is a
few lines that differ from the line next to them far more than image lines differ from each other (the 4:5
renders' green/magenta rows).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence

import numpy as np

from .estimate import Pose
from .footage import Edges, Luma
from .model import Path, distance
from .tolerances import TOLERANCES as TOL
from .verdict import Check, judged, not_checked


def _stretches(flags: Sequence[bool]) -> list[tuple[int, int]]:
    out, start = [], None
    for i, flag in enumerate([*flags, False]):
        if flag and start is None:
            start = i
        elif not flag and start is not None:
            out.append((start, i))
            start = None
    return out


def black(tiny: Sequence[Luma], fps: float, text_rows: Callable[[int, int], np.ndarray | None]) -> Check:
    """No stretch of black frames (ignoring the rows text is drawn on)."""
    flags = []
    for i, frame in enumerate(tiny):
        rows = text_rows(i, frame.shape[0])
        pixels = frame if rows is None else frame[rows]
        flags.append(pixels.size > 0 and float((pixels <= TOL.black_luma).mean()) >= TOL.black_share)
    minimum = max(1, round(TOL.black_min_s * fps))
    found = [(a, b) for a, b in _stretches(flags) if b - a >= minimum]
    asked = f"no black stretch of {TOL.black_min_s:g} s or more"
    if not found:
        return judged(True, "picture.black", "none", asked)
    a, b = found[0]
    more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
    return judged(
        False,
        "picture.black",
        f"black {a / fps:.2f}–{b / fps:.2f} s{more}",
        asked,
        start=a / fps,
        end=b / fps,
    )


def spread(pixels: np.ndarray) -> float:
    """How far the picture's brighter pixels are from its darker ones: luma's 5th to 95th percentile."""
    low, high = np.percentile(pixels, [5, 95])
    return float(high - low)


def blank(
    tiny: Sequence[Luma], text_rows: Callable[[int, int], np.ndarray | None], image_flat: bool
) -> Check:
    """Not a textureless picture over most of the clip (ignoring the rows text is drawn on): the asked
    image has texture, so a clip without any lost it."""
    if image_flat:
        return not_checked("picture.blank", "the asked image has no texture itself")
    if not tiny:
        return not_checked("picture.blank", "no frame decoded")
    flags = []
    for i, frame in enumerate(tiny):
        rows = text_rows(i, frame.shape[0])
        pixels = frame if rows is None else frame[rows]
        flags.append(pixels.size > 0 and spread(pixels) <= TOL.blank_spread)
    share = sum(flags) / len(flags)
    asked = f"a picture with texture in over {(1 - TOL.blank_share) * 100:g}% of the frames"
    measured = f"blank in {sum(flags)} of {len(flags)} frames" if any(flags) else "none"
    return judged(share <= TOL.blank_share, "picture.blank", measured, asked, share=share)


def frozen(poses: Sequence[Pose], path: Path) -> Check:
    """No stretch where the picture stays put while the asked move would shift it."""
    known = [p for p in poses if p.matrix is not None]
    if len(known) < 2:
        return not_checked("picture.frozen", "the motion could not be measured")
    stuck: list[tuple[int, int]] = []
    for a, b in itertools.pairwise(known):
        assert a.matrix is not None and b.matrix is not None
        moved = distance(a.matrix, b.matrix, path.size)
        wanted = distance(path.pose(a.index), path.pose(b.index), path.size)
        if moved < TOL.freeze_still_px and wanted > TOL.freeze_moving_px:
            stuck.append((a.index, b.index))
    merged: list[list[int]] = []
    for first, last in stuck:
        if merged and merged[-1][1] == first:
            merged[-1][1] = last
        else:
            merged.append([first, last])
    asked = (
        f"the picture moving wherever the asked move shifts it by over {TOL.freeze_moving_px:g} px "
        f"(a hold after the move is not a freeze)"
    )
    long = [(s, e) for s, e in merged if (e - s) / path.fps >= TOL.freeze_min_s]
    if not long:
        return judged(True, "picture.frozen", "none", asked)
    start, end = long[0]
    return judged(
        False,
        "picture.frozen",
        f"still {start / path.fps:.2f}–{end / path.fps:.2f} s",
        asked,
        start=start / path.fps,
        end=end / path.fps,
    )


_SIDES = ("top", "bottom", "left", "right")


def bars(edges: Sequence[Edges]) -> Check:
    """The picture reaches every edge: no run of black lines along one in every sampled frame."""
    asked = f"the picture reaching every edge (fewer than {TOL.bars_lines} black lines)"
    if not edges:
        return not_checked("picture.bars", "no frame decoded")
    worst = {}
    for side in _SIDES:
        runs = []
        for e in edges:
            luma = getattr(e, side)[0]
            dark = luma.max(axis=1) <= TOL.bars_luma
            runs.append(int(np.argmin(np.append(dark, False))))
        worst[side] = min(runs)
    side = max(worst, key=lambda s: worst[s])
    if worst[side] < TOL.bars_lines:
        return judged(True, "picture.bars", "none", asked)
    lines = f"{worst[side]}+" if worst[side] >= len(getattr(edges[0], side)[0]) else str(worst[side])
    return judged(False, "picture.bars", f"{lines} black lines along the {side} edge", asked, side=side)


def _jumps(plane: np.ndarray) -> np.ndarray:
    """Mean absolute difference between each line and the next one in (line 0 is the outermost)."""
    lines = plane.astype(np.int16)
    return np.asarray(np.abs(np.diff(lines, axis=0)).mean(axis=1), dtype=np.float64)


def corrupt_edges(edges: Sequence[Edges]) -> Check:
    """No band of a few lines at an edge that breaks sharply from the picture next to it."""
    asked = "the outermost lines continuing the picture (no band that breaks from it)"
    if not edges:
        return not_checked("picture.edges", "no frame decoded")
    found: dict[str, int] = {}
    for side in _SIDES:
        hits = 0
        for e in edges:
            planes = getattr(e, side)
            bad = False
            for n, plane in enumerate(planes):
                jumps = _jumps(plane)
                outer = 4 if n == 0 else 2  # the lines a band may cover (chroma is at half resolution)
                inner = float(np.median(jumps[outer:])) if jumps.size > outer else 0.0
                peak = float(jumps[:outer].max())
                if peak >= TOL.edge_jump and peak >= TOL.edge_ratio * max(inner, 1.0):
                    bad = True
            hits += bad
        if hits * 2 > len(edges):
            found[side] = hits
    if not found:
        return judged(True, "picture.edges", "none", asked)
    sides = ", ".join(found)
    return judged(
        False,
        "picture.edges",
        f"a band breaking from the picture along the {sides} edge "
        f"in {max(found.values())} of {len(edges)} sampled frames",
        asked,
        sides=list(found),
    )
