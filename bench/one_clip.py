"""One clip, end to end: `motionctl run` of a one-job recipe against ffmpeg's zoompan making the same clip.

    python bench/one_clip.py [--pairs 5] [--image workflows/images/watch.jpg] [--qc fast|full|off]

The recipe is README's kind: one photo, a slow zoom-in with a leftward pan, 5 s of 9:16 at 1080×1920,
exported at 1080p, no text or music (zoompan has neither). Each side runs as a fresh process, timed from
its start to its exit with the MP4 written: `motionctl run` through the installed console script, as a
user types it, and the ffmpeg command line that crops the photo to 9:16 and runs zoompan with the same
move and x264 settings (bench/zoompan.py). The pairs are interleaved (ours, zoompan, ours, …) so a burst
of load from other users of the machine hits both; the figure is the median of the per-pair ratios. One
untimed pair comes first, with Python's bytecode cache on (as on a user's machine; some shells here set
PYTHONDONTWRITEBYTECODE, which would make every run compile the whole package from source).

It also prints where a one-clip run's time goes, from the run's journal (medians over the pairs): start-up
(imports, recipe, the embedded mock) until the journal's header, the session, the upload, the
instructions, the render (submit to downloaded file) and the end (checks, summary, exit).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from PIL import Image
from zoompan import zoompan_command

from motionctl.mock_server.render.camera import Motion

ROOT = Path(__file__).resolve().parents[1]
SECONDS, FPS, SIZE = 5, 30, (1080, 1920)
# What the recipe's motion step becomes in the draft (slow zoom in, slow pan left; ease-in-out).
MOTION = Motion(zoom=(1.0, 1.1), pan=(-0.05, 0.0))
RECIPE = """\
version: 1
name: one-clip
defaults: {{aspect: "9:16", duration: {seconds}s}}
steps:
  - upload: {image}
  - motion: {{zoom: in, pan: left, speed: slow}}
  - expect: {{motion: {{zoom: [{z0}, {z1}], pan: [{pan}, 0]}}}}
  - export: {{to: one.mp4, resolution: 1080p}}
"""
PHASES = ("start-up", "session", "upload", "instructions", "render", "end")


def motionctl_script() -> str:
    script = Path(sys.executable).with_name("motionctl")
    return str(script) if script.exists() else shutil.which("motionctl") or "motionctl"


def children_cpu() -> float:
    """CPU seconds of the finished child processes and their own children (render workers included)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_ours(work: Path, qc: str) -> tuple[float, float, dict[str, float]]:
    for old in ("out", "runs"):
        shutil.rmtree(work / old, ignore_errors=True)
    start_wall, start, cpu = time.time(), time.perf_counter(), children_cpu()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    done = subprocess.run([motionctl_script(), "run", "one.yaml", "--out", "out", "--runs-dir", "runs", "-q",
                           "--qc", qc],
                          cwd=work, capture_output=True, text=True, check=False, env=env)
    wall, end_wall = time.perf_counter() - start, time.time()
    if done.returncode != 0 or not (work / "out" / "one.mp4").exists():
        sys.exit(f"motionctl run failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return wall, children_cpu() - cpu, phases(next((work / "runs").glob("*/journal.jsonl")), start_wall,
                                              end_wall)


def phases(journal: Path, started: float, ended: float) -> dict[str, float]:
    """Seconds per phase of a one-job run, from its journal's timestamps."""
    records = [json.loads(line) for line in journal.read_text().splitlines()]

    def first(record: str, kind: str | None = None) -> float:
        return float(next(r["at"] for r in records if r["type"] == record and r.get("kind", kind) == kind))

    marks = [started, first("run"), first("intent", kind="upload"), first("step", kind="upload"),
             first("intent", kind="export"), first("output"), ended]
    return {name: b - a for name, a, b in zip(PHASES, marks, marks[1:], strict=False)}


def run_zoompan(image: Path, out: Path) -> tuple[float, float]:
    with Image.open(image) as picture:
        size = picture.size
    command = zoompan_command(image, out, MOTION, size, SIZE, FPS, SECONDS * FPS)
    start, cpu = time.perf_counter(), children_cpu()
    subprocess.run(command, check=True)
    return time.perf_counter() - start, children_cpu() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pairs", type=int, default=5, help="interleaved (ours, zoompan) pairs")
    parser.add_argument("--image", type=Path, default=ROOT / "workflows" / "images" / "watch.jpg")
    parser.add_argument("--qc", choices=("fast", "full", "off"), default="fast",
                        help="our run's clip check (default: fast, as a user's run)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-one-clip-") as tmp:
        work = Path(tmp)
        shutil.copy(args.image, work / args.image.name)
        (work / "one.yaml").write_text(RECIPE.format(
            seconds=SECONDS, image=args.image.name, z0=MOTION.zoom[0], z1=MOTION.zoom[1], pan=MOTION.pan[0]))
        run_ours(work, args.qc)  # untimed: bytecode and page caches
        run_zoompan(work / args.image.name, work / "zoompan.mp4")
        load_before = os.getloadavg()
        ours, zoompan, ratios, cpu_ratios, split = [], [], [], [], []
        for _ in range(args.pairs):
            wall, cpu, parts = run_ours(work, args.qc)
            ours.append(wall)
            split.append(parts)
            zoompan_wall, zoompan_cpu = run_zoompan(work / args.image.name, work / "zoompan.mp4")
            zoompan.append(zoompan_wall)
            ratios.append(wall / zoompan_wall)
            cpu_ratios.append(cpu / zoompan_cpu)
        load_after = os.getloadavg()
    print(f"one clip: {SECONDS} s {SIZE[0]}x{SIZE[1]} @ {FPS} fps from {args.image.name}, "
          f"x264 veryfast CRF 20; our clip check: {args.qc}")
    print(f"cores: {os.cpu_count()}, load average before {load_before[0]:.2f}, after {load_after[0]:.2f}")
    print("motionctl run s: " + ", ".join(f"{t:.2f}" for t in ours))
    print("zoompan s:       " + ", ".join(f"{t:.2f}" for t in zoompan))
    print("ratios:          " + ", ".join(f"{r:.2f}" for r in ratios))
    print(f"ours / zoompan = {statistics.median(ratios):.2f} median of {len(ratios)} pairs  (target <= 1.0); "
          f"CPU seconds {statistics.median(cpu_ratios):.2f}")
    # The same runs up to the journal's output record: the MP4 written, before the clip check and the exit.
    written = [(t - p["end"]) / z for t, p, z in zip(ours, split, zoompan, strict=True)]
    print(f"to the MP4 written (before the check and the exit): {statistics.median(written):.2f}")
    print("where a one-clip run's time goes (median s): " + ", ".join(
        f"{name} {statistics.median(p[name] for p in split):.2f}" for name in PHASES))


if __name__ == "__main__":
    main()
