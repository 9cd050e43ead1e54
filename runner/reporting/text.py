"""The phrases both terminal reporters print, so the rich display and plain lines say the same thing.

Pure: values in, strings out. Verbosity is how much of a run a person wants to read: ``QUIET`` is one line
per job, ``NORMAL`` one line per finished step, ``VERBOSE`` also what each step sent and every render status.
"""

from __future__ import annotations

import re
from enum import IntEnum

from ..events import JobSkipped, RenderProgress, Waiting


class Verbosity(IntEnum):
    QUIET = 0
    NORMAL = 1
    VERBOSE = 2


# Settings from `defaults:` and the matrix travel with the step that uploads the first image and carry its
# number ("step 1 (defaults)"); an older journal numbers them 0, which is no step a person can find.
_UNNUMBERED = re.compile(r"^step 0 \((?P<kind>[^)]*)\)$")
_DEFAULTS = re.compile(r"^step \d+ \(defaults\)$")


def step_name(label: str) -> str:
    """``step 2 (motion)`` as it is; an old journal's ``step 0 (defaults)`` as ``defaults``."""
    match = _UNNUMBERED.match(label)
    return match["kind"] if match else label


def is_recipe_step(label: str) -> bool:
    """False for the settings the defaults add (``step 1 (defaults)``): they are not a step of the recipe."""
    return not _DEFAULTS.match(label)


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


def skipped_jobs(event: JobSkipped) -> str:
    """What a skip line names: the job, or how many when a resume skips several (one line for them all)."""
    return event.jobs[0] if len(event.jobs) == 1 else f"{len(event.jobs):,} jobs"


def counted(n: int, noun: str) -> str:
    """``1 job``, ``2 jobs``: a count with its noun in the right number (nouns that add an s)."""
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def name_width(jobs: tuple[str, ...], cap: int = 40) -> int:
    """The column width job ids are padded to; ids longer than ``cap`` are not, or the table is blanks."""
    return min(cap, max((len(j) for j in jobs), default=0))
