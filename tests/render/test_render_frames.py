"""Frame warping: the fast resize path agrees with cv2.warpAffine, colour conversion round-trips."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from motionctl.mock_server.render.frames import (
    FrameBuffer,
    _resize_into,
    rgb_to_yuv_planes,
    warp_into,
    yuv_picture,
    yuv_to_rgb,
)


def _smooth_rgb(height: int = 600, width: int = 400) -> np.ndarray:
    rng = np.random.default_rng(3)
    noise = (rng.random((height, width, 3)) * 255).astype(np.uint8)
    return np.asarray(cv2.GaussianBlur(noise, (0, 0), 3), dtype=np.uint8)


@pytest.mark.parametrize(
    ("scale", "dx", "dy"), [(0.87, 10.3, 20.7), (1.13, -5.25, 3.9), (0.95432, 0.123, 0.987), (2.05, 1.5, 2.5)]
)
def test_resize_path_matches_warp_affine(scale: float, dx: float, dy: float) -> None:
    picture = yuv_picture(_smooth_rgb(), (400.0, 600.0))
    forward = np.array([[scale, 0.0, dx], [0.0, scale, dy]])
    fast, exact = FrameBuffer.allocate(200, 300), FrameBuffer.allocate(200, 300)
    warp_into(picture, forward, *fast.planes())
    for source, target, plane_scale in zip((picture.y, picture.uv), exact.planes(), (1.0, 0.5), strict=True):
        inverse = cv2.invertAffineTransform(forward)
        # The same pixel-centre convention as the renderer, written out independently.
        inverse[:, 2] = (
            inverse[:, :2] @ np.array([0.5, 0.5]) / plane_scale + inverse[:, 2]
        ) * plane_scale - 0.5
        cv2.warpAffine(
            source, inverse, target.shape[1::-1], dst=target,
            flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP, borderMode=cv2.BORDER_REPLICATE,
        )  # fmt: skip
    difference = np.abs(fast.data.astype(int) - exact.data)
    assert difference.mean() < 0.3
    assert difference.max() <= 3


def test_resize_path_is_taken_for_zoom_and_pan_and_not_for_roll() -> None:
    picture = yuv_picture(_smooth_rgb(), (400.0, 600.0))
    target = np.empty((300, 200), dtype=np.uint8)
    inverse_zoom = np.array([[1.0 / 0.87, 0.0, 3.3], [0.0, 1.0 / 0.87, 7.1]])
    assert _resize_into(picture.y_padded, picture.pad, inverse_zoom, target)
    angle = np.radians(3)
    inverse_roll = np.array([[np.cos(angle), np.sin(angle), 3.3], [-np.sin(angle), np.cos(angle), 7.1]])
    assert not _resize_into(picture.y_padded, picture.pad, inverse_roll, target)
    # A scale of exactly 1 can only sample whole-pixel phases: a 0.3 px shift needs warpAffine.
    assert not _resize_into(picture.y_padded, picture.pad, np.array([[1.0, 0, 0.3], [0, 1.0, 0.3]]), target)


def test_colour_conversion_round_trips() -> None:
    rgb = _smooth_rgb(64, 64)
    back = yuv_to_rgb(*rgb_to_yuv_planes(rgb))
    # Chroma is halved, so smooth pictures come back within a few levels.
    assert np.abs(back.astype(int) - rgb).mean() < 3


def test_bt709_limited_range_levels() -> None:
    white = np.full((2, 2, 3), 255, dtype=np.uint8)
    black = np.zeros((2, 2, 3), dtype=np.uint8)
    assert [int(p[0, 0]) for p in rgb_to_yuv_planes(white)] == [235, 128, 128]
    assert [int(p[0, 0]) for p in rgb_to_yuv_planes(black)] == [16, 128, 128]


def _stripes(height: int = 800, width: int = 800) -> np.ndarray:
    # One-pixel black and white columns: the finest detail a picture can hold.
    rgb = np.zeros((height, width, 3), dtype=np.uint8)
    rgb[:, ::2] = 255
    return rgb


@pytest.mark.parametrize("scale", [0.5, 0.43, 0.3, 0.2])
def test_strong_minification_averages_instead_of_aliasing(scale: float) -> None:
    # Shrunk to well under half, 1-px stripes should become even grey (luma ~126), not moiré.
    forward = np.array([[scale, 0.0, 0.37], [0.0, scale, 0.21]])
    smooth, aliased = FrameBuffer.allocate(200, 200), FrameBuffer.allocate(200, 200)
    warp_into(yuv_picture(_stripes(), (800.0, 800.0), min_scale=scale), forward, *smooth.planes())
    warp_into(yuv_picture(_stripes(), (800.0, 800.0)), forward, *aliased.planes())
    luma, plain = smooth.planes()[0].astype(float), aliased.planes()[0].astype(float)
    assert abs(luma.mean() - 125.5) < 3
    assert luma.std() < 0.25 * plain.std()


def test_pyramid_levels_blend_without_a_jump() -> None:
    # The detail (luma spread) of a fine texture shrinking steadily falls steadily: no step where one
    # pyramid level hands over to the next (a hard switch here steps by about 1.8).
    rng = np.random.default_rng(3)
    noise = (rng.random((800, 800, 3)) * 255).astype(np.uint8)
    picture = yuv_picture(
        np.asarray(cv2.GaussianBlur(noise, (0, 0), 1.2), np.uint8), (800.0, 800.0), min_scale=0.3
    )
    spreads = []
    for scale in np.linspace(0.8, 0.3, 26):
        out = FrameBuffer.allocate(200, 200)
        warp_into(picture, np.array([[scale, 0.0, 0.37], [0.0, scale, 0.21]]), *out.planes())
        spreads.append(float(out.planes()[0].astype(float).std()))
    assert np.abs(np.diff(spreads)).max() < 1.0
