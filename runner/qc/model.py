"""Where the asked camera move puts the picture on each frame: specs/motion.md as arithmetic (pure).

A pose is the map from frame 0's pixels to frame t's. For a move from zoom z0 to z1, roll r0 to r1 and a pan
P (pixels over the move), at eased progress e the renderer shows the picture scaled by z, turned by r about
the frame centre C and shifted by T = (e − ½)·P, with the zoom centred on the focus point, which sits at
C + d on screen at zoom 1. Frame 0 to frame t is then the similarity

    q_t = ρ·Q·q_0 + C − T_t − ρ·Q·(C − T_0) + (1 − ρ)·R_t·d,   ρ = z_t / z_0, Q = R(r_t − r_0),

where E, the constant extra zoom that keeps a pan or roll from uncovering the frame's edge (specs/motion.md:
"the least constant extra zoom that keeps the whole path covered"), scales the focus term:
(1 − ρ)·E·R_t·d. This module evaluates it; the checks compare it with what the pixels say.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from .asked import AskedMotion

Matrix = npt.NDArray[np.float64]


def ease(easing: str, p: float) -> float:
    """Eased progress for linear progress ``p`` (specs/motion.md's four easings, as polynomials).

    Written here again rather than imported from the mock's renderer on purpose: the QC checks that
    renderer, and a mistake shared by both would pass unseen.
    """
    p = min(1.0, max(0.0, p))
    if easing == "linear":
        return p
    if easing == "ease-in":
        return p * p
    if easing == "ease-out":
        return 1.0 - (1.0 - p) * (1.0 - p)
    return p * p * (3.0 - 2.0 * p)  # ease-in-out (smoothstep)


def rotation(degrees: float) -> Matrix:
    """The on-screen turn of a camera rolled clockwise by ``degrees`` (y down: the content turns the
    other way)."""
    return np.asarray(rotations(np.array([degrees]))[0], dtype=np.float64)


def rotations(degrees: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    a = np.radians(np.asarray(degrees, dtype=np.float64))
    c, s = np.cos(a), np.sin(a)
    return np.stack([np.stack([c, s], axis=-1), np.stack([-s, c], axis=-1)], axis=-2)


@dataclass(frozen=True)
class Path:
    """The asked move over a clip: frame size, timing and where the focus point sits on screen."""

    motion: AskedMotion
    size: tuple[int, int]  # the output frame, px
    fps: float
    frames: int  # of the clip
    focus_offset: tuple[float, float]  # d: the focus point's offset from the frame centre at zoom 1, px
    cover: float = 1.0  # E: the extra zoom that keeps the path covered

    @property
    def move_frames(self) -> int:
        """Frames the move takes (the first at progress 0, the last at 1); the pose holds after it."""
        ms = self.motion.duration_ms
        if ms is None:
            return self.frames
        return max(1, min(self.frames, math.ceil(ms * self.fps / 1000)))

    def progress(self, frame: int) -> float:
        n = self.move_frames
        return 1.0 if n <= 1 else min(1.0, frame / (n - 1))

    def eased(self, frame: int) -> float:
        return ease(self.motion.easing, self.progress(frame))

    def poses_at(self, eased: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        """The maps from frame 0 to the frames at eased progress ``eased`` (shape (n, 2, 3))."""
        m = self.motion
        e = np.asarray(eased, dtype=np.float64)
        w, h = self.size
        centre = np.array([w / 2.0, h / 2.0])
        z0 = m.zoom[0]
        rho = (z0 + (m.zoom[1] - z0) * e) / z0
        turn = (m.roll[1] - m.roll[0]) * e
        travel = np.array([m.pan[0] * w, m.pan[1] * h])
        t = (e[:, None] - 0.5) * travel
        q = rho[:, None, None] * rotations(turn)
        shift = (
            centre
            - t
            - q @ (centre + 0.5 * travel)
            + (self.cover * (1.0 - rho))[:, None]
            * (rotations(m.roll[0] + turn) @ np.array(self.focus_offset))
        )
        return np.concatenate([q, shift[:, :, None]], axis=2)

    def pose_at(self, e: float) -> Matrix:
        """The map from frame 0 to the frame at eased progress ``e``."""
        return np.asarray(self.poses_at(np.array([e]))[0], dtype=np.float64)

    def pose(self, frame: int) -> Matrix:
        return self.pose_at(self.eased(frame))

    def end_frame(self) -> int:
        return self.move_frames - 1


def focus_offset(
    focus: tuple[float, float], image: tuple[int, int] | None, size: tuple[int, int]
) -> tuple[float, float]:
    """Where the focus point sits relative to the frame centre at zoom 1, in output pixels: the image is
    scaled to cover the frame and centred (specs/motion.md). Without the image's size: the centre."""
    if image is None:
        return (0.0, 0.0)
    iw, ih = image
    cover = max(size[0] / iw, size[1] / ih)
    return ((focus[0] - 0.5) * iw * cover, (focus[1] - 0.5) * ih * cover)


def cover_zoom(motion: AskedMotion, image: tuple[int, int] | None, size: tuple[int, int]) -> float:
    """E: the least constant extra zoom under which every frame of the move stays covered by the picture.

    A frame corner q maps back into the image at a + b/E, with a the image point at the frame's centre
    before the pan and b its offset there; staying inside [0, w]×[0, h] bounds 1/E linearly, so the least
    E is the largest ratio of |b| to the room on its side, over the corners of poses along the move.
    """
    if image is None:
        return 1.0
    iw, ih = image
    w, h = size
    s0 = max(w / iw, h / ih)
    e = np.linspace(0.0, 1.0, 257)
    zoom = motion.zoom[0] + (motion.zoom[1] - motion.zoom[0]) * e
    roll = np.radians(motion.roll[0] + (motion.roll[1] - motion.roll[0]) * e)
    pan_x, pan_y = (e - 0.5) * motion.pan[0] * w, (e - 0.5) * motion.pan[1] * h
    fx, fy = motion.focus[0] * iw, motion.focus[1] * ih
    ax, ay = fx - (fx - iw / 2) / zoom, fy - (fy - ih / 2) / zoom
    need = np.ones_like(zoom)
    for qx, qy in ((-w / 2, -h / 2), (w / 2, -h / 2), (-w / 2, h / 2), (w / 2, h / 2)):
        tx, ty = qx + pan_x, qy + pan_y
        bx = (np.cos(roll) * tx - np.sin(roll) * ty) / (s0 * zoom)
        by = (np.sin(roll) * tx + np.cos(roll) * ty) / (s0 * zoom)
        for a, b, side in ((ax, bx, iw), (ay, by, ih)):
            room = np.maximum(np.where(b > 0, side - a, a), 1e-9)
            need = np.maximum(need, np.abs(b) / room)
    return float(need.max())


def corners(size: tuple[int, int]) -> Matrix:
    w, h = size
    return np.array([[0.0, 0.0], [w, 0.0], [0.0, h], [w, h], [w / 2, h / 2]])


def distance(a: Matrix, b: Matrix, size: tuple[int, int]) -> float:
    """How far apart two poses put the picture: the largest gap at the frame's corners and centre, px."""
    return float(distances(a, b[None], size)[0])


def distances(a: Matrix, many: npt.NDArray[np.float64], size: tuple[int, int]) -> npt.NDArray[np.float64]:
    """``distance`` from ``a`` to each of ``many`` poses (shape (n, 2, 3))."""
    pts = corners(size)
    pa = pts @ a[:, :2].T + a[:, 2]
    pb = np.einsum("pk,njk->npj", pts, many[:, :, :2]) + many[:, None, :, 2]
    return np.asarray(np.linalg.norm(pb - pa[None], axis=2).max(axis=1))


def zoom_of(m: Matrix) -> float:
    return float(np.hypot(m[0, 0], m[1, 0]))


def roll_of(m: Matrix) -> float:
    """Degrees the camera rolled clockwise (the content turned counter-clockwise on screen)."""
    return float(np.degrees(np.arctan2(m[0, 1], m[0, 0])))


def centre_shift(m: Matrix, size: tuple[int, int]) -> Matrix:
    """How far the content at the frame centre moved, px."""
    c = np.array([size[0] / 2.0, size[1] / 2.0])
    return np.asarray(m[:, :2] @ c + m[:, 2] - c, dtype=np.float64)


def pan_of(m: Matrix, path: Path, e: float = 1.0) -> tuple[float, float]:
    """The whole pan (fractions of the frame, the camera's direction) that explains pose ``m`` at eased
    progress ``e``, given its zoom and roll and the asked focus: the centre shift is
    Δ = −((e − ½)·I + ½·ρQ)·P + (1 − ρ)·E·R·d, solved for P."""
    rho_q = m[:, :2]
    rho = zoom_of(m)
    turn = roll_of(m)
    delta = centre_shift(m, path.size)
    focus = path.cover * (1.0 - rho) * rotation(path.motion.roll[0] + turn) @ np.array(path.focus_offset)
    travel = -np.linalg.solve((e - 0.5) * np.eye(2) + 0.5 * rho_q, delta - focus)
    return float(travel[0] / path.size[0]), float(travel[1] / path.size[1])
