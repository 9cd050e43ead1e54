"""Encoding frames (and an optional audio bed) into mp4/mov (H.264 + AAC), webm (VP9 + Opus) or gif.

Writers take NV12 frame buffers as the frame generator fills them; they never convert colour per frame
(except gif, which needs RGB for its palette).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Protocol, cast

import av
import numpy as np
import numpy.typing as npt
from av.audio.stream import AudioStream
from av.video.stream import VideoStream
from PIL import Image

from .frames import FrameBuffer
from .options import Format, Quality

AUDIO_RATE = 48_000
# Audio is encoded in step with the video, this far ahead of the last video frame, so the muxer can
# interleave packets without buffering the whole track.
_AUDIO_LEAD_S = 0.5
# A gif's frame delay is in 1/100 s, and players treat tiny delays badly: cap its rate.
GIF_MAX_FPS = 15

Audio = npt.NDArray[np.float32]  # shape (2, samples), float in [-1, 1], at AUDIO_RATE


@dataclass(frozen=True)
class EncodeSettings:
    """Codec choices for one format and quality."""

    container: str
    video_codec: str
    video_options: dict[str, str] = field(default_factory=dict)
    audio_codec: str | None = None
    audio_bit_rate: int = 160_000
    container_options: dict[str, str] = field(default_factory=dict)


# x264: High profile always (ultrafast alone would drop to Constrained Baseline, so it keeps 8×8 DCT),
# BT.709 tags that match the frames' colour conversion.
_BT709 = "colorprim=bt709:transfer=bt709:colormatrix=bt709"
_X264 = {
    "high": {"preset": "veryfast", "crf": "20"},
    "medium": {"preset": "veryfast", "crf": "23"},
    "low": {"preset": "ultrafast", "crf": "28"},
}
_VP9 = {
    "high": {"crf": "31", "cpu-used": "5"},
    "medium": {"crf": "34", "cpu-used": "6"},
    "low": {"crf": "40", "cpu-used": "8"},
}


def encode_settings(fmt: Format, quality: Quality) -> EncodeSettings:
    """The encoder settings for an output format and quality.

    Raises:
        ValueError: unknown format or quality.
    """
    if quality not in _X264:
        raise ValueError(f"unknown quality {quality!r}; use low, medium or high")
    if fmt in ("mp4", "mov"):
        x264 = dict(_X264[quality])
        params = _BT709 + (":8x8dct=1" if quality == "low" else "")
        return EncodeSettings(
            container=fmt,
            video_codec="libx264",
            video_options={**x264, "profile": "high", "x264-params": params},
            audio_codec="aac",
            container_options={"movflags": "+faststart"},
        )
    if fmt == "webm":
        return EncodeSettings(
            container="webm",
            video_codec="libvpx-vp9",
            video_options={**_VP9[quality], "b": "0", "deadline": "realtime", "row-mt": "1"},
            audio_codec="libopus",
            audio_bit_rate=128_000,
        )
    if fmt == "gif":
        return EncodeSettings(container="gif", video_codec="gif")
    raise ValueError(f"unknown format {fmt!r}; use mp4, webm, mov or gif")


class FrameWriter(Protocol):
    """Where rendered frames go, in order: ``close`` finishes the file, ``abort`` drops it."""

    def write(self, frame: FrameBuffer) -> None: ...

    def close(self) -> None: ...

    def abort(self) -> None: ...


class AvWriter:
    """A PyAV container with one video stream and, when given audio, one audio stream."""

    def __init__(
        self, path: Path, settings: EncodeSettings, size: tuple[int, int], fps: int, audio: Audio | None
    ) -> None:
        self._container = av.open(
            str(path), mode="w", format=settings.container, options=settings.container_options
        )
        try:
            self._video = cast(VideoStream, self._container.add_stream(settings.video_codec, rate=fps))
            self._video.width, self._video.height = size
            # x264 takes NV12 as it is; others (VP9) get it converted to yuv420p by FFmpeg.
            self._video.pix_fmt = "nv12" if settings.video_codec == "libx264" else "yuv420p"
            # Our own copy: the muxer rewrites the stream's time base when it starts (mp4: 1/15360).
            self._time_base = Fraction(1, fps)
            self._video.time_base = self._time_base
            self._video.options = dict(settings.video_options)
            # Every core, with frame threads (PyAV defaults to slice threads, which x264 runs less
            # efficiently; frame threads are what the ffmpeg command line uses).
            self._video.thread_count = 0
            self._video.thread_type = "FRAME"
            context = self._video.codec_context
            context.color_primaries = context.color_trc = context.colorspace = 1  # BT.709
            context.color_range = 1  # limited ("tv")
            self._fps = fps
            self._audio = audio if audio is not None and settings.audio_codec else None
            self._audio_pos = 0
            if self._audio is not None and settings.audio_codec:  # (the codec test narrows its type)
                self._astream = cast(
                    AudioStream, self._container.add_stream(settings.audio_codec, rate=AUDIO_RATE)
                )
                self._astream.layout = "stereo"
                self._astream.bit_rate = settings.audio_bit_rate
            self._frames = 0
        except BaseException:
            self._container.close()
            raise

    def write(self, frame: FrameBuffer) -> None:
        """Encode one frame (the buffer is free for reuse when this returns: encoders copy their input)."""
        video_frame = _nv12_frame(frame)
        video_frame.pts = self._frames
        video_frame.time_base = self._time_base
        self._frames += 1
        self._container.mux(self._video.encode(video_frame))
        self._write_audio_until(self._frames / self._fps + _AUDIO_LEAD_S)

    def _write_audio_until(self, seconds: float) -> None:
        if self._audio is None:
            return
        end = min(self._audio.shape[1], round(seconds * AUDIO_RATE))
        # Any chunk size will do: PyAV re-buffers to the encoder's frame size (1024 for AAC) anyway.
        while self._audio_pos < end:
            stop = min(end, self._audio_pos + 4096)
            chunk = np.ascontiguousarray(self._audio[:, self._audio_pos : stop])
            audio_frame = av.AudioFrame.from_ndarray(chunk, format="fltp", layout="stereo")
            audio_frame.sample_rate = AUDIO_RATE
            audio_frame.pts = self._audio_pos
            audio_frame.time_base = Fraction(1, AUDIO_RATE)
            self._container.mux(self._astream.encode(audio_frame))
            self._audio_pos = stop

    def close(self) -> None:
        """Flush the encoders and finish the file."""
        try:
            self._container.mux(self._video.encode(None))
            if self._audio is not None:
                self._write_audio_until(self._audio.shape[1] / AUDIO_RATE)
                self._container.mux(self._astream.encode(None))
        finally:
            self._container.close()

    def abort(self) -> None:
        self._container.close()


def _nv12_frame(frame: FrameBuffer) -> av.VideoFrame:
    """An NV12 ``VideoFrame`` of exactly the buffer's width and height, its planes copied in.

    Not ``VideoFrame.from_numpy_buffer``: PyAV derives an NV12 frame's height from the array as
    ``rows // 6 * 4``, so any height that is not a multiple of 4 (1350, the 4:5 frame at 1080p) came out
    two rows short, its chroma plane starting inside the last luma rows, and the encoder's rescale to the
    stream's size spread that as a green/magenta band over the top rows. The copy costs nothing extra:
    libavcodec copies a frame that wraps foreign memory before encoding it anyway.
    """
    out = av.VideoFrame(frame.width, frame.height, "nv12")
    for plane, source in zip(out.planes, frame.planes(), strict=True):
        rows = source.shape[0]
        target = np.frombuffer(memoryview(plane), dtype=np.uint8).reshape(-1, plane.line_size)
        target[:rows, : frame.width] = source.reshape(rows, frame.width)
    return out


class GifWriter:
    """An animated gif through Pillow: one adaptive palette (from the middle frame) for the whole clip.

    One shared palette avoids the colour flicker of per-frame palettes; frames beyond ``GIF_MAX_FPS`` are
    dropped evenly. The palette needs the middle frame, so frames wait as NV12 copies (half the bytes of
    RGB) and each is converted and quantised, then dropped, only when the file is written.
    """

    def __init__(self, path: Path, fps: int, total_frames: int) -> None:
        self._path = path
        self._step = max(1, round(fps / GIF_MAX_FPS))
        self._fps = fps
        self._middle = total_frames // 2
        self._frames: list[FrameBuffer] = []
        self._index = 0

    def write(self, frame: FrameBuffer) -> None:
        if self._index % self._step == 0:
            self._frames.append(FrameBuffer(frame.data.copy(), frame.width, frame.height))
        self._index += 1

    def close(self) -> None:
        if not self._frames:
            raise ValueError("gif: no frames were rendered")
        middle = self._frames[min(len(self._frames) - 1, self._middle // self._step)]
        palette = Image.fromarray(middle.to_rgb()).quantize(colors=255, method=Image.Quantize.MEDIANCUT)
        images = []
        self._frames.reverse()  # popped from the end: each NV12 copy is freed once it is quantised
        while self._frames:
            rgb = Image.fromarray(self._frames.pop().to_rgb())
            images.append(rgb.quantize(palette=palette, dither=Image.Dither.NONE))
        images[0].save(
            self._path,
            format="GIF",
            save_all=True,
            append_images=images[1:],
            duration=self._delays(len(images)),
            loop=0,
            optimize=False,
        )

    def _delays(self, count: int) -> list[int]:
        # Gif delays are whole centiseconds: vary them (60/70 ms at 15 fps) so the total stays exact.
        ends = [round((i + 1) * self._step * 100 / self._fps) for i in range(count)]
        return [10 * (end - start) for start, end in zip([0, *ends[:-1]], ends, strict=True)]

    def abort(self) -> None:
        self._frames.clear()


def video_writer(
    path: Path, settings: EncodeSettings, size: tuple[int, int], fps: int, frames: int, audio: Audio | None
) -> FrameWriter:
    """The writer for ``settings`` (audio is dropped for gif, which has none).

    Raises:
        av.FFmpegError: the file cannot be created.
    """
    if settings.container == "gif":
        return GifWriter(path, fps, frames)
    return AvWriter(path, settings, size, fps, audio)


def effective_fps(settings: EncodeSettings, fps: int) -> float:
    """The frame rate the written file plays at."""
    if settings.container == "gif":
        return fps / max(1, round(fps / GIF_MAX_FPS))
    return float(fps)
