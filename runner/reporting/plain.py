"""Plain lines for logs and CI (no colour, no cursor movement), as many as the verbosity asks for.

``QUIET`` prints one line per job (``[3/6] ok  job  session …  out/…``) and a summary line with counts and
rate now and then; ``NORMAL`` adds a job's session as it starts, one line per finished step, waits and
render status; ``VERBOSE`` adds what each step sends and every render status change. A reporter holds state
only for the jobs running now (bounded by ``--concurrency``), never for finished ones.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TextIO

from ..events import (
    Event,
    JobFailed,
    JobFinished,
    JobSkipped,
    JobStarted,
    RenderProgress,
    RunFinished,
    RunInterrupted,
    RunStarted,
    SessionReplaced,
    StepFinished,
    StepStarted,
    Waiting,
)
from .tally import Tally
from .text import (
    Verbosity,
    job_line,
    name_width,
    rendering,
    skipped_jobs,
    step_name,
    waiting,
)


def describe_event(event: Event) -> str | None:
    """The line a person reads for an event out of context, or ``None`` for events too fine to print."""
    match event:
        case RunStarted():
            n = len(event.jobs)
            verb = "resuming" if event.resumed else "run"
            return f"{verb} {event.run_id}: {n} job{'s' if n != 1 else ''} on {event.backend}"
        case JobStarted():
            return f"[{event.job}] started · session {event.session_id}"
        case SessionReplaced():
            steps = f"{event.replayed} step{'s' if event.replayed != 1 else ''}"
            return (f"[{event.job}] session {event.previous} was lost (gone, or left with the old token or "
                    f"client id): {steps} sent again in session {event.session_id}")
        case JobSkipped():
            return f"[{skipped_jobs(event)}] already finished in the run being resumed, skipped"
        case StepStarted():
            return f"[{event.job}] {step_name(event.label)}: {event.detail}"
        case StepFinished():
            return f"[{event.job}] {step_name(event.label)} ok: {event.summary}"
        case RenderProgress():
            return f"[{event.job}] {event.render_id} {rendering(event)}"
        case Waiting():  # job "": the run's own wait, before any job (its one token fetch)
            return f"[{event.job}] {waiting(event)}" if event.job else waiting(event)
        case JobFinished():
            return f"[{event.job}] done"
        case JobFailed():
            at = f" at {event.where}" if event.where else ""
            first, *rest = event.message.splitlines() or [""]
            return "\n".join([f"[{event.job}] FAILED{at}: {first}", *rest])
        case RunInterrupted():
            return f"interrupted: finished steps are kept in {event.run_dir}\ncontinue with: {event.resume}"
    return None


@dataclass
class _Running:
    """What the display needs of a job while it runs; dropped when the job ends."""

    session_id: str = ""
    render_status: str = ""
    render_quarter: int = -1


class PlainReporter:
    """Writes the lines for ``verbosity``; see the module docstring for what each level shows.

    Args:
        stream: where the lines go (the CLI passes stderr).
        verbosity: how much to show.
        summary_every: seconds between summary lines (counts, rate, time left) during a run.
        now: the clock, for tests.
    """

    def __init__(self, stream: TextIO, verbosity: Verbosity = Verbosity.NORMAL, *,
                 summary_every: float = 30.0, now: Callable[[], float] = time.monotonic) -> None:
        self._stream = stream
        self._verbosity = verbosity
        self._summary_every = summary_every
        self._tally = Tally(now=now)
        self._last_summary = 0.0
        self._running: dict[str, _Running] = {}
        self._width = 0

    def handle(self, event: Event) -> None:
        for line in self._lines(event):
            self._stream.write(line + "\n")
        if not isinstance(event, RunStarted | RunFinished | RunInterrupted) and self._summary_due():
            self._stream.write(self._tally.summary() + "\n")
        self._stream.flush()

    def _lines(self, event: Event) -> list[str]:
        verbose, normal = self._verbosity >= Verbosity.VERBOSE, self._verbosity >= Verbosity.NORMAL
        match event:
            case RunStarted():
                self._tally.start(len(event.jobs))
                self._last_summary = self._tally.started
                self._width = name_width(event.jobs)
            case JobStarted():
                self._running[event.job] = _Running(event.session_id)
                self._tally.running += 1
                if not normal:
                    return []
                extra = f" · {event.steps} actions" if verbose else ""
                return [f"{describe_event(event)}{extra}"]
            case SessionReplaced():
                self._running.setdefault(event.job, _Running()).session_id = event.session_id
                return [describe_event(event) or ""] if normal else []
            case JobSkipped():
                self._tally.skipped += len(event.jobs)
                return [self._job_line("skipped", skipped_jobs(event), "",
                                       "finished in the run being resumed")]
            case StepStarted():
                return [describe_event(event) or ""] if verbose else []
            case StepFinished() | Waiting():
                return [describe_event(event) or ""] if normal else []
            case RenderProgress():
                return [describe_event(event) or ""] if self._render_news(event) else []
            case JobFinished():
                session = self._end(event.job)
                self._tally.ok += 1
                outputs = "  ".join(str(p) for p in event.outputs) or "no outputs"
                return [self._job_line("ok", event.job, session, outputs)]
            case JobFailed():
                session = self._end(event.job)
                self._tally.failed += 1
                at = f"at {event.where}: " if event.where else ""
                first, *rest = event.message.splitlines() or [""]
                return [self._job_line("FAILED", event.job, session, at + first), *rest]
        line = describe_event(event)
        return [line] if line is not None else []

    def _job_line(self, status: str, job: str, session: str, rest: str) -> str:
        return job_line(self._tally.counter(), status, job, self._width, session, rest)

    def _end(self, job: str) -> str:
        running = self._running.pop(job, None)
        if running is None:
            return ""
        self._tally.running -= 1
        return running.session_id

    def _render_news(self, event: RenderProgress) -> bool:
        """Whether a render's progress is worth a line: a new status, or (with -v) each quarter done."""
        running = self._running.setdefault(event.job, _Running())
        quarter = int(event.progress // 25)
        news = event.status != running.render_status
        if self._verbosity >= Verbosity.VERBOSE:
            news = news or quarter > running.render_quarter
        elif self._verbosity >= Verbosity.NORMAL:
            news = news and event.status != "completed"  # the export step's line says what was written
        else:
            news = False
        running.render_status, running.render_quarter = event.status, quarter
        return news

    def _summary_due(self) -> bool:
        now = self._tally.now()
        if self._tally.total == 0 or now - self._last_summary < self._summary_every:
            return False
        self._last_summary = now
        return True

    def close(self) -> None:
        self._stream.flush()
