"""A rich live display for terminals: an overall jobs row, one row per running job, finished lines above.

The top row counts jobs (``jobs 3/6 done: 3 ok, 0 failed · 2 running · 0.6 jobs/s``) and its bar is that
fraction. A job's bar is its steps done, except while it renders or waits: then the bar is the render's own
progress, so the bar and the label beside it always tell the same number. Waits count down live. Above the
rows, as many lines as the verbosity asks for (see ``runner.reporting.plain``): one per job when quiet.
Only running jobs have rows or state here, so the display costs the same at 10,000 jobs as at ten.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TextIO

from rich.console import Console
from rich.markup import escape as _escape
from rich.progress import BarColumn, Progress, ProgressColumn, SpinnerColumn, Task, TaskID, TextColumn
from rich.text import Text

from ..events import (
    Event,
    JobFailed,
    JobFinished,
    JobSkipped,
    JobStarted,
    RenderProgress,
    RunInterrupted,
    RunStarted,
    SessionReplaced,
    StepFinished,
    StepStarted,
    Waiting,
)
from .plain import describe_event
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


@dataclass
class _Job:
    task: TaskID
    steps: int
    session_id: str
    done: int = 0
    text: str = "starting"
    wait: Waiting | None = None
    wait_until: float = 0.0
    render_status: str = ""


class _Label(ProgressColumn):
    """The text beside a bar, computed at every refresh so a countdown or a rate stays current."""

    def __init__(self, render: Callable[[Task], str]) -> None:
        super().__init__()
        self._render = render

    def render(self, task: Task) -> Text:
        return Text(self._render(task), no_wrap=True, overflow="ellipsis")


class RichReporter:
    def __init__(self, stream: TextIO, verbosity: Verbosity = Verbosity.NORMAL, *,
                 now: Callable[[], float] = time.monotonic) -> None:
        self._console = Console(file=stream, highlight=False)
        self._verbosity = verbosity
        self._now = now
        self._tally = Tally(now=now)
        name = TextColumn("{task.fields[name]}", style="bold", markup=False)
        self._progress = Progress(SpinnerColumn(), name, BarColumn(bar_width=16), _Label(self._label),
                                  console=self._console, transient=True,
                                  # rich keeps every update of a row for this long to estimate speed; the
                                  # jobs row has its own rate (Tally), so keep one second, not 30 s of them.
                                  speed_estimate_period=1.0)
        self._jobs: dict[str, _Job] = {}
        # Rows of finished jobs, hidden, for the next jobs to reuse: rich caches each column's rendering
        # per task id and never forgets one, so a new row per job would grow with the campaign.
        self._free: list[TaskID] = []
        self._summary: TaskID | None = None
        self._width = 0
        self._started = False

    def handle(self, event: Event) -> None:
        if not self._started:
            self._progress.start()
            self._started = True
        normal, verbose = self._verbosity >= Verbosity.NORMAL, self._verbosity >= Verbosity.VERBOSE
        match event:
            case RunStarted():
                self._tally.start(len(event.jobs))
                self._width = name_width(event.jobs, cap=28)
                self._summary = self._progress.add_task("", total=max(1, len(event.jobs)),
                                                        name="jobs".ljust(self._width))
                self._print(f"[bold]{_escape(describe_event(event) or '')}[/]")
            case JobStarted():
                self._tally.running += 1
                task = self._row(event.job, event.steps)
                self._jobs[event.job] = _Job(task, event.steps, event.session_id)
                if verbose:
                    self._print(f"[dim]{_escape(describe_event(event) or '')}[/]")
            case SessionReplaced():
                job = self._job(event.job)
                if job is not None:
                    job.session_id = event.session_id
                if normal:
                    self._print(f"[yellow]{_escape(describe_event(event) or '')}[/]")
            case StepStarted():
                job = self._job(event.job)
                if job is not None:
                    job.text, job.wait = f"{step_name(event.label)}: {event.detail}", None
                    self._progress.update(job.task, total=max(1, job.steps), completed=job.done)
                if verbose:
                    self._print(f"[dim]{_escape(self._name(event.job))} {_escape(step_name(event.label))} → "
                                f"{_escape(event.detail)}[/]", crop=True)
            case RenderProgress():
                job = self._job(event.job)
                if job is not None:
                    job.text, job.wait = rendering(event), None
                    self._progress.update(job.task, total=100, completed=max(0.0, min(100.0, event.progress)))
                    if verbose and event.status != job.render_status:
                        self._print(f"[dim]{_escape(describe_event(event) or '')}[/]")
                    job.render_status = event.status
            case Waiting():
                job = self._job(event.job)
                if job is not None:
                    job.wait, job.wait_until = event, self._now() + event.seconds
                if normal:
                    self._print(f"[yellow]{_escape(describe_event(event) or '')}[/]")
            case StepFinished():
                job = self._job(event.job)
                if job is not None:
                    job.done, job.wait = min(job.steps, job.done + 1), None
                    self._progress.update(job.task, total=max(1, job.steps), completed=job.done)
                if normal:
                    self._print(f"[dim]{_escape(self._name(event.job))}[/] {_escape(step_name(event.label))} "
                                f"[green]✓[/] {_escape(event.summary)}", crop=True)
            case JobFinished():
                session = self._end(event.job)
                self._tally.ok += 1
                outputs = "  ".join(str(p) for p in event.outputs) or "no outputs"
                self._print(f"[green]{_escape(self._line('ok', event.job, session, outputs))}[/]")
            case JobSkipped():
                self._tally.skipped += len(event.jobs)
                line = self._line("skipped", skipped_jobs(event), "", "finished in the run being resumed")
                self._print(f"[dim]{_escape(line)}[/]")
            case JobFailed():
                session = self._end(event.job)
                self._tally.failed += 1
                at = f"at {event.where}: " if event.where else ""
                first, *rest = event.message.splitlines() or [""]
                line = self._line("FAILED", event.job, session, at + first)
                self._print("\n".join([f"[red]{_escape(line)}[/]", *(_escape(r) for r in rest)]))
            case RunInterrupted():
                self._print(f"[yellow]{_escape(describe_event(event) or '')}[/]")
        if self._summary is not None and isinstance(event, JobFinished | JobFailed | JobSkipped):
            self._progress.update(self._summary, completed=self._tally.done)

    def _label(self, task: Task) -> str:
        if task.id == self._summary:
            return self._tally.summary(short=True)
        job = self._jobs.get(task.fields.get("job", ""))
        if job is None:
            return ""
        if job.wait is not None:
            left = job.wait_until - self._now()
            return waiting(job.wait, left) if left > 0 else f"retrying: {job.wait.reason}"
        return job.text

    def _print(self, markup: str, *, crop: bool = False) -> None:
        if crop:  # a step's line is a glance: one row, cut with "…" at the terminal's edge
            self._progress.console.print(markup, no_wrap=True, overflow="ellipsis")
        else:
            # soft_wrap: rich would break a long line (a resume command, a path) at the terminal's width,
            # and a command broken over two lines cannot be copied and pasted.
            self._progress.console.print(markup, soft_wrap=True)

    def _line(self, status: str, job: str, session: str, rest: str) -> str:
        return job_line(self._tally.counter(), status, job, self._width, session, rest)

    def _name(self, job: str) -> str:
        # Cut in the middle: ids of one campaign share their start (the recipe's name) and differ at the
        # end (the platform), which must stay visible.
        if len(job) <= self._width:
            return job.ljust(self._width)
        tail = self._width // 2
        return job[: self._width - 1 - tail] + "…" + job[-tail:]

    def _row(self, job: str, steps: int) -> TaskID:
        if not self._free:
            return self._progress.add_task("", total=max(1, steps), name=self._name(job), job=job)
        task = self._free.pop()
        self._progress.reset(task, total=max(1, steps), completed=0, visible=True, name=self._name(job),
                             job=job)
        return task

    def _job(self, job: str) -> _Job | None:
        return self._jobs.get(job)

    def _end(self, job: str) -> str:
        running = self._jobs.pop(job, None)
        if running is None:
            return ""
        self._tally.running -= 1
        self._progress.update(running.task, visible=False, job="")
        self._free.append(running.task)
        return running.session_id

    def close(self) -> None:
        if self._started:
            self._progress.stop()
