"""Which jobs of a plan to run: ``--job PATTERN`` (globs on job ids) and ``--shard I/N`` or ``--shard auto``.

A job's shard is a pure function of its id (the first 8 bytes of its sha256, modulo N), so it never depends on
the other jobs: adding a product to a matrix moves no existing job to another machine, every shard can be
computed on its own machine without coordination, and ids spread evenly over the shards. ``auto`` reads the
index and total from the CI system the process runs in (see ``shard_from_env``).
"""

from __future__ import annotations

import fnmatch
import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ..actions import Job
from ..errors import UsageError


@dataclass(frozen=True)
class Shard:
    index: int  # 1-based, as people and CI systems count
    total: int

    def __str__(self) -> str:
        return f"{self.index}/{self.total}"


def shard_of(job_id: str, total: int) -> int:
    """The 1-based shard of ``job_id`` among ``total`` shards (stable across recipes and machines)."""
    digest = hashlib.sha256(job_id.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % total + 1


def parse_shard(text: str) -> Shard:
    """``"2/5"`` → ``Shard(2, 5)``.

    Raises:
        UsageError: not ``I/N`` with 1 ≤ I ≤ N.
    """
    match = re.fullmatch(r"\s*(\d{1,6})\s*/\s*(\d{1,6})\s*", text)
    if not match:
        raise UsageError(f"--shard {text!r}: write it as I/N, e.g. 2/5 (the second of five), or auto")
    index, total = int(match[1]), int(match[2])
    if not 1 <= index <= total:
        raise UsageError(f"--shard {text}: the index counts from 1 to the total ({total})",
                         hint=f"use 1/{max(total, 1)} … {max(total, 1)}/{max(total, 1)}")
    return Shard(index, total)


# Where CI systems say which parallel copy a process is. Each entry: the index variable, whether it counts
# from 0, and the total variable.
_CI_VARIABLES = (
    # GitHub Actions has no built-in index: the documented workflow passes the matrix values as these.
    ("MOTIONCTL_SHARD_INDEX", False, "MOTIONCTL_SHARD_TOTAL"),
    # GitLab `parallel: N`: CI_NODE_INDEX is 1..N.
    ("CI_NODE_INDEX", False, "CI_NODE_TOTAL"),
    # Kubernetes Indexed Job: JOB_COMPLETION_INDEX is 0..completions-1; the total is passed in the pod spec.
    ("JOB_COMPLETION_INDEX", True, "JOB_COMPLETION_TOTAL"),
)


def shard_from_env(env: Mapping[str, str]) -> Shard:
    """The shard the CI environment assigns (``--shard auto``).

    Raises:
        UsageError: none of the known variables is set, or they are not whole numbers in range.
    """
    for index_var, zero_based, total_var in _CI_VARIABLES:
        if index_var not in env:
            continue
        index_text, total_text = env[index_var], env.get(total_var)
        if total_text is None:
            raise UsageError(f"--shard auto: {index_var} is set but {total_var} is not",
                             hint=f"set {total_var} to the number of shards")
        if not (index_text.strip().isdigit() and total_text.strip().isdigit()):
            raise UsageError(f"--shard auto: {index_var}={index_text!r} and {total_var}={total_text!r} must "
                             "be whole numbers")
        index = int(index_text) + (1 if zero_based else 0)
        return parse_shard(f"{index}/{int(total_text)}")
    names = ", ".join(f"{i}+{t}" for i, _, t in _CI_VARIABLES)
    raise UsageError("--shard auto: no CI shard variables are set", hint=f"set one pair of {names}, "
                     "or pass --shard I/N")


@dataclass(frozen=True)
class Selection:
    """Job id globs (any matches; none given: every job) and a shard (``None``: all shards)."""

    patterns: tuple[str, ...] = ()
    shard: Shard | None = None

    def keeps(self, job_id: str) -> bool:
        if self.patterns and not any(fnmatch.fnmatchcase(job_id, p) for p in self.patterns):
            return False
        return self.shard is None or shard_of(job_id, self.shard.total) == self.shard.index

    def apply(self, jobs: Sequence[Job]) -> list[Job]:
        """The jobs kept, in plan order.

        Raises:
            UsageError: a ``--job`` pattern matches no job of the plan (a typo would silently run nothing).
                An empty shard is fine: with more shards than jobs, some have nothing to do.
        """
        for pattern in self.patterns:
            if not any(fnmatch.fnmatchcase(job.id, pattern) for job in jobs):
                shown = ", ".join(job.id for job in jobs[:5]) + (", …" if len(jobs) > 5 else "")
                raise UsageError(f"--job {pattern!r} matches no job of the recipe",
                                 hint=f"job ids are {shown}; patterns are globs such as '*-tiktok'")
        return [job for job in jobs if self.keeps(job.id)]


def selection(patterns: Sequence[str], shard: str | None, env: Mapping[str, str]) -> Selection | None:
    """The selection the ``--job``/``--shard`` options ask for, or ``None`` for every job."""
    if not patterns and shard is None:
        return None
    chosen = None if shard is None else shard_from_env(env) if shard.strip() == "auto" else parse_shard(shard)
    return Selection(tuple(patterns), chosen)
