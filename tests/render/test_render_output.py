"""The written file as a player sees it: container, codec, profile, size, rate, duration, audio, formats."""

from __future__ import annotations

import threading
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image

from motionctl.mock_server.render import RenderInputError, RenderOptions, render_draft
from motionctl.mock_server.render.preview import contact_sheet
from tests.render.video_checks import decode_luma, marker_picture, stream_seconds, video_draft

PREVIEW = RenderOptions(quality="low", resolution="540p")
MUSIC = {"tt": 1, "sg": [{"st": 0, "d": 1000, "src": "mood:lo-fi", "vol": 100, "fo": 300}]}


@pytest.fixture
def picture(tmp_path: Path) -> Path:
    return marker_picture(tmp_path / "pic.png", size=(2160, 3840), at=(0.5, 0.5), marker=48)


@pytest.mark.slow
def test_full_size_9_16_mp4_is_h264_high_with_aac(tmp_path: Path, picture: Path) -> None:
    out = tmp_path / "clip.mp4"
    draft = video_draft({"zoom": [1.0, 1.15], "pan": [0.04, 0]}, extra_tracks=[MUSIC])
    result = render_draft(draft, {"cdn://pic": picture}, out, RenderOptions())

    assert (result.width, result.height, result.fps, result.has_audio) == (1080, 1920, 30.0, True)
    assert result.size_bytes == out.stat().st_size
    with av.open(str(out)) as container:
        video, audio = container.streams.video[0], container.streams.audio[0]
        assert video.codec_context.name == "h264"
        assert video.codec_context.profile == "High"
        assert video.codec_context.pix_fmt == "yuv420p"
        assert (video.codec_context.width, video.codec_context.height) == (1080, 1920)
        assert video.average_rate == 30
        assert video.frames == 30
        assert stream_seconds(video) == pytest.approx(1.0, abs=0.034)
        assert audio.codec_context.name == "aac"
        assert audio.codec_context.sample_rate == 48_000
        assert audio.codec_context.channels == 2
        assert stream_seconds(audio) == pytest.approx(1.0, abs=0.05)
    head = out.read_bytes()[:4096]
    assert b"moov" in head  # +faststart: the index comes before the media data
    assert not list(tmp_path.glob(".*part*"))

    sheet = contact_sheet(out, tmp_path / "sheet.png")
    assert sheet.stat().st_size > 0


@pytest.mark.parametrize(("aspect", "size"), [("1:1", (540, 540)), ("4:5", (540, 676)), ("16:9", (960, 540))])
def test_aspect_ratios_and_cover_fit(
    tmp_path: Path, picture: Path, aspect: str, size: tuple[int, int]
) -> None:
    out = tmp_path / "clip.mp4"
    result = render_draft(video_draft(None, aspect=aspect, ms=200), {"cdn://pic": picture}, out, PREVIEW)
    frames = decode_luma(out)
    assert (result.width, result.height) == size
    assert frames[0].shape == (size[1], size[0])
    # Cover fit: the whole frame is picture (no black bars), the marker in the middle.
    edges = [frames[0][0], frames[0][-1], frames[0][:, 0], frames[0][:, -1]]
    assert min(float(edge.mean()) for edge in edges) > 35
    bright = np.argwhere(frames[0] > 150).mean(axis=0)
    assert bright == pytest.approx((size[1] / 2, size[0] / 2), abs=1.5)


def test_fps_and_duration_follow_the_draft(tmp_path: Path, picture: Path) -> None:
    out = tmp_path / "clip.mp4"
    result = render_draft(video_draft(None, ms=1500, fps=24), {"cdn://pic": picture}, out, PREVIEW)
    assert (result.fps, result.duration_s, result.has_audio) == (24.0, 1.5, False)
    with av.open(str(out)) as container:
        video = container.streams.video[0]
        assert video.average_rate == 24
        assert video.frames == 36
        assert not container.streams.audio


def test_progress_rises_to_one(tmp_path: Path, picture: Path) -> None:
    seen: list[float] = []
    render_draft(video_draft(None, ms=300), {"cdn://pic": picture}, tmp_path / "c.mp4", PREVIEW, seen.append)
    assert seen == sorted(seen)
    assert seen[-1] == 1.0


def test_a_failed_render_leaves_no_file(tmp_path: Path, picture: Path) -> None:
    def explode(fraction: float) -> None:
        if fraction > 0.5:
            raise RuntimeError("stop")

    out = tmp_path / "clip.mp4"
    with pytest.raises(RuntimeError):
        render_draft(video_draft(None, ms=500), {"cdn://pic": picture}, out, PREVIEW, explode)
    assert list(tmp_path.iterdir()) == [picture]


def test_concurrent_renders_are_independent(tmp_path: Path, picture: Path) -> None:
    draft = video_draft({"zoom": [1.0, 1.2], "roll": [0, 5]}, ms=500)
    outs = [tmp_path / f"clip{i}.mp4" for i in range(3)]
    errors: list[BaseException] = []

    def run(out: Path) -> None:
        try:
            render_draft(draft, {"cdn://pic": picture}, out, PREVIEW)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(out,)) for out in outs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    first, *others = (decode_luma(out) for out in outs)
    for frames in others:
        assert len(frames) == len(first) == 15
        assert max(int(np.abs(a.astype(int) - b).max()) for a, b in zip(first, frames, strict=True)) <= 2


@pytest.mark.parametrize(
    ("fmt", "video_codec", "audio_codec"),
    [("webm", "vp9", "opus"), ("mov", "h264", "aac"), ("gif", "gif", None)],
)
def test_other_formats(
    tmp_path: Path, picture: Path, fmt: str, video_codec: str, audio_codec: str | None
) -> None:
    out = tmp_path / f"clip.{fmt}"
    draft = video_draft({"zoom": [1.0, 1.1]}, extra_tracks=[MUSIC])
    options = RenderOptions(format=fmt, quality="low", resolution="540p")  # type: ignore[arg-type]
    result = render_draft(draft, {"cdn://pic": picture}, out, options)
    assert result.has_audio == (audio_codec is not None)
    with av.open(str(out)) as container:
        assert container.streams.video[0].codec_context.name == video_codec
        assert [s.codec_context.name for s in container.streams.audio] == (
            [audio_codec] if audio_codec else []
        )
        frames = list(container.decode(video=0))
        assert (frames[0].width, frames[0].height) == (540, 960)
        # gif plays at 15 fps with delays in 1/100 s that add up to the clip's length (Pillow merges
        # identical neighbours into one longer frame, so the container's duration is what counts).
        assert container.duration is not None
        assert container.duration / 1e6 == pytest.approx(1.0, abs=0.04)


@pytest.mark.parametrize(
    ("draft", "media", "message"),
    [
        ({"t": [{"tt": 7, "sg": [{"st": 0, "d": 1000, "text": "hi"}]}]}, {}, "no video segment"),
        (video_draft(None), {}, r"t\[0\]\.sg\[0\]\.src: no local file for 'cdn://pic'"),
        (video_draft(None), {"cdn://pic": Path("/nonexistent/x.jpg")}, "cannot read"),
        (
            video_draft(None, extra_tracks=[{"tt": 1, "sg": [{"st": 0, "d": 500, "src": "mood:polka"}]}]),
            None,
            "unknown mood",
        ),
        # A pan of 20 frame widths cannot be covered by the picture: refused, never drawn with a border.
        (video_draft({"pan": [20, 0]}), None, r"^draft\.t\[0\]\.sg\[0\]\.motion: this pan, roll or zoom-out"),
    ],
)
def test_bad_input_is_one_clear_line(
    tmp_path: Path, picture: Path, draft: dict[str, object], media: dict[str, Path] | None, message: str
) -> None:
    with pytest.raises(RenderInputError, match=message) as caught:
        render_draft(
            draft, media if media is not None else {"cdn://pic": picture}, tmp_path / "c.mp4", PREVIEW
        )
    assert "\n" not in str(caught.value)
    assert not (tmp_path / "c.mp4").exists()


def test_unreadable_image_is_named(tmp_path: Path) -> None:
    bogus = tmp_path / "photo.jpg"
    bogus.write_bytes(b"not an image at all")
    with pytest.raises(RenderInputError, match="image cdn://pic: not a readable"):
        render_draft(video_draft(None), {"cdn://pic": bogus}, tmp_path / "c.mp4", PREVIEW)


@pytest.mark.parametrize(("container", "codec"), [("mp4", "libx264"), ("webm", "libvpx-vp9")])
def test_contact_sheet_shows_the_first_middle_and_last_frame(
    tmp_path: Path, container: str, codec: str
) -> None:
    # Nine frames, each one grey level brighter: the sheet's panels must be frames 0, 4 and 8 (webm states
    # no frame count, so the sheet counts them itself).
    video = tmp_path / f"levels.{container}"
    levels = [20 + 25 * i for i in range(9)]
    with av.open(str(video), mode="w") as out:
        stream = out.add_stream(codec, rate=10)
        stream.width, stream.height, stream.pix_fmt = 64, 64, "yuv420p"
        for level in levels:
            rgb = np.full((64, 64, 3), level, dtype=np.uint8)
            out.mux(stream.encode(av.VideoFrame.from_ndarray(rgb, format="rgb24")))
        out.mux(stream.encode(None))
    sheet = np.asarray(Image.open(contact_sheet(video, tmp_path / "sheet.png", height=64)).convert("L"))
    panels = [float(sheet[:, x0 : x0 + 64].mean()) for x0 in (0, 72, 144)]
    assert panels == pytest.approx([levels[0], levels[4], levels[8]], abs=4)
