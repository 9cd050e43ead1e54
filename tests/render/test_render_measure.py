"""Text that cannot be drawn whole is refused, never cut; and what measure.py says before a render is what
the render does (issue 18: a promo code at size 200 showed only "026FREESHIPPINGW" and the job said ok)."""

from __future__ import annotations

from pathlib import Path

import pytest

from motionctl.mock_server.render import RenderInputError, RenderOptions, render_draft
from motionctl.mock_server.render.geometry import ASPECTS, frame_size
from motionctl.mock_server.render.measure import UPSCALE_LIMIT, text_problem, upscale_factor
from motionctl.mock_server.render.text import prepare_overlay
from motionctl.mock_server.render.timeline import read_timeline
from tests.render.video_checks import marker_picture, video_draft

PROMO = "026FREESHIPPINGWEEKEND"


def _text_track(text: str, **extra: object) -> dict[str, object]:
    return {"tt": 7, "sg": [{"st": 0, "d": 100, "text": text, **extra}]}


def test_a_word_wider_than_the_safe_zone_fails_the_render_naming_it(tmp_path: Path) -> None:
    picture = marker_picture(tmp_path / "pic.png", size=(540, 960))
    draft = video_draft(None, ms=100, extra_tracks=[_text_track(f"Use {PROMO}", size=200, pos="center")])
    draft["m"]["platform"] = "tiktok"
    with pytest.raises(RenderInputError) as caught:
        render_draft(draft, {"cdn://pic": picture}, tmp_path / "c.mp4", RenderOptions(quality="low",
                                                                                      resolution="540p"))
    message = str(caught.value)
    assert message.startswith(f"draft.t[1].sg[0].text: '{PROMO}' is ")
    assert "wider than the safe zone of tiktok" in message and "a single word is not wrapped" in message
    # The size it suggests (in the draft's units, whatever the resolution) does fit.
    fits = int(message.split("use size ")[1].split(" ")[0])
    assert text_problem(PROMO, size=fits, position="center", ratio="9:16", platform="tiktok") is None
    assert text_problem(PROMO, size=fits + 6, position="center", ratio="9:16", platform="tiktok") is not None
    assert not (tmp_path / "c.mp4").exists()


def test_keep_safe_false_still_refuses_a_word_wider_than_the_frame(tmp_path: Path) -> None:
    found = text_problem(PROMO * 2, size=120, position="top", ratio="16:9", platform=None, keep_safe=False)
    assert found is not None and found.field == "content"
    assert "wider than the frame (" in found.message


CASES = [
    ("Timeless.", 64, "center"), ("Acme Chrono — 30% off this week", 64, "bottom"), (PROMO, 200, "top"),
    ("春季新品上市", 90, "top"), ("搶購", 64, "center"), ("Big headline", 120, (0.5, 0.12)),
    ("Big headline", 100, (0.45, 0.5)), ("Corner", 64, (0.1, 0.9)), ("Corner", 64, (0.15, 0.85)),
    ("A long title that wraps onto two lines", 110, (0.5, 0.7)), ("Café Crème", 96, (0.88, 0.5)),
]


@pytest.mark.parametrize("ratio, platform", [("9:16", "tiktok"), ("4:5", "instagram-feed"), ("16:9", None)])
@pytest.mark.parametrize("text, size, position", CASES)
def test_measuring_before_a_render_agrees_with_the_render(
    ratio: str, platform: str | None, text: str, size: int, position: str | tuple[float, float]
) -> None:
    pos: object = list(position) if isinstance(position, tuple) else position
    draft = video_draft(None, aspect=ratio, extra_tracks=[_text_track(text, size=size, pos=pos)])
    if platform:
        draft["m"]["platform"] = platform
    timeline = read_timeline(draft)
    for resolution in ("1080p", "540p"):
        frame = frame_size(ASPECTS[ratio], resolution)
        try:
            prepare_overlay(timeline.text[0], frame, 30, 1080, None, platform=platform)
            refused = None
        except RenderInputError as exc:
            refused = exc.detail
        found = text_problem(text, size=size, position=position, ratio=ratio, platform=platform)
        if resolution == "1080p":  # the frame measure.py measures on: the very same words
            assert (found.message if found else None) == refused
        else:  # the same verdict; its figures are in that frame's pixels
            assert (found is None) == (refused is None), refused


def test_the_upscale_factor_is_the_cover_fit_times_the_move() -> None:
    # Issue 18's 600x400 photo on a 1080x1920 frame: 1920 / 400 = 4.8, and a 10% zoom-in on top.
    assert upscale_factor((600, 400), "9:16", "1080p") == pytest.approx(4.8)
    assert upscale_factor((600, 400), "9:16", "1080p", {"zoom": [1.0, 1.1]}) == pytest.approx(5.28)
    assert upscale_factor((600, 400), "9:16", "540p") == pytest.approx(2.4)
    # A pan along the tight axis needs extra zoom to keep the frame covered, and it counts.
    panned = upscale_factor((1920, 1080), "16:9", "1080p", {"pan": [0.2, 0.0]})
    assert panned == pytest.approx(1.2, abs=0.01)
    assert upscale_factor((1600, 1200), "9:16", "1080p", {"zoom": [1.0, 1.1]}) < UPSCALE_LIMIT
