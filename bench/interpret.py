"""Benchmark: the interpreter on both corpora, in one process: the camera corpus (single sentences,
tests/mock_server/camera_corpus.txt) and the conversation corpus (multi-turn dialogues,
tests/mock_server/conversation_corpus.txt, each turn read against the draft and history before it).

    .venv/bin/python bench/interpret.py [--repeat 5]

Each corpus runs once cold (the vocabularies' tables built on first use, as in a fresh mock), then the best
of --repeat warm passes (tables built, but the caches of texts already read emptied, so no message is
free); side by side, the time per message of each and how many are right. Times are CPU seconds of this
process (the 2 cores may be shared: the load average is printed, and wall time beside). The target is
both corpora, all of it, under 1 s.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from motionctl.mock_server import drafts  # noqa: E402
from motionctl.mock_server.interpreter import History, camera, interpret, lexicon  # noqa: E402
from motionctl.mock_server.interpreter.normalise import normalise  # noqa: E402
from tests.mock_server import conversation_corpus  # noqa: E402
from tests.mock_server.test_mock_interpreter_corpus import load, matches  # noqa: E402

IMG = "http://mock/cdn/u1/photo.png"


def sentences() -> tuple[int, Callable[[], int]]:
    """The camera corpus: (messages, a pass that returns how many rows are right)."""
    rows = load()

    def one_pass() -> int:
        draft = drafts.set_source(drafts.new_draft(), IMG, "photo.png", keep_motion=False)
        right = 0
        for _, text, spec in rows:
            it = interpret(text, draft, [])
            segment = drafts.video_segment(it.draft)
            right += matches(spec, it.understood, segment["motion"] if segment else None)
        return right

    return len(rows), one_pass


def conversations() -> tuple[int, Callable[[], int]]:
    """The conversation corpus: (turns, a pass that returns how many dialogues are right)."""
    dialogues = conversation_corpus.load()

    def one_pass() -> int:
        right = 0
        for dialogue in dialogues:
            draft, history, ok = conversation_corpus.start(), History(), True
            for turn in dialogue.turns:
                it = interpret(turn.message, draft, conversation_corpus.LIBRARY, history)
                ok = ok and not any(conversation_corpus.check_one(c, it, draft) for c in turn.checks)
                draft, history = it.draft, it.history
            right += ok
        return right

    return sum(len(d.turns) for d in dialogues), one_pass


def timed(run: Callable[[], int]) -> tuple[float, float, int]:
    """(CPU seconds, wall seconds, right) of one pass, with no text read before."""
    for cached in (normalise, camera._cached_reading, lexicon.find, lexicon._words):
        cached.cache_clear()
    cpu, wall = time.process_time(), time.perf_counter()
    right = run()
    return time.process_time() - cpu, time.perf_counter() - wall, right


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.2f}")
    print(f"{'corpus':<24}{'messages':>9}{'cold s':>8}{'warm s':>8}{'µs/msg':>8}{'wall s':>8}{'right':>12}")
    total = 0.0
    for name, (count, run), unit in (("camera sentences", sentences(), "rows"),
                                      ("conversations (turns)", conversations(), "dialogues")):
        cold, _, right = timed(run)
        warm, wall = min(timed(run)[:2] for _ in range(args.repeat))
        total += cold
        print(f"{name:<24}{count:>9}{cold:8.3f}{warm:8.3f}{warm / count * 1e6:8.0f}{wall:8.3f}"
              f"{right:>6} {unit}")
    print(f"both corpora, cold: {total:.3f} CPU s; under 1 s: {'yes' if total < 1 else 'NO'}")


if __name__ == "__main__":
    main()
