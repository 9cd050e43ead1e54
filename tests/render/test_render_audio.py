"""Music: present for the clip's length, at the stated level, never clipping; files looped and faded."""

from __future__ import annotations

import math
from fractions import Fraction
from pathlib import Path
from typing import cast

import av
import numpy as np
import numpy.typing as npt
import pytest
from av.audio.stream import AudioStream

from motionctl.mock_server.render import RenderOptions, render_draft
from motionctl.mock_server.render.audio import MOODS, mood_loop
from tests.render.video_checks import marker_picture, video_draft

PREVIEW = RenderOptions(quality="low", resolution="540p")


def _decode_audio(path: Path) -> npt.NDArray[np.float32]:
    with av.open(str(path)) as container:
        chunks = [frame.to_ndarray() for frame in container.decode(audio=0)]
    return np.concatenate(chunks, axis=1).astype(np.float32)


def _dbfs(samples: npt.NDArray[np.float32]) -> float:
    return 20 * math.log10(float(np.sqrt(np.mean(samples**2))) + 1e-12)


def _render(
    tmp_path: Path, audio: dict[str, object], media: dict[str, Path] | None = None, ms: int = 2000
) -> Path:
    picture = marker_picture(tmp_path / "pic.png", size=(270, 480))
    out = tmp_path / "clip.mp4"
    track = {"tt": 1, "sg": [{"st": 0, "d": ms, **audio}]}
    render_draft(
        video_draft(None, ms=ms, extra_tracks=[track]), {"cdn://pic": picture, **(media or {})}, out, PREVIEW
    )
    return out


@pytest.mark.parametrize("mood", MOODS)
def test_moods_are_deterministic_and_at_the_stated_level(mood: str) -> None:
    loop = mood_loop(mood)
    assert np.array_equal(loop, mood_loop(mood))
    assert _dbfs(loop) == pytest.approx(-18.0, abs=0.5)
    assert 20 * math.log10(float(np.abs(loop).max())) <= -1.0


def test_mood_music_is_present_and_does_not_clip(tmp_path: Path) -> None:
    samples = _decode_audio(_render(tmp_path, {"src": "mood:upbeat", "vol": 100}))
    assert samples.shape[0] == 2
    assert samples.shape[1] / 48_000 == pytest.approx(2.0, abs=0.05)
    assert _dbfs(samples) == pytest.approx(-18.0, abs=2.0)
    assert float(np.abs(samples).max()) < 10 ** (-0.5 / 20)  # the −1 dBFS ceiling, with AAC's overshoot


def test_volume_and_fade_out(tmp_path: Path) -> None:
    samples = _decode_audio(_render(tmp_path, {"src": "mood:calm", "vol": 50, "fo": 500}))
    body, tail = samples[:, 24_000:48_000], samples[:, -4_800:]  # 0.5–1 s, and the last 0.1 s
    assert _dbfs(body) == pytest.approx(-18.0 - 6.0, abs=2.5)
    assert _dbfs(tail) < _dbfs(body) - 12


def test_fade_in(tmp_path: Path) -> None:
    samples = _decode_audio(_render(tmp_path, {"src": "mood:calm", "vol": 50, "fi": 1000}))
    first, ramp, body = samples[:, :4_800], samples[:, 19_200:28_800], samples[:, 52_800:76_800]
    # The first 0.1 s is at most a tenth of full gain (−20 dB), 0.4–0.6 s about half (−6 dB), then full.
    assert _dbfs(first) < _dbfs(body) - 15
    assert _dbfs(ramp) == pytest.approx(_dbfs(body) - 6.0, abs=2.5)


def test_loud_settings_are_limited_not_clipped(tmp_path: Path) -> None:
    samples = _decode_audio(_render(tmp_path, {"src": "mood:upbeat", "vol": 200}))
    assert float(np.abs(samples).max()) < 10 ** (-0.5 / 20)


def _write_tone(path: Path, seconds: float, codec: str, fmt: str) -> Path:
    rate = 44_100
    t = np.arange(round(seconds * rate)) / rate
    tone = (0.25 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
    with av.open(str(path), "w", format=fmt) as container:
        stream = cast(AudioStream, container.add_stream(codec, rate=rate))
        stream.layout = "mono"
        frame_format = "s16" if codec == "pcm_s16le" else "fltp"
        data = (tone * 32767).astype(np.int16)[None, :] if frame_format == "s16" else tone[None, :]
        frame = av.AudioFrame.from_ndarray(data, format=frame_format, layout="mono")
        frame.sample_rate = rate
        frame.pts = 0
        frame.time_base = Fraction(1, rate)
        for packet in stream.encode(frame):
            container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return path


@pytest.mark.parametrize(
    ("name", "codec", "fmt"),
    [
        ("song.wav", "pcm_s16le", "wav"),
        ("song.m4a", "aac", "mp4"),
        ("song.mp3", "libmp3lame", "mp3"),
        ("song.aac", "aac", "adts"),
    ],
)
def test_uploaded_music_is_decoded_and_looped_to_the_clip(
    tmp_path: Path, name: str, codec: str, fmt: str
) -> None:
    song = _write_tone(tmp_path / name, 0.7, codec, fmt)
    samples = _decode_audio(_render(tmp_path, {"src": "cdn://song"}, {"cdn://song": song}))
    assert samples.shape[1] / 48_000 == pytest.approx(2.0, abs=0.05)
    # A 0.7 s file over 2 s: the tone carries on after the file's own end (looped), both channels.
    late = samples[:, 72_000:90_000]
    assert _dbfs(late) == pytest.approx(20 * math.log10(0.25 / math.sqrt(2)), abs=1.5)
    spectrum = np.abs(np.fft.rfft(late[0]))
    assert np.argmax(spectrum) * 48_000 / late.shape[1] == pytest.approx(440, abs=5)


def test_unreadable_music_is_named(tmp_path: Path) -> None:
    bogus = tmp_path / "song.mp3"
    bogus.write_bytes(b"\x00" * 1000)
    from motionctl.mock_server.render import RenderInputError

    with pytest.raises(RenderInputError, match="music cdn://song"):
        _render(tmp_path, {"src": "cdn://song"}, {"cdn://song": bogus})


@pytest.mark.parametrize(
    ("size", "message"),
    [
        (None, r"^music cdn://song: cannot read .*song\.mp3 \(No such file or directory\); check the media"),
        (51 * 1024 * 1024, r"^music cdn://song: 51 MiB is over the 50 MiB limit; use a smaller file$"),
    ],
)
def test_missing_or_oversized_music_is_refused_before_decoding(
    tmp_path: Path, size: int | None, message: str
) -> None:
    from motionctl.mock_server.render import RenderInputError

    song = tmp_path / "song.mp3"
    if size is not None:
        with song.open("wb") as handle:  # sparse: costs no disk
            handle.truncate(size)
    with pytest.raises(RenderInputError, match=message):
        _render(tmp_path, {"src": "cdn://song"}, {"cdn://song": song})
