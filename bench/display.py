"""What the progress display costs as a campaign grows: 100, 1,000 and 10,000 jobs, through both reporters.

    .venv/bin/python bench/display.py [--jobs 100 1000 10000]

Feeds each reporter the events of a campaign (per job: start, five steps started and finished, a render's
progress, the finish; one job in a hundred fails) with output to /dev/null, and measures with tracemalloc
the reporter's peak memory beyond the run's job list, which the engine holds anyway. Prints the peaks side by
side, the largest over the smallest (target: within 1.5×, i.e. flat in the number of jobs; rich's peak is a
few hundred KiB of its caches and not yet collected garbage, whatever the size) and the events per second.
"""

from __future__ import annotations

import argparse
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from motionctl.runner.events import (  # noqa: E402  (after the path fix above)
    Event,
    JobFailed,
    JobFinished,
    JobStarted,
    RenderProgress,
    RunStarted,
    StepFinished,
    StepStarted,
)
from motionctl.runner.reporting import PlainReporter, Verbosity  # noqa: E402
from motionctl.runner.reporting.console import RichReporter  # noqa: E402


def events(job: str, n: int) -> list[Event]:
    out: list[Event] = [JobStarted(job, 6, str(10**18 + n))]
    for i in range(1, 6):
        label = f"step {i} (text)"
        out += [StepStarted(job, i, label, "Add the text."), StepFinished(job, i, label, (), "Done.")]
    out += [RenderProgress(job, 6, "render_1", "processing", p, elapsed=p, timeout=900) for p in (5, 50, 100)]
    if n % 100 == 99:
        return [*out, JobFailed(job, "big.yaml:7:5, step 2 (motion)", "no credits")]
    return [*out, JobFinished(job, (Path(f"out/{job}.mp4"),))]


def measure(kind: str, jobs: int, verbosity: Verbosity) -> tuple[int, float]:
    names = tuple(f"campaign-{i:05d}" for i in range(jobs))
    sink = open("/dev/null", "w", encoding="utf-8")  # noqa: SIM115  (closed below)
    reporter = PlainReporter(sink, verbosity) if kind == "plain" else RichReporter(sink, verbosity)
    tracemalloc.start()
    start = time.perf_counter()
    count = 0
    reporter.handle(RunStarted("r", Path("runs/r"), "campaign", names, "the embedded mock (seed 0)"))
    for n, job in enumerate(names):
        for event in events(job, n):  # made one job at a time, as the engine emits them
            reporter.handle(event)
            count += 1
    reporter.close()
    elapsed = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    sink.close()
    return peak, count / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, nargs="+", default=[100, 1_000, 10_000])
    args = parser.parse_args()
    for kind in ("plain", "rich"):
        for verbosity in (Verbosity.QUIET, Verbosity.NORMAL):
            results = [measure(kind, jobs, verbosity) for jobs in args.jobs]
            pairs = zip(args.jobs, results, strict=True)
            peaks = " · ".join(f"{peak / 1024:.0f} KiB at {jobs:,}" for jobs, (peak, _) in pairs)
            rates = " / ".join(f"{rate:,.0f}" for _, rate in results)
            ratio = results[-1][0] / results[0][0]
            print(f"{kind:>5} {verbosity.name.lower():>6}: peak {peaks} jobs (largest/smallest {ratio:.2f}); "
                  f"{rates} events/s", flush=True)


if __name__ == "__main__":
    main()
