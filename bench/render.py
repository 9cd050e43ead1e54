"""Benchmark: our renderer against ffmpeg's zoompan and against encoding alone, on the same clip.

The clip: 5 s, 1080×1920, 30 fps, zoom 1.0 → 1.15 with a 4 % pan (ease-in-out), from a 2160×3840
synthetic picture with a marker, x264 veryfast CRF 20. Each output is decoded and the marker tracked, so
the jitter figures are what a viewer gets, encoder included.

    python bench/render.py [--repeat 5] [--out bench/out]

Runs the three variants interleaved (ours, zoompan, encode-only, ours, …) so a burst of load from others
on the machine hits each alike, and prints each one's wall and CPU times, the median of the per-round
ratios (ours ÷ zoompan, ours ÷ encode-only) and the best round's, jitter (RMS marker acceleration in
px/frame², backward steps) and the load average. Then where a frame's time goes: each stage of our
render timed alone, in CPU ms (source preparation, colour conversion, the warp, a text overlay, the
encoder), against the whole. Writes bench/out/contact-sheet*.png (first, middle, last frame).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np
import numpy.typing as npt
from PIL import Image
from zoompan import zoompan_command

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from motionctl.mock_server.render import RenderOptions, render_draft
from motionctl.mock_server.render.camera import Motion, camera_path, frame_progress
from motionctl.mock_server.render.encode import AvWriter, encode_settings
from motionctl.mock_server.render.frames import FrameBuffer, rgb_to_yuv_planes, warp_into, yuv_picture
from motionctl.mock_server.render.geometry import FrameSize
from motionctl.mock_server.render.preview import contact_sheet
from motionctl.mock_server.render.source import load_picture
from motionctl.mock_server.render.text import blend, prepare_overlay
from motionctl.mock_server.render.timeline import read_timeline

SECONDS, FPS, WIDTH, HEIGHT = 5, 30, 1080, 1920
FRAMES = SECONDS * FPS
SOURCE = (2160, 3840)
MARKER_AT = (0.4, 0.5)  # left of centre: the zoom and the pan (camera right) both carry it left
MARKER_PX = 48
BACKGROUND, MARKER = 40, 250
MOTION = {"zoom": [1.0, 1.15], "pan": [0.04, 0.0], "easing": "ease-in-out"}
# A step against the direction of travel counts as backward beyond this (centroid noise is a few 0.01 px).
BACKWARD_TOLERANCE = 0.05


@dataclass(frozen=True)
class Timing:
    wall: float
    cpu: float  # this process and its children, user + system


@dataclass(frozen=True)
class Jitter:
    rms_acceleration: float  # px/frame²
    backward_steps: int
    frames: int


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def _timed(run: Callable[[], None]) -> Timing:
    wall, cpu = time.perf_counter(), _cpu()
    run()
    return Timing(time.perf_counter() - wall, _cpu() - cpu)


def make_source(path: Path) -> Path:
    """A dark picture with faint texture (so the encoder has work) and one bright square marker."""
    width, height = SOURCE
    rng = np.random.default_rng(7)
    texture = rng.normal(0, 6, (height // 8, width // 8)).astype(np.float32)
    texture = np.asarray(Image.fromarray(texture, mode="F").resize((width, height), Image.Resampling.BICUBIC))
    pixels = np.clip(BACKGROUND + texture, 0, 255).astype(np.uint8)[..., None].repeat(3, axis=2)
    cx, cy, half = round(MARKER_AT[0] * width), round(MARKER_AT[1] * height), MARKER_PX // 2
    pixels[cy - half : cy + half, cx - half : cx + half] = MARKER
    Image.fromarray(pixels).save(path)
    return path


def draft() -> dict[str, object]:
    return {
        "d": SECONDS * 1000,
        "m": {"aspect": "9:16", "fps": FPS},
        "t": [{"tt": 0, "sg": [{"st": 0, "d": SECONDS * 1000, "src": "bench", "motion": MOTION}]}],
    }


def run_ours(source: Path, out: Path) -> None:
    render_draft(
        draft(), {"bench": source}, out, RenderOptions(format="mp4", quality="high", resolution="1080p")
    )


def run_zoompan(source: Path, out: Path) -> None:
    command = zoompan_command(source, out, Motion.from_draft(MOTION), SOURCE, (WIDTH, HEIGHT), FPS, FRAMES)
    subprocess.run(command, check=True)


def premade_frames(source: Path) -> list[FrameBuffer]:
    """The exact frames of our render, made before the clock starts, for the encode-only variant."""
    motion, size = Motion.from_draft(MOTION), (WIDTH, HEIGHT)
    loaded = load_picture(source, lambda original: camera_path(motion, original, size).max_scale())
    path = camera_path(motion, loaded.size, size)
    picture = yuv_picture(loaded.pixels, loaded.size, min_scale=path.min_scale(), max_scale=path.max_scale())
    frames = []
    for index in range(FRAMES):
        buffer = FrameBuffer.allocate(WIDTH, HEIGHT)
        warp_into(picture, path.matrix(frame_progress(index, FRAMES)), *buffer.planes())
        frames.append(buffer)
    return frames


def run_encode_only(frames: list[FrameBuffer], out: Path) -> None:
    writer = AvWriter(out, encode_settings("mp4", "high"), (WIDTH, HEIGHT), FPS, None)
    for frame in frames:
        writer.write(frame)
    writer.close()


def track(video: Path) -> npt.NDArray[np.float64]:
    """Marker centroid (x, y) per decoded frame: intensity above the local background (the median of a
    window's border around the bright core), without a threshold that would bend the centroid."""
    points = []
    with av.open(str(video)) as container:
        for frame in container.decode(video=0):
            luma = frame.to_ndarray(format="gray").astype(np.float64)
            core = np.argwhere(luma > (BACKGROUND + MARKER) / 2)
            (r0, c0), (r1, c1) = np.maximum(core.min(axis=0) - 3, 0), core.max(axis=0) + 4
            window = luma[r0:r1, c0:c1]
            border = np.concatenate([window[0], window[-1], window[:, 0], window[:, -1]])
            weight = window - np.median(border)
            rows, cols = np.indices(weight.shape)
            total = weight.sum()
            points.append(((weight * cols).sum() / total + c0, (weight * rows).sum() / total + r0))
    return np.array(points)


def jitter(video: Path) -> Jitter:
    points = track(video)
    acceleration = np.diff(points, n=2, axis=0)
    steps = np.diff(points[:, 0])
    direction = np.sign(points[-1, 0] - points[0, 0])
    return Jitter(
        rms_acceleration=float(np.sqrt(np.mean((acceleration**2).sum(axis=1)))),
        backward_steps=int((steps * direction < -BACKWARD_TOLERANCE).sum()),
        frames=len(points),
    )


def render_demo(work: Path, out_png: Path) -> Path:
    """A draft with everything (motion with roll, two text overlays, music) for a look by eye."""
    width, height = 1600, 2400
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    pixels = np.dstack(
        [120 + 100 * np.sin(xx / 210), 90 + 80 * np.cos(yy / 330), 160 + 60 * np.sin((xx + yy) / 500)]
    )
    for cx, cy, r in ((500, 800, 180), (1100, 1500, 260), (800, 1900, 120)):
        pixels[(xx - cx) ** 2 + (yy - cy) ** 2 < r**2] = (250, 240, 220)
    picture = work / "demo.png"
    Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8)).save(picture)
    draft = {
        "d": 3000,
        "m": {"aspect": "9:16", "fps": 30, "width": 1080, "height": 1920},
        "t": [
            {"tt": 0, "sg": [{"st": 0, "d": 3000, "src": "demo", "motion": {
                "zoom": [1.0, 1.2], "pan": [-0.05, 0], "roll": [0, 4], "focus": [0.69, 0.62]}}]},
            {"tt": 7, "sg": [
                {"st": 0, "d": 3000, "text": "Summer sale — 30% off", "pos": "top", "size": 72, "box": True},
                {"st": 500, "d": 2500, "text": "Shop now at example.com", "pos": "bottom", "color": "#FFD700",
                 "fade": 300},
            ]},
            {"tt": 1, "sg": [{"st": 0, "d": 3000, "src": "mood:lo-fi", "vol": 80, "fo": 800}]},
        ],
    }  # fmt: skip
    video = work / "demo.mp4"
    render_draft(draft, {"demo": picture}, video, RenderOptions(quality="low", resolution="540p"))
    return contact_sheet(video, out_png)


def _cpu_ms(run: Callable[[], object], times: int = 1) -> float:
    started = time.process_time()
    for _ in range(times):
        run()
    return 1000 * (time.process_time() - started) / times


def breakdown(source: Path, encode_cpu_s: float) -> list[tuple[str, float]]:
    """CPU ms of each stage of our render of the clip, timed alone in this process (the encoder's from the
    encode-only runs): (stage, ms for the whole clip)."""
    motion, size = Motion.from_draft(MOTION), (WIDTH, HEIGHT)
    scale_for = lambda original: camera_path(motion, original, size).max_scale()  # noqa: E731
    loaded = load_picture(source, scale_for)
    path = camera_path(motion, loaded.size, size)
    picture = yuv_picture(loaded.pixels, loaded.size, min_scale=path.min_scale(), max_scale=path.max_scale())
    buffer = FrameBuffer.allocate(WIDTH, HEIGHT)
    matrices = [path.matrix(frame_progress(i, FRAMES)) for i in range(FRAMES)]
    caption = {"st": 0, "d": SECONDS * 1000, "text": "Summer sale — 30% off", "pos": "bottom", "box": True}
    with_text = {**draft(), "t": [*draft()["t"], {"tt": 7, "sg": [caption]}]}  # type: ignore[misc]
    text = read_timeline(with_text).text[0]
    overlay = prepare_overlay(text, FrameSize(WIDTH, HEIGHT), FPS, 1080, None)
    return [
        ("source: decode and reduce", _cpu_ms(lambda: load_picture(source, scale_for))),
        ("colour conversion (RGB to YUV, once)", _cpu_ms(lambda: rgb_to_yuv_planes(loaded.pixels))),
        ("source: planes, enlarging, pyramid", _cpu_ms(lambda: yuv_picture(
            loaded.pixels, loaded.size, min_scale=path.min_scale(), max_scale=path.max_scale()))),
        (f"warp, {FRAMES} frames",
         _cpu_ms(lambda: [warp_into(picture, m, *buffer.planes()) for m in matrices])),
        ("text: one overlay, drawn once", _cpu_ms(
            lambda: prepare_overlay(text, FrameSize(WIDTH, HEIGHT), FPS, 1080, None))),
        (f"text: blending it, {FRAMES} frames",
         FRAMES * _cpu_ms(lambda: blend(overlay, *buffer.planes(), 1.0), 20)),
        (f"encode, {FRAMES} frames (encode-only)", 1000 * encode_cpu_s),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=5, help="interleaved rounds of the three variants")
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "out")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        source = make_source(work / "source.png")
        frames = premade_frames(source)
        outputs = {name: work / f"{name}.mp4" for name in ("ours", "zoompan", "encode-only")}
        runs: dict[str, list[Timing]] = {name: [] for name in outputs}
        load_before = os.getloadavg()
        for _ in range(args.repeat):  # interleaved, so a burst of load hits every variant alike
            runs["ours"].append(_timed(lambda: run_ours(source, outputs["ours"])))
            runs["zoompan"].append(_timed(lambda: run_zoompan(source, outputs["zoompan"])))
            runs["encode-only"].append(_timed(lambda: run_encode_only(frames, outputs["encode-only"])))
        load_after = os.getloadavg()
        jitters = {name: jitter(path) for name, path in outputs.items()}
        stages = breakdown(source, statistics.median(t.cpu for t in runs["encode-only"]))
        sheet = contact_sheet(outputs["ours"], args.out / "contact-sheet.png")
        contact_sheet(outputs["zoompan"], args.out / "contact-sheet-zoompan.png")
        demo = render_demo(work, args.out / "contact-sheet-demo.png")

    print(f"clip: {SECONDS} s {WIDTH}x{HEIGHT} @ {FPS} fps, zoom 1.0->1.15 + 4% pan, x264 veryfast CRF 20")
    print(f"cores: {os.cpu_count()}, load average before {load_before[0]:.2f}, after {load_after[0]:.2f}")
    print(f"{'variant':<12} {'walls s':>36} {'median cpu s':>13} {'jitter px/f2':>13} {'backward':>9}")
    for name, timings in runs.items():
        walls = ", ".join(f"{t.wall:.2f}" for t in timings)
        j = jitters[name]
        print(f"{name:<12} {walls:>36} {statistics.median(t.cpu for t in timings):>13.2f} "
              f"{j.rms_acceleration:>13.3f} {j.backward_steps:>9}")
    for other, target in (("zoompan", "<= 0.85"), ("encode-only", "")):
        ratios = [o.wall / t.wall for o, t in zip(runs["ours"], runs[other], strict=True)]
        cpu = statistics.median(o.cpu / t.cpu for o, t in zip(runs["ours"], runs[other], strict=True))
        best = min(t.wall for t in runs["ours"]) / min(t.wall for t in runs[other])
        print(f"ours / {other:<11} = {statistics.median(ratios):.2f} median of {len(ratios)} rounds, "
              f"{best:.2f} best against best, CPU {cpu:.2f}" + (f"  (target {target})" if target else ""))
    print("where our render's CPU goes (each stage timed alone):")
    total = sum(ms for _, ms in stages)
    for name, ms in stages:
        print(f"  {name:<40} {ms:8.0f} ms  {100 * ms / total:5.1f} %")
    whole = 1000 * statistics.median(t.cpu for t in runs["ours"])
    print(f"  {'sum of the stages':<40} {total:8.0f} ms; the whole render took {whole:.0f} ms of CPU "
          f"(the rest: threads, queues, PyAV, muxing)")
    print(f"contact sheets: {sheet}, {demo}")


if __name__ == "__main__":
    main()
