"""Runs a Plan against the Nemo API: one session per job, jobs concurrently, every step journaled.

After every action the engine fetches the session state, diffs it against the state before (RFC 6902),
checks that the step did what it asked (runner/effects.py) and ``expect`` steps, writes a journal record
and emits events. Each call is preceded by an ``intent`` record carrying the ids the runner chose (upload
names, the render id), so a resume reconciles a step the run stopped in against the server instead of
sending it twice. Retries of single calls live in the client; the engine handles what needs the job's
context: a lost session (1002) gets a new session and the job's steps replayed once; no credits (2001), a
dropped stream or a persistent 5xx/429 stops the job with the command that resumes it; a render the
journal knows is polled again on resume, never submitted twice, and replaced once past its deadline.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import anyio

from . import effects, qc
from . import state as st
from .actions import Action, Expect, Export, Job, Plan, Say, Upload
from .api.advice import render_failure_hint
from .api.models import RenderStatus, Session, StreamEvent, StreamResult
from .api.waits import waiting_for
from .errors import (
    ApiError,
    ClipCheckFailed,
    DuplicateRenderId,
    ExecutionError,
    ExpectationFailed,
    InsufficientCredits,
    PollTimeout,
    RateLimited,
    RenderFailed,
    RunnerError,
    ServerError,
    SessionNotFound,
    StreamError,
    TransportError,
)
from .events import (
    JobFailed,
    JobFinished,
    JobSkipped,
    JobStarted,
    RenderProgress,
    Reporter,
    SessionReplaced,
    StepFinished,
    StepStarted,
)
from .expectations import check, explain
from .journal import JobProgress, Journal, RunRecord, restore_links


class NemoApi(Protocol):
    """The calls the engine makes; ``runner.api.NemoClient`` provides them."""

    async def create_session(self) -> Session: ...

    async def upload_files(self, session_id: str, paths: list[Path]) -> Any: ...

    async def send_message(self, session_id: str, text: str, *,
                           on_event: Callable[[StreamEvent], None] | None = None) -> StreamResult: ...

    async def get_state(self, session_id: str) -> dict[str, Any]: ...

    def new_render_id(self) -> str: ...

    async def submit_render(self, session_id: str, draft: dict[str, Any], *,
                            output: dict[str, str] | None = None,
                            render_id: str | None = None) -> RenderStatus: ...

    async def render_status(self, render_id: str) -> RenderStatus: ...

    async def cancel_render(self, render_id: str) -> Any: ...

    async def wait_render(self, render_id: str, *, deadline: float | None = None,
                          on_progress: Callable[[RenderStatus], None] | None = None) -> RenderStatus: ...

    async def download(self, status: RenderStatus, dest: Path, *, root: Path | None = None) -> Any: ...


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
    resume_hint: str = ""  # "motionctl run … --resume runs/<id>", quoted in resumable errors
    render_timeout: float | None = None  # seconds a render may take; None: the client's poll deadline
    qc_level: qc.Level = qc.DEFAULT_LEVEL  # the clip check at each export (runner/qc); "off" skips it
    qc_options: qc.Options = field(default_factory=qc.Options)


# Failures that say nothing about the recipe: the work done is kept and the same command continues it.
RESUMABLE: tuple[type[RunnerError], ...] = (InsufficientCredits, StreamError, TransportError, ServerError,
                                            RateLimited, PollTimeout)


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
    names: dict[str, str] = field(default_factory=dict)  # local upload name → the API's name for it
    clip_fields: dict[int, tuple[str, ...]] = field(default_factory=dict)  # say step → clip fields it changed


class StepNotDone(ExecutionError):
    """The backend refused a step, or it changed nothing it should have (see runner/effects.py)."""


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
        self._clip_checks: dict[tuple[str, int], qc.Verdict] = {}
        # Clip checks are CPU work (decoding, motion, loudness) in worker threads, as many as cores, so
        # the event loop keeps polling renders and streaming replies meanwhile.
        self._qc_limiter = anyio.CapacityLimiter(max(1, os.cpu_count() or 1))

    async def run(self, plan: Plan) -> list[JobOutcome]:
        """Run every job; a failed job does not stop the others unless ``fail_fast``.

        Returns one outcome per job, in plan order.
        """
        outcomes = {job.id: outcome for job in plan.jobs if (outcome := self._finished_before(job, plan))}
        skipped = tuple(job for job, outcome in outcomes.items() if outcome.ok)
        if skipped:
            self._reporter.handle(JobSkipped(skipped))
        todo = [job for job in plan.jobs if job.id not in outcomes]
        # A fixed pool of workers pulling jobs in plan order, not a task per job: a 10,000-job campaign
        # costs `concurrency` tasks, and jobs still start in the order the plan lists them.
        pending = iter(todo)
        async with anyio.create_task_group() as tg:
            for _ in range(min(max(1, self._options.concurrency), len(todo))):
                tg.start_soon(self._worker, pending, outcomes, tg.cancel_scope)
        stopped = "not finished: another job failed and --fail-fast is on"
        if self._options.resume_hint:
            stopped += f"; what was done is kept — continue with: {self._options.resume_hint}"
        return [outcomes.get(j.id) or JobOutcome(j.id, ok=False, not_run=True, error=stopped)
                for j in plan.jobs]

    async def _worker(self, pending: Iterator[Job], outcomes: dict[str, JobOutcome],
                      scope: anyio.CancelScope) -> None:
        for job in pending:  # one event loop: taking the next job needs no lock
            with waiting_for(job.id):  # the client's waits (429, backoff) are reported as this job's
                outcome = await self._run_job(job)
            outcomes[job.id] = outcome
            if not outcome.ok and self._options.fail_fast:
                scope.cancel()

    # --- one job -----------------------------------------------------------------------------------

    def _finished_before(self, job: Job, plan: Plan) -> JobOutcome | None:
        """The outcome of a job the run being resumed finished, else ``None``. Its clips must still be
        there: "ok" for a job whose MP4 was deleted or moved since would vouch for a file nobody has."""
        progress = self._resume.jobs.get(job.id) if self._resume else None
        if progress is None or not progress.finished:
            return None
        outputs = tuple(Path(p) for p in progress.outputs.values())
        gone = [p for p in outputs if not p.is_file()]
        if not gone:
            return JobOutcome(job.id, ok=True, skipped=True, outputs=outputs)
        message = (f"{gone[0]}, delivered by the run being resumed, is no longer there; make it again with "
                   f"`motionctl run {shlex.quote(str(plan.recipe_path))} --job {job.id}`")
        self._reporter.handle(JobFailed(job.id, "", message))
        return JobOutcome(job.id, ok=False, error=message, outputs=outputs)

    async def _run_job(self, job: Job) -> JobOutcome:
        progress = self._resume.jobs.get(job.id) if self._resume else None
        run = _JobRun(job, progress=progress or JobProgress())
        run.outputs = {i: Path(p) for i, p in run.progress.outputs.items()}
        run.names = dict(run.progress.names)
        run.clip_fields = dict(run.progress.clip_fields)
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
        located = exc.step if isinstance(exc, ExecutionError | RenderFailed) else None
        where = located or (str(action.where) if action is not None else "")
        resumable = isinstance(exc, RESUMABLE)
        message = str(exc)
        resume = self._options.resume_hint or "resume the run with --resume"
        if isinstance(exc, InsufficientCredits):
            message = f"out of credits ({exc.message}); what was done is kept — top up, then {resume}"
        elif isinstance(exc, ClipCheckFailed):
            # The clip is kept: a resume checks it again without rendering it again (--qc off accepts it).
            resumable = True
            message = f"{message}\nthe clip is kept; to accept it as it is: {resume} --qc off"
        elif resumable:
            message = f"{message}; what was done is kept — when it is fixed, continue with: {resume}"
        await self._journal.commit({"type": "job_failed", "job": run.job.id, "where": where, "error": message,
                                    "resumable": resumable, "error_type": type(exc).__name__})
        self._reporter.handle(JobFailed(run.job.id, where, message, resumable=resumable))
        return JobOutcome(run.job.id, ok=False, error=message, where=where,
                          outputs=tuple(run.outputs[i] for i in sorted(run.outputs)))

    async def _open(self, run: _JobRun) -> None:
        """Start the job's session, or on resume pick its session up again (replaying it if it is gone)."""
        old = run.progress.session_id
        if old and (run.progress.done_steps or run.progress.pending):
            try:
                await self._bucket.acquire()
                server = st.snapshot(await self._api.get_state(old))
            except SessionNotFound:
                done = max(run.progress.done_steps, default=0)
                run.progress.pending = None  # it happened, if at all, in the session that is gone
                await self._new_session(run, replay_before=done + 1)
                return
            run.session_id = old
            # With a step under way, the state before it comes from the journal: the server's state may
            # already show that step's doing, which is what reconciling it looks for. The journal keeps
            # links without their capability (unless --keep-urls): the server's state gives them back.
            rebuilt = run.progress.state
            run.state = (restore_links(rebuilt, server) if run.progress.pending and rebuilt is not None
                         else server)
            return
        await self._new_session(run, replay_before=1)

    async def _new_session(self, run: _JobRun, *, replay_before: int) -> None:
        """A fresh session, with the job's state-changing steps before ``replay_before`` sent again."""
        await self._bucket.acquire()
        session = await self._api.create_session()
        previous = run.session_id
        run.session_id, run.task_id = session.session_id, session.task_id
        replay = [(i, a) for i, a in enumerate(run.job.actions, start=1)
                  if i < replay_before and isinstance(a, Upload | Say)]
        await self._journal.commit({"type": "session_opened", "job": run.job.id,
                                    "session_id": run.session_id, "task_id": run.task_id})
        for index, action in replay:
            await self._bucket.acquire()
            if isinstance(action, Upload):
                run.names.update(_names(action, await self._api.upload_files(run.session_id,
                                                                             list(action.paths))))
            else:
                await self._api.send_message(run.session_id, action.bound(run.names))
            await self._journal.commit({"type": "replay", "job": run.job.id, "index": index})
        await self._bucket.acquire()
        run.state = st.snapshot(await self._api.get_state(run.session_id))
        # The baseline a resume rebuilds later states from (the session's state once replayed).
        await self._journal.commit({"type": "session", "job": run.job.id, "session_id": run.session_id,
                                    "task_id": run.task_id, "replay": bool(replay), "state": run.state,
                                    "names": dict(run.names)})
        if previous:  # mid-job: the reports must name the session that makes the clip, this one
            self._reporter.handle(SessionReplaced(run.job.id, run.session_id, previous, len(replay)))

    async def _state(self, run: _JobRun) -> st.Snapshot:
        await self._bucket.acquire()
        return st.snapshot(await self._api.get_state(run.session_id))

    async def _step(self, run: _JobRun, index: int, action: Action) -> None:
        job = run.job
        label = action.where.label
        record: dict[str, Any] = {"type": "step", "job": job.id, "index": index, "label": label,
                                  "where": str(action.where)}
        pending = run.progress.pending if run.progress.pending and run.progress.pending.index == index \
            else None
        run.progress.pending = None
        intent = {"type": "intent", "job": job.id, "index": index, "label": label,
                  "session_id": run.session_id}
        before = run.state
        text, no_text, output, reconciled = "", False, None, False
        verdict: qc.Verdict | None = None
        after: st.Snapshot | None = None
        reason: str | None = None
        if isinstance(action, Upload):
            self._reporter.handle(StepStarted(job.id, index, label, ", ".join(p.name for p in action.paths)))
            names = pending.uploaded if pending else None
            if pending and names is None:
                # Killed or failed after sending the upload: if the session lists new files, it arrived.
                after = await self._state(run)
                new = effects.new_uploads(before, after)
                if len(new) >= len(action.paths):
                    names = dict(zip((p.name for p in action.paths), new[-len(action.paths):], strict=True))
                else:
                    after = None
            reconciled = names is not None and pending is not None
            if names is None:
                files = [p.name for p in action.paths]
                await self._journal.commit(intent | {"kind": "upload", "files": files})
                await self._bucket.acquire()
                names = _names(action, await self._api.upload_files(run.session_id, list(action.paths)))
                await self._journal.commit({"type": "uploaded", "job": job.id, "index": index,
                                            "names": names})
            run.names.update(names)
            after = after if after is not None else await self._state(run)
            missing = effects.missing_uploads(list(names.values()), after)
            if missing and not action.allow_noop:
                reason = f"the session does not list {', '.join(missing)} among its uploads"
            record |= {"kind": "upload", "files": [p.name for p in action.paths], "names": names}
        elif isinstance(action, Say):
            sentence = action.bound(run.names)
            self._reporter.handle(StepStarted(job.id, index, label, sentence))
            tools: list[str] = []
            result: str | None = None
            if pending:
                after = await self._state(run)
                if after == before:
                    after = None  # not applied (or never arrived): send it again
                else:
                    reconciled = True
                    text = "(the run stopped before the reply; the state shows the step was applied)"
            if after is None:
                await self._journal.commit(intent | {"kind": "say", "sent": sentence})
                await self._bucket.acquire()
                reply = await self._api.send_message(run.session_id, sentence)
                text, no_text = reply.text.strip(), reply.no_text
                tools = [e.name for e in reply.tool_calls if e.name]
                result = _tool_summary(reply)
                after = await self._state(run)
            if not action.allow_noop:
                reason = effects.unmet(action.effect, before, after, run.names)
            record |= {"kind": "say", "sent": sentence, "free_text": action.free_text, "no_text": no_text,
                       "text": text, "tools": tools, "result": result}
            if action.free_text:
                # What free text did is known only from its outcome: the clip check takes these from it.
                changed = qc.touched_fields(st.draft_of(before), st.draft_of(after))
                run.clip_fields[index] = tuple(changed)
                record["clip_fields"] = changed
        elif isinstance(action, Export):
            self._reporter.handle(StepStarted(job.id, index, label, str(action.dest)))
            output = await self._export(run, index, action)
            record |= {"kind": "export", "dest": str(output), "dest_name": action.dest.name,
                       "render_id": self._render_ids.get((job.id, index))}
            verdict = self._clip_checks.pop((job.id, index), None)
        else:
            self._reporter.handle(StepStarted(job.id, index, label, "check the session state"))
            record |= {"kind": "expect"}

        if after is None:
            after = await self._state(run)
        ops = st.diff(before, after)
        if reason is not None:
            await self._journal.commit({"type": "step_refused", "job": job.id, "index": index, "label": label,
                                        "where": str(action.where), "reason": reason, "reply": text,
                                        "patch": ops})
            said = f'the agent said: "{_one_line(text)}"' if text else "the agent gave no text reply"
            raise StepNotDone(f"not done: {reason}; {said}", job=job.id, step=str(action.where),
                              hint="change the step so the backend can do it, or mark it 'allow_noop: true'")
        run.state = after
        if isinstance(action, Expect):
            failures = check(action.expectation, after)
            if failures:
                raise ExpectationFailed(
                    f"the expectation did not hold: {explain(failures, after)}",
                    job=job.id, step=str(action.where))
        if no_text:  # what happened first: a missing reply is no error when the state shows the step done
            summary = f"{st.describe(before, after) if ops else 'nothing changed'} (the agent sent no text)"
        elif text and not reconciled:
            summary = text.splitlines()[0][:160]
        elif output is not None:
            summary = f"wrote {output}"
            if verdict is not None:
                summary += f"; clip check ({verdict.level}): {qc.summary(verdict.checks)}"
        else:
            summary = st.describe(before, after) if ops else "nothing changed"
        record |= {"summary": summary, "acted": bool(ops) or isinstance(action, Export | Expect),
                   "reconciled": reconciled, "patch": ops}
        await self._journal.commit(record)
        if self._options.keep_states:
            self._journal.write_state(job.id, index, after)
        self._reporter.handle(StepFinished(job.id, index, label, tuple(ops), summary, no_text, output))

    # --- export -------------------------------------------------------------------------------------

    async def _export(self, run: _JobRun, index: int, action: Export) -> Path:
        job = run.job
        progress = run.progress
        render_id = progress.renders.get(index)
        kept = progress.outputs.get(index)
        if kept is not None and Path(kept) == action.dest \
                and _same_size(action.dest, progress.output_bytes.get(index)):
            # Downloaded by the run we resume (it stopped at, or failed, the clip check): check it again,
            # never render it again. A file of another size there since is not that clip: the render the
            # journal names is fetched again below (not rendered again).
            if render_id:
                self._render_ids[(job.id, index)] = render_id
            await self._check_clip(run, index, action, action.dest)
            return action.dest
        status: RenderStatus | None = None
        started = time.monotonic()
        deadline = progress.deadlines.get(index)
        if render_id:
            # Chosen by the run we resume: find out what became of it before paying for another.
            status, render_id = await self._reconcile_render(run, index, render_id, deadline)
        if status is None:
            draft = st.draft_of(run.state)
            if not any(track.get("sg") for track in draft.get("t") or [] if isinstance(track, dict)):
                raise ExecutionError(
                    "nothing to export: the draft has no segments",
                    job=job.id, step=str(action.where),
                    hint="upload an image and add a motion step before the export")
            output = {"format": action.format, "quality": action.quality, "resolution": action.resolution}
            status = await self._submit(run, index, action.where.label, draft, output, render_id)
            render_id = status.id
            deadline = progress.deadlines.get(index)
        assert render_id is not None
        self._render_ids[(job.id, index)] = render_id
        timeout = self._options.render_timeout
        rid = render_id

        def report(s: RenderStatus) -> None:
            self._reporter.handle(RenderProgress(job.id, index, rid, s.status, s.progress or 0.0,
                                                 elapsed=time.monotonic() - started, timeout=timeout))

        if not status.done:
            if self._options.qc_level != "off" and action.asked is not None:
                qc.preload()  # while the render runs
            left = None if deadline is None else max(0.0, deadline - time.time())
            try:
                status = await self._api.wait_render(render_id, deadline=left, on_progress=report)
            except RenderFailed as exc:
                raise _located(exc, run, index) from None
            except PollTimeout as exc:
                # Over its time: cancelled now, so a resume neither waits for it nor pays for it twice.
                with contextlib.suppress(ApiError):
                    await self._api.cancel_render(render_id)
                await self._journal.commit({"type": "render_replaced", "job": job.id, "index": index,
                                            "render_id": render_id, "reason": "timeout", "replacement": None})
                raise PollTimeout(f"render {render_id} not finished within --render-timeout "
                                  f"{timeout or 0:g} s ({exc.message}); it was cancelled",
                                  hint="a resume submits it again") from None
        else:
            report(status)
        if status.status != "completed":
            reason = (status.error or "no reason given").removeprefix(f"render {status.status}: ")
            raise _located(RenderFailed(f"render {render_id} {status.status}: {reason}",
                                        hint=render_failure_hint(reason)), run, index)
        dest = action.dest
        await self._bucket.acquire()
        # The client downloads beside the destination and renames: a killed run leaves no half MP4, and
        # no link in --out (out/sub -> elsewhere) takes the clip outside it.
        await self._api.download(status, dest, root=action.out_dir)
        problem = await anyio.to_thread.run_sync(_undecodable, dest)
        if problem:
            raise StepNotDone(f"not done: the downloaded {dest.name} does not decode ({problem})",
                              job=job.id, step=str(action.where), hint="export again")
        size = dest.stat().st_size
        await self._journal.commit({"type": "output", "job": job.id, "index": index, "path": str(dest),
                                    "bytes": size, "render_id": render_id})
        run.outputs[index] = dest
        await self._check_clip(run, index, action, dest)
        return dest

    async def _check_clip(self, run: _JobRun, index: int, action: Export, dest: Path) -> None:
        """The clip QC on the downloaded file, journaled as its own record; a failed check fails the step.

        What a ``say:`` step changed is taken from its outcome (the fields it journaled, the state now).
        """
        level = self._options.qc_level
        if action.asked is None or level == "off":
            return
        local = {run.names.get(p.name, p.name): p for a in run.job.actions if isinstance(a, Upload)
                 for p in a.paths}
        asked = qc.resolve(action.asked, run.clip_fields, st.draft_of(run.state), local)
        verdict = await anyio.to_thread.run_sync(qc.check_clip, dest, asked, level, self._options.qc_options,
                                                 limiter=self._qc_limiter)
        self._journal.write_clip_series(run.job.id, index, dict(verdict.series))
        await self._journal.commit({"type": "clip_check", "job": run.job.id, "index": index,
                                    "path": str(dest), "level": verdict.level, "ok": verdict.ok,
                                    "cpu_s": round(verdict.cpu_s, 3),
                                    "checks": [c.as_dict() for c in verdict.checks]})
        self._clip_checks[(run.job.id, index)] = verdict
        if not verdict.ok:
            raise ClipCheckFailed("\n".join(f"clip check failed: {c.line()}" for c in verdict.failures),
                                  job=run.job.id, step=str(action.where))

    async def _reconcile_render(self, run: _JobRun, index: int, render_id: str,
                                deadline: float | None) -> tuple[RenderStatus | None, str | None]:
        """What became of a render an earlier run chose: (its status, its id), or (None, id to submit)."""
        status: RenderStatus | None = None
        try:
            await self._bucket.acquire()
            status = await self._api.render_status(render_id)
        except ApiError as exc:
            if exc.http_status != 404:
                raise  # the API may know it yet: a resume asks again, rather than paying for two renders
            if index not in run.progress.submitted:
                return None, render_id  # never reached the API: submit it now, under the id journaled
        if status is None:
            reason = "not found"  # accepted once, unknown now (another mock, or the API dropped it)
        elif status.done and status.status != "completed":
            reason = status.status  # failed or cancelled: only a new render can deliver the clip
        elif not status.done and deadline is not None and time.time() > deadline:
            reason = "timeout"
            with contextlib.suppress(ApiError):
                await self._api.cancel_render(render_id)
        else:
            return status, render_id
        await self._journal.commit({"type": "render_replaced", "job": run.job.id, "index": index,
                                    "render_id": render_id, "reason": reason})
        run.progress.submitted.discard(index)
        return None, None

    async def _submit(self, run: _JobRun, index: int, label: str, draft: dict[str, Any],
                      output: dict[str, str], render_id: str | None) -> RenderStatus:
        """Submit a render under an id journaled before the call, so no kill can make it twice."""
        for _ in range(3):
            if render_id is None:
                render_id = self._api.new_render_id()
                timeout = self._options.render_timeout
                deadline = None if timeout is None else time.time() + timeout
                run.progress.deadlines.pop(index, None)
                if deadline is not None:
                    run.progress.deadlines[index] = deadline
                await self._journal.commit({"type": "intent", "job": run.job.id, "index": index,
                                            "label": label, "kind": "export",
                                            "session_id": run.session_id, "render_id": render_id,
                                            "deadline": deadline})
            await self._bucket.acquire()
            try:
                status = await self._api.submit_render(run.session_id, draft, output=output,
                                                       render_id=render_id)
            except DuplicateRenderId:
                # The id is taken: by this render, if an earlier attempt reached the API; else by another.
                with contextlib.suppress(ApiError):
                    status = await self._api.render_status(render_id)
                    await self._journal.commit({"type": "render", "job": run.job.id, "index": index,
                                                "render_id": render_id, "session_id": run.session_id})
                    return status
                render_id = None
                continue
            await self._journal.commit({"type": "render", "job": run.job.id, "index": index,
                                        "render_id": status.id, "session_id": run.session_id})
            return status
        raise ExecutionError("three render ids in a row were taken", hint="try again")


def _located(exc: RenderFailed, run: _JobRun, index: int) -> RenderFailed:
    """The render failure at the step it is about (a text's, when the reason names one), else the export."""
    where = effects.step_of_render_failure(exc.message, run.job.actions[:index - 1], st.draft_of(run.state))
    return RenderFailed(exc.message, hint=exc.hint, step=str(where or run.job.actions[index - 1].where))


def _names(action: Upload, uploaded: Any) -> dict[str, str]:
    """Local file name → the name the API returned for it (the same when the answer lists none)."""
    returned = [getattr(u, "filename", None) for u in uploaded] if isinstance(uploaded, list) else []
    names = {}
    for i, path in enumerate(action.paths):
        server = returned[i] if i < len(returned) and isinstance(returned[i], str) else None
        names[path.name] = server or path.name
    return names


def _tool_summary(reply: StreamResult) -> str | None:
    """The tool result's own account of what it did (the service's ``summary``), if it gave one."""
    for event in reply.tool_results:
        result = event.result
        if isinstance(result, dict) and isinstance(result.get("summary"), str):
            return str(result["summary"])
    return None


def _one_line(text: str) -> str:
    line = " ".join(text.split())
    return line if len(line) <= 200 else line[:199] + "…"


def _same_size(path: Path, size: int | None) -> bool:
    """``path`` is a file of ``size`` bytes (any size when the journal gave none)."""
    try:
        return path.is_file() and (size is None or path.stat().st_size == size)
    except OSError:
        return False


def _undecodable(path: Path) -> str | None:
    """Why the file at ``path`` is not a playable clip (``None``: its first video frame decodes)."""
    import av  # heavy; only exports need it

    try:
        with av.open(str(path)) as container:
            for _frame in container.decode(video=0):
                return None
    except (av.error.FFmpegError, OSError, ValueError) as exc:
        return str(exc)[:120]
    return "no video frame"
