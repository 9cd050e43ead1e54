"""The camera corpus (camera_corpus.txt): instructions people write, from public camera vocabularies and
prompt guides, each with the motion a reader expects. Every row goes through ``interpret`` on a draft with
an image, the way the mock's agent receives it; the test prints the accuracy per category and requires every
row but one known miss (each miss is listed), and every row of the "canonical" category (the sentences of
specs/instructions.md, with their values worked out from specs/motion.md's table)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from motionctl.mock_server import drafts
from motionctl.mock_server.interpreter import interpret

CORPUS = Path(__file__).with_name("camera_corpus.txt")
SPEC = Path(__file__).parents[2] / "specs" / "instructions.md"
IMG = "http://mock/cdn/u1/photo.png"
CATEGORIES = ("single", "combination", "speed", "amounts", "negation", "distractor", "prompt", "chinese",
              "canonical", "content", "intensity", "hedged", "duration", "subject")


def load() -> list[tuple[str, str, str]]:
    rows, category = [], ""
    for line in CORPUS.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            category = line[3:].strip()
        elif line.strip() and not line.startswith("#"):
            text, _, expected = line.rpartition(" => ")
            rows.append((category, text, expected.strip()))
    return rows


def expected_motion(spec: str) -> dict[str, Any] | None:
    """The motion a row expects; ``None`` for "static" and "none" (the draft keeps no motion)."""
    if spec in ("static", "none"):
        return None
    motion: dict[str, Any] = {"easing": "ease-in-out"}
    for field in spec.split(";"):
        name, *values = field.split()
        if name == "easing":
            motion["easing"] = values[0]
        elif name == "d":
            motion["d"] = int(values[0])
        else:
            motion[name] = [float(v) for v in values]
    return motion


def read(text: str) -> tuple[bool, dict[str, Any] | None, str]:
    draft = drafts.set_source(drafts.new_draft(), IMG, "photo.png", keep_motion=False)
    it = interpret(text, draft, [])
    segment = drafts.video_segment(it.draft)
    assert segment is not None
    return it.understood, segment["motion"], it.reply


def matches(spec: str, understood: bool, motion: dict[str, Any] | None) -> bool:
    want = expected_motion(spec)
    if want is None:
        return motion is None and (understood or spec == "none")
    if motion is None or set(motion) != set(want):
        return False
    return all(motion[k] == (pytest.approx(v, abs=1e-6) if isinstance(v, list) else v)
               for k, v in want.items())


def test_the_corpus_is_large_and_covers_every_category() -> None:
    counts = Counter(category for category, _, _ in load())
    assert sum(counts.values()) >= 300
    assert set(counts) == set(CATEGORIES) and min(counts.values()) >= 20, counts


def test_corpus_accuracy_per_category(capsys: pytest.CaptureFixture[str]) -> None:
    rows = load()
    right: Counter[str] = Counter()
    total: Counter[str] = Counter()
    misses = []
    for category, text, spec in rows:
        understood, motion, reply = read(text)
        total[category] += 1
        if matches(spec, understood, motion):
            right[category] += 1
        else:
            misses.append(f"[{category}] {text!r}: expected {spec}, got {motion} ({reply})")
    with capsys.disabled():
        print("\ncamera corpus accuracy:")
        for category in CATEGORIES:
            print(f"  {category:<12} {right[category]:>3}/{total[category]:<3} "
                  f"{100 * right[category] / total[category]:5.1f}%")
        overall = sum(right.values()) / len(rows)
        print(f"  {'overall':<12} {sum(right.values()):>3}/{len(rows):<3} {100 * overall:5.1f}%")
        for miss in misses:
            print("  miss:", miss)
    # It reads 701 of 702 rows right (99.9%); the one known miss is 'Cars pan past the window' (a subject's
    # motion read as a pan). Any other miss, or a second one, fails.
    assert len(misses) <= 1 and all("'Cars pan past the window'" in m for m in misses), "\n".join(misses)
    assert right["canonical"] == total["canonical"], [m for m in misses if m.startswith("[canonical]")]
