"""Waits the client makes on the API's behalf (a 429's Retry-After, a retry's backoff): announced, bounded.

A wait nobody sees looks like a hang, so the client tells an ``on_wait(seconds, reason)`` callback before
every one; the runner turns that into a ``Waiting`` event and a countdown. A wait longer than the client's
cap (``ClientConfig.max_wait``, ``motionctl run --max-wait``) is not waited at all: the call fails at once,
naming the wait in units a person reads ("the API asks to wait 7 days").

Who waits is the caller's business, not the client's: the runner marks each job's task with
``waiting_for(job_id)`` and reads it back with ``current_subject()`` when it reports the wait.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Awaitable, Callable, Iterator
from contextvars import ContextVar

OnWait = Callable[[float, str], Awaitable[None] | None]

_subject: ContextVar[str] = ContextVar("motionctl_wait_subject", default="")

_UNITS = {"": 1.0, "s": 1.0, "m": 60.0, "min": 60.0, "h": 3600.0, "d": 86400.0}
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|min|m|h|d)?\s*$", re.IGNORECASE)


@contextlib.contextmanager
def waiting_for(subject: str) -> Iterator[None]:
    """Within this block (and the tasks it starts), waits are reported as ``subject``'s (e.g. a job id)."""
    token = _subject.set(subject)
    try:
        yield
    finally:
        _subject.reset(token)


def current_subject() -> str:
    """The subject set by the nearest ``waiting_for``, or ``""``."""
    return _subject.get()


def human_duration(seconds: float) -> str:
    """``seconds`` the way a person says it: "45 s", "12 min", "3 h", "7 days" (rounded, one unit)."""
    seconds = max(0.0, seconds)
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} min"
    if seconds < 36 * 3600:
        return f"{seconds / 3600:.0f} h"
    days = round(seconds / 86400)
    return f"{days} day" if days == 1 else f"{days:,} days"


def parse_duration(text: str) -> float:
    """``"90"``, ``"90s"``, ``"10m"``/``"10min"``, ``"2h"``, ``"1d"`` → seconds.

    Raises:
        ValueError: anything else (the message says what is accepted).
    """
    match = _DURATION.match(text)
    if match is None:
        raise ValueError(f"{text!r} is not a duration; use seconds (300) or 90s, 10m, 2h, 1d")
    return float(match.group(1)) * _UNITS[(match.group(2) or "").lower()]
