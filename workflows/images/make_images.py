"""Draw the example recipes' product photos: studio-lit still lifes, synthetic and small.

Run once (``python workflows/images/make_images.py``); the results are committed beside this script. The
drawing is seeded and uses only Pillow and numpy, so it gives the same pictures on every machine. Each
image has a distinct, textured subject in the centre and a soft backdrop, which is what motion needs to be
visible (and what the tests track to check that a zoom grows the centre and a pan moves it).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

HERE = Path(__file__).resolve().parent
W, H = 1600, 1200


def _backdrop(top: tuple[int, int, int], bottom: tuple[int, int, int], seed: int,
              grain_sigma: float = 2.0) -> Image.Image:
    """A studio sweep: a vertical gradient, a soft light spot behind the subject, a little grain."""
    y = np.linspace(0.0, 1.0, H)[:, None, None]
    x = np.linspace(-1.0, 1.0, W)[None, :, None]
    base = np.array(top, float) * (1 - y) + np.array(bottom, float) * y
    spot = np.exp(-((x * 1.1) ** 2 + ((y - 0.42) * 2.2) ** 2)) * 38.0
    grain = np.random.default_rng(seed).normal(0.0, grain_sigma, (H, W, 1))
    return Image.fromarray(np.clip(base + spot + grain, 0, 255).astype(np.uint8))


def _shadow(img: Image.Image, box: tuple[int, int, int, int], blur: int = 28) -> None:
    layer = Image.new("L", img.size, 0)
    ImageDraw.Draw(layer).ellipse(box, fill=120)
    layer = layer.filter(ImageFilter.GaussianBlur(blur))
    img.paste(Image.new("RGB", img.size, (30, 28, 36)), mask=layer)


def sneaker() -> Image.Image:
    img = _backdrop((236, 228, 218), (196, 184, 170), seed=1)
    _shadow(img, (420, 800, 1240, 900))
    d = ImageDraw.Draw(img)
    d.polygon([(440, 820), (470, 640), (620, 560), (760, 600), (900, 700), (1150, 740), (1220, 800),
               (1210, 850), (460, 860)], fill=(226, 70, 58))  # upper
    d.rectangle((450, 840, 1225, 885), fill=(245, 244, 240))  # sole
    d.line([(455, 862), (1220, 862)], fill=(200, 198, 192), width=4)
    d.polygon([(620, 560), (700, 520), (760, 600)], fill=(40, 40, 48))  # heel tab
    for i in range(6):  # laces
        d.line([(700 + i * 38, 640 + i * 12), (760 + i * 38, 610 + i * 12)], fill=(250, 250, 250), width=8)
    d.arc((780, 700, 1100, 860), 200, 330, fill=(250, 250, 250), width=14)  # swoosh-ish stripe
    return img


def bottle() -> Image.Image:
    img = _backdrop((210, 228, 236), (150, 176, 190), seed=2, grain_sigma=0.0)  # PNG: grain costs bytes
    _shadow(img, (620, 930, 980, 1000), blur=20)
    d = ImageDraw.Draw(img)
    d.rounded_rectangle((640, 420, 960, 960), radius=70, fill=(38, 104, 92))  # body
    d.rectangle((740, 300, 860, 430), fill=(38, 104, 92))  # neck
    d.rounded_rectangle((730, 250, 870, 310), radius=12, fill=(210, 170, 90))  # cap
    d.rectangle((640, 600, 960, 780), fill=(244, 236, 214))  # label
    d.text((700, 660), "AQUA  ·  500 ml", fill=(38, 104, 92))
    d.rectangle((670, 450, 700, 930), fill=(90, 160, 146))  # highlight
    return img


def watch() -> Image.Image:
    img = _backdrop((40, 42, 52), (18, 18, 24), seed=3)
    d = ImageDraw.Draw(img)
    d.rectangle((730, 150, 870, 1050), fill=(92, 64, 44))  # strap
    for y in range(180, 1040, 40):
        d.line([(735, y), (865, y)], fill=(78, 54, 36), width=3)
    d.ellipse((580, 430, 1020, 870), fill=(196, 196, 204))  # case
    d.ellipse((610, 460, 990, 840), fill=(244, 242, 236))  # dial
    for k in range(12):
        a = k * np.pi / 6
        x, y = 800 + 165 * np.sin(a), 650 - 165 * np.cos(a)
        d.ellipse((x - 9, y - 9, x + 9, y + 9), fill=(30, 30, 36))
    d.line([(800, 650), (800, 520)], fill=(30, 30, 36), width=10)  # hour hand
    d.line([(800, 650), (910, 700)], fill=(30, 30, 36), width=6)  # minute hand
    d.ellipse((788, 638, 812, 662), fill=(200, 60, 50))
    return img


def bag() -> Image.Image:
    img = _backdrop((242, 224, 210), (214, 184, 160), seed=4)
    _shadow(img, (470, 900, 1130, 990))
    d = ImageDraw.Draw(img)
    d.arc((620, 260, 980, 620), 180, 360, fill=(120, 70, 40), width=26)  # handle
    d.rounded_rectangle((480, 440, 1120, 940), radius=40, fill=(164, 98, 58))  # body
    d.rounded_rectangle((480, 440, 1120, 620), radius=40, fill=(140, 82, 48))  # flap
    d.rectangle((770, 590, 830, 660), fill=(220, 190, 110))  # clasp
    for x in range(510, 1100, 30):  # stitching
        d.line([(x, 925), (x + 14, 925)], fill=(236, 210, 170), width=3)
    return img


IMAGES = {"sneaker.jpg": sneaker, "bottle.png": bottle, "watch.jpg": watch, "bag.jpg": bag}


def main() -> None:
    for name, draw in IMAGES.items():
        img = draw().filter(ImageFilter.GaussianBlur(0.6))
        path = HERE / name
        if name.endswith(".png"):
            img.resize((W // 2, H // 2), Image.Resampling.LANCZOS).save(path, optimize=True)
        else:
            img.save(path, quality=86, optimize=True)
        print(f"{path.name}: {path.stat().st_size // 1024} KB")


if __name__ == "__main__":
    main()
