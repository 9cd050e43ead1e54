"""One plain line per event, for logs and CI (no colour, no cursor movement)."""

from __future__ import annotations

from typing import TextIO

from runner.events import (
    Event,
    JobFailed,
    JobFinished,
    JobSkipped,
    JobStarted,
    RenderProgress,
    RunFinished,
    RunInterrupted,
    RunStarted,
    StepFinished,
    StepStarted,
)


def describe_event(event: Event) -> str | None:
    """The line a person reads for an event, or ``None`` for events too fine-grained to print."""
    match event:
        case RunStarted():
            n = len(event.jobs)
            verb = "resuming" if event.resumed else "run"
            return f"{verb} {event.run_id}: {n} job{'s' if n != 1 else ''} on {event.backend}"
        case JobStarted():
            return f"[{event.job}] started ({event.steps} steps)"
        case JobSkipped():
            return f"[{event.job}] already finished in the run being resumed, skipped"
        case StepStarted():
            return f"[{event.job}] {event.label}: {event.detail}"
        case StepFinished():
            return f"[{event.job}] {event.label} ok: {event.summary}"
        case RenderProgress():
            return f"[{event.job}] {event.render_id} {event.status} {event.progress:.0f}%"
        case JobFinished():
            return f"[{event.job}] done"
        case JobFailed():
            at = f" at {event.where}" if event.where else ""
            first, *rest = event.message.splitlines() or [""]
            return "\n".join([f"[{event.job}] FAILED{at}: {first}", *rest])
        case RunInterrupted():
            return f"interrupted: finished steps are kept in {event.run_dir}\ncontinue with: {event.resume}"
        case RunFinished():
            return None
    return None


class PlainReporter:
    """Writes ``describe_event`` lines; render progress only when the status changes, to keep logs short."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._render_status: dict[tuple[str, int], str] = {}

    def handle(self, event: Event) -> None:
        if isinstance(event, RenderProgress):
            key = (event.job, event.index)
            if self._render_status.get(key) == event.status:
                return
            self._render_status[key] = event.status
        line = describe_event(event)
        if line is not None:
            self._stream.write(line + "\n")
            self._stream.flush()

    def close(self) -> None:
        self._stream.flush()
