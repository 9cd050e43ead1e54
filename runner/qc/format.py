"""Format checks: the container, codecs, frame size, rate, length and streams the export asked for, and a
file that decodes whole."""

from __future__ import annotations

from .asked import AskedClip, Unknown
from .footage import Footage
from .probe import Probe
from .tolerances import TOLERANCES as TOL
from .verdict import Check, judged, not_checked

# What each export format is made of (the renderers' encoders; specs/nemo-api.yaml's output formats).
CONTAINERS = {"mp4": ("mp4",), "mov": ("mov",), "webm": ("webm", "matroska"), "gif": ("gif",)}
VIDEO_CODECS = {"mp4": ("h264",), "mov": ("h264",), "webm": ("vp9", "vp8"), "gif": ("gif",)}
PIXEL_FORMATS = {"mp4": ("yuv420p",), "mov": ("yuv420p",), "webm": ("yuv420p",), "gif": ("pal8", "bgr8")}
AUDIO_CODECS = {"mp4": ("aac",), "mov": ("aac",), "webm": ("opus", "vorbis")}


def _say_unknown(name: str, value: Unknown) -> Check:
    return not_checked(name, value.why())


def container_checks(info: Probe, asked: AskedClip) -> list[Check]:
    """What the container states, before any decoding."""
    fmt = asked.format
    out = [
        judged(
            any(c in info.container.split(",") for c in CONTAINERS[fmt]),
            "format.container",
            info.container,
            fmt,
        )
    ]
    v = info.video
    if v is None:
        out.append(judged(False, "format.video", "no video stream", "one video stream"))
        return out
    out.append(judged(v.codec in VIDEO_CODECS[fmt], "format.codec", v.codec, " or ".join(VIDEO_CODECS[fmt])))
    out.append(
        judged(
            v.pix_fmt in PIXEL_FORMATS[fmt],
            "format.pixels",
            v.pix_fmt or "unknown",
            " or ".join(PIXEL_FORMATS[fmt]),
        )
    )
    size = asked.size
    if isinstance(asked.aspect, Unknown) or size is None:
        out.append(_say_unknown("format.size", asked.aspect))  # type: ignore[arg-type]
    else:
        where = f"{asked.platform} " if asked.platform else ""
        out.append(
            judged(
                (v.width, v.height) == size and abs(v.sar - 1) < 1e-3,
                "format.size",
                f"{v.width}×{v.height}" + (f" (pixels {v.sar:.3f}:1)" if abs(v.sar - 1) >= 1e-3 else ""),
                f"{size[0]}×{size[1]} ({where}{asked.aspect} at {asked.resolution})",
                measured=[v.width, v.height],
                asked=list(size),
            )
        )
    fps = asked.video_fps
    out.append(
        judged(abs(v.fps - fps) < 0.01, "format.fps", f"{v.fps:g}", f"{fps}", measured=v.fps, asked=fps)
    )
    if isinstance(asked.duration_ms, Unknown):
        out.append(_say_unknown("format.duration", asked.duration_ms))
    else:
        want = asked.duration_ms / 1000
        slack = TOL.duration_frames / fps
        out.append(
            judged(
                abs(v.duration_s - want) <= slack + 1e-6,
                "format.duration",
                f"{v.duration_s:.3f} s",
                f"{want:.3f} s ±{slack * 1000:.0f} ms (a frame)",
                measured=v.duration_s,
                asked=want,
            )
        )
    has_audio = asked.has_audio
    if isinstance(has_audio, Unknown):
        out.append(_say_unknown("format.audio", has_audio))
    else:
        words = {True: "an audio stream", False: "no audio stream"}
        why = " (music asked)" if has_audio else " (no music asked)" if asked.format != "gif" else " (a gif)"
        out.append(
            judged(
                (info.audio is not None) == has_audio,
                "format.audio",
                words[info.audio is not None],
                words[has_audio] + why,
            )
        )
        if has_audio and info.audio is not None:
            codecs = AUDIO_CODECS.get(fmt, ())
            out.append(
                judged(
                    info.audio.codec in codecs, "format.audio_codec", info.audio.codec, " or ".join(codecs)
                )
            )
            gap = info.audio.duration_s - v.duration_s
            limit = TOL.av_gap_frames / fps + TOL.av_gap_audio_frame_s
            out.append(
                judged(
                    abs(gap) <= limit,
                    "format.av_sync",
                    f"audio {info.audio.duration_s:.3f} s, video {v.duration_s:.3f} s",
                    f"lengths within {limit * 1000:.0f} ms (two frames and an AAC frame)",
                    gap=gap,
                )
            )
    return out


def decode_checks(footage: Footage, info: Probe, asked: AskedClip) -> list[Check]:
    """The whole file decodes, into the number of frames its length asks for."""
    out: list[Check] = []
    v = info.video
    if v is None:
        return out
    problems = [footage.error] if footage.error else []
    if footage.corrupt:
        problems.append(f"{footage.corrupt} frames flagged corrupt")
    out.append(
        judged(
            not problems,
            "format.decodes",
            "; ".join(problems) or f"all {footage.frames} frames",
            "every frame decodes",
        )
    )
    fps = asked.video_fps
    if not isinstance(asked.duration_ms, Unknown):
        want = max(1, round(asked.duration_ms * fps / 1000))
        out.append(
            judged(
                abs(footage.frames - want) <= TOL.duration_frames,
                "format.frames",
                f"{footage.frames} frames",
                f"{want} ({asked.duration_ms / 1000:g} s at {fps} fps)",
                measured=footage.frames,
                asked=want,
            )
        )
    out.append(
        judged(footage.rotation == 0, "format.rotation", f"{footage.rotation}°", "0° (no display rotation)")
    )
    return out
