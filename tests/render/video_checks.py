"""Helpers for the renderer tests: synthetic pictures with a marker, decoding, marker tracking."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import av
import numpy as np
import numpy.typing as npt
from PIL import Image

Luma = npt.NDArray[np.uint8]
BACKGROUND = 40
MARKER = 250


def marker_picture(
    path: Path,
    size: tuple[int, int] = (1080, 1920),
    at: tuple[float, float] = (0.5, 0.5),
    marker: int = 24,
    *,
    fmt: str | None = None,
    exif: Image.Exif | None = None,
) -> Path:
    """A dark picture with one bright square marker centred at ``at`` (fractions of the picture)."""
    width, height = size
    pixels = np.full((height, width, 3), BACKGROUND, dtype=np.uint8)
    cx, cy = round(at[0] * width), round(at[1] * height)
    half = marker // 2
    pixels[cy - half : cy + half, cx - half : cx + half] = MARKER
    image = Image.fromarray(pixels)
    kwargs: dict[str, Any] = {}
    if exif is not None:
        kwargs["exif"] = exif
    image.save(path, format=fmt, **kwargs)
    return path


def video_draft(
    motion: dict[str, Any] | None,
    *,
    src: str = "cdn://pic",
    aspect: str = "9:16",
    ms: int = 1000,
    fps: int = 30,
    extra_tracks: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """A one-image draft with the given motion."""
    return {
        "d": ms,
        "m": {"aspect": aspect, "fps": fps},
        "t": [{"tt": 0, "sg": [{"st": 0, "d": ms, "src": src, "motion": motion}]}, *(extra_tracks or [])],
    }


def decode_luma(path: Path) -> list[Luma]:
    """Every video frame's luma plane."""
    with av.open(str(path)) as container:
        return [
            np.asarray(frame.to_ndarray(format="gray"), dtype=np.uint8) for frame in container.decode(video=0)
        ]


def decode_rgb(path: Path) -> list[npt.NDArray[np.uint8]]:
    """Every video frame as RGB."""
    with av.open(str(path)) as container:
        return [
            np.asarray(frame.to_ndarray(format="rgb24"), dtype=np.uint8)
            for frame in container.decode(video=0)
        ]


@dataclass(frozen=True)
class Track:
    """The marker's centroid (x, y) and area (in px) per frame."""

    x: npt.NDArray[np.float64]
    y: npt.NDArray[np.float64]
    area: npt.NDArray[np.float64]

    def acceleration_rms(self) -> float:
        ax, ay = np.diff(self.x, 2), np.diff(self.y, 2)
        return float(np.sqrt(np.mean(ax**2 + ay**2)))


def track_marker(frames: list[Luma]) -> Track:
    """Sub-pixel marker position: intensity-weighted centroid above the background, near the marker.

    No hard threshold on the weights (a threshold would bend the centroid of interpolated edges); the
    window around the bright core keeps compression noise elsewhere out.
    """
    xs, ys, areas = [], [], []
    for luma in frames:
        level = luma.astype(np.float64)
        core = np.argwhere(level > (BACKGROUND + MARKER) / 2)
        assert core.size, "marker not visible"
        (r0, c0), (r1, c1) = core.min(axis=0) - 4, core.max(axis=0) + 5
        r0, c0 = max(r0, 0), max(c0, 0)
        weight = np.clip(level[r0:r1, c0:c1] - BACKGROUND, 0, None)
        total = weight.sum()
        rows, cols = np.indices(weight.shape)
        xs.append(float((weight * cols).sum() / total) + c0)
        ys.append(float((weight * rows).sum() / total) + r0)
        areas.append(float(total / (MARKER - BACKGROUND)))
    return Track(np.array(xs), np.array(ys), np.array(areas))


def stream_seconds(stream: av.stream.Stream) -> float:
    """A stream's duration in seconds, as its container states it."""
    assert stream.duration is not None and stream.time_base is not None
    return float(stream.duration * stream.time_base)
