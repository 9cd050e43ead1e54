"""The camera path of a video segment: motion values → one affine map per frame (pure, no pixels).

Coordinates are continuous pixel coordinates with (0, 0) at the top-left *corner* of the top-left pixel and
y pointing down, so a map can be applied at any resolution of the same picture (see ``frames.py``). The
direction convention is specs/motion.md: pan/tilt move the camera (content moves the other way), positive
roll turns the camera clockwise (content turns counter-clockwise), zoom scales about the focus point.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from .errors import RenderInputError

Matrix = npt.NDArray[np.float64]

EASINGS = ("linear", "ease-in", "ease-out", "ease-in-out")
DEFAULT_EASING = "ease-in-out"

# Samples of progress used to find the extra zoom that covers the whole path; between two samples a
# corner moves far less than a pixel, and the result gets a small safety margin on top.
_COVER_SAMPLES = 1025
_COVER_MARGIN = 1.0005
# Beyond this the picture would be a blur of a few source pixels: a move that needs more is refused
# rather than rendered with a border.
_MAX_EXTRA_ZOOM = 8.0


def ease(easing: str, p: float) -> float:
    """Eased progress for linear progress ``p`` in [0, 1]; exactly 0 at 0 and exactly 1 at 1.

    Polynomials rather than trigonometry, so the end values are exact in floating point.
    """
    p = min(1.0, max(0.0, p))
    if easing == "linear":
        return p
    if easing == "ease-in":
        return p * p
    if easing == "ease-out":
        return 1.0 - (1.0 - p) * (1.0 - p)
    if easing == "ease-in-out":
        return p * p * (3.0 - 2.0 * p)
    raise RenderInputError(f"unknown easing {easing!r}; use one of {', '.join(EASINGS)}")


@dataclass(frozen=True)
class Motion:
    """A segment's camera move, as the draft's ``motion`` object states it (specs/motion.md)."""

    zoom: tuple[float, float] = (1.0, 1.0)
    pan: tuple[float, float] = (0.0, 0.0)
    roll: tuple[float, float] = (0.0, 0.0)
    focus: tuple[float, float] = (0.5, 0.5)
    easing: str = DEFAULT_EASING
    duration_ms: int | None = None

    @classmethod
    def from_draft(cls, motion: Mapping[str, Any] | None, *, where: str = "motion") -> Motion:
        """Read a draft ``motion`` object (or null → a still camera).

        Raises:
            RenderInputError: for values the renderer cannot follow (zoom ≤ 0, focus outside 0..1, …).
        """
        if motion is None:
            return cls()
        if not isinstance(motion, Mapping):
            raise RenderInputError(f"{where}: expected an object or null, got {type(motion).__name__}")

        def pair(key: str, default: tuple[float, float]) -> tuple[float, float]:
            value = motion.get(key)
            if value is None:
                return default
            if (
                not isinstance(value, list | tuple)
                or len(value) != 2
                or not all(isinstance(v, int | float) and math.isfinite(v) for v in value)
            ):
                raise RenderInputError(f"{where}.{key}: expected two numbers, got {value!r}")
            return (float(value[0]), float(value[1]))

        zoom = pair("zoom", (1.0, 1.0))
        if min(zoom) <= 0:
            raise RenderInputError(f"{where}.zoom: zoom factors must be > 0, got {list(zoom)}")
        focus = pair("focus", (0.5, 0.5))
        if not all(0.0 <= v <= 1.0 for v in focus):
            raise RenderInputError(f"{where}.focus: x and y must be within 0..1, got {list(focus)}")
        easing = motion.get("easing") or DEFAULT_EASING
        if easing not in EASINGS:
            raise RenderInputError(f"{where}.easing: unknown {easing!r}; use one of {', '.join(EASINGS)}")
        duration = motion.get("d")
        if duration is not None and (not isinstance(duration, int | float) or duration < 0):
            raise RenderInputError(f"{where}.d: expected a length in ms ≥ 0, got {duration!r}")
        return cls(
            zoom=zoom,
            pan=pair("pan", (0.0, 0.0)),
            roll=pair("roll", (0.0, 0.0)),
            focus=focus,
            easing=str(easing),
            duration_ms=None if duration is None else int(duration),
        )


def frame_progress(frame: int, move_frames: int) -> float:
    """Linear progress of frame ``frame`` (0-based) of a move lasting ``move_frames`` frames.

    The first frame is exactly 0 and the move's last frame exactly 1; later frames hold at 1.
    """
    if move_frames <= 1:
        return 1.0 if frame > 0 or move_frames == 1 else 0.0
    return min(1.0, frame / (move_frames - 1))


@dataclass(frozen=True)
class CameraPath:
    """The camera of one segment over a source picture of ``source_size`` and an output of ``output_size``.

    ``extra_zoom`` is the least constant zoom (≥ 1 unless the path needs none) that keeps every frame of
    the path covered by the picture, so pans and rolls never show a border.
    """

    motion: Motion
    source_size: tuple[float, float]
    output_size: tuple[int, int]
    extra_zoom: float

    @property
    def cover_scale(self) -> float:
        """Output pixels per source pixel at zoom 1 (the source fitted by cover)."""
        return cover_scale(self.source_size, self.output_size)

    def max_scale(self) -> float:
        """The largest output-per-source pixel ratio along the path (to reduce big sources once)."""
        return self.cover_scale * max(self.motion.zoom) * self.extra_zoom

    def min_scale(self) -> float:
        """The smallest output-per-source pixel ratio along the path (frames shrink the picture most)."""
        return self.cover_scale * min(self.motion.zoom) * self.extra_zoom

    def matrix(self, progress: float) -> Matrix:
        """The 2×3 forward affine map, source → output, at linear progress ``progress`` in [0, 1]."""
        return _forward(self.motion, self.source_size, self.output_size, self.extra_zoom, progress)

    def rescaled(self, source_size: tuple[float, float]) -> CameraPath:
        """The same path over a resized copy of the source (the extra zoom depends only on shapes)."""
        return CameraPath(self.motion, source_size, self.output_size, self.extra_zoom)


def cover_scale(source_size: tuple[float, float], output_size: tuple[int, int]) -> float:
    """The scale that fits the source to the output by cover (fills it, the excess cropped equally)."""
    return max(output_size[0] / source_size[0], output_size[1] / source_size[1])


def camera_path(
    motion: Motion, source_size: tuple[float, float], output_size: tuple[int, int], *, where: str = "motion"
) -> CameraPath:
    """The camera path of ``motion`` with its extra zoom solved so that no frame shows a border.

    Raises:
        RenderInputError: covering the path would take more than 8× extra zoom (``where`` names it).
    """
    extra = _covering_zoom(motion, source_size, output_size)
    if extra > _MAX_EXTRA_ZOOM:
        raise RenderInputError(
            f"{where}: this pan, roll or zoom-out would need {extra:.1f}× extra zoom to keep the picture "
            f"filling the frame (at most {_MAX_EXTRA_ZOOM:g}×); use a smaller pan, roll or zoom-out"
        )
    return CameraPath(motion, source_size, output_size, extra)


def _pose_arrays(
    motion: Motion, progress: npt.NDArray[np.float64]
) -> tuple[
    npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.float64]
]:
    eased = np.array([ease(motion.easing, float(p)) for p in progress])
    zoom = motion.zoom[0] + (motion.zoom[1] - motion.zoom[0]) * eased
    roll = np.radians(motion.roll[0] + (motion.roll[1] - motion.roll[0]) * eased)
    # The pan travels its whole amount over the move, centred on the rest position so that the
    # extra zoom needed to cover it is as small as possible (half the travel on each side).
    shift = eased - 0.5
    return zoom, roll, shift * motion.pan[0], shift * motion.pan[1]


def _forward(
    motion: Motion,
    source_size: tuple[float, float],
    output_size: tuple[int, int],
    extra_zoom: float,
    progress: float,
) -> Matrix:
    zoom, roll, pan_x, pan_y = (float(a[0]) for a in _pose_arrays(motion, np.array([progress])))
    w, h = source_size
    out_w, out_h = output_size
    s0 = cover_scale(source_size, output_size)
    fx, fy = motion.focus[0] * w, motion.focus[1] * h
    cx, cy = out_w / 2.0, out_h / 2.0
    # q = C + E·R·(s0·(f − c) + s0·z·(src − f)) − T: zoom about the focus (which sits where the cover fit
    # puts it), the roll R about the frame centre, the extra zoom E, then the camera's travel T in screen
    # pixels, so that a pan of a moves the content by exactly a × the frame size, along the screen axes.
    cos, sin = math.cos(roll), math.sin(roll)
    # A clockwise camera turns the content counter-clockwise on screen; with y down that is this matrix.
    rot = np.array([[cos, sin], [-sin, cos]])
    linear = extra_zoom * s0 * zoom * rot
    inner = np.array([s0 * (fx - w / 2.0) - s0 * zoom * fx, s0 * (fy - h / 2.0) - s0 * zoom * fy])
    offset = np.array([cx - pan_x * out_w, cy - pan_y * out_h]) + extra_zoom * rot @ inner
    return np.hstack([linear, offset[:, None]])


def _covering_zoom(motion: Motion, source_size: tuple[float, float], output_size: tuple[int, int]) -> float:
    # For each sampled pose, a frame corner q maps back to src = a + b/E, where a = f − (f − c)/z is the
    # source point at the frame centre before pan, and b = R^T·(q − C + T)/(s0·z). Staying inside
    # [0, w]×[0, h] bounds 1/E linearly, so the least E is exact: the largest |b| / room over all of them.
    w, h = source_size
    out_w, out_h = output_size
    s0 = cover_scale(source_size, output_size)
    zoom, roll, pan_x, pan_y = _pose_arrays(motion, np.linspace(0.0, 1.0, _COVER_SAMPLES))
    fx, fy = motion.focus[0] * w, motion.focus[1] * h
    ax = fx - (fx - w / 2.0) / zoom
    ay = fy - (fy - h / 2.0) / zoom
    need = np.ones_like(zoom)
    for qx, qy in (
        (-out_w / 2, -out_h / 2),
        (out_w / 2, -out_h / 2),
        (-out_w / 2, out_h / 2),
        (out_w / 2, out_h / 2),
    ):
        tx, ty = qx + pan_x * out_w, qy + pan_y * out_h
        bx = (np.cos(roll) * tx - np.sin(roll) * ty) / (s0 * zoom)
        by = (np.sin(roll) * tx + np.cos(roll) * ty) / (s0 * zoom)
        for a, b, size in ((ax, bx, w), (ay, by, h)):
            room = np.where(b > 0, size - a, a)
            with np.errstate(divide="ignore", invalid="ignore"):
                ratio = np.where(np.abs(b) > 1e-12, np.abs(b) / np.maximum(room, 1e-9), 0.0)
            need = np.maximum(need, ratio)
    extra = float(need.max())
    return 1.0 if extra <= 1.0 else extra * _COVER_MARGIN
