"""What the clip QC costs next to the render it checks: CPU seconds for a 5 s 1080×1920 clip.

    .venv/bin/python bench/qc_cost.py [--repeat 3] [--seconds 5]

Renders a TikTok clip with the mock's renderer (a slow push-in and tilt, two titles, a lo-fi bed: the promo
workflow's content), then checks it at each level. CPU time is this process's user + system time, every
thread included (the renderer and the decoder use several). Prints each level's CPU seconds (best of
--repeat, after one warm-up: a run checks clip after clip in one process) and its ratio to the render's;
the target for the default level (fast) is under 0.25.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from motionctl.mock_server.render import RenderOptions, render_draft
from motionctl.runner.qc import AskedClip, AskedMotion, AskedMusic, AskedText, check_clip, ocr

IMAGE = Path(__file__).resolve().parents[1] / "workflows" / "images" / "watch.jpg"


def cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def best(work: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = cpu()
        work()
        times.append(cpu() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args()
    ms = round(args.seconds * 1000)
    asked = AskedClip(format="mp4", resolution="1080p", aspect="9:16", platform="tiktok", duration_ms=ms,
                      image=IMAGE, motion=AskedMotion(zoom=(1.0, 1.1), pan=(0.0, -0.05)),
                      texts=(AskedText("Timeless.", 500, 2000, "center", 64),
                             AskedText("Acme Chrono — 30% off this week", 2500, ms - 2500, "bottom", 64)),
                      music=AskedMusic(30.0, mood="lo-fi"))
    draft = {"d": ms, "m": {"aspect": "9:16", "platform": "tiktok", "fps": 30},
             "t": [{"tt": 0, "sg": [{"st": 0, "d": ms, "src": "cdn://image",
                                     "motion": {"zoom": [1.0, 1.1], "pan": [0.0, -0.05]}}]},
                   {"tt": 1, "sg": [{"st": 0, "d": ms, "src": "mood:lo-fi", "vol": 30}]},
                   {"tt": 7, "sg": [{"st": t.start_ms, "d": t.length_ms, "text": t.content, "pos": t.position,
                                     "size": 64} for t in asked.texts if isinstance(t, AskedText)]}]}
    print(f"{os.cpu_count()} cores, load {os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory(prefix="qc-cost-") as tmp:
        clip = Path(tmp) / "clip.mp4"

        def render() -> None:
            render_draft(draft, {"cdn://image": IMAGE}, clip, RenderOptions())

        render()  # warm-up: the mood's synthesis is cached per process, as in a render worker
        render_cpu = best(render, args.repeat)
        print(f"render 1080×1920, {args.seconds:g} s: {render_cpu:.2f} CPU-s")
        for level in ("fast", "full"):
            if level == "full" and not ocr.available():
                print(f"qc {level}: skipped (needs {ocr.INSTALL})")
                continue
            first = cpu()
            verdict = check_clip(clip, asked, level)  # type: ignore[arg-type]
            cold = cpu() - first
            assert verdict.ok, verdict.lines()
            warm = best(lambda lv=level: check_clip(clip, asked, lv), args.repeat)  # type: ignore[misc]
            target = "  target < 0.25" if level == "fast" else ""
            print(f"qc {level}: {warm:.2f} CPU-s ({warm / render_cpu:.2f}× the render; first call in a "
                  f"process {cold:.2f} s){target}")


if __name__ == "__main__":
    main()
