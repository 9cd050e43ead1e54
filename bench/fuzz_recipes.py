"""The long fuzz run of hostile recipes through `motionctl validate` (issue 10.6), by hand:

    python bench/fuzz_recipes.py [--examples 5000] [--timeout 5] [--memory-mib 2048]

Draws recipe texts from tests/runner/recipe/hostile.py (tags, anchor bombs and loops, deep nesting, runaway
templates, huge numbers, odd names, huge matrices, control characters and lone surrogates, and a recipe
using every field with hostile values put in its fields), validates each in this process under an
address-space limit and a per-recipe CPU-time alarm, plans the ones that validate (`plan --json` writes
every sentence), and reports the exit codes, "internal error"s, hangs, the slowest recipe and the peak RSS.
The suite runs the same property with a few dozen examples (tests/runner/recipe/test_recipe_fuzz.py).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import resource
import shutil
import signal
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from types import FrameType

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from hypothesis import HealthCheck, given, settings  # noqa: E402

from motionctl.runner.cli import main  # noqa: E402
from tests.runner.recipe.hostile import any_recipe  # noqa: E402
from tests.runner.recipe.recipes import FIXTURES, MEDIA  # noqa: E402


class Hang(Exception):
    pass


def _alarm(signum: int, frame: FrameType | None) -> None:
    raise Hang


def run(examples: int, timeout: int, memory_mib: int) -> int:
    resource.setrlimit(resource.RLIMIT_AS, (memory_mib * 1024 * 1024, resource.RLIM_INFINITY))
    signal.signal(signal.SIGPROF, _alarm)
    codes: Counter[str] = Counter()
    bad: list[str] = []
    slowest = (0.0, "")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for name in MEDIA:
            shutil.copy(FIXTURES / name, folder / name)
        recipe = folder / "fuzz.yaml"

        @settings(max_examples=examples, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        @given(any_recipe)
        def one(text: str) -> None:
            nonlocal slowest
            recipe.write_text(text, encoding="utf-8")
            err = io.StringIO()
            start = time.process_time()
            signal.setitimer(signal.ITIMER_PROF, timeout)  # CPU time: a busy machine is not a hang
            try:
                # Strict UTF-8, as a terminal's or a pipe's stdout is: printing a lone surrogate fails.
                out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
                with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
                    code = main(["validate", str(recipe), "--out", str(folder / "out")])
                    if code == 0:
                        code = main(["plan", str(recipe), "--json"])
                outcome = f"exit {code}"
            except Hang:
                outcome = "hang"
            except MemoryError:
                outcome = "MemoryError"
            finally:
                signal.setitimer(signal.ITIMER_PROF, 0)
            elapsed = time.process_time() - start
            slowest = max(slowest, (elapsed, text[:120]))
            if "internal error: Hang" in err.getvalue():  # the CLI's last-resort handler caught the alarm
                outcome = "hang"
            elif "internal error" in err.getvalue():
                outcome = "internal error"
            codes[outcome] += 1
            if outcome not in ("exit 0", "exit 1", "exit 2"):
                bad.append(f"{outcome}: {text[:300]!r} → {err.getvalue()[:300]!r}")

        one()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{sum(codes.values())} recipes: " + ", ".join(f"{k} ×{v}" for k, v in sorted(codes.items())))
    print(f"slowest: {slowest[0]:.2f} CPU s ({slowest[1]!r}); peak RSS {peak:.0f} MiB "
          f"(limit {memory_mib} MiB)")
    for line in bad[:20]:
        print("  " + line)
    return 1 if bad else 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--examples", type=int, default=5000)
    parser.add_argument("--timeout", type=int, default=5, help="CPU seconds before a recipe counts as a hang")
    parser.add_argument("--memory-mib", type=int, default=2048)
    arguments = parser.parse_args()
    sys.exit(run(arguments.examples, arguments.timeout, arguments.memory_mib))
