"""Planning cost of a 10,000-job matrix (issue 12): `motionctl plan big.yaml --json`, time and peak RSS.

    python bench/plan.py [--products 500] [--repeat 3]

Writes a recipe with 4 images × N products × 5 platforms (three templated steps each) into a temporary
folder, runs `motionctl plan --json` on it in a fresh process (as a user would) and prints the wall time
and the child's peak RSS, next to a 100-job matrix of the same shape for the ratio. The target: ≤ 2 s.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[1] / "tests" / "runner" / "recipe" / "fixtures"
IMAGES = ["shoe.png", "bag.jpg", "shoe2.png", "bag2.jpg"]
PLATFORMS = ["tiktok", "reels", "shorts", "instagram-feed", "youtube"]


def write_recipe(folder: Path, products: int) -> Path:
    for name in IMAGES:
        source = FIXTURES / name.replace("2", "")
        shutil.copy(source, folder / name)
    lines = ["version: 1", "name: big", "defaults: {duration: 6s}", "matrix:",
             f"  image: [{', '.join(IMAGES)}]",
             f"  product: [{', '.join(f'p{i:04d}' for i in range(products))}]",
             f"  platform: [{', '.join(PLATFORMS)}]",
             "steps:",
             '  - upload: "{{ image }}"',
             "  - motion: {zoom: in, speed: slow}",
             '  - text: {content: "{{ product | upper }} on {{ platform }}", for: 3s}',
             '  - export: "{{ name }}/{{ product }}-{{ image | stem }}-{{ platform }}.mp4"']
    path = folder / "big.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def measure(recipe: Path) -> tuple[float, float, float, int]:
    """(wall seconds, CPU seconds, peak RSS in MiB, jobs) of one `motionctl plan --json` in a fresh process.

    CPU seconds are reported too: on a shared machine they vary less than the wall time.
    """
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    before, cpu_before = usage.ru_maxrss, usage.ru_utime + usage.ru_stime
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "motionctl", "plan", str(recipe), "--json"],
                          capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"plan failed ({done.returncode}): {done.stderr[:2000]}")
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    jobs = done.stdout.count('{"id": ')
    return elapsed, usage.ru_utime + usage.ru_stime - cpu_before, max(usage.ru_maxrss, before) / 1024, jobs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--products", type=int, default=500, help="products in the matrix (500: 10,000 jobs)")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        small_dir, big_dir = Path(tmp, "small"), Path(tmp, "big")
        small_dir.mkdir()
        big_dir.mkdir()
        small, big = write_recipe(small_dir, 5), write_recipe(big_dir, args.products)
        rows = []
        for label, recipe in (("100 jobs", small), (f"{4 * 5 * args.products:,} jobs", big)):
            # ru_maxrss of children is the largest child so far: measure the small one first.
            runs = [measure(recipe) for _ in range(args.repeat)]
            best = min(runs)
            rows.append((label, *best))
        print(f"{'matrix':<14} {'wall s':>8} {'CPU s':>8} {'peak MiB':>9} {'jobs':>7}")
        for label, seconds, cpu, rss, jobs in rows:
            print(f"{label:<14} {seconds:>8.2f} {cpu:>8.2f} {rss:>9.0f} {jobs:>7}")
        print(f"ratio (big/small): time {rows[1][1] / rows[0][1]:.1f}×; target for the big one ≤ 2 s: "
              f"{'met' if rows[1][1] <= 2 else 'NOT met'}")


if __name__ == "__main__":
    main()
