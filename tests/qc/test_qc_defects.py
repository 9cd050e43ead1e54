"""Every kind of defect fails the clip check, naming the check; the good clip it was made from passes.

Defects are made from good clips (tests/qc/clips.py): reversed, mirrored, blackened, frozen, flattened,
audio stripped or boosted, cut, squashed, the title painted out, a corrupt band in the top rows,
bars burnt in.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import av
import pytest
from PIL import Image

from motionctl.runner.qc import AskedMotion, AskedText, ClipAssertions, Readable, Verdict, check_clip
from tests.qc import clips
from tests.qc.clips import Clip


def failed(verdict: Verdict) -> set[str]:
    return {c.name for c in verdict.failures}


@pytest.fixture(scope="module")
def good(tmp_path_factory: pytest.TempPathFactory) -> Clip:
    """A 2 s 540p tiktok clip: zoom in 20 % and pan left 10 %, a title from 0.5 s to 1.5 s, lo-fi at 40 %."""
    return clips.render(clips.asked_clip(), tmp_path_factory.mktemp("good") / "good.mp4")


def test_the_good_clip_passes_every_check(good: Clip) -> None:
    verdict = check_clip(good.path, good.asked)
    assert verdict.ok, verdict.lines()
    names = {c.name for c in verdict.checks if c.status == "passed"}
    assert {
        "format.size",
        "format.frames",
        "picture.blank",
        "picture.black",
        "picture.frozen",
        "picture.edges",
        "motion.zoom",
        "motion.pan",
        "motion.easing",
        "text.start",
        "text.end",
        "text.position",
        "text.safe_zone",
        "audio.level",
        "audio.dropouts",
        "audio.true_peak",
    } <= names


@pytest.mark.parametrize(
    ("name", "make", "expected"),
    [
        ("reversed", lambda: (clips.reverse, None), {"motion.zoom", "motion.pan", "motion.path"}),
        ("mirrored", lambda: (clips.mirror, None), {"motion.pan"}),
        ("black start", lambda: (clips.blacken(0.4), None), {"picture.black"}),
        ("frozen", lambda: (clips.freeze(0.4, 1.0), None), {"picture.frozen"}),
        ("flat grey", lambda: (clips.flatten, None), {"picture.blank"}),
        ("cut short", lambda: (clips.cut(0.5), None), {"format.duration", "format.frames"}),
        ("squashed", lambda: (clips.squash(540, 800), None), {"format.size"}),
        ("corrupt top rows", lambda: (clips.band(4), None), {"picture.edges"}),
        ("bars burnt in", lambda: (clips.letterbox(60), None), {"picture.bars"}),
        ("audio stripped", lambda: (None, lambda s: None), {"format.audio"}),
        ("audio 3x as loud", lambda: (None, clips.louder(3.0)), {"audio.level"}),
        ("a dropout", lambda: (None, clips.silence(0.9, 0.2)), {"audio.dropouts"}),
        ("an unasked fade", lambda: (None, clips.fade_out(1.0)), {"audio.fades"}),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_a_defect_fails_its_check(good: Clip, tmp_path: Path, name: str, make, expected: set[str]) -> None:  # type: ignore[no-untyped-def]
    frames_fn, audio_fn = make()
    bad = clips.defect(good, tmp_path / "bad.mp4", frames_fn, audio_fn)  # an audio_fn giving None strips it
    verdict = check_clip(bad.path, bad.asked)
    assert expected <= failed(verdict), verdict.lines()


def test_an_audio_stream_that_does_not_decode_fails_instead_of_dropping_the_audio_checks(
    good: Clip, tmp_path: Path
) -> None:
    # Every AAC packet overwritten in place: the container still lists the stream, the decoder refuses it.
    data = bytearray(good.path.read_bytes())
    with av.open(str(good.path)) as container:
        for packet in container.demux(container.streams.audio[0]):
            if packet.pos is not None and packet.size:
                data[packet.pos : packet.pos + packet.size] = b"\xff" * packet.size
    bad = tmp_path / "bad-audio.mp4"
    bad.write_bytes(bytes(data))
    verdict = check_clip(bad, good.asked)
    assert "audio.decodes" in failed(verdict), verdict.lines()
    assert "does not decode" in next(c.measured for c in verdict.failures if c.name == "audio.decodes")


def test_a_title_painted_out_fails_the_text_checks(good: Clip, tmp_path: Path) -> None:
    bad = clips.defect(good, tmp_path / "bad.mp4", clips.paint_out(good.asked))
    verdict = check_clip(bad.path, bad.asked)
    assert failed(verdict) & {"text.start", "text.end", "text.shown"}, verdict.lines()
    assert not failed(verdict) - {"text.start", "text.end", "text.shown", "text.position", "text.safe_zone"}


def test_the_4_5_band_in_the_top_rows_fails_on_an_instagram_feed_clip(tmp_path: Path) -> None:
    # The bug a new user hit: every instagram-feed clip (1080x1350) had green/magenta rows 0-3.
    asked = clips.asked_clip(aspect="4:5", platform="instagram-feed", texts=(), music=None)
    good = clips.render(asked, tmp_path / "feed.mp4")
    assert check_clip(good.path, asked).ok
    bad = clips.defect(good, tmp_path / "band.mp4", clips.band(4))
    verdict = check_clip(bad.path, asked)
    assert failed(verdict) == {"picture.edges"}, verdict.lines()
    assert "top edge" in next(c.measured for c in verdict.failures)


def test_a_truncated_file_does_not_decode_whole(good: Clip, tmp_path: Path) -> None:
    data = good.path.read_bytes()
    bad = tmp_path / "truncated.mp4"
    bad.write_bytes(data[: len(data) * 2 // 3])
    assert {"format.frames"} <= failed(check_clip(bad, good.asked))


@pytest.mark.parametrize(
    ("render", "expected"),
    [
        ({"motion": AskedMotion(zoom=(1.0, 1.2), pan=(-0.1, 0.0), easing="linear")}, {"motion.easing"}),
        ({"motion": AskedMotion(zoom=(1.0, 1.2), pan=(-0.1, 0.0), roll=(0.0, -3.0))}, {"motion.roll"}),
        ({"motion": AskedMotion(zoom=(1.0, 1.1), pan=(-0.1, 0.0))}, {"motion.zoom"}),
        ({"motion": AskedMotion(zoom=(1.0, 1.2), pan=(-0.1, 0.0), duration_ms=800)}, {"motion.path"}),
        ({"texts": (AskedText("Timeless.", 900, 600, "bottom", 64),)}, {"text.start"}),
        ({"texts": (AskedText("Timeless.", 500, 1000, "top", 64),)}, {"text.position"}),
    ],
    ids=["easing", "roll", "zoom amount", "move too short", "title late", "title at the top"],
)
def test_the_renderer_doing_something_else_fails_the_check(
    good: Clip,
    tmp_path: Path,
    render: dict,  # type: ignore[type-arg]
    expected: set[str],
) -> None:
    other = clips.render(good.asked, tmp_path / "other.mp4", **render)
    verdict = check_clip(other.path, good.asked)
    assert expected <= failed(verdict), verdict.lines()


def test_text_outside_the_safe_zone_fails(good: Clip, tmp_path: Path) -> None:
    # Rendered without the safe zone, "bottom" sits 2 % from the frame's edge, under TikTok's caption.
    other = clips.render(good.asked, tmp_path / "unsafe.mp4", safe_area=False)
    assert {"text.safe_zone", "text.position"} <= failed(check_clip(other.path, good.asked))


def test_a_focus_on_the_other_side_fails(tmp_path: Path) -> None:
    asked = clips.asked_clip(motion=AskedMotion(zoom=(1.0, 1.3), focus=(0.3, 0.5)), texts=(), music=None)
    good = clips.render(asked, tmp_path / "focus.mp4")
    assert check_clip(good.path, asked).ok
    other = clips.render(asked, tmp_path / "other.mp4", motion=AskedMotion(zoom=(1.0, 1.3), focus=(0.7, 0.5)))
    assert "motion.focus" in failed(check_clip(other.path, asked))


def test_a_still_clip_asked_to_move_fails_and_a_hold_asked_for_is_no_freeze(tmp_path: Path) -> None:
    moving = clips.asked_clip(texts=(), music=None, motion=AskedMotion(zoom=(1.0, 1.2), duration_ms=600))
    held = clips.render(moving, tmp_path / "held.mp4")
    verdict = check_clip(held.path, moving)
    assert verdict.ok, verdict.lines()  # still for 1.4 s after the move: asked, so not a freeze
    still = clips.render(moving, tmp_path / "still.mp4", motion=AskedMotion())
    assert {"motion.zoom", "picture.frozen"} <= failed(check_clip(still.path, moving))


def test_a_flat_picture_asked_for_is_not_a_blank_clip(tmp_path: Path) -> None:
    # The recipe's own image is flat: a flat clip is what it asked, so blank is not judged.
    image = tmp_path / "flat.png"
    Image.new("RGB", (1080, 1920), (128, 128, 128)).save(image)
    asked = clips.asked_clip(image=image, texts=(), music=None)
    verdict = check_clip(clips.render(asked, tmp_path / "flat.mp4").path, asked)
    assert verdict.ok, verdict.lines()
    assert next(c for c in verdict.checks if c.name == "picture.blank").status == "not_checked"


def test_the_wrong_container_and_rate_fail_the_format(good: Clip, tmp_path: Path) -> None:
    frames, samples, _ = clips.read(good.path)
    slow = clips.write(tmp_path / "25fps.mp4", frames, samples, 25.0)
    assert {"format.fps", "format.duration"} <= failed(check_clip(slow, good.asked))
    webm = replace(good.asked, format="webm")
    assert {"format.container", "format.codec"} <= failed(check_clip(good.path, webm))


def test_a_file_that_is_not_a_clip_fails_the_container_check(good: Clip, tmp_path: Path) -> None:
    junk = tmp_path / "junk.mp4"
    junk.write_text("not a video")
    verdict = check_clip(junk, good.asked)
    assert failed(verdict) == {"format.container"}
    assert "unreadable" in verdict.failures[0].measured


@pytest.mark.parametrize("title", ["SALE 50% 👟", "夏季大促销 全场五折", "夏のセール、はじまる"])
def test_reading_at_the_full_level_catches_a_one_letter_change(tmp_path: Path, title: str) -> None:
    asked = clips.asked_clip(texts=(AskedText(title, 500, 1000, "bottom", 64),), music=None)
    clip = clips.render(asked, tmp_path / "title.mp4")
    verdict = check_clip(clip.path, asked, "full")
    assert verdict.ok, verdict.lines()
    assert next(c for c in verdict.checks if c.name == "text.spelling").status == "passed"
    typo = title.replace("5", "3").replace("夏", "冬")
    wrong = replace(asked, texts=(AskedText(typo, 500, 1000, "bottom", 64),))
    assert check_clip(clip.path, wrong).ok  # the fast level finds a title where one was asked: no reading
    assert failed(check_clip(clip.path, wrong, "full")) == {"text.spelling"}


def test_a_text_readable_at_a_time_is_read_at_the_full_level(good: Clip) -> None:
    asked = replace(good.asked, assertions=(ClipAssertions("step 5 (expect)", readable=(
        Readable("Timeless.", 1000), Readable("Sold out", 1000))),))
    verdict = check_clip(good.path, asked, "full")
    readable = {c.subject: c.status for c in verdict.checks if c.name == "expect.readable"}
    assert readable == {"'Timeless.' at 1 s": "passed", "'Sold out' at 1 s": "failed"}
    fast = check_clip(good.path, asked)
    assert {c.status for c in fast.checks if c.name == "expect.readable"} == {"not_checked"}


@pytest.mark.parametrize("position", [(0.5, 0.01), (0.04, 0.5), "bottom"])
def test_a_text_placed_off_the_safe_zone_on_purpose_passes(tmp_path: Path, position: object) -> None:
    # keep_safe: false — cut off at the frame's edge where it runs off: only its visible part is measured.
    asked = clips.asked_clip(texts=(AskedText("Edge to edge", 500, 1000, position, 64, keep_safe=False),),
                             music=None)
    verdict = check_clip(clips.render(asked, tmp_path / "edge.mp4").path, asked)
    assert verdict.ok, verdict.lines()
