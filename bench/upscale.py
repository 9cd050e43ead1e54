"""Small photos on big frames: which cheap upscaling looks best, by numbers and by eye.

    python bench/upscale.py [--factor 4] [--quality 75] [--out bench/out]

A user's 600×400 photo on a 1080×1920 frame is about 4.8× up. To score methods we need the picture the
small one was taken from, so each test picture (bench/images/coffee.png, a real product photo; a crop of
type; a crop of fine texture) plays the original: it is shrunk ``--factor``× by area averaging and saved
as a JPEG at ``--quality`` (4:2:0, as phones and web pages save them), then each method enlarges that
back to the original's size. PSNR and SSIM of the luma against the original, and the time each method
takes, per picture; bench/out/upscale.png shows a crop of each, 2× with nearest pixels, to look at.

The methods are what a renderer can afford once per picture (the frames then sample the enlarged picture
near 1:1): bilinear (what every frame did before: enlarging inside the per-frame warp), bicubic, Lanczos,
Lanczos with an unsharp mask, and a light deblocking blur before Lanczos.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt
from PIL import Image, ImageDraw, ImageFont
from quality import FONT, make_text, make_texture, psnr, ssim

RGB = npt.NDArray[np.uint8]


def _resize(kind: int) -> Callable[[RGB, tuple[int, int]], RGB]:
    return lambda rgb, size: np.asarray(cv2.resize(rgb, size, interpolation=kind), dtype=np.uint8)


def _lanczos_unsharp(rgb: RGB, size: tuple[int, int]) -> RGB:
    big = cv2.resize(rgb, size, interpolation=cv2.INTER_LANCZOS4)
    sigma = size[0] / rgb.shape[1] * 0.5  # half a source pixel
    return np.asarray(cv2.addWeighted(big, 1.6, cv2.GaussianBlur(big, (0, 0), sigma), -0.6, 0), np.uint8)


def _deblock_lanczos(rgb: RGB, size: tuple[int, int]) -> RGB:
    smooth = cv2.bilateralFilter(rgb, 5, 24, 1.5)
    return np.asarray(cv2.resize(smooth, size, interpolation=cv2.INTER_LANCZOS4), np.uint8)


METHODS: dict[str, Callable[[RGB, tuple[int, int]], RGB]] = {
    "bilinear": _resize(cv2.INTER_LINEAR),
    "bicubic": _resize(cv2.INTER_CUBIC),
    "lanczos": _resize(cv2.INTER_LANCZOS4),
    "lanczos+sharpen": _lanczos_unsharp,
    "deblock+lanczos": _deblock_lanczos,
}


def small_jpeg(original: RGB, factor: int, quality: int) -> RGB:
    """The original shrunk ``factor``× by area averaging and round-tripped through a JPEG."""
    height, width = original.shape[:2]
    small = cv2.resize(original, (width // factor, height // factor), interpolation=cv2.INTER_AREA)
    buffer = io.BytesIO()
    Image.fromarray(small).save(buffer, format="JPEG", quality=quality)
    return np.asarray(Image.open(buffer).convert("RGB"))


def luma(rgb: RGB) -> npt.NDArray[np.float32]:
    return np.asarray(rgb.astype(np.float32) @ np.array([0.2126, 0.7152, 0.0722], np.float32), np.float32)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--factor", type=int, default=4, help="how much smaller the user's photo is")
    parser.add_argument("--quality", type=int, default=75, help="its JPEG quality")
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "out")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    work = args.out / "upscale-sources"
    work.mkdir(exist_ok=True)
    with Image.open(Path(__file__).resolve().parent / "images" / "coffee.png") as image:
        photo = np.asarray(image.convert("RGB"))
    with Image.open(make_text(work / "text.png")) as image:
        text = np.asarray(image.convert("RGB"))[40:440, 40:640]
    with Image.open(make_texture(work / "texture.png")) as image:
        texture = np.asarray(image.convert("RGB"))[2900:3300, 800:1400]
    pictures = {"photo": photo, "text": text, "texture": texture}
    print(f"cores: {os.cpu_count()}, load average {os.getloadavg()[0]:.2f}; each picture shrunk "
          f"{args.factor}x, saved as JPEG q{args.quality}, enlarged back; luma PSNR dB / SSIM against "
          "the original")
    print(f"{'method':<16} " + " ".join(f"{name:>16}" for name in pictures) + f" {'mean':>16} {'ms/Mpx':>7}")
    crops: dict[str, RGB] = {}
    for method_name, method in METHODS.items():
        cells, scores, spent, pixels = [], [], 0.0, 0
        for picture_name, original in pictures.items():
            small = small_jpeg(original, args.factor, args.quality)
            size = (original.shape[1], original.shape[0])
            started = time.perf_counter()
            big = method(small, size)
            spent += time.perf_counter() - started
            pixels += size[0] * size[1]
            p, s = psnr(luma(big), luma(original)), ssim(luma(big), luma(original))
            scores.append((p, s))
            cells.append(f"{p:6.2f} / {s:6.4f}")
            if picture_name == "photo":
                crops[method_name] = big
                crops.setdefault("original", original)
        mean = f"{statistics.mean(p for p, _ in scores):6.2f} / {statistics.mean(s for _, s in scores):6.4f}"
        print(f"{method_name:<16} " + " ".join(f"{c:>16}" for c in cells) + f" {mean:>16} "
              f"{1000 * spent / (pixels / 1e6):7.1f}")
    sheet_path = args.out / "upscale.png"
    contact_sheet(sheet_path, crops)
    print(f"contact sheet: {sheet_path}")


def contact_sheet(path: Path, crops: dict[str, RGB]) -> None:
    """The same 200×200 crop of each result, 2× with nearest pixels, labelled, original first."""
    order = ["original", *[name for name in crops if name != "original"]]
    tiles = []
    for name in order:
        crop = crops[name][120:320, 220:420]
        tile = Image.fromarray(crop).resize((400, 400), Image.Resampling.NEAREST)
        ImageDraw.Draw(tile).text((6, 6), name, fill=(255, 40, 40), font=ImageFont.truetype(str(FONT), 22))
        tiles.append(tile)
    sheet = Image.new("RGB", (len(tiles) * 406 - 6, 400), (255, 255, 255))
    for i, tile in enumerate(tiles):
        sheet.paste(tile, (i * 406, 0))
    sheet.save(path)


if __name__ == "__main__":
    main()
