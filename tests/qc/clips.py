"""Good clips made by the mock's renderer with what they ask, and defective copies made from them.

A defect is made from a good clip's decoded frames and samples (reversed, mirrored, blackened, frozen,
flattened, stripped, boosted, cut, squashed, a title painted out, a corrupt band, bars) and encoded again,
so the QC is tested against faults our renderer would never make, not only its own output.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import cv2
import numpy as np
import numpy.typing as npt

from motionctl.mock_server.render import RenderOptions, render_draft
from motionctl.runner.qc import AskedClip, AskedMotion, AskedMusic, AskedText

IMAGES = Path(__file__).resolve().parents[2] / "workflows" / "images"
Frame = npt.NDArray[np.uint8]  # RGB
Samples = npt.NDArray[np.float32]  # (2, n) at 48 kHz


@dataclass(frozen=True)
class Clip:
    path: Path
    asked: AskedClip


def draft_of(
    asked: AskedClip,
    *,
    motion: AskedMotion | None = None,
    texts: tuple[AskedText, ...] | None = None,
    music_src: str | None = None,
) -> dict[str, Any]:
    """The draft that renders what ``asked`` asks (``motion``/``texts``: render these instead)."""
    assert isinstance(asked.motion, AskedMotion) and isinstance(asked.duration_ms, int)
    move = motion or asked.motion
    m: dict[str, Any] = {
        "zoom": list(move.zoom),
        "pan": list(move.pan),
        "roll": list(move.roll),
        "focus": list(move.focus),
        "easing": move.easing,
    }
    if move.duration_ms is not None:
        m["d"] = move.duration_ms
    d = asked.duration_ms
    tracks: list[dict[str, Any]] = [{"tt": 0, "sg": [{"st": 0, "d": d, "src": "cdn://image", "motion": m}]}]
    if isinstance(asked.music, AskedMusic):
        src = music_src or (f"mood:{asked.music.mood}" if asked.music.mood else "cdn://music")
        tracks.append({"tt": 1, "sg": [{"st": 0, "d": d, "src": src, "vol": asked.music.volume}]})
    shown = asked.texts if texts is None else texts
    assert not isinstance(shown, type(None))
    if shown:
        tracks.append(
            {
                "tt": 7,
                "sg": [
                    {
                        "st": t.start_ms,
                        "d": t.length_ms,
                        "text": t.content,
                        "pos": list(t.position) if isinstance(t.position, tuple) else t.position,
                        **({"size": t.size} if t.size else {}),
                        **({} if t.keep_safe else {"safe": False}),
                    }
                    for t in shown
                ],
            }
        )  # type: ignore[union-attr]
    meta: dict[str, Any] = {"aspect": asked.aspect, "fps": asked.fps}
    if asked.platform:
        meta["platform"] = asked.platform
    return {"d": d, "m": meta, "t": tracks}


def render(asked: AskedClip, out: Path, *, safe_area: bool = True, **changes: Any) -> Clip:
    """Render what ``asked`` asks (or, with ``changes``, something else) and pair it with ``asked``."""
    media = {"cdn://image": asked.image or IMAGES / "watch.jpg"}
    if isinstance(asked.music, AskedMusic) and asked.music.file is not None:
        media["cdn://music"] = asked.music.file
    render_draft(
        draft_of(asked, **changes),
        media,
        out,
        RenderOptions(
            format=asked.format,
            quality="low",
            resolution=asked.resolution,  # type: ignore[arg-type]
            safe_area=safe_area,
        ),
    )
    return Clip(out, asked)


def asked_clip(**fields: Any) -> AskedClip:
    """A small clip (540p, 2 s) with a move, a title and music, as tests start from."""
    base = AskedClip(
        format="mp4",
        resolution="540p",
        aspect="9:16",
        platform="tiktok",
        duration_ms=2000,
        image=IMAGES / "watch.jpg",
        motion=AskedMotion(zoom=(1.0, 1.2), pan=(-0.1, 0.0)),
        texts=(AskedText("Timeless.", 500, 1000, "bottom", 64, step="step 3 (text)"),),
        music=AskedMusic(40.0, mood="lo-fi", name="mood:lo-fi"),
    )
    return replace(base, **fields)


def read(path: Path) -> tuple[list[Frame], Samples | None, float]:
    """Every frame (RGB), the soundtrack and the frame rate."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        fps = float(stream.average_rate or 30)
        frames = [f.to_ndarray(format="rgb24") for f in container.decode(stream)]
    from motionctl.runner.qc.footage import decode_audio

    return frames, decode_audio(path), fps


def write(
    path: Path,
    frames: list[Frame],
    samples: Samples | None,
    fps: float,
    *,
    codec: str = "libx264",
    container_format: str | None = None,
) -> Path:
    """Encode ``frames`` (RGB) and ``samples`` as H.264/AAC (or ``codec``)."""
    with av.open(str(path), mode="w", format=container_format) as out:
        video = out.add_stream(codec, rate=Fraction(fps).limit_denominator(1000))
        video.width, video.height = frames[0].shape[1], frames[0].shape[0]
        video.pix_fmt = "yuv420p"
        video.options = {"preset": "ultrafast", "crf": "20"} if codec == "libx264" else {}
        audio = out.add_stream("aac", rate=48_000, layout="stereo") if samples is not None else None
        for frame in frames:
            for packet in video.encode(
                av.VideoFrame.from_ndarray(np.ascontiguousarray(frame), format="rgb24")
            ):
                out.mux(packet)
        for packet in video.encode():
            out.mux(packet)
        if audio is not None and samples is not None:
            chunk = 1024
            for start in range(0, samples.shape[1], chunk):
                block = np.ascontiguousarray(samples[:, start : start + chunk].astype(np.float32))
                frame = av.AudioFrame.from_ndarray(block, format="fltp", layout="stereo")
                frame.sample_rate = 48_000
                frame.pts = start
                for packet in audio.encode(frame):
                    out.mux(packet)
            for packet in audio.encode():
                out.mux(packet)
    return path


def defect(
    clip: Clip,
    out: Path,
    frames_fn: Callable[[list[Frame], float], list[Frame]] | None = None,
    audio_fn: Callable[[Samples], Samples | None] | None = None,
) -> Clip:
    """A copy of ``clip`` with its frames and/or samples changed, asking what the good one asked."""
    frames, samples, fps = read(clip.path)
    if frames_fn is not None:
        frames = frames_fn(frames, fps)
    if audio_fn is not None and samples is not None:
        samples = audio_fn(samples)
    return Clip(write(out, frames, samples, fps), clip.asked)


# --- defects ------------------------------------------------------------------------------------------------


def reverse(frames: list[Frame], fps: float) -> list[Frame]:
    return frames[::-1]


def mirror(frames: list[Frame], fps: float) -> list[Frame]:
    return [np.ascontiguousarray(f[:, ::-1]) for f in frames]


def blacken(seconds: float) -> Callable[[list[Frame], float], list[Frame]]:
    def apply(frames: list[Frame], fps: float) -> list[Frame]:
        n = round(seconds * fps)
        return [np.zeros_like(f) if i < n else f for i, f in enumerate(frames)]

    return apply


def flatten(frames: list[Frame], fps: float) -> list[Frame]:
    """Every frame a flat mid grey: a renderer that lost the picture (nothing left to follow or to call
    black)."""
    return [np.full_like(f, 128) for f in frames]


def freeze(start_s: float, seconds: float) -> Callable[[list[Frame], float], list[Frame]]:
    def apply(frames: list[Frame], fps: float) -> list[Frame]:
        a, b = round(start_s * fps), round((start_s + seconds) * fps)
        return [frames[a] if a <= i < b else f for i, f in enumerate(frames)]

    return apply


def cut(seconds: float) -> Callable[[list[Frame], float], list[Frame]]:
    def apply(frames: list[Frame], fps: float) -> list[Frame]:
        return frames[: len(frames) - round(seconds * fps)]

    return apply


def squash(width: int, height: int) -> Callable[[list[Frame], float], list[Frame]]:
    def apply(frames: list[Frame], fps: float) -> list[Frame]:
        return [cv2.resize(f, (width, height), interpolation=cv2.INTER_AREA) for f in frames]

    return apply


def band(
    rows: int, colours: tuple[tuple[int, int, int], ...] = ((0, 255, 0), (255, 0, 255))
) -> Callable[[list[Frame], float], list[Frame]]:
    """Rows 0..rows-1 painted green and magenta, as the 4:5 renders' broken top rows were."""

    def apply(frames: list[Frame], fps: float) -> list[Frame]:
        out = []
        for f in frames:
            g = f.copy()
            for r in range(rows):
                g[r, :] = colours[r % len(colours)]
            out.append(g)
        return out

    return apply


def letterbox(rows: int) -> Callable[[list[Frame], float], list[Frame]]:
    """The picture squeezed between black bars ``rows`` tall at the top and bottom."""

    def apply(frames: list[Frame], fps: float) -> list[Frame]:
        out = []
        for f in frames:
            h, w = f.shape[:2]
            g = np.zeros_like(f)
            g[rows : h - rows] = cv2.resize(f, (w, h - 2 * rows), interpolation=cv2.INTER_AREA)
            out.append(g)
        return out

    return apply


def paint_out(asked: AskedClip) -> Callable[[list[Frame], float], list[Frame]]:
    """Every title painted out (inpainted from the picture around it) in the frames it shows on."""
    texts = asked.texts
    assert isinstance(texts, tuple)

    def apply(frames: list[Frame], fps: float) -> list[Frame]:
        out = []
        for i, f in enumerate(frames):
            t = i / fps
            if not any(x.start_ms / 1000 <= t < x.end_ms / 1000 for x in texts):
                out.append(f)
                continue
            grey = cv2.cvtColor(f, cv2.COLOR_RGB2GRAY)
            mask = cv2.dilate(((grey > 235) | (grey < 20)).astype(np.uint8), np.ones((7, 7), np.uint8))
            # Inpainted at a quarter size (fast), then only the title's pixels replaced.
            h, w = mask.shape
            small = cv2.resize(f, (w // 4, h // 4), interpolation=cv2.INTER_AREA)
            holes = cv2.resize(mask, (w // 4, h // 4), interpolation=cv2.INTER_NEAREST)
            filled = cv2.resize(cv2.inpaint(small, holes, 3, cv2.INPAINT_TELEA), (w, h))
            painted = np.where(mask[..., None] > 0, filled, f)
            out.append(painted)
        return out

    return apply


def louder(factor: float) -> Callable[[Samples], Samples]:
    return lambda s: np.clip(s * factor, -1, 1).astype(np.float32)


def silence(start_s: float, seconds: float) -> Callable[[Samples], Samples]:
    def apply(s: Samples) -> Samples:
        out = s.copy()
        out[:, int(start_s * 48_000) : int((start_s + seconds) * 48_000)] = 0
        return out

    return apply


def fade_out(seconds: float) -> Callable[[Samples], Samples]:
    def apply(s: Samples) -> Samples:
        out = s.copy()
        n = int(seconds * 48_000)
        out[:, -n:] *= np.linspace(1, 0, n, dtype=np.float32)
        return out

    return apply
