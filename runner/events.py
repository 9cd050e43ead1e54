"""What the engine tells the outside world while it runs: frozen event values and the Reporter hook.

The engine never prints. It emits these events to every reporter (rich console, plain lines, JSONL); a
reporter that raises would break a run, so ``Reporters`` drops one whose output fails (a closed pipe, a
full disk) and the run goes on: the journal, not a reporter, is the record.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

JsonPatch = tuple[dict[str, Any], ...]


@dataclass(frozen=True)
class RunStarted:
    run_id: str
    run_dir: Path
    recipe: str
    jobs: tuple[str, ...]
    backend: str
    resumed: bool = False


@dataclass(frozen=True)
class JobStarted:
    job: str
    steps: int
    session_id: str


@dataclass(frozen=True)
class SessionReplaced:
    """A job's session was lost mid-job (1002, or a new token or client id after 1001/400 left it with the
    old identity): its finished steps were sent again in a new one, which makes the job's clip from now on."""

    job: str
    session_id: str  # the new session
    previous: str  # the session it replaces
    replayed: int  # steps sent again


@dataclass(frozen=True)
class JobSkipped:
    """A resumed run found these jobs already finished: one event for all of them, before any job starts
    (a 10,000-job resume is one line and one record, not 10,000)."""

    jobs: tuple[str, ...]


@dataclass(frozen=True)
class StepStarted:
    job: str
    index: int  # 1-based position in the job's actions
    label: str  # "step 2 (motion)"
    detail: str  # the sentence sent, the files uploaded, the export's destination


@dataclass(frozen=True)
class StepFinished:
    job: str
    index: int
    label: str
    diff: JsonPatch  # RFC 6902 ops from the state before the step to the state after
    summary: str  # one line: the reply text, or what changed when the stream had no text
    no_text: bool = False
    output: Path | None = None


@dataclass(frozen=True)
class RenderProgress:
    job: str
    index: int
    render_id: str
    status: str
    progress: float
    elapsed: float = 0.0  # seconds since the render was submitted (or first polled on resume)
    timeout: float | None = None  # the --render-timeout this render is held to; None: unbounded


@dataclass(frozen=True)
class Waiting:
    """A job waits before its next call (a 429's Retry-After, a retry's backoff): shown as a countdown."""

    job: str
    seconds: float  # how long the wait lasts from now
    reason: str  # "rate limited (429)", "server error 503, retry 2 of 3"


@dataclass(frozen=True)
class JobFinished:
    job: str
    outputs: tuple[Path, ...] = ()


@dataclass(frozen=True)
class JobFailed:
    job: str
    where: str  # "recipe.yaml:12:5, step 3 (expect)", or "" when the job failed before any step
    message: str
    resumable: bool = False


@dataclass(frozen=True)
class RunFinished:
    run_id: str
    run_dir: Path
    outputs: tuple[Path, ...]
    failed: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class RunInterrupted:
    """Ctrl-C or a signal stopped the run; what finished is in the journal, ``resume`` continues it."""

    run_id: str
    run_dir: Path
    resume: str  # the command line that continues the run


Event = (
    RunStarted | JobStarted | SessionReplaced | JobSkipped | StepStarted | StepFinished | RenderProgress
    | Waiting | JobFinished | JobFailed | RunFinished | RunInterrupted
)


class Reporter(Protocol):
    """Receives every event of a run, in the order the engine emits them (one event loop, no threads)."""

    def handle(self, event: Event) -> None: ...

    def close(self) -> None: ...


class Reporters:
    """Fans one event out to several reporters; one whose output fails is dropped, not the run."""

    def __init__(self, reporters: list[Reporter] | tuple[Reporter, ...] = ()) -> None:
        self._reporters = list(reporters)

    def handle(self, event: Event) -> None:
        for reporter in list(self._reporters):
            try:
                reporter.handle(event)
            except OSError:  # e.g. `motionctl run … 2>&1 | head` closed the pipe: stop showing, keep running
                self._reporters.remove(reporter)

    def close(self) -> None:
        for reporter in self._reporters:
            with contextlib.suppress(OSError):
                reporter.close()
