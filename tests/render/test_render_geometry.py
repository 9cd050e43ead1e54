"""Output sizes and the pure camera path: no pixels, just numbers a person can check."""

from __future__ import annotations

import numpy as np
import pytest

from motionctl.mock_server.render.camera import Motion, camera_path, ease, frame_progress
from motionctl.mock_server.render.errors import RenderInputError
from motionctl.mock_server.render.geometry import ASPECTS, frame_size


@pytest.mark.parametrize(
    ("aspect", "resolution", "expected"),
    [
        ("9:16", "1080p", (1080, 1920)),
        ("1:1", "1080p", (1080, 1080)),
        ("4:5", "1080p", (1080, 1350)),
        ("16:9", "1080p", (1920, 1080)),
        ("9:16", "720p", (720, 1280)),
        ("16:9", "540p", (960, 540)),
        ("4:5", "540p", (540, 676)),  # 675 is odd: yuv420p needs even sizes
    ],
)
def test_frame_sizes(aspect: str, resolution: str, expected: tuple[int, int]) -> None:
    size = frame_size(ASPECTS[aspect], resolution)
    assert (size.width, size.height) == expected


@pytest.mark.parametrize("easing", ["linear", "ease-in", "ease-out", "ease-in-out"])
def test_easing_is_exact_at_the_ends_and_monotonic(easing: str) -> None:
    assert ease(easing, 0.0) == 0.0
    assert ease(easing, 1.0) == 1.0
    values = [ease(easing, p) for p in np.linspace(0, 1, 101)]
    assert all(np.diff(values) >= 0)


def test_move_progress_is_exact_on_first_and_last_frame_and_holds_after() -> None:
    assert frame_progress(0, 30) == 0.0
    assert frame_progress(29, 30) == 1.0
    assert frame_progress(45, 30) == 1.0


def _worst_overshoot(motion: Motion, source: tuple[int, int], out: tuple[int, int]) -> float:
    path = camera_path(motion, source, out)
    worst = -np.inf
    for p in np.linspace(0, 1, 301):
        m = path.matrix(float(p))
        inverse = np.linalg.inv(m[:, :2])
        for corner in ((0, 0), (out[0], 0), (0, out[1]), out):
            x, y = inverse @ (np.array(corner, dtype=float) - m[:, 2])
            worst = max(worst, -x, -y, x - source[0], y - source[1])
    return float(worst)


@pytest.mark.parametrize(
    "motion",
    [
        Motion(pan=(-0.2, 0.0)),
        Motion(pan=(0.1, -0.1), zoom=(1.0, 1.2)),
        Motion(roll=(0.0, 12.0)),
        Motion(roll=(-6.0, 6.0), pan=(0.2, 0.2), zoom=(1.2, 1.0), focus=(0.1, 0.9)),
        Motion(zoom=(0.8, 0.9)),  # zoom below the cover fit
    ],
)
@pytest.mark.parametrize("source", [(2160, 3840), (4000, 3000), (1000, 1000)])
def test_no_frame_of_the_path_shows_a_border(motion: Motion, source: tuple[int, int]) -> None:
    # Every output corner maps back inside the picture (≤ 0 overshoot) on every pose.
    assert _worst_overshoot(motion, source, (1080, 1920)) <= 1e-6


def test_extra_zoom_is_the_least_that_covers() -> None:
    # A 4 % pan of a same-aspect picture needs 2 % margin on each side and no more; a wide picture
    # covers the same pan with its own excess width.
    motion = Motion(pan=(0.04, 0.0))
    assert camera_path(motion, (1080, 1920), (1080, 1920)).extra_zoom == pytest.approx(1.04, abs=0.002)
    assert camera_path(motion, (4000, 3000), (1080, 1920)).extra_zoom == 1.0
    assert camera_path(Motion(zoom=(1.0, 1.3)), (1080, 1920), (1080, 1920)).extra_zoom == 1.0


@pytest.mark.parametrize("motion", [Motion(pan=(20.0, 0.0)), Motion(zoom=(0.05, 1.0))])
def test_a_move_no_zoom_can_cover_is_refused_not_drawn_with_a_border(motion: Motion) -> None:
    with pytest.raises(RenderInputError, match=r"^seg\.motion: .* extra zoom .*; use a smaller pan"):
        camera_path(motion, (2160, 3840), (1080, 1920), where="seg.motion")


def test_pan_moves_content_by_the_stated_fraction_of_the_frame() -> None:
    path = camera_path(Motion(pan=(-0.1, 0.05), easing="linear"), (2160, 3840), (1080, 1920))
    point = np.array([1080.0, 1920.0, 1.0])
    dx, dy = path.matrix(1.0) @ point - path.matrix(0.0) @ point
    # Camera left → content right by 10 % of 1080; camera down → content up by 5 % of 1920.
    assert dx == pytest.approx(108.0)
    assert dy == pytest.approx(-96.0)


@pytest.mark.parametrize(
    ("motion", "message"),
    [
        ({"zoom": [0, 1.2]}, "zoom"),
        ({"focus": [1.5, 0.5]}, "focus"),
        ({"easing": "bounce"}, "easing"),
        ({"pan": [0.1]}, "pan"),
    ],
)
def test_bad_motion_values_are_named(motion: dict[str, object], message: str) -> None:
    with pytest.raises(RenderInputError, match=rf"seg\.motion\.{message}"):
        Motion.from_draft(motion, where="seg.motion")
