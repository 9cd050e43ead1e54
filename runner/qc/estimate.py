"""Global motion between frames, measured from the pixels: a similarity (zoom, roll, shift) per frame.

Sparse optical flow (Shi–Tomasi corners tracked by pyramidal Lucas–Kanade, checked forwards and backwards)
and a RANSAC fit of a 4-degree-of-freedom similarity, as OpenCV's video stabiliser does. Text overlays are
masked out: a static title has corners that do not move, and enough of them pull any global fit towards
"no motion". Each sampled frame is measured against the first frame directly (frame 0 warped by the previous
estimate, then the small residual measured), so errors do not add up along the clip.

Maps are 2×3 matrices in full-resolution, corner-based pixel coordinates: (0, 0) is the top-left corner of
the top-left pixel, as specs/motion.md's renderer draws them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

Matrix = npt.NDArray[np.float64]
Luma = npt.NDArray[np.uint8]
Mask = npt.NDArray[np.uint8]

IDENTITY: Matrix = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
_CORNERS = 400
_MIN_POINTS = 12
_RANSAC_PX = 0.75  # working pixels: about 3 px at 1080p, the research's default scaled to the frame
_FB_PX = 0.5  # a point whose backward track misses its start by more is dropped


@dataclass(frozen=True)
class Pose:
    """Frame ``index`` against frame 0: the map from frame 0's pixels to this frame's."""

    index: int
    matrix: Matrix | None  # None: too few points to fit
    points: int


def compose(outer: Matrix, inner: Matrix) -> Matrix:
    """``outer ∘ inner`` for 2×3 affine maps."""
    return np.hstack([outer[:, :2] @ inner[:, :2], (outer[:, :2] @ inner[:, 2] + outer[:, 2])[:, None]])


def to_full(m: Matrix, scale: float) -> Matrix:
    """A map fitted on working pixels (centres at integers) as a map of full-resolution corner coordinates."""
    # Working centre coords x = X·s − 0.5 for corner coords X at full resolution.
    linear = m[:, :2]
    shift = (m[:, 2] + 0.5 - linear @ np.array([0.5, 0.5])) / scale
    return np.hstack([linear, shift[:, None]])


def to_work(m: Matrix, scale: float) -> Matrix:
    """The inverse of ``to_full``: a full-resolution corner-coordinate map on working pixel centres."""
    linear = m[:, :2]
    shift = m[:, 2] * scale - 0.5 + linear @ np.array([0.5, 0.5])
    return np.hstack([linear, shift[:, None]])


def inverse(m: Matrix) -> Matrix:
    linear = np.linalg.inv(m[:, :2])
    return np.hstack([linear, (-linear @ m[:, 2])[:, None]])


def warp(image: Luma, matrix: Matrix) -> Luma:
    """``image`` moved by ``matrix`` (working pixels), its edge repeated where it uncovers the frame."""
    h, w = image.shape
    moved = cv2.warpAffine(image, matrix, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    return np.asarray(moved, dtype=np.uint8)


def fit(a: Luma, b: Luma, mask: Mask | None) -> tuple[Matrix | None, int]:
    """The similarity that maps ``a``'s content onto ``b`` (working pixels), and the points it rests on."""
    points = cv2.goodFeaturesToTrack(a, _CORNERS, 0.01, 5, mask=mask, blockSize=5)
    if points is None or len(points) < _MIN_POINTS:
        return None, 0
    criteria = (cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, 30, 0.01)
    win = (21, 21)
    ahead, ok1, _ = cv2.calcOpticalFlowPyrLK(a, b, points, None, winSize=win, maxLevel=3, criteria=criteria)
    back, ok2, _ = cv2.calcOpticalFlowPyrLK(b, a, ahead, None, winSize=win, maxLevel=3, criteria=criteria)
    good = (ok1.ravel() == 1) & (ok2.ravel() == 1) & (np.linalg.norm(back - points, axis=2).ravel() < _FB_PX)
    if good.sum() < _MIN_POINTS:
        return None, int(good.sum())
    matrix, inliers = cv2.estimateAffinePartial2D(
        points[good],
        ahead[good],
        method=cv2.RANSAC,
        ransacReprojThreshold=_RANSAC_PX,
        maxIters=2000,
        confidence=0.995,
        refineIters=10,
    )
    if matrix is None:
        return None, 0
    return matrix.astype(np.float64), int(inliers.sum())


def track(
    frames: Sequence[tuple[int, Luma]], scale: float, mask_for: Callable[[int], Mask | None]
) -> list[Pose]:
    """Each frame's pose against the first of ``frames`` (sorted by index), in full-resolution coordinates.

    ``mask_for(index)`` gives the pixels of that frame not to take points from (text), 255 = usable.
    """
    if not frames:
        return []
    first_index, first = frames[0]
    h, w = first.shape
    ones = np.full((h, w), 255, np.uint8)
    base_mask = mask_for(first_index)
    poses = [Pose(first_index, IDENTITY.copy(), 0)]
    guess = IDENTITY.copy()  # working-pixel map, frame 0 → the previous frame
    previous = first
    for index, frame in frames[1:]:
        warped = warp(first, guess)
        # Points only where frame 0 covers the frame, away from text in either frame.
        valid = np.asarray(cv2.warpAffine(ones if base_mask is None else base_mask, guess, (w, h),
                                          flags=cv2.INTER_NEAREST, borderValue=0), dtype=np.uint8)
        valid = np.asarray(cv2.erode(valid, np.ones((5, 5), np.uint8)), dtype=np.uint8)
        here = mask_for(index)
        if here is not None:
            valid = np.asarray(cv2.bitwise_and(valid, here), dtype=np.uint8)
        residual, points = fit(warped, frame, valid)
        if residual is None:
            # Too little of frame 0 left in view (a long zoom out, a wide pan over a plain picture): one
            # step on from the last frame measured instead, which still overlaps this one almost whole.
            residual, points = fit(previous, frame, here)
            if residual is None:
                poses.append(Pose(index, None, points))
                continue
        guess = compose(residual, guess)
        previous = frame
        poses.append(Pose(index, to_full(guess, scale), points))
    return poses
