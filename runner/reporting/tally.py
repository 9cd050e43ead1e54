"""Counts of a run's jobs for the overall counter and the summary line: a few integers, whatever the size.

A reporter keeps one ``Tally`` and nothing per finished job, so a 10,000-job campaign costs the display the
same memory as a 10-job one. The clock is injected so tests can drive the rate and the estimate.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from .text import clock


@dataclass
class Tally:
    total: int = 0
    ok: int = 0
    failed: int = 0
    skipped: int = 0  # finished in the run being resumed
    running: int = 0
    now: Callable[[], float] = field(default=time.monotonic, repr=False)
    started: float = field(default=0.0, repr=False)

    def start(self, total: int) -> None:
        self.total, self.started = total, self.now()

    @property
    def done(self) -> int:
        return self.ok + self.failed + self.skipped

    @property
    def elapsed(self) -> float:
        return max(0.0, self.now() - self.started)

    @property
    def rate(self) -> float:
        """Jobs finished in this run per second (skipped ones cost nothing, so they do not count)."""
        elapsed = self.elapsed
        return (self.ok + self.failed) / elapsed if elapsed > 0 else 0.0

    @property
    def remaining(self) -> float | None:
        """Seconds until the last job, at the rate so far; ``None`` before anything finished."""
        rate = self.rate
        return (self.total - self.done) / rate if rate > 0 else None

    def counter(self) -> str:
        """``3/6``: jobs done (ok, failed or skipped) of all the run's jobs."""
        return f"{self.done}/{self.total}"

    def summary(self, *, short: bool = False) -> str:
        """``jobs 120/10000 done: 118 ok, 2 failed · 4 running · 3.2 jobs/s · about 52:00 left``.

        ``short`` drops the words a progress row's own columns already say, to fit 80 columns:
        ``120/10000 · 118 ok · 2 failed · 4 running · 3.2 jobs/s · 52:00 left``.
        """
        parts = [f"{self.ok} ok", f"{self.failed} failed"]
        if self.skipped:
            parts.append(f"{self.skipped} skipped")
        text = " · ".join([self.counter(), *parts]) if short else \
            f"jobs {self.counter()} done: {', '.join(parts)}"
        if self.running:
            text += f" · {self.running} running"
        if self.ok + self.failed:
            text += f" · {self.rate:.2g} jobs/s" if self.rate < 10 else f" · {self.rate:.0f} jobs/s"
        remaining = self.remaining
        if remaining is not None and self.done < self.total:
            text += f" · {clock(remaining)} left" if short else f" · about {clock(remaining)} left"
        elif self.done == self.total:
            text += f" · {clock(self.elapsed)}"
        return text
