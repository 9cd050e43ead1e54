"""Picture quality as a number: our clips and zoompan's against a supersampled reference, PSNR and SSIM.

    python bench/quality.py [--seconds 2] [--samples 8] [--out bench/out]

For each scene (a source picture × a camera move, 1080×1920 at 30 fps) it renders our clip (the renderer
as shipped, x264 "high") and zoompan's (the same move, bench/zoompan.py, same x264 settings), decodes both
and compares the luma of ``--samples`` frames with a reference made the careful way: the source's luma,
in floating point, warped onto a raster 4× finer than the frame with a Lanczos kernel, then averaged back
down 4×4. The reference follows our camera path exactly, so zoompan's whole-pixel crop positions count as
the error a viewer sees (its jitter). Each side is compared in its own colour matrix (zoompan's ffmpeg
converts to BT.601 luma, ours is BT.709).

Sources: ``texture`` (fine noise, a zone plate and 1-px lines: aliasing shows here), ``text`` (lines of
type from 14 to 120 px), ``photo`` (bench/images/coffee.png, a real product photo of 600×400: on a
1080×1920 frame that is ~4.8× up). Moves: a push-in with a pan, a pull-out, a pan alone, a deep zoom
(1→2, from well below 1:1 to 1:1 on the big sources).

Then the interpolation study: the frames before encoding, made by the renderer's own source preparation
and warp with each candidate kernel, against the same reference, with the warp's cost per frame; and
zoompan's frames before encoding. Writes bench/out/quality-<source>.png: a crop of the reference, ours
and zoompan's side by side, to look at.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import av
import cv2
import imageio_ffmpeg
import numpy as np
import numpy.typing as npt
from PIL import Image, ImageDraw, ImageFont
from zoompan import zoompan_command, zoompan_filter

from motionctl.mock_server.render import RenderOptions, render_draft
from motionctl.mock_server.render.camera import Motion, camera_path, frame_progress
from motionctl.mock_server.render.frames import FrameBuffer, warp_into, yuv_picture
from motionctl.mock_server.render.source import load_picture

ROOT = Path(__file__).resolve().parents[1]
FPS, SIZE = 30, (1080, 1920)
BIG = (2160, 3840)
SUPERSAMPLE = 4
FONT = ROOT / "mock_server" / "render" / "fonts" / "NotoSans-Bold.subset.ttf"
MOTIONS = {
    "push-in": Motion(zoom=(1.0, 1.15), pan=(0.04, 0.0)),
    "pull-out": Motion(zoom=(1.3, 1.0)),
    "pan": Motion(pan=(-0.1, 0.0)),
    "deep zoom": Motion(zoom=(1.0, 2.0)),
}
# Luma weights (Kr, Kb) of each side's colour matrix.
BT709, BT601 = (0.2126, 0.0722), (0.299, 0.114)
Luma = npt.NDArray[np.float32]


def make_texture(path: Path) -> Path:
    """Fine detail everywhere: band-limited noise, a zone plate (rings up to the finest frequency) and
    1-px lines."""
    width, height = BIG
    rng = np.random.default_rng(11)
    noise = cv2.GaussianBlur(rng.normal(0, 1, (height, width)).astype(np.float32), (0, 0), 0.8)
    pixels = 128 + 60 * noise / noise.std()
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    cx, cy, radius = width / 2, height * 0.35, width * 0.42
    r2 = (xx - cx) ** 2 + (yy - cy) ** 2
    plate = 128 + 100 * np.cos(np.pi * r2 / (2 * radius))
    pixels = np.where(r2 < radius**2, plate, pixels)
    pixels[int(height * 0.75) : int(height * 0.9), ::2] = 30  # 1-px vertical lines
    pixels[int(height * 0.9) :: 2, :] = 220  # 1-px horizontal lines
    colour = np.dstack([pixels, pixels * 0.9 + 10, pixels * 0.8 + 20])
    Image.fromarray(np.clip(colour, 0, 255).astype(np.uint8)).save(path)
    return path


def make_text(path: Path) -> Path:
    """A poster of type from 14 to 120 px, dark on light above and light on dark below."""
    width, height = BIG
    image = Image.new("RGB", BIG, (236, 232, 224))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, height // 2, width, height), fill=(24, 28, 40))
    words = "Acme Chrono 30% off - Timeless steel, sapphire glass, 100 m water resistant. "
    for top, colour in ((0, (20, 20, 20)), (height // 2, (250, 250, 240))):
        y = top + 30
        for size in (120, 80, 56, 40, 28, 20, 14, 20, 28, 40, 56):
            font = ImageFont.truetype(str(FONT), size)
            if y + size > top + height // 2:
                break
            draw.text((30 - (size * 7) % 200, y), words * 4, font=font, fill=colour)
            y += int(size * 1.3)
    image.save(path)
    return path


def source_luma(path: Path, weights: tuple[float, float]) -> Luma:
    """The picture's limited-range luma in floating point (no rounding), with (Kr, Kb) ``weights``."""
    with Image.open(path) as image:
        rgb = np.asarray(image.convert("RGB"), dtype=np.float32)
    kr, kb = weights
    luma = rgb @ np.array([kr, 1 - kr - kb, kb], dtype=np.float32)
    return np.asarray(16 + luma * (219 / 255), dtype=np.float32)


def reference(luma: Luma, forward: npt.NDArray[np.float64]) -> Luma:
    """The frame of ``luma`` under the forward map, rendered on a 4× finer raster with Lanczos and
    averaged down: pixel centres at (i + 0.5) / 4 of an output pixel, as in our camera convention."""
    inverse = np.linalg.inv(forward[:, :2])
    offset = inverse @ (np.full(2, 0.5 / SUPERSAMPLE) - forward[:, 2]) - 0.5
    big = cv2.warpAffine(luma, np.hstack([inverse / SUPERSAMPLE, offset[:, None]]),
                         (SIZE[0] * SUPERSAMPLE, SIZE[1] * SUPERSAMPLE),
                         flags=cv2.INTER_LANCZOS4 | cv2.WARP_INVERSE_MAP, borderMode=cv2.BORDER_REPLICATE)
    return np.asarray(cv2.resize(big, SIZE, interpolation=cv2.INTER_AREA), dtype=np.float32)


def psnr(frame: npt.NDArray[np.generic], ref: Luma) -> float:
    mse = float(np.mean((frame.astype(np.float64) - ref) ** 2))
    return 10 * np.log10(255**2 / max(mse, 1e-12))


def ssim(frame: npt.NDArray[np.generic], ref: Luma) -> float:
    """Mean SSIM (Wang et al. 2004: Gaussian window σ 1.5, K1 0.01, K2 0.03) of two luma planes."""
    a, b = frame.astype(np.float32), ref.astype(np.float32)
    blur = lambda x: cv2.GaussianBlur(x, (11, 11), 1.5)  # noqa: E731
    mu_a, mu_b = blur(a), blur(b)
    var_a, var_b, cov = blur(a * a) - mu_a**2, blur(b * b) - mu_b**2, blur(a * b) - mu_a * mu_b
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    value = ((2 * mu_a * mu_b + c1) * (2 * cov + c2)) / ((mu_a**2 + mu_b**2 + c1) * (var_a + var_b + c2))
    return float(value.mean())


def decoded_luma(video: Path, wanted: list[int]) -> dict[int, npt.NDArray[np.uint8]]:
    found: dict[int, npt.NDArray[np.uint8]] = {}
    with av.open(str(video)) as container:
        for index, frame in enumerate(container.decode(video=0)):
            if index in wanted:
                found[index] = frame.to_ndarray(format="yuv420p")[: SIZE[1]].copy()
    return found


def zoompan_raw(source: Path, motion: Motion, frames: int,
                wanted: list[int]) -> dict[int, npt.NDArray[np.uint8]]:
    """zoompan's frames before encoding (yuv420p straight from the filter), luma only."""
    with Image.open(source) as image:
        size = image.size
    command = [imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-i", str(source),
               "-vf", zoompan_filter(motion, size, SIZE, FPS, frames), "-frames:v", str(frames),
               "-f", "rawvideo", "-pix_fmt", "yuv420p", "-"]
    raw = subprocess.run(command, check=True, capture_output=True).stdout
    plane = SIZE[0] * SIZE[1]
    step = plane * 3 // 2
    return {i: np.frombuffer(raw, np.uint8, plane, i * step).reshape(SIZE[1], SIZE[0]) for i in wanted}


@dataclass(frozen=True)
class Variant:
    """A way to make our frames: the per-frame kernel and how a small picture is enlarged first."""

    frame_kernel: int
    enlarge: int | None  # None: frames enlarge it themselves (as before this study)


VARIANTS = {
    "before: bilinear, no enlarging": Variant(cv2.INTER_LINEAR, None),
    "bilinear, enlarged bicubic": Variant(cv2.INTER_LINEAR, cv2.INTER_CUBIC),
    "bilinear, enlarged lanczos": Variant(cv2.INTER_LINEAR, cv2.INTER_LANCZOS4),
    "bicubic, enlarged bicubic": Variant(cv2.INTER_CUBIC, cv2.INTER_CUBIC),
    "lanczos, enlarged lanczos": Variant(cv2.INTER_LANCZOS4, cv2.INTER_LANCZOS4),
}


def our_frames(source: Path, motion: Motion, frames: int, wanted: list[int],
               variant: Variant) -> tuple[dict[int, npt.NDArray[np.uint8]], float, float]:
    """Our frames before encoding (the renderer's source preparation and warp), the preparation's CPU ms
    and the warp's CPU ms per frame."""
    started = time.process_time()
    loaded = load_picture(source, lambda original: camera_path(motion, original, SIZE).max_scale())
    path = camera_path(motion, loaded.size, SIZE)
    picture = yuv_picture(loaded.pixels, loaded.size, min_scale=path.min_scale(),
                          max_scale=path.max_scale() if variant.enlarge is not None else 1.0,
                          enlarge=variant.enlarge or cv2.INTER_LINEAR)
    prepared = time.process_time() - started
    found, spent = {}, 0.0
    for index in wanted:
        buffer = FrameBuffer.allocate(*SIZE)
        started = time.process_time()
        warp_into(picture, path.matrix(frame_progress(index, frames)), *buffer.planes(),
                  interpolation=variant.frame_kernel)
        spent += time.process_time() - started
        found[index] = buffer.planes()[0].copy()
    return found, 1000 * prepared, 1000 * spent / len(wanted)


@dataclass
class Scores:
    psnr: list[float]
    ssim: list[float]

    def line(self) -> str:
        return (f"{statistics.mean(self.psnr):6.2f} {min(self.psnr):6.2f}  "
                f"{statistics.mean(self.ssim):6.4f} {min(self.ssim):6.4f}")


def score(frames: dict[int, npt.NDArray[np.uint8]], refs: dict[int, Luma]) -> Scores:
    return Scores([psnr(frames[i], refs[i]) for i in refs], [ssim(frames[i], refs[i]) for i in refs])


def render_ours(source: Path, motion: Motion, seconds: float, out: Path) -> None:
    ms = round(seconds * 1000)
    draft = {"d": ms, "m": {"aspect": "9:16", "fps": FPS}, "t": [{"tt": 0, "sg": [{
        "st": 0, "d": ms, "src": "s", "motion": {"zoom": list(motion.zoom), "pan": list(motion.pan),
                                               "easing": motion.easing}}]}]}
    render_draft(draft, {"s": source}, out, RenderOptions(quality="high", resolution="1080p"))


def crop_sheet(out: Path, panels: dict[str, npt.NDArray[np.generic]]) -> None:
    """The 360×360 window with the most detail in the first panel, from each panel, shown 2× with nearest
    pixels, labelled."""
    first = np.asarray(next(iter(panels.values())), np.float32)
    h, w = first.shape
    spread = {(top, left): float(first[top : top + 360, left : left + 360].std())
              for top in range(0, h - 360, 120) for left in range(0, w - 360, 120)}
    top, left = max(spread, key=lambda corner: spread[corner])
    tiles = []
    for label, luma in panels.items():
        window = np.asarray(luma, np.float64)[top : top + 360, left : left + 360]
        crop = np.clip(np.rint(window), 0, 255).astype(np.uint8)
        tile = Image.fromarray(crop).resize((720, 720), Image.Resampling.NEAREST).convert("RGB")
        ImageDraw.Draw(tile).text((8, 8), label, fill=(255, 64, 64), font=ImageFont.truetype(str(FONT), 28))
        tiles.append(tile)
    sheet = Image.new("RGB", (len(tiles) * 728 - 8, 720), (255, 255, 255))
    for i, tile in enumerate(tiles):
        sheet.paste(tile, (i * 728, 0))
    sheet.save(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=2.0, help="length of each clip")
    parser.add_argument("--samples", type=int, default=8, help="frames compared per clip")
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "out")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    frames = round(args.seconds * FPS)
    wanted = sorted({round(x) for x in np.linspace(0, frames - 1, args.samples)})
    print(f"cores: {os.cpu_count()}, load average {os.getloadavg()[0]:.2f}; {frames} frames a clip, "
          f"{len(wanted)} compared; PSNR dB (mean, worst frame), SSIM (mean, worst frame), luma")
    # Per variant and source: the scores of each scene, the preparation ms and the warp ms per frame.
    study: dict[str, dict[str, list[Scores]]] = {name: {} for name in [*VARIANTS, "zoompan"]}
    cost: dict[str, list[tuple[float, float]]] = {name: [] for name in VARIANTS}
    wins = 0
    clips: dict[str, dict[str, list[Scores]]] = {"ours": {}, "zoompan": {}}
    with tempfile.TemporaryDirectory(prefix="bench-quality-") as tmp:
        work = Path(tmp)
        sources: dict[str, Path] = {"texture": make_texture(work / "texture.png"),
                                    "text": make_text(work / "text.png"),
                                    "photo": Path(__file__).resolve().parent / "images" / "coffee.png"}
        print(f"{'scene':<22} {'clip':<8} {'PSNR':>6} {'worst':>6}  {'SSIM':>6} {'worst':>6}")
        for source_name, source in sources.items():
            lumas = {BT709: source_luma(source, BT709), BT601: source_luma(source, BT601)}
            with Image.open(source) as image:
                original = image.size
            for motion_name, motion in MOTIONS.items():
                path = camera_path(motion, original, SIZE)
                refs = {weights: {i: reference(luma, path.matrix(frame_progress(i, frames))) for i in wanted}
                        for weights, luma in lumas.items()}
                ours_clip, zoompan_clip = work / "ours.mp4", work / "zoompan.mp4"
                render_ours(source, motion, args.seconds, ours_clip)
                subprocess.run(zoompan_command(source, zoompan_clip, motion, original, SIZE, FPS, frames),
                               check=True)
                ours = score(decoded_luma(ours_clip, wanted), refs[BT709])
                theirs = score(decoded_luma(zoompan_clip, wanted), refs[BT601])
                clips["ours"].setdefault(source_name, []).append(ours)
                clips["zoompan"].setdefault(source_name, []).append(theirs)
                wins += statistics.mean(ours.psnr) >= statistics.mean(theirs.psnr) and \
                    statistics.mean(ours.ssim) >= statistics.mean(theirs.ssim)
                scene = f"{source_name} / {motion_name}"
                print(f"{scene:<22} {'ours':<8} {ours.line()}")
                print(f"{'':<22} {'zoompan':<8} {theirs.line()}")
                for name, variant in VARIANTS.items():
                    made, prepared, warped = our_frames(source, motion, frames, wanted, variant)
                    study[name].setdefault(source_name, []).append(score(made, refs[BT709]))
                    cost[name].append((prepared, warped))
                raw = zoompan_raw(source, motion, frames, wanted)
                study["zoompan"].setdefault(source_name, []).append(score(raw, refs[BT601]))
                if motion_name == "push-in":
                    middle = wanted[len(wanted) // 2]
                    crop_sheet(args.out / f"quality-{source_name}.png", {
                        "reference": refs[BT709][middle],
                        "ours": decoded_luma(ours_clip, [middle])[middle],
                        "zoompan": decoded_luma(zoompan_clip, [middle])[middle]})
    scenes = len(sources) * len(MOTIONS)
    print(f"ours >= zoompan (mean PSNR and mean SSIM) in {wins} of {scenes} scenes; mean over each source's "
          "moves, PSNR / SSIM:")
    for name, by_source in clips.items():
        cells = [f"{source} {_means(results)}" for source, results in by_source.items()]
        print(f"  {name:<8} " + "  ".join(cells))
    print("interpolation study: frames before encoding, mean PSNR / SSIM over each source's moves; "
          "CPU ms to prepare the picture (mean) and to warp a frame")
    print(f"  {'variant':<31} " + " ".join(f"{name:>15}" for name in sources) + f" {'prep':>6} {'warp':>6}")
    for name, by_source in study.items():
        cells = [_means(by_source[source]) for source in sources]
        prep, warp = (statistics.mean(c[i] for c in cost[name]) for i in (0, 1)) if name in cost else (0, 0)
        spent = f"{prep:6.0f} {warp:6.2f}" if name in cost else ""
        print(f"  {name:<31} " + " ".join(f"{c:>15}" for c in cells) + f" {spent}")
    print(f"crop sheets: {args.out}/quality-*.png")


def _means(results: list[Scores]) -> str:
    return (f"{statistics.mean(statistics.mean(x.psnr) for x in results):6.2f} / "
            f"{statistics.mean(statistics.mean(x.ssim) for x in results):6.4f}")


if __name__ == "__main__":
    main()
