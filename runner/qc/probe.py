"""The container's own account of a clip: streams, codecs, sizes, rates and lengths (no decoding)."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av


class ClipUnreadable(Exception):
    """The file is not a media file at all (the format check reports it; nothing else can be checked)."""


@dataclass(frozen=True)
class VideoInfo:
    codec: str
    pix_fmt: str
    width: int
    height: int
    sar: float  # sample (pixel) aspect ratio; 1.0 when the file states none
    fps: float
    frames: int  # the container's count, 0 when it states none
    duration_s: float


@dataclass(frozen=True)
class AudioInfo:
    codec: str
    rate: int
    channels: int
    duration_s: float


@dataclass(frozen=True)
class Probe:
    container: str  # FFmpeg's demuxer names, e.g. "mov,mp4,m4a,3gp,3g2,mj2"
    video: VideoInfo | None
    audio: AudioInfo | None
    streams: int


def _seconds(duration: int | None, time_base: Fraction | None) -> float:
    return float(duration * time_base) if duration is not None and time_base is not None else 0.0


def probe(path: Path) -> Probe:
    """What ``path``'s container says about its first video and audio stream.

    Raises:
        ClipUnreadable: not a file FFmpeg can open.
    """
    try:
        with av.open(str(path)) as container:
            video = audio = None
            if container.streams.video:
                v = container.streams.video[0]
                ctx = v.codec_context
                sar = v.sample_aspect_ratio
                rate = v.average_rate or v.guessed_rate
                video = VideoInfo(
                    ctx.name,
                    str(ctx.pix_fmt or ""),
                    int(v.width),
                    int(v.height),
                    float(sar) if sar else 1.0,
                    float(rate) if rate else 0.0,
                    int(v.frames or 0),
                    _seconds(v.duration, v.time_base) or (container.duration or 0) / av.time_base,
                )
            if container.streams.audio:
                a = container.streams.audio[0]
                audio = AudioInfo(
                    a.codec_context.name,
                    int(a.sample_rate or 0),
                    int(a.channels or 0),
                    _seconds(a.duration, a.time_base),
                )
            return Probe(str(container.format.name), video, audio, len(container.streams))
    except (av.error.FFmpegError, OSError, ValueError) as exc:
        raise ClipUnreadable(str(exc)[:200]) from None
