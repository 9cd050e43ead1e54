"""ffmpeg's zoompan making the same move as our renderer: the reference the benches measure against.

zoompan crops a window of ``iw/zoom × ih/zoom`` at (x, y) from each input frame and scales it to the output
size; a still picture given ``d`` frames becomes a clip. The expressions below follow our camera
(specs/motion.md): the same eased progress, the zoom times the extra zoom our renderer adds so a pan never
shows a border, the pan as a share of the visible width centred on the rest position, the focus at the
picture's centre. A source whose aspect differs from the frame's is first cropped to it (cover), as ours is.
Roll has no zoompan equivalent.
"""

from __future__ import annotations

from pathlib import Path

import imageio_ffmpeg

from motionctl.mock_server.render.camera import Motion, camera_path

# The encoder settings of our "high" quality (mock_server/render/encode.py), for both sides.
X264 = ["-c:v", "libx264", "-preset", "veryfast", "-crf", "20", "-profile:v", "high"]

_EASED = {
    "linear": "{p}",
    "ease-in": "pow({p},2)",
    "ease-out": "(1-pow(1-{p},2))",
    "ease-in-out": "(3*pow({p},2)-2*pow({p},3))",
}


def cover_crop(source_size: tuple[int, int], out_size: tuple[int, int]) -> tuple[int, int]:
    """The centred crop of the source with the frame's aspect (what our cover fit shows at zoom 1)."""
    (w, h), (ow, oh) = source_size, out_size
    if w * oh > h * ow:
        return round(h * ow / oh), h
    return w, round(w * oh / ow)


def zoompan_filter(motion: Motion, source_size: tuple[int, int], out_size: tuple[int, int], fps: int,
                   frames: int) -> str:
    """The ``-vf`` chain (crop, zoompan, yuv420p) that makes ``motion`` from a still of ``source_size``."""
    crop = cover_crop(source_size, out_size)
    extra = camera_path(motion, source_size, out_size).extra_zoom
    eased = _EASED[motion.easing].format(p=f"min(on/{max(1, frames - 1)},1)")
    z0, z1 = motion.zoom
    zoom = f"{extra:.6f}*({z0}+{z1 - z0}*{eased})"
    # Our pan travels its whole amount over the move, centred: (eased - 0.5) × pan × the visible size.
    x = f"iw/2-iw/zoom/2+({eased}-0.5)*{motion.pan[0]}*iw/zoom"
    y = f"ih/2-ih/zoom/2+({eased}-0.5)*{motion.pan[1]}*ih/zoom"
    chain = [f"crop={crop[0]}:{crop[1]}"] if crop != source_size else []
    chain.append(f"zoompan=z='{zoom}':x='{x}':y='{y}':d={frames}:s={out_size[0]}x{out_size[1]}:fps={fps}")
    chain.append("format=yuv420p")
    return ",".join(chain)


def zoompan_command(source: Path, out: Path, motion: Motion, source_size: tuple[int, int],
                    out_size: tuple[int, int], fps: int, frames: int) -> list[str]:
    """The ffmpeg command line that writes the zoompan clip to ``out`` (x264 as our "high" quality)."""
    return [
        imageio_ffmpeg.get_ffmpeg_exe(), "-y", "-v", "error", "-i", str(source),
        "-vf", zoompan_filter(motion, source_size, out_size, fps, frames),
        "-frames:v", str(frames), *X264, "-movflags", "+faststart", str(out),
    ]  # fmt: skip
