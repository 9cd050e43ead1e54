"""Frames in YUV 4:2:0: a picture converted once, then warped plane by plane for every frame.

Warping Y at full and U/V at half resolution straight from pre-converted planes costs 1.5 bytes per pixel
and no per-frame colour conversion; cv2.warpAffine runs without the GIL, so frames are made on one core
while the encoder works on the other.
"""

from __future__ import annotations

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


@dataclass(frozen=True)
class YuvPicture:
    """A picture as three planes: Y (H×W) and U, V (H/2×W/2), with its true size in Y pixels."""

    y: Plane
    u: Plane
    v: Plane
    size: tuple[float, float]


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


def yuv_picture(rgb: npt.NDArray[np.uint8], size: tuple[float, float]) -> YuvPicture:
    """Convert an even-sized RGB picture once, for warping many frames from it."""
    y, u, v = rgb_to_yuv_planes(rgb)
    return YuvPicture(y, u, v, size)


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
    u_out: Plane,
    v_out: Plane,
    *,
    interpolation: int = cv2.INTER_LINEAR,
) -> None:
    """Warp ``picture`` by the forward map (continuous source → output coordinates) into the given planes.

    Writes in place (the planes may be views into an encoder's frame buffer). Edges replicate rather than
    show black, as the camera path never needs more than half a pixel beyond the picture.
    """
    flags = interpolation | cv2.WARP_INVERSE_MAP
    for source, target, scale in ((picture.y, y_out, 1.0), (picture.u, u_out, 0.5), (picture.v, v_out, 0.5)):
        cv2.warpAffine(
            source,
            _plane_map(forward, scale, scale),
            (target.shape[1], target.shape[0]),
            dst=target,
            flags=flags,
            borderMode=cv2.BORDER_REPLICATE,
        )


@dataclass
class I420Buffer:
    """One frame's Y, U and V planes laid out contiguously as I420 (the layout yuv420p frames take)."""

    data: Plane
    width: int
    height: int

    @classmethod
    def allocate(cls, width: int, height: int) -> I420Buffer:
        return cls(np.empty((height * 3 // 2, width), dtype=np.uint8), width, height)

    def planes(self) -> tuple[Plane, Plane, Plane]:
        """Writable views of Y, U and V into the buffer."""
        w, h = self.width, self.height
        flat = self.data.reshape(-1)
        y = flat[: w * h].reshape(h, w)
        u = flat[w * h : w * h + (w // 2) * (h // 2)].reshape(h // 2, w // 2)
        v = flat[w * h + (w // 2) * (h // 2) :].reshape(h // 2, w // 2)
        return y, u, v

    def fill(self, yuv: tuple[int, int, int]) -> None:
        y, u, v = self.planes()
        y.fill(yuv[0])
        u.fill(yuv[1])
        v.fill(yuv[2])
