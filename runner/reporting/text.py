"""The phrases both terminal reporters print, so the rich display and plain lines say the same thing.

Pure: values in, strings out. Verbosity is how much of a run a person wants to read: ``QUIET`` is one line
per job, ``NORMAL`` one line per finished step, ``VERBOSE`` also what each step sent and every render status.
"""

from __future__ import annotations

import re
from enum import IntEnum

from runner.events import RenderProgress, Waiting


class Verbosity(IntEnum):
    QUIET = 0
    NORMAL = 1
    VERBOSE = 2


# The planner labels the settings it derives from `defaults:` and the matrix with step number 0: they are
# not one of the recipe's steps, so a person should not read a step number for them.
_UNNUMBERED = re.compile(r"^step 0 \((?P<kind>[^)]*)\)$")


def step_name(label: str) -> str:
    """``step 2 (motion)`` as it is; ``step 0 (defaults)`` as ``defaults``, which is no recipe step."""
    match = _UNNUMBERED.match(label)
    return match["kind"] if match else label


def clock(seconds: float) -> str:
    """``1:12``, ``15:00``, ``1:02:03``: a duration as people read a timer."""
    total = max(0, round(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def rendering(event: RenderProgress) -> str:
    """``rendering 42% · 1:12 of 15:00`` (the time against ``--render-timeout`` when there is one)."""
    status = "rendering" if event.status in ("processing", "completed") else event.status
    text = f"{status} {event.progress:.0f}%"
    if event.elapsed > 0 or event.timeout is not None:
        text += f" · {clock(event.elapsed)}"
        if event.timeout is not None:
            text += f" of {clock(event.timeout)}"
    return text


def waiting(event: Waiting, remaining: float | None = None) -> str:
    """``waiting 28s: rate limited (429)``; ``remaining`` counts down from ``event.seconds``."""
    left = event.seconds if remaining is None else max(0.0, remaining)
    amount = f"{left:.0f}s" if left < 60 else clock(left)
    return f"waiting {amount}: {event.reason}" if event.reason else f"waiting {amount}"


def job_line(counter: str, status: str, job: str, width: int, session: str, rest: str) -> str:
    """``[3/6] ok     campaign-bag-tiktok  session 5947…  out/campaign/bag-tiktok.mp4``: a job's one line."""
    sid = "-" if status == "skipped" else f"session {session}" if session else "no session"
    return f"[{counter}] {status:<8}{job:<{width}}  {sid}  {rest}".rstrip()


def name_width(jobs: tuple[str, ...], cap: int = 40) -> int:
    """The column width job ids are padded to; ids longer than ``cap`` are not, or the table is blanks."""
    return min(cap, max((len(j) for j in jobs), default=0))
