"""Text overlays: where the text shows, when, fades and boxes (layout: test_render_layout.py, glyphs:
test_render_glyphs.py)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from motionctl.mock_server.render import RenderOptions, render_draft
from tests.render.video_checks import decode_rgb, marker_picture, video_draft

W, H = 540, 960


def _render_text(
    tmp_path: Path, segment: dict[str, object], options: RenderOptions | None = None
) -> list[npt.NDArray[np.uint8]]:
    picture = marker_picture(tmp_path / "plain.png", marker=0)
    text = {"tt": 7, "sg": [{"st": 0, "d": 1000, "text": "Summer sale", "size": 80, **segment}]}
    out = tmp_path / "clip.mp4"
    options = options or RenderOptions(quality="low", resolution="540p")
    render_draft(video_draft(None, ms=1000, extra_tracks=[text]), {"cdn://pic": picture}, out, options)
    return decode_rgb(out)


def _text_box(frame: npt.NDArray[np.uint8], colour: tuple[int, int, int]) -> tuple[int, int, int, int] | None:
    """(top, bottom, left, right) of the pixels near ``colour``, or None when there are none."""
    near = np.abs(frame.astype(int) - colour).max(axis=2) < 60
    if near.sum() < 30:
        return None
    rows, cols = np.nonzero(near)
    return int(rows.min()), int(rows.max()), int(cols.min()), int(cols.max())


def test_text_shows_in_its_region_only_while_active(tmp_path: Path) -> None:
    frames = _render_text(tmp_path, {"st": 300, "d": 400, "pos": "center", "color": "#FFD700"})
    gold = (255, 215, 0)
    # 30 fps: shown on frames 9..20 (300 ms to 700 ms), absent before and after.
    assert all(_text_box(f, gold) is None for f in frames[:9] + frames[21:])
    for frame in frames[9:21]:
        box = _text_box(frame, gold)
        assert box is not None
        top, bottom, left, right = box
        assert top < H / 2 < bottom
        assert abs((left + right) / 2 - W / 2) < W * 0.1


def test_fade_ramps_the_text_in(tmp_path: Path) -> None:
    frames = _render_text(tmp_path, {"pos": "center", "fade": 300})
    brightness = [float(f[..., 0].astype(float).max(axis=1).mean()) for f in frames]
    assert brightness[0] < brightness[5] < brightness[15]
    assert brightness[-1] < brightness[15]


def test_safe_area_can_be_turned_off(tmp_path: Path) -> None:
    options = RenderOptions(quality="low", resolution="540p", safe_area=False)
    frame = _render_text(tmp_path, {"pos": [0.5, 0.9]}, options)[15]
    box = _text_box(frame, (255, 255, 255))
    assert box is not None
    assert (box[0] + box[1]) / 2 == pytest.approx(0.9 * H, abs=4)


def test_box_draws_a_dark_panel_behind_the_text(tmp_path: Path) -> None:
    frame = _render_text(tmp_path, {"pos": "center", "box": True})[15]
    box = _text_box(frame, (255, 255, 255))
    assert box is not None
    top, _, left, _ = box
    # Just outside the glyphs but inside the panel the picture (luma ~40) is darkened.
    panel = frame[top - 4, left : left + 20].astype(float).mean()
    assert panel < 25


def test_a_font_file_that_is_not_a_font_is_named(tmp_path: Path) -> None:
    from motionctl.mock_server.render import RenderInputError

    with pytest.raises(RenderInputError, match=r"font .*nofont\.ttf: not a readable"):
        _render_text(tmp_path, {"pos": "center"}, RenderOptions(font=tmp_path / "nofont.ttf"))


def test_text_too_long_for_the_safe_area_is_set_smaller_to_fit(tmp_path: Path) -> None:
    long_text = "A line of text far too long for one frame, wrapped and wrapped again. " * 4
    frame = _render_text(tmp_path, {"pos": "center", "text": long_text, "size": 200})[15]
    box = _text_box(frame, (255, 255, 255))
    assert box is not None
    top, bottom, left, right = box
    # Inside the 9:16 zone (no platform named): clear of the top 10 % and the bottom 25 %.
    assert top >= 0.10 * H - 1 and bottom <= 0.75 * H + 1
    assert left >= 0 and right < W
