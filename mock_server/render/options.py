"""What a render is asked for and what it wrote: plain values, importable without NumPy, OpenCV or PyAV.

The mock's event loop builds ``RenderOptions`` and reads ``RenderResult`` while the renders themselves run
in worker processes; keeping these apart from the renderer keeps the mock's own process free of the
renderer's imports.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from .geometry import Resolution

Format = Literal["mp4", "webm", "mov", "gif"]
Quality = Literal["low", "medium", "high"]


@dataclass(frozen=True)
class RenderOptions:
    """How to render: container format, quality (encoder speed/size) and resolution tier (short side).

    ``quality="low"`` with ``resolution="540p"`` is the runner's ``--preview``. ``font`` is an optional
    TrueType/OpenType file for text overlays that must have the text's glyphs (default: the bundled Noto
    faces, see fonts.py). ``safe_area`` keeps text inside the safe zone of the draft's platform, else of
    its aspect ratio (specs/safe-zones.json; see layout.py); off, text may go anywhere.
    """

    format: Format = "mp4"
    quality: Quality = "high"
    resolution: Resolution = "1080p"
    font: Path | None = None
    safe_area: bool = True


@dataclass(frozen=True)
class RenderResult:
    """What was written: the file and its video properties."""

    path: Path
    width: int
    height: int
    fps: float
    duration_s: float
    has_audio: bool
    size_bytes: int
