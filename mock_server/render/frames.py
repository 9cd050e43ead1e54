"""Frames in YUV 4:2:0 (NV12): a picture converted once, then warped plane by plane for every frame.

Warping Y at full and interleaved U/V at half resolution straight from pre-converted planes costs 1.5
bytes per pixel and no per-frame colour conversion; OpenCV runs without the GIL, so frames are made on one
core while the encoder works on the other. NV12 rather than I420 because one two-channel chroma warp costs
about half of two one-channel ones, and x264 keeps chroma interleaved internally anyway.

Most camera moves (zoom, pan, tilt: no roll) are axis-aligned maps, and for those a separable
``cv2.resize`` is 2–3× cheaper than ``cv2.warpAffine``. Resize fixes the sub-pixel phase of its
sampling grid (output pixel j samples ``(j + 0.5)·a − 0.5``), so the renderer picks, among the first
``_PHASES`` output columns/rows it could crop away, the one whose phase lands within ``_MAX_PHASE_ERROR``
of the wanted position, and crops the source at the matching integer offset. When no phase is close
enough (scales that are simple fractions) or the map rotates, it falls back to ``cv2.warpAffine``.

Bilinear sampling aliases (moiré, shimmer) once a frame shrinks the picture well below 1:1. Big zooms
therefore get a pyramid of half-size levels made by area averaging. A level is used down to a scale of
``_BLEND_END``; between ``_BLEND_START`` and ``_BLEND_END`` frames blend it with the next level, so the
switch never shows as a jump in sharpness and no level is sampled much below 0.55.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from .camera import Matrix

Plane = npt.NDArray[np.uint8]

# BT.709, limited range: what H.264 players assume for HD video (the stream is tagged bt709 too).
_KR, _KB = 0.2126, 0.0722
_KG = 1.0 - _KR - _KB
BLACK_YUV = (16, 128, 128)


# Up to this many extra output pixels per axis are computed and cropped away to find a sampling phase.
_PHASES = 96
# The largest sub-pixel error the resize path may make (px of the plane); warpAffine itself quantises
# positions to 1/32 px.
_MAX_PHASE_ERROR = 0.02
# Replicated border around the stored planes (luma px), so that resize crops may start before the
# picture's edge; chroma gets half.
_PAD = 2 * _PHASES
# Output px per source px where a level starts blending with the next, half-size one, and where the next
# takes over alone (it then samples at twice that, 1.1).
_BLEND_START = 0.8
_BLEND_END = 0.55


@dataclass(frozen=True)
class YuvPicture:
    """A picture as two padded planes: Y (H×W) and interleaved UV (H/2×W/2×2), plus its true size in Y px.

    The planes carry a replicated border of ``pad`` (luma) / ``pad // 2`` (chroma) pixels.
    """

    y_padded: Plane
    uv_padded: Plane
    pad: int
    size: tuple[float, float]
    coarser: YuvPicture | None = None  # the same picture at half the size, for strong minification

    @property
    def y(self) -> Plane:
        return _inner(self.y_padded, self.pad)

    @property
    def uv(self) -> Plane:
        return _inner(self.uv_padded, self.pad // 2)


def _inner(padded: Plane, pad: int) -> Plane:
    return padded[pad:-pad, pad:-pad] if pad else padded


def rgb_to_yuv_planes(rgb: npt.NDArray[np.uint8]) -> tuple[Plane, Plane, Plane]:
    """BT.709 limited-range Y, U, V planes of an even-sized RGB array (chroma averaged over 2×2 blocks)."""
    height, width = rgb.shape[:2]
    full = rgb.astype(np.float32)
    luma = full @ np.array([_KR, _KG, _KB], dtype=np.float32)
    y = 16.0 + luma * (219.0 / 255.0)
    half = cv2.resize(full, (width // 2, height // 2), interpolation=cv2.INTER_AREA)
    half_luma = half @ np.array([_KR, _KG, _KB], dtype=np.float32)
    u = 128.0 + (half[..., 2] - half_luma) * (224.0 / 255.0 / (2.0 * (1.0 - _KB)))
    v = 128.0 + (half[..., 0] - half_luma) * (224.0 / 255.0 / (2.0 * (1.0 - _KR)))
    y8, u8, v8 = (np.clip(np.rint(p), 0, 255).astype(np.uint8) for p in (y, u, v))
    return y8, u8, v8


def yuv_picture(
    rgb: npt.NDArray[np.uint8], size: tuple[float, float], *, min_scale: float = 1.0
) -> YuvPicture:
    """Convert an even-sized RGB picture once, for warping many frames from it.

    ``min_scale`` is the smallest output-per-source scale the frames will use; below ``_BLEND_START`` a
    pyramid of half-size levels is built down to it.
    """
    y, u, v = rgb_to_yuv_planes(rgb)
    pads = ((y, _PAD), (np.dstack([u, v]), _PAD // 2))
    y_pad, uv_pad = (
        np.asarray(cv2.copyMakeBorder(p, n, n, n, n, cv2.BORDER_REPLICATE), dtype=np.uint8) for p, n in pads
    )
    coarser = None
    height, width = rgb.shape[:2]
    if min_scale < _BLEND_START and min(height, width) >= 64:
        half = np.asarray(cv2.resize(rgb, (width // 2, height // 2), interpolation=cv2.INTER_AREA), np.uint8)
        half = np.pad(half, ((0, half.shape[0] % 2), (0, half.shape[1] % 2), (0, 0)), mode="edge")
        coarser = yuv_picture(half, (size[0] / 2, size[1] / 2), min_scale=min_scale * 2)
    return YuvPicture(y_pad, uv_pad, _PAD, size, coarser)


def yuv_to_rgb(y: Plane, u: Plane, v: Plane) -> npt.NDArray[np.uint8]:
    """RGB of BT.709 limited-range planes (chroma upsampled); for contact sheets and tests."""
    height, width = y.shape
    uu = cv2.resize(u, (width, height), interpolation=cv2.INTER_LINEAR).astype(np.float32) - 128.0
    vv = cv2.resize(v, (width, height), interpolation=cv2.INTER_LINEAR).astype(np.float32) - 128.0
    yy = (y.astype(np.float32) - 16.0) * (255.0 / 219.0)
    scale = 255.0 / 224.0
    r = yy + vv * scale * 2.0 * (1.0 - _KR)
    b = yy + uu * scale * 2.0 * (1.0 - _KB)
    g = (yy - _KR * r - _KB * b) / _KG
    rgb: npt.NDArray[np.uint8] = np.clip(np.rint(np.dstack([r, g, b])), 0, 255).astype(np.uint8)
    return rgb


def _plane_map(forward: Matrix, source_scale: float, output_scale: float) -> Matrix:
    # The inverse map from output pixel *indices* of a plane to source indices of the matching plane.
    # Continuous x = (index + 0.5) / plane_scale, so pixel centres line up at every plane resolution.
    linear, offset = forward[:, :2], forward[:, 2]
    inv_linear = np.linalg.inv(linear)
    inv_offset = -inv_linear @ offset
    # index_s = ((Ainv · ((index_d + 0.5) / k_d) + b_inv) · k_s) − 0.5
    mat = inv_linear * (source_scale / output_scale)
    off = (inv_linear @ np.array([0.5, 0.5]) / output_scale + inv_offset) * source_scale - 0.5
    return np.hstack([mat, off[:, None]])


def warp_into(
    picture: YuvPicture,
    forward: Matrix,
    y_out: Plane,
    uv_out: Plane,
    *,
    interpolation: int = cv2.INTER_LINEAR,
) -> None:
    """Warp ``picture`` by the forward map (continuous source → output coordinates) into the given planes.

    Writes in place (the planes may be views into an encoder's frame buffer). Edges replicate rather than
    show black, as the camera path never needs more than half a pixel beyond the picture. Bilinear
    axis-aligned maps take the resize path; strong minification blends pyramid levels (see the module
    docstring).
    """
    scale = math.sqrt(abs(float(np.linalg.det(forward[:, :2]))))
    if picture.coarser is None or scale >= _BLEND_START:
        _warp_level(picture, forward, (y_out, uv_out), interpolation)
        return
    # The next level's share grows evenly in log scale across the band.
    weight = min(1.0, math.log2(_BLEND_START / scale) / math.log2(_BLEND_START / _BLEND_END))
    coarse_forward = np.hstack([forward[:, :2] * 2.0, forward[:, 2:]])
    if weight >= 1.0:
        warp_into(picture.coarser, coarse_forward, y_out, uv_out, interpolation=interpolation)
        return
    _warp_level(picture, forward, (y_out, uv_out), interpolation)
    y_next, uv_next = np.empty_like(y_out), np.empty_like(uv_out)
    warp_into(picture.coarser, coarse_forward, y_next, uv_next, interpolation=interpolation)
    for out, other in ((y_out, y_next), (uv_out, uv_next)):
        cv2.addWeighted(out, 1.0 - weight, other, weight, 0.0, dst=out)


def _warp_level(
    picture: YuvPicture, forward: Matrix, targets: tuple[Plane, Plane], interpolation: int
) -> None:
    planes = (
        (picture.y_padded, picture.pad, targets[0], 1.0),
        (picture.uv_padded, picture.pad // 2, targets[1], 0.5),
    )
    for padded, pad, target, scale in planes:
        inverse = _plane_map(forward, scale, scale)
        if interpolation == cv2.INTER_LINEAR and _resize_into(padded, pad, inverse, target):
            continue
        cv2.warpAffine(
            _inner(padded, pad),
            inverse,
            (target.shape[1], target.shape[0]),
            dst=target,
            flags=interpolation | cv2.WARP_INVERSE_MAP,
            borderMode=cv2.BORDER_REPLICATE,
        )


def _phase(scale: float, offset: float) -> tuple[int, int] | None:
    # Output index j of a resize of a crop starting at integer c samples c + (j + 0.5)·scale − 0.5.
    # Wanted: output index i = j − k samples i·scale + offset, so c + (k + 0.5)·scale − 0.5 = offset.
    ks = np.arange(_PHASES + 1)
    starts = offset + 0.5 - (ks + 0.5) * scale
    crops = np.rint(starts)
    errors = np.abs(starts - crops)
    best = int(np.argmin(errors))
    if errors[best] > _MAX_PHASE_ERROR:
        return None
    return best, int(crops[best])


def _resize_into(padded: Plane, pad: int, inverse: Matrix, target: Plane) -> bool:
    """Fill ``target`` by one ``cv2.resize`` if ``inverse`` is axis-aligned and a phase fits; else False."""
    if abs(inverse[0, 1]) > 1e-12 or abs(inverse[1, 0]) > 1e-12:
        return False
    scale_x, scale_y = float(inverse[0, 0]), float(inverse[1, 1])
    if scale_x <= 0 or scale_y <= 0:
        return False
    across = _phase(scale_x, float(inverse[0, 2]) + pad)
    down = _phase(scale_y, float(inverse[1, 2]) + pad)
    if across is None or down is None:
        return False
    (skip_x, left), (skip_y, top) = across, down
    out_h, out_w = target.shape[:2]
    width = int(np.ceil((skip_x + out_w) * scale_x)) + 2
    height = int(np.ceil((skip_y + out_h) * scale_y)) + 2
    if left < 0 or top < 0 or left + width > padded.shape[1] or top + height > padded.shape[0]:
        return False
    # dsize (0, 0) with fx/fy: OpenCV then samples with exactly 1/fx, not a ratio of integer sizes.
    resized = cv2.resize(
        padded[top : top + height, left : left + width],
        (0, 0),
        fx=1.0 / scale_x,
        fy=1.0 / scale_y,
        interpolation=cv2.INTER_LINEAR,
    )
    if resized.shape[0] < skip_y + out_h or resized.shape[1] < skip_x + out_w:
        return False
    target[...] = resized[skip_y : skip_y + out_h, skip_x : skip_x + out_w]
    return True


@dataclass
class FrameBuffer:
    """One frame's planes laid out contiguously as NV12: Y (H×W), then interleaved UV (H/2×W/2×2)."""

    data: Plane
    width: int
    height: int

    @classmethod
    def allocate(cls, width: int, height: int) -> FrameBuffer:
        return cls(np.empty((height * 3 // 2, width), dtype=np.uint8), width, height)

    def planes(self) -> tuple[Plane, Plane]:
        """Writable views of Y and of UV (interleaved) into the buffer."""
        w, h = self.width, self.height
        return self.data[:h], self.data[h:].reshape(h // 2, w // 2, 2)

    def fill(self, yuv: tuple[int, int, int]) -> None:
        y, uv = self.planes()
        y.fill(yuv[0])
        uv[..., 0] = yuv[1]
        uv[..., 1] = yuv[2]

    def to_rgb(self) -> npt.NDArray[np.uint8]:
        """The frame as RGB (for gif and contact sheets)."""
        y, uv = self.planes()
        return yuv_to_rgb(y, uv[..., 0], uv[..., 1])
