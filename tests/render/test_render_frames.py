"""Frame warping: sub-pixel exact, equal to an independent warp; colour conversion round-trips."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from motionctl.mock_server.render.frames import (
    FrameBuffer,
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
    ("scale", "dx", "dy", "degrees"),
    [(0.87, 10.3, 20.7, 0.0), (1.13, -5.25, 3.9, 0.0), (0.95432, 0.123, 0.987, 2.5), (2.05, 1.5, 2.5, 0.0)],
)
def test_warp_matches_a_float_warp_of_every_plane(scale: float, dx: float, dy: float, degrees: float) -> None:
    picture = yuv_picture(_smooth_rgb(), (400.0, 600.0))
    angle = np.radians(degrees)
    forward = np.array([[scale * np.cos(angle), scale * np.sin(angle), dx],
                        [-scale * np.sin(angle), scale * np.cos(angle), dy]])
    frame = FrameBuffer.allocate(200, 300)
    warp_into(picture, forward, *frame.planes())
    y, uv = frame.planes()
    for source, target, plane_scale in ((picture.y, y, 1.0), (picture.u, uv[..., 0], 0.5),
                                        (picture.v, uv[..., 1], 0.5)):
        inverse = cv2.invertAffineTransform(forward)
        # The same pixel-centre convention as the renderer, written out independently, warped in float.
        inverse[:, 2] = (
            inverse[:, :2] @ np.array([0.5, 0.5]) / plane_scale + inverse[:, 2]
        ) * plane_scale - 0.5
        exact = cv2.warpAffine(
            source.astype(np.float32), inverse, target.shape[1::-1],
            flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP, borderMode=cv2.BORDER_REPLICATE,
        )  # fmt: skip
        assert np.abs(target - exact).max() <= 0.51  # rounding to 8 bits, nothing more


def test_sub_pixel_moves_are_not_rounded_to_a_grid() -> None:
    # Hard edges moved in steps of 1/100 px move by 1/100 px each time, in luma and in chroma. A warp that
    # rounds positions (OpenCV's older path, taken for two-channel images, rounds to 1/32 px) moves them
    # in stairs, which shows as judder in slow pans.
    rgb = np.zeros((64, 64, 3), dtype=np.uint8)
    rgb[:32, :32] = (0, 0, 255)  # blue | yellow: edges in Y and U
    rgb[:32, 32:] = (255, 255, 0)
    rgb[32:, :32] = (255, 0, 0)  # red | cyan: an edge in V
    rgb[32:, 32:] = (0, 255, 255)
    picture = yuv_picture(rgb, (64.0, 64.0))
    shifts = np.arange(40) / 100
    edges = []
    for shift in shifts:
        frame = FrameBuffer.allocate(64, 64)
        warp_into(picture, np.array([[1.0, 0.0, shift], [0.0, 1.0, 0.0]]), *frame.planes())
        y, uv = frame.planes()
        edges.append([_edge(y[16, 16:48], 1.0), _edge(uv[8, 8:24, 0], 2.0), _edge(uv[24, 8:24, 1], 2.0)])
    for plane, px in zip(np.array(edges).T, (1.0, 2.0, 2.0), strict=True):
        slope, offset = np.polyfit(shifts, plane, 1)
        assert abs(slope - 1.0) < 0.02
        # What rounding to 8 bits leaves (more for a chroma sample, 2 px wide); stairs of 1/32 px do not fit.
        assert np.abs(plane - (slope * shifts + offset)).max() < 0.006 * px


def _edge(row: np.ndarray, px: float) -> float:
    """Where the edge across ``row`` lies, in luma px (``px`` a sample) from the row's far end."""
    values = row.astype(float)
    return -px * float((values - values[0]).sum() / (values[-1] - values[0]))


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


def _blob(height: int, width: int, at: tuple[float, float], sigma: float) -> np.ndarray:
    yy, xx = np.mgrid[0:height, 0:width].astype(float) + 0.5
    glow = np.exp(-((xx - at[0]) ** 2 + (yy - at[1]) ** 2) / (2 * sigma**2))
    return np.repeat((30 + 200 * glow)[..., None], 3, axis=2).round().astype(np.uint8)


def _centroid(luma: np.ndarray) -> tuple[float, float]:
    weight = luma.astype(float) - np.median(luma)
    rows, cols = np.indices(luma.shape) + 0.5
    return float((weight * cols).sum() / weight.sum()), float((weight * rows).sum() / weight.sum())


@pytest.mark.parametrize(("picture_size", "zoom"), [((90, 160), 4.8), ((61, 107), 3.3)])
def test_a_small_picture_is_enlarged_once_and_lands_where_it_would_have(
    picture_size: tuple[int, int], zoom: float
) -> None:
    # A 4.8x enlargement happens once, on the planes; the frames then sample them at 1:1, and what they
    # show sits exactly where the same map puts it without enlarging (odd sizes too).
    width, height = picture_size
    rgb = _blob(height + height % 2, width + width % 2, (width * 0.4, height * 0.55), 3.0)
    forward = np.array([[zoom, 0.0, -7.3], [0.0, zoom, -11.6]])
    enlarged = yuv_picture(rgb, (float(width), float(height)), max_scale=zoom)
    plain = yuv_picture(rgb, (float(width), float(height)))
    assert enlarged.y.shape[0] == pytest.approx(rgb.shape[0] * zoom, abs=2)
    assert enlarged.scale == pytest.approx((zoom, zoom), abs=0.05)
    frames = []
    for picture in (enlarged, plain):
        frame = FrameBuffer.allocate(400, 600)
        warp_into(picture, forward, *frame.planes())
        frames.append(frame.planes()[0])
    assert _centroid(frames[0]) == pytest.approx(_centroid(frames[1]), abs=0.05)
    expected = (width * 0.4 * zoom - 7.3, height * 0.55 * zoom - 11.6)
    assert _centroid(frames[0]) == pytest.approx(expected, abs=0.1)


def test_enlarging_keeps_more_of_the_picture_than_bilinear_frames() -> None:
    # The picture a small photo was made from, shrunk 4x: enlarged once with the chosen kernel, the frame
    # is closer to that original than when each frame enlarges it bilinearly (what made small photos soft).
    smooth = _smooth_rgb(800, 480)
    detail = cv2.addWeighted(smooth, 2.0, cv2.GaussianBlur(smooth, (0, 0), 2), -1.0, 0)
    original = np.asarray(detail, np.uint8)
    small = np.asarray(cv2.resize(original, (120, 200), interpolation=cv2.INTER_AREA), np.uint8)
    forward = np.array([[4.0, 0.0, 0.0], [0.0, 4.0, 0.0]])
    target = rgb_to_yuv_planes(original)[0].astype(float)
    errors = []
    for max_scale in (4.0, 1.0):
        frame = FrameBuffer.allocate(480, 800)
        warp_into(yuv_picture(small, (120.0, 200.0), max_scale=max_scale), forward, *frame.planes())
        errors.append(float(np.mean((frame.planes()[0].astype(float) - target)[8:-8, 8:-8] ** 2)))
    assert errors[0] < 0.7 * errors[1]


def test_enlarging_stops_at_a_memory_bound() -> None:
    # A tiny picture zoomed far in: the planes stop at 16 million luma pixels, the frames enlarge the rest.
    picture = yuv_picture(_smooth_rgb(64, 64), (64.0, 64.0), max_scale=200.0)
    assert picture.y.size <= 16_000_000 * 1.01
    assert picture.scale[0] > 60
