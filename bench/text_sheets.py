"""Contact sheets of titles in several scripts, rendered through the real renderer and decoded back.

    .venv/bin/python bench/text_sheets.py [--out bench/out] [--resolution 1080p]

For each title (Chinese, Japanese, accented Latin, emoji, mixed) and each platform, renders a 1 s clip of a
bundled product photo with the title at the top, centre and bottom, decodes the middle frame and writes it
with the platform's safe zone outlined (bench/out/text-<name>-<platform>.png), plus one sheet of every
title's bottom text cropped 1:1 (bench/out/text-crops.png) to judge glyph shapes. Look at them: the point is
what a person sees.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import av
import numpy as np
from PIL import Image, ImageDraw

from motionctl.mock_server.render import RenderOptions, render_draft
from motionctl.mock_server.render.geometry import frame_size
from motionctl.mock_server.render.layout import safe_zone
from motionctl.mock_server.render.text import prepare_overlay
from motionctl.mock_server.render.timeline import read_timeline

ROOT = Path(__file__).resolve().parent.parent
TITLES = {
    "chinese": "夏季新品 限时八折",
    "japanese": "新作スニーカー、今だけ半額！",
    "accented": "Café crème — 30% off, “naïve” déjà vu",
    "emoji": "Flash sale 🔥✨ today only ❤️🎉",
    "mixed": "Acme Chrono 新品上市 — 30% off",
}
PLATFORMS = {"tiktok": "9:16", "reels": "9:16", "youtube": "16:9"}


def _draft(title: str, platform: str, aspect: str) -> dict[str, object]:
    texts = [
        {"st": 0, "d": 1000, "text": title, "pos": pos, "size": 56, "color": "#FFFFFF"}
        for pos in ("top", "center", "bottom")
    ]
    return {
        "d": 1000,
        "m": {"aspect": aspect, "fps": 10, "platform": platform},
        "t": [
            {"tt": 0, "sg": [{"st": 0, "d": 1000, "src": "cdn://photo"}]},
            {"tt": 7, "sg": texts},
        ],
    }


def _middle_frame(path: Path) -> Image.Image:
    with av.open(str(path)) as container:
        frames = [f.to_image() for f in container.decode(video=0)]
    return frames[len(frames) // 2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out")
    parser.add_argument("--resolution", default="1080p")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    photo = ROOT / "workflows" / "images" / "sneaker.jpg"
    options = RenderOptions(quality="low", resolution=args.resolution)
    crops: list[Image.Image] = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, title in TITLES.items():
            for platform, aspect in PLATFORMS.items():
                draft = _draft(title, platform, aspect)
                clip = Path(tmp) / f"{name}-{platform}.mp4"
                render_draft(draft, {"cdn://photo": photo}, clip, options)
                frame = _middle_frame(clip).convert("RGB")
                timeline = read_timeline(draft)
                size = frame_size(timeline.aspect, args.resolution)
                zone = safe_zone(platform, size)
                clean = frame.copy()
                outline = zone.box(size.width, size.height)
                ImageDraw.Draw(frame).rectangle(outline, outline=(0, 255, 0), width=3)
                frame.save(args.out / f"text-{name}-{platform}.png")
                if platform == "tiktok":
                    seg = timeline.text[2]
                    overlay = prepare_overlay(
                        seg, size, timeline.fps, timeline.reference_short_side, None, platform=platform
                    )
                    h, w = overlay.y.shape
                    crops.append(clean.crop((overlay.left, overlay.top, overlay.left + w, overlay.top + h)))
                print(f"text-{name}-{platform}.png")
    width = max(c.width for c in crops)
    sheet = Image.new("RGB", (width + 20, sum(c.height + 10 for c in crops) + 10), (128, 128, 128))
    y = 10
    for crop in crops:
        sheet.paste(crop, (10, y))
        y += crop.height + 10
    sheet.save(args.out / "text-crops.png")
    print("text-crops.png", np.asarray(sheet).shape)


if __name__ == "__main__":
    main()
