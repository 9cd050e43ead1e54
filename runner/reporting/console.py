"""A rich live display for terminals: one progress row per running job, finished steps scrolled above."""

from __future__ import annotations

from typing import TextIO

from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn

from runner.events import (
    Event,
    JobFailed,
    JobFinished,
    JobSkipped,
    JobStarted,
    RenderProgress,
    RunInterrupted,
    RunStarted,
    StepFinished,
    StepStarted,
)
from runner.reporting.plain import describe_event


class RichReporter:
    def __init__(self, stream: TextIO) -> None:
        self._console = Console(file=stream, highlight=False)
        self._progress = Progress(SpinnerColumn(), TextColumn("[bold]{task.fields[job]}"),
                                  BarColumn(bar_width=24), TextColumn("{task.description}"),
                                  TimeElapsedColumn(), console=self._console, transient=True)
        self._tasks: dict[str, TaskID] = {}
        self._steps: dict[str, int] = {}
        self._started = False

    def handle(self, event: Event) -> None:
        if not self._started:
            self._progress.start()
            self._started = True
        out = self._progress.console
        match event:
            case RunStarted():
                out.print(f"[bold]{describe_event(event)}[/]")
            case JobStarted():
                self._steps[event.job] = event.steps
                self._tasks[event.job] = self._progress.add_task("starting", total=event.steps, job=event.job)
            case StepStarted():
                self._update(event.job, f"{event.label}: {_short(event.detail)}")
            case RenderProgress():
                self._update(event.job, f"rendering {event.progress:.0f}% ({event.status})")
            case StepFinished():
                task = self._tasks.get(event.job)
                if task is not None:
                    self._progress.advance(task)
                out.print(f"[dim]{event.job}[/] {event.label} [green]✓[/] {_escape(event.summary)}")
            case JobFinished():
                self._remove(event.job)
                out.print(f"[green]✓ {event.job}[/] done")
            case JobSkipped():
                out.print(f"[dim]{event.job} already finished, skipped[/]")
            case RunInterrupted():
                # soft_wrap: rich would break the resume command at the terminal's width otherwise,
                # and a command broken over two lines cannot be copied and pasted.
                out.print(f"[yellow]{_escape(describe_event(event) or '')}[/]", soft_wrap=True)
            case JobFailed():
                self._remove(event.job)
                out.print(f"[red]✗ {_escape(describe_event(event) or event.job)}[/]")

    def _update(self, job: str, text: str) -> None:
        task = self._tasks.get(job)
        if task is not None:
            self._progress.update(task, description=_escape(text))

    def _remove(self, job: str) -> None:
        task = self._tasks.pop(job, None)
        if task is not None:
            self._progress.remove_task(task)

    def close(self) -> None:
        if self._started:
            self._progress.stop()


def _short(text: str, width: int = 60) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _escape(text: str) -> str:
    return text.replace("[", r"\[")
