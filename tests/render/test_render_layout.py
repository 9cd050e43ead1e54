"""Where text lands, measured in decoded frames: per platform's safe zone, named positions, {x, y}."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest

from motionctl import specs as motionctl_specs
from motionctl.mock_server import drafts
from motionctl.mock_server.interpreter import interpret
from motionctl.mock_server.render import RenderInputError, RenderOptions, render_draft
from tests.render.video_checks import decode_rgb, marker_picture, video_draft

PREVIEW = RenderOptions(quality="low", resolution="540p")
ZONES = motionctl_specs.load("safe-zones.json")
COLOURS = {"top": (255, 0, 0), "center": (0, 255, 0), "bottom": (0, 0, 255)}
SIZES = {"9:16": (540, 960), "4:5": (540, 676), "1:1": (540, 540), "16:9": (960, 540)}


def _frame(
    tmp_path: Path, aspect: str, platform: str | None, texts: list[dict[str, Any]]
) -> npt.NDArray[np.uint8]:
    picture = marker_picture(tmp_path / "plain.png", marker=0)
    track = {"tt": 7, "sg": [{"st": 0, "d": 300, "size": 56, **t} for t in texts]}
    draft = video_draft(None, ms=300, aspect=aspect, extra_tracks=[track])
    if platform:
        draft["m"]["platform"] = platform
    out = tmp_path / "clip.mp4"
    render_draft(draft, {"cdn://pic": picture}, out, PREVIEW)
    frames = decode_rgb(out)
    return frames[len(frames) // 2]


def _ink(frame: npt.NDArray[np.uint8], colour: tuple[int, int, int]) -> tuple[int, int, int, int]:
    """(top, bottom, left, right) of the pixels close to ``colour``."""
    near = np.abs(frame.astype(int) - colour).max(axis=2) < 70
    assert near.sum() > 30, f"no text in {colour}"
    rows, cols = np.nonzero(near)
    return int(rows.min()), int(rows.max()), int(cols.min()), int(cols.max())


@pytest.mark.parametrize(
    "platform", ["tiktok", "reels", "shorts", "instagram-feed", "instagram-square", "youtube"]
)
def test_named_positions_land_on_the_edges_of_the_platforms_safe_zone(tmp_path: Path, platform: str) -> None:
    zone = ZONES["platforms"][platform]
    aspect = zone["aspect"]
    width, height = SIZES[aspect]
    texts = [
        {"text": "Sale now", "pos": pos, "color": "#{:02X}{:02X}{:02X}".format(*c)}
        for pos, c in COLOURS.items()
    ]
    frame = _frame(tmp_path, aspect, platform, texts)
    top_edge, bottom_edge = zone["top"] * height, (1 - zone["bottom"]) * height
    # The outline, a 2 px pad and chroma blur sit between the block's edge and the coloured ink: < 10 px.
    top = _ink(frame, COLOURS["top"])
    assert top_edge <= top[0] <= top_edge + 10
    bottom = _ink(frame, COLOURS["bottom"])
    assert bottom_edge - 10 <= bottom[1] <= bottom_edge
    centre = _ink(frame, COLOURS["center"])
    assert (centre[0] + centre[1]) / 2 == pytest.approx(height / 2, abs=6)
    for box in (top, centre, bottom):  # and horizontally inside the zone (TikTok's right rail included)
        assert box[2] >= zone["left"] * width - 1 and box[3] <= (1 - zone["right"]) * width + 1


def test_bottom_on_tiktok_sits_just_above_the_caption_not_over_the_product(tmp_path: Path) -> None:
    frame = _frame(tmp_path, "9:16", "tiktok", [{"text": "Sale now", "pos": "bottom", "color": "#0000FF"}])
    _, bottom, _, _ = _ink(frame, COLOURS["bottom"])
    assert 0.74 < bottom / 960 <= 0.77  # was ~0.60 when every 9:16 clip used Meta's 35 % bottom margin


def test_a_bare_ratio_uses_its_aspects_zone(tmp_path: Path) -> None:
    frame = _frame(tmp_path, "9:16", None, [{"text": "Sale now", "pos": "bottom", "color": "#0000FF"}])
    _, bottom, _, _ = _ink(frame, COLOURS["bottom"])
    assert bottom <= (1 - ZONES["aspects"]["9:16"]["bottom"]) * 960
    assert bottom >= (1 - ZONES["aspects"]["9:16"]["bottom"]) * 960 - 10


@pytest.mark.parametrize(("x", "y"), [(0.5, 0.7), (0.3, 0.2), (0.6, 0.5)])
def test_explicit_coordinates_inside_the_zone_are_honoured_exactly(
    tmp_path: Path, x: float, y: float
) -> None:
    frame = _frame(tmp_path, "9:16", "tiktok", [{"text": "Hi", "pos": [x, y], "color": "#00FF00"}])
    top, bottom, left, right = _ink(frame, COLOURS["center"])
    assert (left + right) / 2 == pytest.approx(x * 540, abs=3)
    assert (top + bottom) / 2 == pytest.approx(y * 960, abs=4)


def test_explicit_coordinates_outside_the_zone_are_refused_not_moved(tmp_path: Path) -> None:
    with pytest.raises(RenderInputError) as caught:
        _frame(tmp_path, "9:16", "tiktok", [{"text": "Hi", "pos": [0.1, 0.9]}])
    message = str(caught.value)
    assert message.startswith("draft.t[1].sg[0].pos: the text centred at 10% 90%")
    assert "safe zone of tiktok (x 6%..86%, y 8%..77%" in message and "keep_safe: false" in message
    assert not (tmp_path / "clip.mp4").exists()


def test_keep_safe_false_places_the_text_where_asked(tmp_path: Path) -> None:
    frame = _frame(
        tmp_path, "9:16", "tiktok", [{"text": "Hi", "pos": [0.5, 0.9], "safe": False, "color": "#00FF00"}]
    )
    top, bottom, left, right = _ink(frame, COLOURS["center"])
    assert (top + bottom) / 2 == pytest.approx(0.9 * 960, abs=4)
    # At the frame's edge the text is cut off there, not pulled back in.
    frame = _frame(
        tmp_path, "9:16", "tiktok", [{"text": "Hello", "pos": [0.0, 0.5], "safe": False, "color": "#00FF00"}]
    )
    top, bottom, left, right = _ink(frame, COLOURS["center"])
    assert left < 10 and 10 < right < 80  # half of "Hello" shows: it was cut, not moved right


def test_unknown_platform_in_a_draft_is_named(tmp_path: Path) -> None:
    with pytest.raises(
        RenderInputError, match=r"draft.m.platform: unknown platform 'myspace'; known: tiktok"
    ):
        _frame(tmp_path, "9:16", "myspace", [{"text": "Hi", "pos": "top"}])


def test_the_aspect_sentence_for_a_platform_carries_it_into_the_draft() -> None:
    draft = drafts.new_draft()
    result = interpret("Set the aspect ratio to 9:16 for tiktok.", draft, [])
    assert result.understood and result.draft["m"]["platform"] == "tiktok"
    assert result.draft["m"]["aspect"] == "9:16"
    plain = interpret("Set the aspect ratio to 16:9.", result.draft, [])
    assert "platform" not in plain.draft["m"]
    wrong = interpret("Set the aspect ratio to 16:9 for tiktok.", draft, [])
    assert not wrong.understood and "tiktok takes 9:16, not 16:9" in wrong.reply


def test_ignoring_the_safe_zone_is_a_clause_of_the_text_sentence() -> None:
    draft = drafts.set_duration(drafts.new_draft(), 3000)
    sentence = 'Add the text "Hi" from 0s for 1s at 10% 90%, size 40, ignoring the safe zone.'
    result = interpret(sentence, draft, [])
    assert result.understood
    (segment,) = drafts.track(result.draft, 7)["sg"]  # type: ignore[index]
    assert segment["safe"] is False and segment["pos"] == [0.1, 0.9] and segment["size"] == 40
