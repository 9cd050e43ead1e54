"""Resuming a 10,000-job campaign (issue 12): how long until the resumed run makes its first API call.

    python bench/resume_scale.py [--jobs 10000]

Builds a real journal cheaply: a 10,000-job matrix recipe is run for one job only (`--job`, so the header,
recipe hash and records are the runner's own), then that job's records are copied for every other job but
the last, as if the campaign had stopped one job short. `motionctl run --resume` then reads the journal,
plans all jobs, skips the finished ones and starts the last: the time from the process's start to the
first request the mock logs is what a user waits before any new work. The target: ≤ 2 s.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from motionctl.mock_server import MockConfig, admin_for, serve_in_thread  # noqa: E402

IMAGE = ROOT / "workflows" / "images" / "sneaker.jpg"


def write_recipe(folder: Path, jobs: int) -> Path:
    (folder / "sneaker.jpg").write_bytes(IMAGE.read_bytes())
    takes = -(-jobs // 5)
    lines = ["version: 1", "name: big", "defaults: {duration: 1s}", "matrix:",
             f"  take: [{', '.join(f't{i:05d}' for i in range(takes))}]",
             "  platform: [tiktok, reels, shorts, instagram-feed, youtube]",
             "steps:",
             "  - upload: sneaker.jpg",
             "  - motion: {zoom: in, speed: slow}"]
    path = folder / "big.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def motionctl(*args: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """``motionctl ARGS`` in a fresh process, as a user would run it."""
    return subprocess.run([sys.executable, "-m", "motionctl", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, check=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=10_000)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-resume-") as tmp, \
            serve_in_thread(MockConfig(initial_credits=10_000_000, work_delay=0.0)) as mock:
        work = Path(tmp)
        recipe = write_recipe(work, options.jobs)
        env = {**os.environ, "PYTHONPATH": str(ROOT), "XDG_CONFIG_HOME": str(work / "config")}
        first = motionctl("run", str(recipe), "--base-url", mock.url, "--job", "big-t00000-tiktok", "-q",
                          cwd=work, env=env)
        if first.returncode != 0:
            sys.exit(f"the one-job run failed:\n{first.stderr[-2000:]}")
        (run_dir,) = (work / "runs").iterdir()
        journal = run_dir / "journal.jsonl"
        records = [json.loads(line) for line in journal.read_text().splitlines()]
        header = [r for r in records if "job" not in r]
        for r in header:  # the header of a run of the whole campaign: resume keeps a run's own selection
            if r.get("type") == "run":
                r["options"] = {**r["options"], "job_patterns": [], "shard": None}
        job = [r for r in records if r.get("job") == "big-t00000-tiktok"]
        ids = [f"big-t{t:05d}-{p}" for t in range(-(-options.jobs // 5))
               for p in ("tiktok", "reels", "shorts", "instagram-feed", "youtube")]
        with journal.open("w") as out:
            for r in header:
                out.write(json.dumps(r) + "\n")
            for job_id in ids[:-1]:  # every job finished but the last
                for r in job:
                    out.write(json.dumps({**r, "job": job_id}) + "\n")
        size = journal.stat().st_size
        admin = admin_for(mock.url)
        admin.reset()
        start = time.time()
        # BENCH_PROFILE=FILE: the resume under cProfile, to see where its time goes.
        out = os.environ.get("BENCH_PROFILE")
        profile = ["-m", "cProfile", "-o", out] if out else []
        resumed = subprocess.run([sys.executable, *profile, "-m", "motionctl", "run", str(recipe), "--resume",
                                  str(run_dir.relative_to(work)), "-q"], cwd=work, env=env,
                                 capture_output=True, text=True, check=False)
        total = time.time() - start
        if resumed.returncode != 0:
            sys.exit(f"the resume failed:\n{resumed.stderr[-2000:]}")
        log = admin.requests()
        first_call = min(float(r["at"]) for r in log) if log else float("nan")
        print(f"{len(ids)} jobs, journal "
              f"{size / 2**20:.1f} MiB; resume: first API call after {first_call - start:.2f} s "
              f"(target <= 2 s), whole resume {total:.2f} s, {len(log)} calls (one job's worth)")


if __name__ == "__main__":
    main()
