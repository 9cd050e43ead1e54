"""Input pictures: HEIC, EXIF orientation, the 50 MB limit, and big photos reduced once."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from motionctl.mock_server.render import RenderInputError, RenderOptions, render_draft
from motionctl.mock_server.render.camera import Motion, camera_path
from motionctl.mock_server.render.source import load_picture
from tests.render.video_checks import decode_luma, marker_picture, track_marker, video_draft

PREVIEW = RenderOptions(quality="low", resolution="540p")
W, H = 540, 960


def _marker_at(tmp_path: Path, picture: Path) -> tuple[float, float]:
    out = tmp_path / "clip.mp4"
    render_draft(video_draft(None, ms=100), {"cdn://pic": picture}, out, PREVIEW)
    track = track_marker(decode_luma(out))
    return float(track.x[0]) / W, float(track.y[0]) / H


def test_heic_input(tmp_path: Path) -> None:
    picture = marker_picture(tmp_path / "photo.heic", at=(0.3, 0.6), marker=40, fmt="HEIF")
    assert picture.read_bytes()[4:12] == b"ftypheic"
    assert _marker_at(tmp_path, picture) == pytest.approx((0.3, 0.6), abs=0.01)


def test_webp_input(tmp_path: Path) -> None:
    picture = marker_picture(tmp_path / "photo.webp", at=(0.7, 0.2), marker=40, fmt="WEBP")
    assert picture.read_bytes()[8:12] == b"WEBP"
    assert _marker_at(tmp_path, picture) == pytest.approx((0.7, 0.2), abs=0.01)


def test_exif_orientation_is_applied(tmp_path: Path) -> None:
    # Stored landscape with orientation 6 ("rotate 90° clockwise to view"): a marker stored at
    # (0.25, 0.25) of the landscape pixels is seen at (0.75, 0.25) of the upright portrait.
    exif = Image.Exif()
    exif[0x0112] = 6
    picture = marker_picture(tmp_path / "photo.jpg", size=(1920, 1080), at=(0.25, 0.25), marker=40, exif=exif)
    assert _marker_at(tmp_path, picture) == pytest.approx((0.75, 0.25), abs=0.01)


def test_files_over_50_mb_are_refused(tmp_path: Path) -> None:
    big = tmp_path / "huge.jpg"
    with big.open("wb") as handle:
        handle.truncate(51 * 1024 * 1024)
    with pytest.raises(RenderInputError, match=r"^image cdn://pic: 51 MiB is over the 50 MiB limit; use a"):
        render_draft(video_draft(None), {"cdn://pic": big}, tmp_path / "c.mp4", PREVIEW)


def test_big_jpeg_is_reduced_to_what_the_motion_needs(tmp_path: Path) -> None:
    photo = tmp_path / "big.jpg"
    Image.new("RGB", (8000, 6000), (90, 120, 150)).save(photo, quality=80)
    motion = Motion(zoom=(1.0, 1.15))
    out = (1080, 1920)
    picture = load_picture(photo, lambda size: camera_path(motion, size, out).max_scale())
    # 8000×6000 covered onto 1080×1920 at up to 1.15× needs 0.368 px per source px: 2944×2208.
    assert picture.original_size == (8000, 6000)
    assert picture.size == (2944, 2208)
    # And the reduced picture still covers the frame at the path's largest zoom without upscaling.
    assert camera_path(motion, picture.size, out).max_scale() == pytest.approx(1.0, abs=0.001)
    assert camera_path(motion, picture.size, out).max_scale() <= 1.0


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads peaks from Linux's /proc")
def test_8000x6000_jpeg_renders_in_well_under_1_5_gb(tmp_path: Path) -> None:
    photo = tmp_path / "big.jpg"
    gradient = np.linspace(0, 255, 8000, dtype=np.uint8)[None, :, None].repeat(6000, axis=0).repeat(3, axis=2)
    Image.fromarray(gradient).save(photo, quality=85)
    # A fresh process, so the peaks are the renderer's own. VmHWM is the process image's own peak
    # (ru_maxrss would carry pytest's over, as Linux keeps it across exec).
    script = textwrap.dedent(
        f"""
        import json
        from pathlib import Path
        from motionctl.mock_server.render import RenderOptions, render_draft
        from motionctl.mock_server.render.camera import Motion, camera_path
        from motionctl.mock_server.render.source import load_picture

        def kb(key):
            lines = Path("/proc/self/status").read_text().splitlines()
            return next(int(line.split()[1]) for line in lines if line.startswith(key + ":"))

        photo, before = Path({str(photo)!r}), kb("VmRSS")
        motion = Motion(zoom=(1.0, 1.15), pan=(0.04, 0.0))
        load_picture(photo, lambda size: camera_path(motion, size, (1080, 1920)).max_scale())
        loading = kb("VmHWM") - before
        draft = {{"d": 200, "m": {{"aspect": "9:16"}}, "t": [{{"tt": 0, "sg": [{{"st": 0, "d": 200,
                  "src": "p", "motion": {{"zoom": [1.0, 1.15], "pan": [0.04, 0]}}}}]}}]}}
        render_draft(draft, {{"p": photo}}, Path({str(tmp_path / "c.mp4")!r}), RenderOptions())
        print(json.dumps({{"loading": loading * 1024, "peak": kb("VmHWM") * 1024}}))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120
    )
    measured = json.loads(done.stdout.strip().splitlines()[-1])
    assert measured["peak"] < 1.5e9, f"peak RSS {measured['peak'] / 1e6:.0f} MB"
    # Decoded whole, the photo alone is 144 MB of RGB and the load peaks near 460 MB; decoded at 1/2
    # by the JPEG's DCT (Image.draft) and reduced once, the load adds about 115 MB.
    assert measured["loading"] < 250e6, f"loading the photo took {measured['loading'] / 1e6:.0f} MB"
