"""Output sizes and the pure camera path: no pixels, just numbers a person can check."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
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


def documented_curves() -> dict[str, list[float]]:
    """specs/motion.md's "Easing curves" table: easing → e(t) at t = 0.25, 0.5, 0.75."""
    text = (Path(__file__).parents[2] / "specs" / "motion.md").read_text(encoding="utf-8")
    table = text.split("## Easing curves", 1)[1]
    rows = re.findall(r"^\| ([a-z-]+) \| `[^`]+` \| ([\d.]+) \| ([\d.]+) \| ([\d.]+) \|", table, flags=re.M)
    return {name: [float(v) for v in values] for name, *values in rows}


def test_each_easing_follows_its_documented_curve() -> None:
    curves = documented_curves()
    assert set(curves) == {"linear", "ease-in", "ease-out", "ease-in-out"}
    for easing, values in curves.items():
        assert [ease(easing, t) for t in (0.25, 0.5, 0.75)] == pytest.approx(values, abs=1e-12), easing


def _steps(easing: str) -> npt.NDArray[np.float64]:
    """How far the move goes in each of 20 equal slices of its time."""
    return np.diff([ease(easing, t) for t in np.linspace(0, 1, 21)])


def test_ease_in_starts_slow_and_ease_out_ends_slow_and_ease_in_out_does_both() -> None:
    linear, ease_in, ease_out, both = (_steps(e) for e in ("linear", "ease-in", "ease-out", "ease-in-out"))
    assert np.allclose(linear, 0.05)  # even
    assert np.all(np.diff(ease_in) > 0) and ease_in[0] < 0.1 * ease_in[-1]  # accelerates from rest
    assert np.all(np.diff(ease_out) < 0) and ease_out[-1] < 0.1 * ease_out[0]  # decelerates to rest
    assert ease_out == pytest.approx(ease_in[::-1])  # the same curve, run backwards
    assert both[0] < 0.1 * both[10] and both[-1] < 0.1 * both[10]  # slow at both ends
    assert both == pytest.approx(both[::-1]) and int(np.argmax(both)) in (9, 10)  # fastest at the middle


@pytest.mark.parametrize("easing", ["linear", "ease-in", "ease-out", "ease-in-out"])
def test_the_camera_path_zooms_pans_and_rolls_by_the_eased_progress(easing: str) -> None:
    # 1.0 → 2.0 zoom, pan and roll about a centred focus on a square picture: no extra zoom to cover, so the
    # map's scale, rotation and travel read the eased progress directly.
    path = camera_path(Motion(zoom=(1.0, 1.5), roll=(0.0, 3.0), easing=easing), (1000, 1000), (1000, 1000))
    for t in (0.25, 0.5, 0.75):
        linear_part = path.matrix(t)[:, :2] / path.extra_zoom
        scale = float(np.sqrt(abs(np.linalg.det(linear_part))))
        angle = float(np.degrees(np.arctan2(linear_part[0, 1], linear_part[0, 0])))
        assert scale == pytest.approx(1.0 + 0.5 * ease(easing, t)), t
        assert angle == pytest.approx(3.0 * ease(easing, t)), t
    pan = camera_path(Motion(pan=(-0.2, 0.1), easing=easing), (4000, 4000), (1000, 1000))
    start = pan.matrix(0.0)[:, 2]
    for t in (0.25, 0.5, 0.75):
        travel = (pan.matrix(t)[:, 2] - start) / (1000, 1000)
        assert travel == pytest.approx([0.2 * ease(easing, t), -0.1 * ease(easing, t)]), t


def test_a_draft_motion_is_read_whole_and_missing_fields_are_a_still_default() -> None:
    draft = {"zoom": [1.0, 1.2], "pan": [-0.1, 0.05], "roll": [0, 6], "focus": [0.0, 1.0],
             "easing": "ease-out", "d": 2500.7}
    assert Motion.from_draft(draft) == Motion(zoom=(1.0, 1.2), pan=(-0.1, 0.05), roll=(0.0, 6.0),
                                              focus=(0.0, 1.0), easing="ease-out", duration_ms=2500)
    assert Motion.from_draft({}) == Motion.from_draft(None) == Motion(
        zoom=(1.0, 1.0), pan=(0.0, 0.0), roll=(0.0, 0.0), focus=(0.5, 0.5), easing="ease-in-out",
        duration_ms=None)
    assert Motion.from_draft({"d": 0}).duration_ms == 0


@pytest.mark.parametrize(("motion", "message"), [
    ([1, 2], "seg.motion: expected an object or null, got list"),
    ({"roll": [0, float("nan")]}, "seg.motion.roll: expected two numbers, got [0, nan]"),
    ({"pan": "left"}, "seg.motion.pan: expected two numbers, got 'left'"),
    ({"pan": [0.1, 0.2, 0.3]}, "seg.motion.pan: expected two numbers, got [0.1, 0.2, 0.3]"),
    ({"focus": [0.5, -0.1]}, "seg.motion.focus: x and y must be within 0..1, got [0.5, -0.1]"),
    ({"easing": "bounce"},
     "seg.motion.easing: unknown 'bounce'; use one of linear, ease-in, ease-out, ease-in-out"),
    ({"d": -1}, "seg.motion.d: expected a length in ms ≥ 0, got -1"),
    ({"d": "2s"}, "seg.motion.d: expected a length in ms ≥ 0, got '2s'"),
])
def test_each_bad_motion_value_is_refused_with_its_place_and_its_fix(motion: Any, message: str) -> None:
    with pytest.raises(RenderInputError) as info:
        Motion.from_draft(motion, where="seg.motion")
    assert str(info.value) == message


def test_progress_of_short_moves_and_eased_progress_outside_the_move() -> None:
    assert [frame_progress(f, 0) for f in (0, 1)] == [0.0, 1.0]  # no move: the end pose from frame 1
    assert [frame_progress(f, 1) for f in (0, 1)] == [1.0, 1.0]  # a one-frame move is done at once
    assert [frame_progress(f, 2) for f in (0, 1, 2)] == [0.0, 1.0, 1.0]
    assert frame_progress(3, 7) == 0.5
    assert (ease("ease-in", -0.5), ease("ease-out", 1.5), ease("linear", 2.0)) == (0.0, 1.0, 1.0)
    with pytest.raises(RenderInputError, match=r"^unknown easing 'bounce'; use one of linear, ease-in, "):
        ease("bounce", 0.5)


def test_zoom_keeps_its_focus_point_still_and_scales_are_the_paths_extremes() -> None:
    # A portrait picture on a square frame: the cover fit scales by the width (1000/1000), not the height.
    source, out = (1000, 3000), (1000, 1000)
    path = camera_path(Motion(zoom=(1.0, 1.5), focus=(0.2, 0.7)), source, out)
    assert path.cover_scale == 1.0 and path.extra_zoom == 1.0
    assert (path.min_scale(), path.max_scale()) == (1.0, 1.5)
    focus = np.array([0.2 * 1000, 0.7 * 3000, 1.0])
    assert path.matrix(0.0) @ focus == pytest.approx(path.matrix(1.0) @ focus)  # zoom about the focus
    panned = camera_path(Motion(zoom=(1.2, 1.0), pan=(0.3, 0.0)), (1000, 1000), out)
    assert panned.extra_zoom > 1.0
    assert panned.max_scale() == pytest.approx(1.2 * panned.extra_zoom)
    assert panned.min_scale() == pytest.approx(panned.extra_zoom)
    half = panned.rescaled((500, 500))  # the same path over a picture of half the size
    assert (half.motion, half.output_size, half.extra_zoom) == (panned.motion, out, panned.extra_zoom)
    assert half.matrix(0.3)[:, :2] == pytest.approx(2 * panned.matrix(0.3)[:, :2])
    assert half.matrix(0.3)[:, 2] == pytest.approx(panned.matrix(0.3)[:, 2])


@pytest.mark.parametrize("motion", [
    Motion(pan=(0.15, -0.1), roll=(0.0, 5.0), focus=(0.3, 0.8)),
    Motion(pan=(-0.1, 0.2), roll=(4.0, -3.0), zoom=(1.1, 1.3), focus=(0.9, 0.1), easing="ease-in"),
])
def test_the_extra_zoom_covers_every_corner_and_no_more(motion: Motion) -> None:
    # Asymmetric moves on a landscape picture in a portrait frame: each corner's bound matters, and the least
    # extra zoom leaves some corner of some frame on the picture's edge (within the solver's 0.05% margin).
    worst = _worst_overshoot(motion, (4000, 3000), (1080, 1920))
    assert -2.0 < worst <= 1e-6


def test_defaults_of_the_path_helpers_name_the_motion_and_read_a_roll_that_starts_turned() -> None:
    with pytest.raises(RenderInputError, match=r"^motion: this pan"):
        camera_path(Motion(pan=(20.0, 0.0)), (1000, 1000), (1000, 1000))
    with pytest.raises(RenderInputError, match=r"^motion\.zoom: "):
        Motion.from_draft({"zoom": [0, 1]})
    path = camera_path(Motion(zoom=(1.2, 2.0), roll=(2.0, 5.0), easing="linear"), (1000, 1000), (1000, 1000))
    assert path.min_scale() == pytest.approx(1.2 * path.extra_zoom)
    turned = path.matrix(0.5)[:, :2]
    assert float(np.degrees(np.arctan2(turned[0, 1], turned[0, 0]))) == pytest.approx(3.5)
