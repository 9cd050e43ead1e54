"""Frames in YUV 4:2:0 (NV12): a picture converted once, then warped plane by plane for every frame.

Warping Y at full and U, V at half resolution straight from pre-converted planes costs 1.5 bytes per pixel
and no per-frame colour conversion; OpenCV runs without the GIL, so frames are made on one core while the
encoder works on the other. The frame hands x264 NV12 (U and V interleaved, as x264 keeps them).

Every plane is warped by ``cv2.warpAffine`` as a one-channel 8-bit image. For those, OpenCV 5 computes
sample positions in floating point, with SIMD: exact to well under 0.01 px, so slow moves glide instead of
stepping, and about 1.2 ms for a 1080×1920 frame's three planes. (Its older path, taken for two-channel
images and by OpenCV 4, rounds positions to 1/32 px and costs twice as much: U and V are therefore warped
apart and interleaved after, for 0.07 ms.)

Bilinear sampling is sharp only near 1:1, so no frame strays far from it. A picture smaller than the
frames need (a 600×400 photo on a 1080×1920 frame is 4.8× up) is enlarged once, plane by plane, with a
better kernel: enlarged by every frame's bilinear warp it came out soft, its JPEG blocks magnified
(bench/upscale.py and bench/quality.py compare the kernels). Shrinking well below 1:1, bilinear sampling
aliases (moiré, shimmer), so big zooms get a pyramid of half-size levels made by area averaging. A level
is used down to a scale of ``_BLEND_END``; between ``_BLEND_START`` and ``_BLEND_END`` frames blend it
with the next level, so the switch never shows as a jump in sharpness and no level is sampled much below
0.55.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import cv2
import numpy as np
import numpy.typing as npt

from .camera import Matrix

Plane = npt.NDArray[np.uint8]

# BT.709, limited range: what H.264 players assume for HD video (the stream is tagged bt709 too).
_KR, _KB = 0.2126, 0.0722
_KG = 1.0 - _KR - _KB
BLACK_YUV = (16, 128, 128)


# Output px per source px where a level starts blending with the next, half-size one, and where the next
# takes over alone (it then samples at twice that, 1.1).
_BLEND_START = 0.8
_BLEND_END = 0.55
# A picture is enlarged once when frames would otherwise enlarge it by more than this.
_ENLARGE_ABOVE = 1.01
# How: bench/quality.py scores the kernels against a supersampled reference.
ENLARGE = cv2.INTER_CUBIC
# The most luma pixels an enlarged picture gets (U and V add half of it): 64 MB of planes at most. Frames
# zoomed in further than that enlarge the rest themselves.
_MAX_ENLARGED_PIXELS = 16_000_000


@dataclass(frozen=True)
class YuvPicture:
    """A picture as planes: Y (H×W), U and V (H/2×W/2).

    ``size`` is the picture's true (width, height) in its own pixels; ``scale`` is how many plane pixels
    stand for one of them along x and y: 1 as loaded, more when a small picture was enlarged, 1/2, 1/4…
    for the pyramid's levels. Planes may carry a replicated last row or column beyond the picture.
    """

    y: Plane
    u: Plane
    v: Plane
    size: tuple[float, float]
    scale: tuple[float, float] = (1.0, 1.0)
    coarser: YuvPicture | None = None  # the same picture at half the scale, for strong minification


# Rows of BT.709 limited range for cv2.transform (the last column is the offset): Y of an RGB pixel, and
# U, V of a 2×2 block's average.
_TO_Y = np.array([[_KR, _KG, _KB, 16.0 * 255.0 / 219.0]], dtype=np.float32) * (219.0 / 255.0)
_U_SCALE = 224.0 / 255.0 / (2.0 * (1.0 - _KB))
_V_SCALE = 224.0 / 255.0 / (2.0 * (1.0 - _KR))
_TO_UV = np.array(
    [[-_KR * _U_SCALE, -_KG * _U_SCALE, (1.0 - _KB) * _U_SCALE, 128.0],
     [(1.0 - _KR) * _V_SCALE, -_KG * _V_SCALE, -_KB * _V_SCALE, 128.0]], dtype=np.float32,
)  # fmt: skip


def rgb_to_yuv_planes(rgb: npt.NDArray[np.uint8]) -> tuple[Plane, Plane, Plane]:
    """BT.709 limited-range Y, U, V planes of an even-sized RGB array (chroma averaged over 2×2 blocks)."""
    height, width = rgb.shape[:2]
    y = np.asarray(cv2.transform(rgb, _TO_Y), dtype=np.uint8)
    half = cv2.resize(rgb, (width // 2, height // 2), interpolation=cv2.INTER_AREA)
    u, v = cv2.split(cv2.transform(half, _TO_UV))
    return y, np.asarray(u, dtype=np.uint8), np.asarray(v, dtype=np.uint8)


def yuv_picture(
    rgb: npt.NDArray[np.uint8],
    size: tuple[float, float],
    *,
    min_scale: float = 1.0,
    max_scale: float = 1.0,
    enlarge: int = ENLARGE,
) -> YuvPicture:
    """Convert an even-sized RGB picture once, for warping many frames from it.

    ``min_scale`` and ``max_scale`` are the smallest and largest output px per picture px the frames will
    use. Above 1, the planes are enlarged once with the ``enlarge`` kernel so that frames sample them at
    1:1 or less; below ``_BLEND_START``, a pyramid of half-size levels is built down to ``min_scale``.
    """
    y, u, v = rgb_to_yuv_planes(rgb)
    height, width = y.shape
    grow = min(max_scale, math.sqrt(_MAX_ENLARGED_PIXELS / (width * height)))
    if grow <= _ENLARGE_ABOVE:
        return _with_pyramid(YuvPicture(y, u, v, size), min_scale)
    chroma = (math.ceil(width * grow / 2), math.ceil(height * grow / 2))
    y = np.asarray(cv2.resize(y, (2 * chroma[0], 2 * chroma[1]), interpolation=enlarge), dtype=np.uint8)
    u, v = (np.asarray(cv2.resize(p, chroma, interpolation=enlarge), dtype=np.uint8) for p in (u, v))
    return _with_pyramid(YuvPicture(y, u, v, size, (2 * chroma[0] / width, 2 * chroma[1] / height)),
                         min_scale)


def _with_pyramid(level: YuvPicture, min_scale: float) -> YuvPicture:
    """``level`` with half-size levels below it until frames at ``min_scale`` sample one at 0.55 or more."""
    if min_scale / min(level.scale) >= _BLEND_START or min(level.y.shape) < 64:
        return level
    coarser = YuvPicture(_even(_halve(level.y)), _halve(level.u), _halve(level.v), level.size,
                         (level.scale[0] / 2, level.scale[1] / 2))
    return replace(level, coarser=_with_pyramid(coarser, min_scale))


def _halve(plane: Plane) -> Plane:
    """Half the plane by area averaging (an odd last row or column is first doubled)."""
    rows, cols = plane.shape
    even = cv2.copyMakeBorder(plane, 0, rows % 2, 0, cols % 2, cv2.BORDER_REPLICATE)
    return np.asarray(cv2.resize(even, ((cols + 1) // 2, (rows + 1) // 2), interpolation=cv2.INTER_AREA),
                      dtype=np.uint8)


def _even(plane: Plane) -> Plane:
    rows, cols = plane.shape
    return np.asarray(cv2.copyMakeBorder(plane, 0, rows % 2, 0, cols % 2, cv2.BORDER_REPLICATE), np.uint8)


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
    show black, as the camera path never needs more than half a pixel beyond the picture. Strong
    minification blends pyramid levels (see the module docstring).
    """
    # The same map from the planes' pixels, which stand for 1/scale of the picture's.
    on_planes = np.hstack([forward[:, :2] / np.asarray(picture.scale), forward[:, 2:]])
    scale = math.sqrt(abs(float(np.linalg.det(on_planes[:, :2]))))
    if picture.coarser is None or scale >= _BLEND_START:
        _warp_level(picture, on_planes, (y_out, uv_out), interpolation)
        return
    # The next level's share grows evenly in log scale across the band.
    weight = min(1.0, math.log2(_BLEND_START / scale) / math.log2(_BLEND_START / _BLEND_END))
    if weight >= 1.0:
        warp_into(picture.coarser, forward, y_out, uv_out, interpolation=interpolation)
        return
    _warp_level(picture, on_planes, (y_out, uv_out), interpolation)
    y_next, uv_next = np.empty_like(y_out), np.empty_like(uv_out)
    warp_into(picture.coarser, forward, y_next, uv_next, interpolation=interpolation)
    for out, other in ((y_out, y_next), (uv_out, uv_next)):
        cv2.addWeighted(out, 1.0 - weight, other, weight, 0.0, dst=out)


def _warp_level(
    picture: YuvPicture, forward: Matrix, targets: tuple[Plane, Plane], interpolation: int
) -> None:
    y_out, uv_out = targets
    flags = interpolation | cv2.WARP_INVERSE_MAP
    cv2.warpAffine(picture.y, _plane_map(forward, 1.0, 1.0), (y_out.shape[1], y_out.shape[0]), dst=y_out,
                   flags=flags, borderMode=cv2.BORDER_REPLICATE)
    chroma, size = _plane_map(forward, 0.5, 0.5), (uv_out.shape[1], uv_out.shape[0])
    u, v = (cv2.warpAffine(plane, chroma, size, flags=flags, borderMode=cv2.BORDER_REPLICATE)
            for plane in (picture.u, picture.v))
    cv2.merge((u, v), dst=uv_out)


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
