"""How exactly the clip QC measures camera motion: its zoom, pan, tilt, roll, focus and easing against the
values the mock's renderer was given, over many random moves. The tolerances in runner/qc/tolerances.py
(and docs/clip-qc.md) follow from this distribution.

    .venv/bin/python bench/qc_accuracy.py [--moves 150] [--seed 1] [--resolution 540p] [--seconds 2]

Each move: a random image of workflows/images, a random platform, zoom in or out by 2–50 %, pan and tilt
up to ±25 %, roll up to ±15°, a random easing and focus, sometimes a move shorter than the clip (a hold).
It is rendered, then measured by ``check_clip``; the errors are printed as percentiles, next to the
tolerance each check uses, with the share of moves each tolerance would have failed (it must be 0).
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from motionctl.mock_server.render import RenderOptions, render_draft
from motionctl.runner.qc import AskedClip, AskedMotion, check_clip
from motionctl.runner.qc.tolerances import TOLERANCES

IMAGES = Path(__file__).resolve().parents[1] / "workflows" / "images"
PLATFORMS = {"tiktok": "9:16", "instagram-feed": "4:5", "instagram-square": "1:1", "youtube": "16:9"}
EASINGS = ("linear", "ease-in", "ease-out", "ease-in-out")


def random_move(rng: random.Random, seconds: float) -> AskedMotion:
    zoom = 1 + rng.uniform(0.02, 0.5)
    zoom_pair = (1.0, zoom) if rng.random() < 0.5 else (zoom, 1.0)
    pan = (rng.uniform(-0.25, 0.25) if rng.random() < 0.6 else 0.0,
           rng.uniform(-0.25, 0.25) if rng.random() < 0.5 else 0.0)
    roll = (0.0, rng.uniform(-15, 15) if rng.random() < 0.4 else 0.0)
    focus = (rng.uniform(0.2, 0.8), rng.uniform(0.2, 0.8)) if rng.random() < 0.5 else (0.5, 0.5)
    duration = round(seconds * 1000 * rng.uniform(0.4, 0.9)) if rng.random() < 0.25 else None
    return AskedMotion(zoom=zoom_pair, pan=pan, roll=roll, focus=focus, easing=rng.choice(EASINGS),
                       duration_ms=duration)


def draft(asked: AskedClip, move: AskedMotion) -> dict[str, object]:
    m: dict[str, object] = {"zoom": list(move.zoom), "pan": list(move.pan), "roll": list(move.roll),
                            "focus": list(move.focus), "easing": move.easing}
    if move.duration_ms is not None:
        m["d"] = move.duration_ms
    d = asked.duration_ms
    return {"d": d, "m": {"aspect": asked.aspect, "platform": asked.platform, "fps": 30},
            "t": [{"tt": 0, "sg": [{"st": 0, "d": d, "src": "cdn://image", "motion": m}]}]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--moves", type=int, default=150)  # the sample docs/clip-qc.md's table comes from
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--resolution", default="540p", choices=("540p", "720p", "1080p"))
    parser.add_argument("--seconds", type=float, default=2.0)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    keys = ("zoom", "pan", "tilt", "roll", "focus", "easing", "path")
    errors: dict[str, list[float]] = {k: [] for k in keys}
    failures: list[str] = []
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="qc-accuracy-") as tmp:
        for n in range(args.moves):
            platform = rng.choice(list(PLATFORMS))
            image = rng.choice(sorted(p for p in IMAGES.iterdir() if p.suffix in (".jpg", ".png")))
            move = random_move(rng, args.seconds)
            asked = AskedClip(format="mp4", resolution=args.resolution, aspect=PLATFORMS[platform],
                              platform=platform, duration_ms=round(args.seconds * 1000), image=image,
                              motion=move)
            out = Path(tmp) / f"move-{n}.mp4"
            try:
                render_draft(draft(asked, move), {"cdn://image": image}, out,
                             RenderOptions(quality="low", resolution=args.resolution))
            except Exception as exc:  # a move the renderer refuses (too much extra zoom): not a sample
                print(f"move {n}: not rendered ({exc})", file=sys.stderr)
                continue
            verdict = check_clip(out, replace(asked, texts=()))
            assert asked.size is not None  # the aspect is a known ratio here
            width, height = asked.size  # the frame the renderer made, as the checks measure it
            diagonal = float(np.hypot(width, height))
            for check in verdict.checks:
                v = check.values
                key = check.name.removeprefix("motion.")
                if key in ("zoom",) and "measured" in v:
                    errors[key].append(abs(v["measured"] / v["asked"] - 1))
                elif key in ("pan", "tilt", "roll") and "measured" in v:
                    errors[key].append(abs(v["measured"] - v["asked"]))
                elif key == "focus" and "measured" in v:
                    gap = float(np.hypot(*(np.array(v["measured"]) - np.array(v["asked"]))))
                    errors[key].append(gap / width)
                elif key == "easing" and "gap" in v:
                    errors[key].append(v["gap"])
                elif key == "path" and "measured" in v:
                    errors[key].append(v["measured"] / diagonal)
            if not verdict.ok:
                failures.append(f"move {n} ({platform}, {image.name}, {move}): " + "; ".join(verdict.lines()))
    tolerance = {"zoom": TOLERANCES.zoom, "pan": TOLERANCES.pan, "tilt": TOLERANCES.pan,
                 "roll": TOLERANCES.roll, "focus": TOLERANCES.focus, "easing": TOLERANCES.easing,
                 "path": TOLERANCES.path}
    units = {"zoom": "of the zoom", "pan": "of the width", "tilt": "of the height", "roll": "degrees",
             "focus": "of the width", "easing": "progress", "path": "of the diagonal"}
    print(f"{args.moves} random moves at {args.resolution}, {args.seconds:g} s each "
          f"({time.perf_counter() - started:.0f} s)")
    print(f"{'':8}{'n':>5}{'median':>10}{'p95':>10}{'p99':>10}{'max':>10}{'tolerance':>11}  max/tol  unit")
    for key, values in errors.items():
        if not values:
            continue
        a = np.array(values)
        p50, p95, p99, top = (float(np.percentile(a, q)) for q in (50, 95, 99, 100))
        print(f"{key:8}{len(a):5d}{p50:10.5f}{p95:10.5f}{p99:10.5f}{top:10.5f}{tolerance[key]:11.4f}  "
              f"{top / tolerance[key]:7.2f}  {units[key]}")
    print(f"moves failing any check: {len(failures)}")
    for line in failures:
        print("  " + line)


if __name__ == "__main__":
    main()
