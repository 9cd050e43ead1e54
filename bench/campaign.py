"""Is offline rendering CPU-bound at campaign size? Wall time against CPU seconds ÷ cores, and peak memory.

    .venv/bin/python bench/campaign.py [--jobs 100] [--full 12] [--concurrency N] [--qc fast|full|off]

Runs two campaigns on the embedded mock, each `motionctl run` in a fresh subprocess so its CPU time
(user + sys, children included) and peak RSS are its own: ``--jobs`` clips with ``--preview`` and ``--full``
clips at full size (1080p). For each it prints the wall time, the CPU seconds, the CPU-bound ideal
(CPU seconds ÷ cores) and their ratio: 1.00 means both cores were busy the whole run; the target is ≤ 1.15.
Peak memory is given twice: of the largest process (the runner, or a render worker) and of the whole
process tree (sampled from /proc every 0.2 s: the runner and its render workers together).
The machine is shared and noisy: the ratio, taken within one run, is the figure to compare, not the times.
Every clip is checked by the clip QC at its default level unless ``--qc`` says otherwise (its CPU time is
part of the run's; it runs in worker threads beside the renders).
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
IMAGES = ROOT / "workflows" / "images"
PHOTOS = ("sneaker.jpg", "bag.jpg", "watch.jpg", "bottle.png")
PLATFORMS = ("tiktok", "reels", "instagram-feed", "instagram-square", "youtube")


def recipe_text(jobs: int, duration: str) -> tuple[str, int]:
    """A campaign of photos × platforms × takes and its job count: exactly ``jobs`` when that is a multiple
    of 4 below 20 or of 20, else the next such size."""
    platforms = PLATFORMS[:max(1, min(len(PLATFORMS), -(-jobs // len(PHOTOS))))]
    takes = max(1, -(-jobs // (len(PHOTOS) * len(platforms))))
    return f"""\
version: 1
name: bench-campaign
defaults: {{duration: {duration}}}
matrix:
  image: [{", ".join(f"images/{p}" for p in PHOTOS)}]
  platform: [{", ".join(platforms)}]
  take: [{", ".join(str(t) for t in range(1, takes + 1))}]
steps:
  - upload: "{{{{ image }}}}"
  - motion: {{zoom: in, pan: left, speed: slow}}
  - text: {{content: "Take {{{{ take }}}}", at: 0s, for: 1s, position: top}}
  - export: {{to: "{{{{ image | stem }}}}-{{{{ platform }}}}-{{{{ take }}}}.mp4"}}
""", takes * len(PHOTOS) * len(platforms)


def run_campaign(jobs: int, *, preview: bool, concurrency: int | None,
                 qc: str | None = None) -> dict[str, float]:
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
        if qc:
            cmd += ["--qc", qc]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        with open(work / "stderr.txt", "w+") as stderr:
            proc = subprocess.Popen(cmd, cwd=work, stdout=subprocess.DEVNULL, stderr=stderr,
                                    env={**os.environ, "PYTHONPATH": str(ROOT)})
            tree_peak = TreePeak(proc.pid)
            returncode = proc.wait()
            tree_peak.stop()
            wall = time.perf_counter() - start
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            if returncode != 0:
                stderr.seek(0)
                sys.exit(f"campaign failed ({returncode}):\n{stderr.read()[-2000:]}")
        clips = len(list((work / "out").rglob("*.mp4")))
        if clips != count:
            sys.exit(f"expected {count} clips, found {clips}")
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        return {"clips": clips, "wall": wall, "cpu": cpu, "rss_mib": after.ru_maxrss / 1024,
                "tree_mib": tree_peak.peak / 2**20}


class TreePeak:
    """The largest sum of resident memory over a process and its descendants, sampled every 0.2 s."""

    def __init__(self, root: int) -> None:
        self.root, self.peak = root, 0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._done.set()
        self._thread.join()

    def _sample(self) -> None:
        while not self._done.wait(0.2):
            self.peak = max(self.peak, sum(_rss(pid) for pid in _tree(self.root)))


def _tree(root: int) -> list[int]:
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    found, frontier = [root], [root]
    while frontier:
        frontier = [pid for pid, ppid in parents.items() if ppid in frontier]
        found += frontier
    return found


def _rss(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--jobs", type=int, default=100, help="preview clips (default 100)")
    parser.add_argument("--full", type=int, default=12, help="full-size clips (default 12; 0 skips)")
    parser.add_argument("--concurrency", type=int, default=None, help="jobs at once (default: motionctl's)")
    parser.add_argument("--qc", choices=("fast", "full", "off"), default=None,
                        help="the clip check at each export (default: motionctl's, fast)")
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    print(f"{cores} cores, load {os.getloadavg()[0]:.2f}")
    for label, jobs, preview in (("preview", args.jobs, True), ("full-size", args.full, False)):
        if jobs <= 0:
            continue
        r = run_campaign(jobs, preview=preview, concurrency=args.concurrency, qc=args.qc)
        ideal = r["cpu"] / cores
        print(f"{label:>9}: {r['clips']:.0f} clips  wall {r['wall']:.1f} s  cpu {r['cpu']:.1f} s  "
              f"ideal {ideal:.1f} s  ratio {r['wall'] / ideal:.2f} (target <= 1.15)  "
              f"peak RSS {r['rss_mib']:.0f} MiB largest process, {r['tree_mib']:.0f} MiB all processes")


if __name__ == "__main__":
    main()
