"""Camera motion as a viewer sees it: decoded frames, a tracked marker, specs/motion.md's directions."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from motionctl.mock_server.render import RenderOptions, render_draft
from tests.render.video_checks import decode_luma, marker_picture, track_marker, video_draft

PREVIEW = RenderOptions(quality="low", resolution="540p")
W, H = 540, 960


def _render(
    tmp_path: Path, motion: dict[str, object] | None, at: tuple[float, float], ms: int = 1000
) -> Path:
    picture = marker_picture(tmp_path / "pic.png", at=at)
    out = tmp_path / "clip.mp4"
    render_draft(video_draft(motion, ms=ms), {"cdn://pic": picture}, out, PREVIEW)
    return out


def test_zoom_in_grows_the_marker_about_the_focus(tmp_path: Path) -> None:
    focus = (0.3, 0.4)
    track = track_marker(decode_luma(_render(tmp_path, {"zoom": [1.0, 1.2], "focus": list(focus)}, focus)))
    # The focus point stays put (where the cover fit places it) while the marker's area grows by 1.2².
    assert track.x[0] == pytest.approx(focus[0] * W, abs=1.0)
    assert track.y[0] == pytest.approx(focus[1] * H, abs=1.0)
    assert np.ptp(track.x) < 0.5 and np.ptp(track.y) < 0.5
    assert track.area[-1] / track.area[0] == pytest.approx(1.44, rel=0.08)


def test_zoom_out_shrinks_the_marker(tmp_path: Path) -> None:
    track = track_marker(decode_luma(_render(tmp_path, {"zoom": [1.3, 1.0]}, (0.5, 0.5))))
    assert track.area[-1] / track.area[0] == pytest.approx(1 / 1.69, rel=0.08)


@pytest.mark.parametrize(
    ("pan", "axis", "expected"),
    [
        ([-0.1, 0], "x", +0.1 * W),  # pan left: the content moves right
        ([0.1, 0], "x", -0.1 * W),  # pan right: content moves left
        ([0, -0.1], "y", +0.1 * H),  # tilt up: content moves down
        ([0, 0.1], "y", -0.1 * H),  # tilt down: content moves up
    ],
)
def test_pan_and_tilt_move_the_content_against_the_camera(
    tmp_path: Path, pan: list[float], axis: str, expected: float
) -> None:
    track = track_marker(decode_luma(_render(tmp_path, {"pan": pan}, (0.5, 0.5))))
    moved = getattr(track, axis)
    other = track.y if axis == "x" else track.x
    assert moved[-1] - moved[0] == pytest.approx(expected, abs=1.0)
    assert np.ptp(other) < 0.5


@pytest.mark.parametrize(("roll", "turn"), [(10.0, +10.0), (-10.0, -10.0)])
def test_roll_clockwise_turns_the_content_counter_clockwise(tmp_path: Path, roll: float, turn: float) -> None:
    track = track_marker(decode_luma(_render(tmp_path, {"roll": [0, roll]}, (0.7, 0.5))))

    def angle(i: int) -> float:  # on screen, counter-clockwise positive (y points down in the frame)
        return math.degrees(math.atan2(-(track.y[i] - H / 2), track.x[i] - W / 2))

    assert angle(-1) - angle(0) == pytest.approx(turn, abs=0.5)


def test_motion_is_smooth_and_never_steps_backwards(tmp_path: Path) -> None:
    # The bench's move (zoom 1 → 1.15 with a 4 % pan right), 2 s; the marker sits left of centre so
    # the zoom and the pan both carry it left.
    out = _render(tmp_path, {"zoom": [1.0, 1.15], "pan": [0.04, 0]}, (0.4, 0.5), ms=2000)
    track = track_marker(decode_luma(out))
    steps = np.diff(track.x)
    assert (steps > 0.02).sum() == 0  # no frame moves the marker back
    assert track.acceleration_rms() < 0.15  # px/frame² (about 0.06 measured at 540p)
    assert track.x[0] - track.x[-1] > 10


def test_motion_d_ends_the_move_early_and_holds(tmp_path: Path) -> None:
    track = track_marker(decode_luma(_render(tmp_path, {"pan": [-0.1, 0], "d": 500}, (0.5, 0.5))))
    # 30 fps: the move spans frames 0..14, the end pose holds from frame 14 on.
    assert track.x[14] - track.x[0] == pytest.approx(0.1 * W, abs=1.0)
    assert np.ptp(track.x[14:]) < 0.3


def test_still_camera_without_motion(tmp_path: Path) -> None:
    track = track_marker(decode_luma(_render(tmp_path, None, (0.25, 0.75))))
    assert track.x.mean() == pytest.approx(0.25 * W, abs=1.0)
    assert track.y.mean() == pytest.approx(0.75 * H, abs=1.0)
    assert np.ptp(track.x) < 0.3


def test_the_smoothness_measure_catches_whole_pixel_steps() -> None:
    # The same kind of eased drift as above, but snapped to whole pixels the way crop-window tools move:
    # the tracker must see it, or the smoothness test above would prove nothing.
    from motionctl.mock_server.render.camera import ease

    frames = []
    for i in range(60):
        x = round(300 - 30 * ease("ease-in-out", i / 59))
        luma = np.full((200, 540), 40, dtype=np.uint8)
        luma[90:102, x - 6 : x + 6] = 250
        frames.append(luma)
    track = track_marker(frames)
    assert track.acceleration_rms() > 0.15
