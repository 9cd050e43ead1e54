"""One decoding pass over a clip: everything the picture, motion, text and audio checks look at.

Decoding is most of the QC's cost, so it happens once and keeps only what the checks need: a tiny luma
thumbnail of every frame (black, frozen), the chosen frames at the working resolution (motion, text), the
full-resolution strips along the four edges of some frames (corrupt rows and columns, bars), a few frames in
full-resolution colour (OCR at --qc full) and the soundtrack as samples.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path

import av
import cv2
import numpy as np
import numpy.typing as npt

Luma = npt.NDArray[np.uint8]
Audio = npt.NDArray[np.float32]  # (2, samples) at AUDIO_RATE

# The checks work on frames scaled so their short side is this: a 1080p frame by 1/4, a preview by 1/2.
# Measured (bench/qc_accuracy.py): motion at this size is within 0.2 % of zoom, far inside the tolerances,
# and a 64 px title is still 16 px tall.
WORK_SHORT = 270
TINY_SHORT = 68  # black looks at every frame's pixels on a grid this many to the short side
EDGE = 16  # full-resolution rows (columns) kept along each edge
AUDIO_RATE = 48_000


@dataclass(frozen=True)
class Edges:
    """The outermost ``EDGE`` rows and columns of one frame's Y, U and V planes (chroma at half size)."""

    index: int
    top: tuple[Luma, Luma, Luma]
    bottom: tuple[Luma, Luma, Luma]  # the last row first, so index 0 is always the outermost line
    left: tuple[Luma, Luma, Luma]  # transposed: rows are columns, the outermost first
    right: tuple[Luma, Luma, Luma]


@dataclass
class Footage:
    frames: int = 0  # decoded
    corrupt: int = 0  # frames the decoder flagged
    error: str = ""  # why decoding stopped early, if it did
    rotation: int = 0
    scale: float = 1.0  # working pixels per full-resolution pixel
    tiny: list[Luma] = field(default_factory=list)
    kept: dict[int, Luma] = field(default_factory=dict)
    chroma: dict[int, tuple[Luma, Luma]] = field(default_factory=dict)  # U, V at the working size
    edges: list[Edges] = field(default_factory=list)
    colour: dict[int, npt.NDArray[np.uint8]] = field(default_factory=dict)  # BGR, full resolution
    audio: Audio | None = None
    audio_error: str = ""


def work_scale(width: int, height: int) -> float:
    return min(1.0, WORK_SHORT / max(1, min(width, height)))


def _planes(frame: av.VideoFrame) -> tuple[Luma, Luma, Luma]:
    if frame.format.name not in ("yuv420p", "yuvj420p"):
        frame = frame.reformat(format="yuv420p")
    out = []
    for i, plane in enumerate(frame.planes):
        if i > 2:
            break
        w = frame.width if i == 0 else (frame.width + 1) // 2
        h = frame.height if i == 0 else (frame.height + 1) // 2
        out.append(np.frombuffer(memoryview(plane), np.uint8).reshape(h, plane.line_size)[:, :w])
    return out[0], out[1], out[2]


def _edges(index: int, planes: tuple[Luma, Luma, Luma]) -> Edges:
    def strips(cut: int) -> tuple[tuple[Luma, Luma, Luma], ...]:
        tops, bottoms, lefts, rights = [], [], [], []
        for n, p in enumerate(planes):
            k = cut if n == 0 else cut // 2
            tops.append(p[:k].copy())
            bottoms.append(p[::-1][:k].copy())
            lefts.append(p[:, :k].T.copy())
            rights.append(p[:, ::-1][:, :k].T.copy())
        return tuple(tops), tuple(bottoms), tuple(lefts), tuple(rights)  # type: ignore[return-value]

    top, bottom, left, right = strips(EDGE)
    return Edges(index, top, bottom, left, right)


def decode(
    path: Path,
    *,
    keep: Collection[int] = (),
    chroma: Collection[int] = (),
    edges_every: int = 10,
    colour: Collection[int] = (),
    audio: bool = True,
) -> Footage:
    """Decode every frame of ``path`` once, keeping what ``keep`` (luma), ``chroma`` (and colour, at the
    working size) and ``colour`` (full size) name (frame indexes)."""
    out = Footage()
    try:
        with av.open(str(path)) as container:
            if container.streams.video:
                _video(container, out, frozenset(keep), frozenset(chroma), frozenset(colour),
                       max(1, edges_every))
    except (av.error.FFmpegError, OSError, ValueError) as exc:
        out.error = str(exc)[:200]
    if audio:
        try:
            out.audio = decode_audio(path)
        except (av.error.FFmpegError, OSError, ValueError) as exc:
            out.audio_error = str(exc)[:200]
    return out


def _video(
    container: av.container.InputContainer,
    out: Footage,
    keep: frozenset[int],
    chroma: frozenset[int],
    colour: frozenset[int],
    edges_every: int,
) -> None:
    stream = container.streams.video[0]
    # Frame threads: the decoder is most of a check's time, and a one-clip run waits for it (a 5 s 1080p
    # clip: 0.36 s wall on one thread, 0.25 s with two cores; the frames and flags are the same).
    stream.thread_type = "AUTO"
    small: tuple[int, int] | None = None
    stride: int | None = None
    try:
        for index, frame in enumerate(container.decode(stream)):
            if small is None:
                out.rotation = int(frame.rotation or 0)
                out.scale = work_scale(frame.width, frame.height)
                small = (max(2, round(frame.width * out.scale)), max(2, round(frame.height * out.scale)))
                stride = max(1, min(frame.width, frame.height) // TINY_SHORT)
            assert stride is not None
            out.corrupt += bool(frame.is_corrupt)
            planes = _planes(frame)
            luma = planes[0]
            # Every frame only as a sparse grid of pixels (black needs a share of pixels, not a picture);
            # the chosen frames properly scaled down.
            out.tiny.append(luma[stride // 2 :: stride, stride // 2 :: stride].copy())
            if index in keep:
                scaled = cv2.resize(luma, small, interpolation=cv2.INTER_AREA) if out.scale < 1 else luma
                out.kept[index] = np.array(scaled, dtype=np.uint8)
            if index in chroma:
                u, v = (np.array(cv2.resize(p, small, interpolation=cv2.INTER_AREA), dtype=np.uint8)
                        for p in planes[1:])
                out.chroma[index] = (u, v)
            if index % edges_every == 0:
                out.edges.append(_edges(index, planes))
            if index in colour:
                out.colour[index] = np.asarray(frame.to_ndarray(format="bgr24"), dtype=np.uint8)
            out.frames = index + 1
    except (av.error.FFmpegError, ValueError) as exc:
        out.error = f"frame {out.frames + 1} does not decode ({str(exc)[:160]})"


def decode_audio(path: Path) -> Audio | None:
    """The first audio stream as stereo float32 at 48 kHz (mono on both channels at full level, as the
    renderers mix it), or ``None`` without one."""
    chunks: list[npt.NDArray[np.float32]] = []
    with av.open(str(path)) as container:
        if not container.streams.audio:
            return None
        stream = container.streams.audio[0]
        mono = stream.codec_context.channels == 1
        resampler = av.AudioResampler(format="fltp", layout="mono" if mono else "stereo", rate=AUDIO_RATE)
        for frame in container.decode(stream):
            chunks.extend(f.to_ndarray().astype(np.float32) for f in resampler.resample(frame))
        chunks.extend(f.to_ndarray().astype(np.float32) for f in resampler.resample(None))
    if not chunks:
        return np.zeros((2, 0), np.float32)
    samples = np.concatenate(chunks, axis=1)
    return np.ascontiguousarray(np.repeat(samples, 2, axis=0) if samples.shape[0] == 1 else samples[:2])
