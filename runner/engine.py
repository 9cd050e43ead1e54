"""Runs a Plan against the Nemo API: one session per job, jobs concurrently, every step journaled.

After every action the engine fetches the session state, diffs it against the state before (RFC 6902),
checks ``expect`` steps, writes a journal record and emits events. Retries of single calls live in the
client; the engine handles what needs the job's context: a lost session (1002) gets a new session and the
job's steps replayed once; no credits (2001) stops the job with a message that says how to resume; a render
that was already submitted (known from the journal) is polled again on resume, never submitted twice.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import anyio

from runner import state as st
from runner.actions import Action, Expect, Export, Job, Plan, Say, Upload
from runner.api.models import RenderStatus, Session, StreamEvent, StreamResult
from runner.api.waits import waiting_for
from runner.errors import (
    ApiError,
    ExecutionError,
    ExpectationFailed,
    InsufficientCredits,
    RunnerError,
    SessionNotFound,
)
from runner.events import (
    JobFailed,
    JobFinished,
    JobSkipped,
    JobStarted,
    RenderProgress,
    Reporter,
    StepFinished,
    StepStarted,
)
from runner.expectations import check, explain
from runner.journal import JobProgress, Journal, RunRecord


class NemoApi(Protocol):
    """The calls the engine makes; ``runner.api.NemoClient`` provides them."""

    async def create_session(self) -> Session: ...

    async def upload_files(self, session_id: str, paths: list[Path]) -> Any: ...

    async def send_message(self, session_id: str, text: str, *,
                           on_event: Callable[[StreamEvent], None] | None = None) -> StreamResult: ...

    async def get_state(self, session_id: str) -> dict[str, Any]: ...

    async def submit_render(self, session_id: str, draft: dict[str, Any], *,
                            output: dict[str, str] | None = None) -> RenderStatus: ...

    async def render_status(self, render_id: str) -> RenderStatus: ...

    async def wait_render(self, render_id: str, *,
                          on_progress: Callable[[RenderStatus], None] | None = None) -> RenderStatus: ...

    async def download(self, status: RenderStatus, dest: Path) -> Any: ...


class TokenBucket:
    """A shared limit on API calls: ``rate`` per second on average, bursts of up to ``burst``.

    ``rate=None`` means no limit. Waiting callers sleep, they never spin.
    """

    def __init__(self, rate: float | None, burst: int = 10) -> None:
        self.rate = rate
        self.burst = max(1, burst)
        self._tokens = float(self.burst)
        self._stamp: float | None = None
        self._lock = anyio.Lock()

    async def acquire(self) -> None:
        if self.rate is None:
            return
        async with self._lock:
            now = anyio.current_time()
            if self._stamp is not None:
                self._tokens = min(self.burst, self._tokens + (now - self._stamp) * self.rate)
            self._stamp = now
            if self._tokens < 1:
                wait = (1 - self._tokens) / self.rate
                await anyio.sleep(wait)
                self._stamp = anyio.current_time()
                self._tokens = 1.0
            self._tokens -= 1


@dataclass(frozen=True)
class EngineOptions:
    concurrency: int = 4
    fail_fast: bool = False
    rate: float | None = None  # API calls per second over all jobs; None = no limit of our own
    burst: int = 10
    keep_states: bool = True  # write states/<job>/<n>.json after each step
    resume_hint: str = ""  # "motionctl run --resume runs/<id>", quoted in resumable errors


@dataclass(frozen=True)
class JobOutcome:
    job: str
    ok: bool
    outputs: tuple[Path, ...] = ()
    error: str | None = None
    where: str | None = None
    skipped: bool = False  # finished in an earlier run that this one resumed
    not_run: bool = False  # --fail-fast stopped the run before this job finished (or started)


@dataclass
class _JobRun:
    job: Job
    session_id: str = ""
    task_id: str = ""
    state: st.Snapshot = field(default_factory=dict)
    replayed: bool = False
    outputs: dict[int, Path] = field(default_factory=dict)
    progress: JobProgress = field(default_factory=JobProgress)


class Engine:
    """Runs the jobs of a plan with bounded concurrency; see the module docstring for the guarantees."""

    def __init__(self, api: NemoApi, journal: Journal, reporter: Reporter, options: EngineOptions,
                 resume: RunRecord | None = None) -> None:
        self._api = api
        self._journal = journal
        self._reporter = reporter
        self._options = options
        self._resume = resume
        self._bucket = TokenBucket(options.rate, options.burst)
        self._render_ids: dict[tuple[str, int], str] = {}

    async def run(self, plan: Plan) -> list[JobOutcome]:
        """Run every job; a failed job does not stop the others unless ``fail_fast``.

        Returns one outcome per job, in plan order.
        """
        outcomes: dict[str, JobOutcome] = {}
        limiter = anyio.CapacityLimiter(max(1, self._options.concurrency))
        async with anyio.create_task_group() as tg:
            for job in plan.jobs:
                tg.start_soon(self._guarded, job, limiter, outcomes, tg.cancel_scope)
        stopped = "not finished: another job failed and --fail-fast is on"
        return [outcomes.get(j.id) or JobOutcome(j.id, ok=False, not_run=True, error=stopped)
                for j in plan.jobs]

    async def _guarded(self, job: Job, limiter: anyio.CapacityLimiter, outcomes: dict[str, JobOutcome],
                       scope: anyio.CancelScope) -> None:
        async with limiter:
            with waiting_for(job.id):  # the client's waits (429, backoff) are reported as this job's
                outcome = await self._run_job(job)
        outcomes[job.id] = outcome
        if not outcome.ok and self._options.fail_fast:
            scope.cancel()

    # --- one job -----------------------------------------------------------------------------------

    async def _run_job(self, job: Job) -> JobOutcome:
        progress = self._resume.jobs.get(job.id) if self._resume else None
        if progress and progress.finished:
            self._reporter.handle(JobSkipped(job.id))
            return JobOutcome(job.id, ok=True, skipped=True,
                              outputs=tuple(Path(p) for p in progress.outputs.values()))
        run = _JobRun(job, progress=progress or JobProgress())
        run.outputs = {i: Path(p) for i, p in run.progress.outputs.items()}
        current: Action | None = None
        try:
            await self._open(run)
            self._reporter.handle(JobStarted(job.id, len(job.actions), run.session_id))
            for index, action in enumerate(job.actions, start=1):
                if index in run.progress.done_steps:
                    continue
                current = action
                try:
                    await self._step(run, index, action)
                except SessionNotFound:
                    if run.replayed:
                        raise
                    # 1002: the backend lost the session. A new one, the job's finished steps sent
                    # again, then this step once more; a second loss in the same job is an error.
                    run.replayed = True
                    await self._new_session(run, replay_before=index)
                    await self._step(run, index, action)
        except RunnerError as exc:
            return await self._failed(run, current, exc)
        except OSError as exc:  # the disk: the output folder, the journal
            return await self._failed(run, current, ExecutionError(f"cannot write: {exc}"))
        except Exception as exc:  # a bug, or an answer nobody foresaw: fail this job, not the whole run
            detail = f"{type(exc).__name__}: {exc}"
            return await self._failed(run, current, ExecutionError(
                f"unexpected error ({detail})", hint="please report it with the run's journal.jsonl"))
        outputs = tuple(run.outputs[i] for i in sorted(run.outputs))
        await self._journal.commit({"type": "job_finished", "job": job.id,
                                    "outputs": [str(p) for p in outputs]})
        self._reporter.handle(JobFinished(job.id, outputs))
        return JobOutcome(job.id, ok=True, outputs=outputs)

    async def _failed(self, run: _JobRun, action: Action | None, exc: RunnerError) -> JobOutcome:
        where = str(action.where) if action is not None else ""
        resumable = isinstance(exc, InsufficientCredits)
        message = str(exc)
        if resumable:
            message = (f"out of credits ({exc.message}); what was done is kept — top up, then "
                       f"{self._options.resume_hint or 'resume the run with --resume'}")
        await self._journal.commit({"type": "job_failed", "job": run.job.id, "where": where, "error": message,
                                    "resumable": resumable, "error_type": type(exc).__name__})
        self._reporter.handle(JobFailed(run.job.id, where, message, resumable=resumable))
        return JobOutcome(run.job.id, ok=False, error=message, where=where,
                          outputs=tuple(run.outputs[i] for i in sorted(run.outputs)))

    async def _open(self, run: _JobRun) -> None:
        """Start the job's session, or on resume pick its session up again (replaying it if it is gone)."""
        old = run.progress.session_id
        if old and run.progress.done_steps:
            try:
                await self._bucket.acquire()
                run.state = st.snapshot(await self._api.get_state(old))
                run.session_id = old
                return
            except SessionNotFound:
                await self._new_session(run, replay_before=max(run.progress.done_steps) + 1)
                return
        await self._new_session(run, replay_before=1)

    async def _new_session(self, run: _JobRun, *, replay_before: int) -> None:
        """A fresh session, with the job's state-changing steps before ``replay_before`` sent again."""
        await self._bucket.acquire()
        session = await self._api.create_session()
        run.session_id, run.task_id = session.session_id, session.task_id
        replay = [(i, a) for i, a in enumerate(run.job.actions, start=1)
                  if i < replay_before and isinstance(a, Upload | Say)]
        await self._journal.commit({"type": "session", "job": run.job.id, "session_id": run.session_id,
                                    "task_id": run.task_id, "replay": bool(replay)})
        for index, action in replay:
            await self._bucket.acquire()
            if isinstance(action, Upload):
                await self._api.upload_files(run.session_id, list(action.paths))
            else:
                await self._api.send_message(run.session_id, action.sentence)
            await self._journal.commit({"type": "replay", "job": run.job.id, "index": index})
        await self._bucket.acquire()
        run.state = st.snapshot(await self._api.get_state(run.session_id))

    async def _step(self, run: _JobRun, index: int, action: Action) -> None:
        job = run.job
        label = action.where.label
        record: dict[str, Any] = {"type": "step", "job": job.id, "index": index, "label": label,
                                  "where": str(action.where)}
        text, no_text, output = "", False, None
        if isinstance(action, Upload):
            self._reporter.handle(StepStarted(job.id, index, label, ", ".join(p.name for p in action.paths)))
            await self._bucket.acquire()
            await self._api.upload_files(run.session_id, list(action.paths))
            record |= {"kind": "upload", "files": [p.name for p in action.paths]}
        elif isinstance(action, Say):
            self._reporter.handle(StepStarted(job.id, index, label, action.sentence))
            await self._bucket.acquire()
            reply = await self._api.send_message(run.session_id, action.sentence)
            text, no_text = reply.text.strip(), reply.no_text
            record |= {"kind": "say", "sent": action.sentence, "free_text": action.free_text,
                       "no_text": no_text, "text": text,
                       "tools": [e.name for e in reply.tool_calls if e.name]}
        elif isinstance(action, Export):
            self._reporter.handle(StepStarted(job.id, index, label, str(action.dest)))
            output = await self._export(run, index, action)
            record |= {"kind": "export", "dest": str(output), "dest_name": action.dest.name,
                       "render_id": self._render_ids.get((job.id, index))}
        else:
            self._reporter.handle(StepStarted(job.id, index, label, "check the session state"))
            record |= {"kind": "expect"}

        before = run.state
        await self._bucket.acquire()
        after = st.snapshot(await self._api.get_state(run.session_id))
        ops = st.diff(before, after)
        run.state = after
        if isinstance(action, Expect):
            failures = check(action.expectation, after)
            if failures:
                raise ExpectationFailed(
                    f"the expectation did not hold: {explain(failures, after)}",
                    job=job.id, step=str(action.where))
        if no_text:
            summary = f"no reply; the state changed: {st.describe(before, after)}" if ops else \
                "no reply and nothing changed in the state"
        elif text:
            summary = text.splitlines()[0][:160]
        elif output is not None:
            summary = f"wrote {output}"
        else:
            summary = st.describe(before, after) if ops else "nothing changed"
        record |= {"summary": summary, "patch": ops}
        await self._journal.commit(record)
        if self._options.keep_states:
            self._journal.write_state(job.id, index, after)
        self._reporter.handle(StepFinished(job.id, index, label, tuple(ops), summary, no_text, output))

    async def _export(self, run: _JobRun, index: int, action: Export) -> Path:
        job = run.job
        render_id = run.progress.renders.get(index)
        status: RenderStatus | None = None
        if render_id:
            # Submitted by the run we resume: poll that render again rather than paying for another.
            with contextlib.suppress(ApiError):
                await self._bucket.acquire()
                status = await self._api.render_status(render_id)
            if status is not None and status.done and status.status != "completed":
                status = None  # that render failed or was cancelled: only a new one can deliver the clip
        if status is None:
            draft = st.draft_of(run.state)
            if not any(track.get("sg") for track in draft.get("t") or [] if isinstance(track, dict)):
                raise ExecutionError(
                    "nothing to export: the draft has no segments",
                    job=job.id, step=str(action.where),
                    hint="upload an image and add a motion step before the export")
            await self._bucket.acquire()
            status = await self._api.submit_render(
                run.session_id, draft,
                output={"format": action.format, "quality": action.quality, "resolution": action.resolution})
            render_id = status.id
            await self._journal.commit({"type": "render", "job": job.id, "index": index,
                                        "render_id": render_id, "session_id": run.session_id})
        assert render_id is not None
        self._render_ids[(job.id, index)] = render_id

        def progress(s: RenderStatus) -> None:
            self._reporter.handle(RenderProgress(job.id, index, render_id, s.status, s.progress or 0.0))

        if not status.done:
            status = await self._api.wait_render(render_id, on_progress=progress)
        else:
            progress(status)
        if status.status != "completed":
            raise ExecutionError(f"render {render_id} {status.status}: "
                                 f"{status.error or 'no reason given'}", job=job.id, step=str(action.where))
        dest = action.dest
        dest.parent.mkdir(parents=True, exist_ok=True)
        await self._bucket.acquire()
        # The client downloads beside the destination and renames: a killed run leaves no half MP4.
        await self._api.download(status, dest)
        size = dest.stat().st_size
        await self._journal.commit({"type": "output", "job": job.id, "index": index, "path": str(dest),
                                    "bytes": size, "render_id": render_id})
        run.outputs[index] = dest
        return dest
