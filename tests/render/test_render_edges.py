"""Every frame size the renderer makes is clean to its last row and column.

Issue 18: every instagram-feed clip at 1080p (1080×1350) had a green/magenta band in rows 0–3, because the
encoder was handed a frame two rows short (a height that is not a multiple of 4). A flat, saturated picture
shows any such defect: every pixel of every edge row and column must keep the picture's colour.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from motionctl.mock_server.render import RenderOptions, render_draft
from motionctl.mock_server.render.encode import AvWriter, encode_settings
from motionctl.mock_server.render.frames import FrameBuffer, rgb_to_yuv_planes
from motionctl.mock_server.render.geometry import SHORT_SIDE
from motionctl.safezones import table
from tests.render.video_checks import decode_rgb

ORANGE = (230, 110, 40)  # luma and both chroma values far apart: a plane read as another shows
EDGE = 6  # rows and columns checked at each edge
TOLERANCE = 10  # per RGB channel, against the frame's centre (x264 at quality low on a flat colour)
RATIO_OF = {"tiktok": "9:16", "reels": "9:16", "shorts": "9:16", "instagram-feed": "4:5",
            "instagram-square": "1:1", "youtube": "16:9"}


def _edge_defects(frame: np.ndarray) -> list[str]:
    """Each edge row and column (``EDGE`` deep on every side) whose colour strays from the centre's."""
    height, width = frame.shape[:2]
    deviation = np.abs(frame.astype(int) - frame[height // 2, width // 2].astype(int)).max(axis=2)
    lines = [(f"row {r}", deviation[r]) for r in [*range(EDGE), *range(height - EDGE, height)]]
    lines += [(f"column {c}", deviation[:, c]) for c in [*range(EDGE), *range(width - EDGE, width)]]
    return [f"{name} off by {int(line.max())}" for name, line in lines if line.max() > TOLERANCE]


@pytest.fixture(scope="module")
def flat_picture(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("edges") / "orange.png"
    Image.new("RGB", (640, 480), ORANGE).save(path)
    return path


def test_the_table_names_every_platform() -> None:
    assert set(RATIO_OF) == set(table()["platforms"])


@pytest.mark.parametrize("resolution", sorted(SHORT_SIDE))
@pytest.mark.parametrize("platform", sorted(RATIO_OF))
def test_every_platform_and_resolution_has_clean_edges(
    tmp_path: Path, flat_picture: Path, platform: str, resolution: str
) -> None:
    draft = {"d": 67, "m": {"aspect": RATIO_OF[platform], "platform": platform, "fps": 30},
             "t": [{"tt": 0, "sg": [{"st": 0, "d": 67, "src": "cdn://pic", "motion": None}]}]}
    out = tmp_path / "clip.mp4"
    render_draft(draft, {"cdn://pic": flat_picture}, out, RenderOptions(quality="low", resolution=resolution))
    frames = decode_rgb(out)
    assert frames
    for index, frame in enumerate(frames):
        assert _edge_defects(frame) == [], f"frame {index} of {frame.shape[1]}x{frame.shape[0]}"
        assert np.abs(frame[frame.shape[0] // 2, frame.shape[1] // 2].astype(int) - ORANGE).max() <= 6


@pytest.mark.parametrize("size", [(1080, 1350), (540, 678), (720, 902), (1082, 1080), (64, 2), (2, 6)])
def test_the_writer_keeps_any_even_size_whole(tmp_path: Path, size: tuple[int, int]) -> None:
    """Sizes a draft's own width and height can ask for, including heights that are not a multiple of 4."""
    width, height = size
    pixels = np.empty((height, width, 3), dtype=np.uint8)
    pixels[...] = ORANGE
    buffer = FrameBuffer.allocate(width, height)
    y, uv = buffer.planes()
    yy, uu, vv = rgb_to_yuv_planes(pixels)
    y[...], uv[..., 0], uv[..., 1] = yy, uu, vv
    out = tmp_path / "one.mp4"
    writer = AvWriter(out, encode_settings("mp4", "high"), size, 30, None)
    writer.write(buffer)
    writer.close()
    (frame,) = decode_rgb(out)
    assert frame.shape == (height, width, 3)
    assert np.abs(frame.astype(int) - ORANGE).max() <= 6
