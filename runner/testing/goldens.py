"""A golden file cut into its per-job sections, so one job can be checked or updated on its own.

``runner.golden.build`` writes ``recipe: NAME`` then ``jobs:`` with one block per job, each starting with
the job id at two spaces' indent. The pytest plugin runs one job per test item (``-k`` and xdist pick
jobs), so it compares and rewrites those blocks rather than the whole file.
"""

from __future__ import annotations

import difflib
import fcntl
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Literal

from ..confined import write_text
from ..golden import join, split

Outcome = Literal["created", "updated", "unchanged"]


def section_diff(path: Path, job: str, old: str, new: str) -> str:
    lines = difflib.unified_diff(old.splitlines(keepends=True), new.splitlines(keepends=True),
                                 fromfile=f"{path} (golden, job {job})", tofile=f"{path} (this run)", n=3)
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


def update_section(path: Path, lock: Path, job: str, built: str, order: Sequence[str]) -> Outcome:
    """Write ``job``'s block from ``built`` (a golden text of this job alone) into ``path``.

    Other jobs' blocks are kept; blocks of jobs no longer in ``order`` are dropped. Serialised through
    ``flock`` on ``lock`` (the recipe), so xdist workers updating the same file do not lose each other's work.
    """
    new = split(built)
    with _locked(lock):
        old = split(path.read_text(encoding="utf-8")) if path.exists() else None
        sections = dict(old.sections) if old else {}
        previous = sections.get(job)
        sections[job] = new.sections.get(job, f"  {job}: []\n")
        text = join(new.prefix, sections, order)
        if old is None:
            write_text(path, text)
            return "created"
        if previous == sections[job] and join(old.prefix, old.sections, order) == text:
            return "unchanged"
        write_text(path, text)
        return "updated" if previous is not None else "created"


def drop_unused(path: Path, lock: Path, order: Sequence[str]) -> list[str]:
    """Remove the blocks of jobs not in ``order``; returns their ids."""
    with _locked(lock):
        if not path.exists():
            return []
        old = split(path.read_text(encoding="utf-8"))
        unused = [job for job in old.sections if job not in order]
        if unused:
            write_text(path, join(old.prefix, old.sections, order))
        return unused


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    with path.open("rb") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
