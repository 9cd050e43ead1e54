"""Camera motion checks: the move measured from the pixels against the one the recipe asked.

Zoom, pan, tilt and roll are compared at the move's end pose; the easing from the measured progress along
the asked path; the focus from the point the end pose leaves in place; and the whole measured path against
the asked one at every sampled frame (which catches a move played backwards, too early, or not held).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from .asked import EASINGS
from .estimate import Luma, Mask, Pose, compose, inverse, to_work, track
from .model import Path, centre_shift, distance, distances, ease, pan_of, roll_of, rotation, zoom_of
from .tolerances import TOLERANCES as TOL
from .verdict import Check, judged, not_checked

SAMPLES = 40  # poses measured over a clip: 0.13 s apart in a 5 s clip (freezes are found between them)


def sample_frames(frames: int, end_frame: int) -> list[int]:
    """The frames the motion is measured at: evenly spread, plus the move's last frame and the clip's."""
    step = max(1, round(frames / SAMPLES))
    picked = set(range(0, frames, step)) | {max(0, frames - 1), min(max(0, end_frame), frames - 1)}
    return sorted(picked)


@dataclass(frozen=True)
class Measured:
    path: Path
    poses: tuple[Pose, ...]

    def known(self) -> list[Pose]:
        return [p for p in self.poses if p.matrix is not None]

    def between(self, i: int, j: int, scale: float) -> np.ndarray | None:
        """The camera's map from frame ``i`` to frame ``j`` in working pixels, interpolated between the
        measured frames around them (None when they are not bracketed by measurements)."""
        a, b = self._at(i), self._at(j)
        if a is None or b is None:
            return None
        return to_work(compose(b, inverse(a)), scale)

    def _at(self, frame: int) -> np.ndarray | None:
        known = self.known()
        before = [p for p in known if p.index <= frame]
        after = [p for p in known if p.index >= frame]
        if not before or not after:
            return None
        lo, hi = before[-1], after[0]
        assert lo.matrix is not None and hi.matrix is not None
        if hi.index == lo.index:
            return lo.matrix
        w = (frame - lo.index) / (hi.index - lo.index)
        return np.asarray((1 - w) * lo.matrix + w * hi.matrix, dtype=np.float64)


def measure(
    path: Path, kept: dict[int, Luma], scale: float, mask_for: Callable[[int], Mask | None]
) -> Measured:
    frames = [(i, kept[i]) for i in sample_frames(path.frames, path.end_frame()) if i in kept]
    return Measured(path, tuple(track(frames, scale, mask_for)))


def _zoom_words(rho: float) -> str:
    if abs(rho - 1) < 0.0005:
        return "×1.000 (no zoom)"
    return f"×{rho:.3f} (zoom {'in' if rho > 1 else 'out'} {abs(rho - 1) * 100:.1f}%)"


def _pan_words(value: float, axis: str) -> str:
    names = {"pan": ("left", "right"), "tilt": ("up", "down")}[axis]
    if abs(value) < 0.0005:
        return "0%"
    return f"{abs(value) * 100:.1f}% {names[value > 0]}"


def _roll_words(deg: float) -> str:
    if abs(deg) < 0.005:
        return "0°"
    return f"{abs(deg):.2f}° {'clockwise' if deg > 0 else 'counterclockwise'}"


def checks(measured: Measured, asked_from: str) -> tuple[list[Check], dict[str, list[float]]]:
    """The motion checks and the camera path series (times, measured and asked) for the report."""
    path = measured.path
    motion = path.motion
    known = measured.known()
    if len(known) < max(2, len(measured.poses) // 2):
        points = min((p.points for p in measured.poses[1:]), default=0)
        why = f"too little texture to follow (as few as {points} points)"
        return [
            not_checked(n, why)
            for n in ("motion.zoom", "motion.pan", "motion.tilt", "motion.roll", "motion.path")
        ], {}
    end = path.end_frame()
    end_pose = min(known, key=lambda p: abs(p.index - end))
    assert end_pose.matrix is not None
    asked_end = path.pose(end_pose.index)
    size = path.size
    out: list[Check] = []
    rho_m, rho_a = zoom_of(end_pose.matrix), zoom_of(asked_end)
    out.append(
        judged(
            abs(rho_m / rho_a - 1) <= TOL.zoom,
            "motion.zoom",
            _zoom_words(rho_m),
            f"{_zoom_words(rho_a)} ±{TOL.zoom * 100:g}%{asked_from}",
            measured=rho_m,
            asked=rho_a,
        )
    )
    pan_m = pan_of(end_pose.matrix, path, path.eased(end_pose.index))
    for axis, i in (("pan", 0), ("tilt", 1)):
        out.append(
            judged(
                abs(pan_m[i] - motion.pan[i]) <= TOL.pan,
                f"motion.{axis}",
                _pan_words(pan_m[i], axis),
                f"{_pan_words(motion.pan[i], axis)} ±{TOL.pan * 100:g}%{asked_from}",
                measured=pan_m[i],
                asked=motion.pan[i],
            )
        )
    roll_m, roll_a = roll_of(end_pose.matrix), motion.roll[1] - motion.roll[0]
    out.append(
        judged(
            abs(roll_m - roll_a) <= TOL.roll,
            "motion.roll",
            _roll_words(roll_m),
            f"{_roll_words(roll_a)} ±{TOL.roll:g}°{asked_from}",
            measured=roll_m,
            asked=roll_a,
        )
    )
    if motion.focus != (0.5, 0.5):
        out.append(_focus(end_pose.matrix, end_pose.index, path, asked_from))
    diagonal = math.hypot(*size)
    gaps = [(distance(p.matrix, path.pose(p.index), size), p.index) for p in known if p.matrix is not None]
    worst, at = max(gaps)
    out.append(
        judged(
            worst <= TOL.path * diagonal,
            "motion.path",
            f"{worst:.1f} px off the asked path at {at / path.fps:.2f} s",
            f"within {TOL.path * diagonal:.0f} px ({TOL.path * 100:g}% of the diagonal){asked_from}",
            measured=worst,
            tolerance=TOL.path * diagonal,
        )
    )
    travel = distance(asked_end, path.pose_at(0.0), size)
    if not motion.still and travel >= TOL.min_move_px:
        out.append(_easing(known, path, asked_from))
    return out, _series(known, path)


def _focus(measured: np.ndarray, index: int, path: Path, asked_from: str) -> Check:
    """Where the zoom centres: the focus point's place on screen, solved from the measured pose with the
    asked pan (the pose is (1 − ρ)·E·R·d away from a pure pan: d is where the focus sits)."""
    words = f"{path.motion.focus[0] * 100:g}% {path.motion.focus[1] * 100:g}% of the image"
    rho = zoom_of(measured)
    asked_rho = zoom_of(path.pose(index))
    if abs(asked_rho - 1) < TOL.focus_min_zoom:
        why = f"a zoom of under {TOL.focus_min_zoom * 100:g}% has no centre to find ({words})"
        return not_checked("motion.focus", why)
    w, h = path.size
    e = path.eased(index)
    travel = np.array([path.motion.pan[0] * w, path.motion.pan[1] * h])
    panned = -((e - 0.5) * np.eye(2) + 0.5 * measured[:, :2]) @ travel
    turn = rotation(path.motion.roll[0] + roll_of(measured))
    d = np.linalg.solve(turn, centre_shift(measured, path.size) - panned) / (path.cover * (1.0 - rho))
    asked = np.array(path.focus_offset)
    gap = float(np.hypot(*(d - asked)))

    def on_screen(v: np.ndarray) -> str:
        return f"{(0.5 + v[0] / w) * 100:.0f}% {(0.5 + v[1] / h) * 100:.0f}% of the frame"

    return judged(
        gap <= TOL.focus * w,
        "motion.focus",
        f"the zoom centred at {on_screen(d)}, {gap:.0f} px away",
        f"{on_screen(asked)} ({words}), within {TOL.focus * 100:g}% of the width{asked_from}",
        measured=[float(d[0]), float(d[1])],
        asked=[float(asked[0]), float(asked[1])],
    )


_GRID = np.linspace(0.0, 1.0, 401)


def progress_of(matrix: np.ndarray, path: Path, along: np.ndarray) -> float:
    """The eased progress whose asked pose is nearest to ``matrix`` (``along``: ``path.poses_at(_GRID)``,
    computed once by the caller for all the poses)."""
    return float(_GRID[int(np.argmin(distances(matrix, along, path.size)))])


def _easing(known: Sequence[Pose], path: Path, asked_from: str) -> Check:
    moving = [p for p in known if p.matrix is not None and p.index <= path.end_frame()]
    progress = np.array([path.progress(p.index) for p in moving])
    along = path.poses_at(_GRID)
    measured = np.array([progress_of(p.matrix, path, along) for p in moving if p.matrix is not None])
    fits = {
        e: float(np.sqrt(np.mean((measured - np.array([ease(e, x) for x in progress])) ** 2)))
        for e in EASINGS
    }
    nearest = min(fits, key=lambda e: fits[e])
    asked_curve = np.array([path.eased(p.index) for p in moving])
    gap = float(np.abs(measured - asked_curve).max()) if len(moving) else 0.0
    ok = nearest == path.motion.easing and gap <= TOL.easing
    return judged(
        ok,
        "motion.easing",
        f"{nearest} (progress at most {gap:.3f} off {path.motion.easing}'s)",
        f"{path.motion.easing}, within {TOL.easing:g}{asked_from}",
        measured=nearest,
        asked=path.motion.easing,
        gap=gap,
    )


def _series(known: Sequence[Pose], path: Path) -> dict[str, list[float]]:
    """The camera path for the report's plot: zoom, roll and the picture's shift, measured and asked."""
    w, h = path.size
    out: dict[str, list[float]] = {
        k: [] for k in ("t", "zoom", "zoom_asked", "roll", "roll_asked", "x", "x_asked", "y", "y_asked")
    }
    for p in known:
        assert p.matrix is not None
        a = path.pose(p.index)
        sm, sa = centre_shift(p.matrix, path.size), centre_shift(a, path.size)
        for key, value in (
            ("t", p.index / path.fps),
            ("zoom", zoom_of(p.matrix)),
            ("zoom_asked", zoom_of(a)),
            ("roll", roll_of(p.matrix)),
            ("roll_asked", roll_of(a)),
            ("x", sm[0] / w),
            ("x_asked", sa[0] / w),
            ("y", sm[1] / h),
            ("y_asked", sa[1] / h),
        ):
            out[key].append(round(float(value), 5))
    return out

