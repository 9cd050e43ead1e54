"""Benchmark: the interpreter on the whole camera corpus (tests/mock_server/camera_corpus.txt), one process.

    .venv/bin/python bench/interpret.py [--repeat 5] [--baseline 92d6d1a]

Runs every corpus row through ``interpret`` on a draft holding one image (what the mock does per
/run_sse), first cold (the vocabulary's one regex compiled on first use, as in a fresh mock), then the best
of --repeat warm passes. Side by side, the interpreter as it was at --baseline (the adjacent-keyword
regexes, read from git) on the same rows: time and how many rows give the motion a reader expects. The
target is the whole corpus under 1 s; the machine's load average is printed since the 2 cores may be shared.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from motionctl.mock_server import drafts  # noqa: E402
from tests.mock_server.test_mock_interpreter_corpus import load, matches  # noqa: E402

Interpret = Callable[[str, dict[str, Any], list[dict[str, Any]]], Any]
IMG = "http://mock/cdn/u1/photo.png"


def baseline(commit: str) -> Interpret | None:
    """``interpret`` of the single-module interpreter at ``commit``, or None if git cannot show it."""
    try:
        source = subprocess.run(["git", "show", f"{commit}:mock_server/interpreter.py"], cwd=ROOT, check=True,
                                capture_output=True, text=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as f:
        f.write(source)
    spec = importlib.util.spec_from_file_location("baseline_interpreter", f.name)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    os.unlink(f.name)
    fn: Interpret = module.interpret
    return fn


def one_pass(fn: Interpret, rows: list[tuple[str, str, str]]) -> tuple[float, int]:
    draft = drafts.set_source(drafts.new_draft(), IMG, "photo.png", keep_motion=False)
    right = 0
    start = time.perf_counter()
    results = [fn(text, draft, []) for _, text, _ in rows]
    elapsed = time.perf_counter() - start
    for (_, _, spec), it in zip(rows, results, strict=True):
        segment = drafts.video_segment(it.draft)
        right += matches(spec, it.understood, segment["motion"] if segment else None)
    return elapsed, right


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--baseline", default="92d6d1a", help="commit of the regex interpreter to compare")
    args = parser.parse_args()
    rows = load()
    from motionctl.mock_server.interpreter import interpret

    cold, right = one_pass(interpret, rows)  # the first pass compiles the vocabulary's regex
    warm = min(one_pass(interpret, rows)[0] for _ in range(args.repeat))
    print(f"corpus: {len(rows)} instructions; load average {os.getloadavg()[0]:.2f}")
    print(f"{'':<22}{'cold s':>8}{'warm s':>8}{'µs/row':>8}{'right':>10}")
    print(f"{'grammar (this tree)':<22}{cold:8.3f}{warm:8.3f}{warm / len(rows) * 1e6:8.0f}"
          f"{right:>6}/{len(rows)}")
    old = baseline(args.baseline)
    if old is None:
        print(f"(baseline {args.baseline} not available from git)")
        return
    old_cold, old_right = one_pass(old, rows)
    old_warm = min(one_pass(old, rows)[0] for _ in range(args.repeat))
    print(f"{'regexes @ ' + args.baseline:<22}{old_cold:8.3f}{old_warm:8.3f}{old_warm / len(rows) * 1e6:8.0f}"
          f"{old_right:>6}/{len(rows)}")
    print(f"grammar / regexes, warm time: {warm / old_warm:.2f}x; whole corpus under 1 s: "
          f"{'yes' if cold < 1 and warm < 1 else 'NO'} ({max(cold, warm):.3f} s)")


if __name__ == "__main__":
    main()
