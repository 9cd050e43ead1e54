"""A recipe's cassette: its size on disk, and a replay's wall time next to a run on the embedded mock.

    python bench/cassette.py                       # workflows/campaign.yaml at full size
    python bench/cassette.py --preview             # small renders
    python bench/cassette.py --recipe workflows/promo.yaml

In one process, one after the other: the recipe on the embedded mock, recorded to a cassette; the same run
on the embedded mock again, not recorded; and its replay from the cassette. Each wall time counts what a
user waits for (`run_recipe`, the embedded mock's start included). Prints the cassette's size (the HAR file
and its sidecars) and the three wall times with their ratios, and checks that the replay wrote the same
clips byte for byte.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from motionctl.runner import RunConfig, RunResult, run_recipe
from motionctl.runner.cassette import bodies_dir, load
from motionctl.units import format_size

ROOT = Path(__file__).resolve().parent.parent


def _timed(config: RunConfig) -> tuple[float, RunResult]:
    start = time.perf_counter()
    result = run_recipe(config)
    elapsed = time.perf_counter() - start
    if not result.ok:
        raise SystemExit(f"{config.recipe}: the run failed: {[j.error for j in result.failed]}")
    return elapsed, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipe", type=Path, default=ROOT / "workflows" / "campaign.yaml")
    parser.add_argument("--preview", action="store_true", help="small, fast renders")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-cassette-") as tmp:
        base = Path(tmp)
        cassette = base / "cassettes" / f"{args.recipe.stem}.har"

        def config(name: str, **kwargs: object) -> RunConfig:
            return RunConfig(recipe=args.recipe, out_dir=base / name / "out", runs_dir=base / name / "runs",
                             preview=args.preview, **kwargs)  # type: ignore[arg-type]

        recording, recorded = _timed(config("recording", record=cassette))
        embedded, _ = _timed(config("embedded"))
        replay, replayed = _timed(config("replay", replay=cassette))
        same = all(a.read_bytes() == b.read_bytes() for a, b in zip(recorded.outputs, replayed.outputs,
                                                                     strict=True))
        har = cassette.stat().st_size
        sidecars = sorted(bodies_dir(cassette).iterdir())
        side = sum(p.stat().st_size for p in sidecars)
        entries = len(load(cassette).exchanges)
        jobs = len(recorded.jobs)
        print(f"{args.recipe.relative_to(ROOT) if args.recipe.is_relative_to(ROOT) else args.recipe}: "
              f"{jobs} jobs, {'preview' if args.preview else 'full size'}")
        print(f"cassette: {entries} exchanges; HAR {format_size(har)} + {len(sidecars)} sidecar files "
              f"{format_size(side)} = {format_size(har + side)}")
        for path in sidecars:
            print(f"  {path.name[:16]}…{path.suffix}  {format_size(path.stat().st_size)}")
        print(f"embedded mock             {embedded:6.2f} s")
        print(f"embedded mock, recording  {recording:6.2f} s  ({recording / embedded:.2f}x)")
        print(f"replay                    {replay:6.2f} s  ({embedded / replay:.1f}x faster than the mock)")
        print(f"replayed clips identical to the recorded ones: {same}")


if __name__ == "__main__":
    main()
