"""Is offline rendering CPU-bound at campaign size? Wall time against CPU seconds ÷ cores, and peak memory.

    .venv/bin/python bench/campaign.py [--jobs 100] [--full 12] [--concurrency N]

Runs two campaigns on the embedded mock, each `motionctl run` in a fresh subprocess so its CPU time
(user + sys, children included) and peak RSS are its own: ``--jobs`` clips with ``--preview`` and ``--full``
clips at full size (1080p). For each it prints the wall time, the CPU seconds, the CPU-bound ideal
(CPU seconds ÷ cores) and their ratio: 1.00 means both cores were busy the whole run; the target is ≤ 1.15.
The machine is shared and noisy: the ratio, taken within one run, is the figure to compare, not the times.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
IMAGES = ROOT / "workflows" / "images"
PHOTOS = ("sneaker.jpg", "bag.jpg", "watch.jpg", "bottle.png")
PLATFORMS = ("tiktok", "reels", "instagram-feed", "instagram-square", "youtube")


def recipe_text(jobs: int, duration: str) -> tuple[str, int]:
    """A campaign of at least ``jobs`` jobs (photos × platforms × takes) and its job count."""
    takes = max(1, -(-jobs // (len(PHOTOS) * len(PLATFORMS))))
    return f"""\
version: 1
name: bench-campaign
defaults: {{duration: {duration}}}
matrix:
  image: [{", ".join(f"images/{p}" for p in PHOTOS)}]
  platform: [{", ".join(PLATFORMS)}]
  take: [{", ".join(str(t) for t in range(1, takes + 1))}]
steps:
  - upload: "{{{{ image }}}}"
  - motion: {{zoom: in, pan: left, speed: slow}}
  - text: {{content: "Take {{{{ take }}}}", at: 0s, for: 1s, position: top}}
  - export: {{to: "{{{{ image | stem }}}}-{{{{ platform }}}}-{{{{ take }}}}.mp4"}}
""", takes * len(PHOTOS) * len(PLATFORMS)


def run_campaign(jobs: int, *, preview: bool, concurrency: int | None) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="bench-campaign-") as tmp:
        work = Path(tmp)
        shutil.copytree(IMAGES, work / "images")
        text, count = recipe_text(jobs, "2s" if preview else "3s")
        (work / "campaign.yaml").write_text(text)
        cmd = [sys.executable, "-m", "motionctl", "run", "campaign.yaml", "--out", "out",
               "--runs-dir", "runs", "--no-credit-check"]
        if preview:
            cmd.append("--preview")
        if concurrency:
            cmd += ["--concurrency", str(concurrency)]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        proc = subprocess.run(cmd, cwd=work, capture_output=True, text=True,
                              env={**os.environ, "PYTHONPATH": str(ROOT)})
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if proc.returncode != 0:
            sys.exit(f"campaign failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
        clips = len(list((work / "out").rglob("*.mp4")))
        if clips != count:
            sys.exit(f"expected {count} clips, found {clips}")
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        return {"clips": clips, "wall": wall, "cpu": cpu, "rss_mib": after.ru_maxrss / 1024}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--jobs", type=int, default=100, help="preview clips (default 100)")
    parser.add_argument("--full", type=int, default=12, help="full-size clips (default 12; 0 skips)")
    parser.add_argument("--concurrency", type=int, default=None, help="jobs at once (default: motionctl's)")
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    print(f"{cores} cores, load {os.getloadavg()[0]:.2f}")
    for label, jobs, preview in (("preview", args.jobs, True), ("full-size", args.full, False)):
        if jobs <= 0:
            continue
        r = run_campaign(jobs, preview=preview, concurrency=args.concurrency)
        ideal = r["cpu"] / cores
        print(f"{label:>9}: {r['clips']:.0f} clips  wall {r['wall']:.1f} s  cpu {r['cpu']:.1f} s  "
              f"ideal {ideal:.1f} s  ratio {r['wall'] / ideal:.2f} (target <= 1.15)  "
              f"peak RSS {r['rss_mib']:.0f} MiB (largest child)")


if __name__ == "__main__":
    main()
