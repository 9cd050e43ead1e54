"""Text overlays: where the text shows, when, and that it stays inside the platform's safe area."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from mock_server.render import RenderOptions, render_draft
from mock_server.render.timeline import TextSegment
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


@pytest.mark.parametrize("pos", ["top", "bottom", [0.5, 0.97], [0.5, 0.02]])
def test_text_stays_inside_the_9_16_safe_area(tmp_path: Path, pos: object) -> None:
    frame = _render_text(tmp_path, {"pos": pos})[15]
    box = _text_box(frame, (255, 255, 255))
    assert box is not None
    top, bottom, _, _ = box
    # Clear of the top 14 % (status, search) and the bottom 35 % (caption, buttons).
    assert top >= 0.14 * H - 1
    assert bottom <= 0.65 * H + 1


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


DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
needs_dejavu = pytest.mark.skipif(not DEJAVU.is_file(), reason="no DejaVu Sans on this machine")


@pytest.fixture
def fonts_found_at(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., None]]:
    """Make the system-font search see only the given files (no fontconfig), so tests do not depend on
    what this machine has installed."""
    from mock_server.render import fonts

    def only(*paths: Path) -> None:
        monkeypatch.setattr(fonts.shutil, "which", lambda name: None)
        monkeypatch.setattr(fonts, "WELL_KNOWN_FONTS", paths)
        fonts.system_font_for.cache_clear()

    yield only
    fonts.system_font_for.cache_clear()


def _segment(text: str) -> TextSegment:
    return TextSegment(text, 0, 1000, "center", None, "#FFFFFF", False, 0, "draft.t[1].sg[0]")


def test_default_font_gets_readable_stand_ins_for_missing_glyphs() -> None:
    from mock_server.render.fonts import with_stand_ins

    assert with_stand_ins("Café — 30% off €5 “naïve”") == "Cafe - 30% off EUR5 “naive”"
    assert with_stand_ins("夏季促销 sale") == " sale"


def test_ascii_text_keeps_the_embedded_font_without_a_search(fonts_found_at: Callable[..., None]) -> None:
    from mock_server.render.text import _font_and_content

    fonts_found_at(Path("/nowhere/NoFont.ttf"))
    assert _font_and_content(_segment("Summer sale 30% off"), None) == (None, "Summer sale 30% off")


@needs_dejavu
def test_text_the_embedded_font_lacks_gets_a_system_font_that_has_the_glyphs(
    fonts_found_at: Callable[..., None],
) -> None:
    from mock_server.render.text import _font_and_content

    fonts_found_at(Path("/nowhere/NoFont.ttf"), DEJAVU)
    assert _font_and_content(_segment("Café — €5"), None) == (DEJAVU, "Café — €5")


@needs_dejavu
def test_a_font_without_the_glyphs_is_not_chosen(
    fonts_found_at: Callable[..., None], caplog: pytest.LogCaptureFixture
) -> None:
    from mock_server.render.text import _font_and_content

    fonts_found_at(DEJAVU)  # DejaVu Sans has no Han characters: stand-ins, and a warning that says why
    with caplog.at_level(logging.WARNING, logger="mock_server.render.text"):
        assert _font_and_content(_segment("夏季促销 — sale"), None) == (None, " - sale")
    (record,) = caplog.records
    message = record.getMessage()
    assert message.startswith("draft.t[1].sg[0].text: no font on this machine draws '夏季促销")
    assert "RenderOptions.font" in message and "\n" not in message


def test_with_no_system_font_the_text_gets_stand_ins(
    fonts_found_at: Callable[..., None], caplog: pytest.LogCaptureFixture
) -> None:
    from mock_server.render.text import _font_and_content

    fonts_found_at(Path("/nowhere/NoFont.ttf"))
    with caplog.at_level(logging.WARNING, logger="mock_server.render.text"):
        assert _font_and_content(_segment("Café — €5"), None) == (None, "Cafe - EUR5")
    assert "no font on this machine draws 'é—€'" in caplog.text


def test_a_given_font_wins_over_the_search(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from mock_server.render.text import _font_and_content

    def no_search(chars: str) -> Path | None:
        raise AssertionError("searched for a system font although one was given")

    monkeypatch.setattr("mock_server.render.text.system_font_for", no_search)
    given = tmp_path / "brand.ttf"
    assert _font_and_content(_segment("夏季促销"), given) == (given, "夏季促销")


@needs_dejavu
def test_accented_text_renders_with_the_system_font(
    tmp_path: Path, fonts_found_at: Callable[..., None]
) -> None:
    fonts_found_at(DEJAVU)
    found = _text_box(_render_text(tmp_path, {"pos": "center", "text": "Café"})[15], (255, 255, 255))
    pinned = RenderOptions(quality="low", resolution="540p", font=DEJAVU)
    given = _text_box(_render_text(tmp_path, {"pos": "center", "text": "Café"}, pinned)[15], (255, 255, 255))
    assert found is not None and found == given


def test_a_font_file_is_used_and_a_bad_one_is_named(tmp_path: Path) -> None:
    from mock_server.render import RenderInputError

    with pytest.raises(RenderInputError, match=r"font .*nofont\.ttf: not a readable"):
        _render_text(tmp_path, {"pos": "center"}, RenderOptions(font=tmp_path / "nofont.ttf"))
    if not DEJAVU.is_file():
        pytest.skip("no DejaVu font on this machine")
    options = RenderOptions(quality="low", resolution="540p", font=DEJAVU)
    with_font = _text_box(_render_text(tmp_path, {"pos": "center"}, options)[15], (255, 255, 255))
    default = _text_box(_render_text(tmp_path, {"pos": "center"})[15], (255, 255, 255))
    assert with_font is not None and default is not None
    assert with_font != default  # another face, other glyph extents


def test_text_too_long_for_the_safe_area_is_set_smaller_to_fit(tmp_path: Path) -> None:
    long_text = "A line of text far too long for one frame, wrapped and wrapped again. " * 4
    frame = _render_text(tmp_path, {"pos": "center", "text": long_text, "size": 200})[15]
    box = _text_box(frame, (255, 255, 255))
    assert box is not None
    top, bottom, left, right = box
    assert top >= 0.14 * H - 1 and bottom <= 0.65 * H + 1
    assert left >= 0 and right < W
