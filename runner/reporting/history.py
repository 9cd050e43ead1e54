"""What a finished (or interrupted) run did, read back from its directory, offline: ``motionctl show``.

Folds ``runs/<id>/journal.jsonl`` into one account per job: its session id (what ``motionctl state`` takes),
how it ended, the outputs it wrote and why it failed; the job's final state comes from the last state file
the run kept (``states/<job>/<n>.json``). Records this reader does not know (the journal grows new kinds)
and fields of an unexpected type are skipped, never an error: an old ``show`` reads a newer journal.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from ...units import format_size
from ..api import summarize_tracks
from ..journal import read_journal, state_file
from .runs import ClipReport
from .text import is_recipe_step

JobStatus = Literal["ok", "failed", "unfinished"]


@dataclass
class JobHistory:
    job: str
    status: JobStatus = "unfinished"
    session_id: str | None = None  # the session that made (or is making) the job's clips: its last one
    earlier_sessions: list[str] = field(default_factory=list)  # lost mid-job, replayed into the next one
    steps: int = 0  # the recipe's steps that finished (a resumed run's included; not the defaults)
    last_index: int | None = None  # the last finished action, whose state file holds the final state
    outputs: list[tuple[str, int | None]] = field(default_factory=list)  # path, bytes
    where: str = ""  # of the failure
    error: str = ""
    tracks: str | None = None  # the final state as a track summary; None: the run kept no state file
    clips: dict[int, ClipReport] = field(default_factory=dict)  # export index → the clip QC's verdict

    def as_dict(self) -> dict[str, Any]:
        return {"job": self.job, "status": self.status, "session_id": self.session_id,
                "earlier_sessions": self.earlier_sessions, "steps": self.steps,
                "outputs": [{"path": p, "bytes": b} for p, b in self.outputs], "tracks": self.tracks,
                "failure": {"where": self.where, "error": self.error} if self.status == "failed" else None,
                "clip_checks": [c.as_dict() for c in self.clips.values()]}


@dataclass
class RunHistory:
    run_id: str
    recipe: str = ""
    backend: str = ""
    resumed: int = 0  # how many times the run was resumed
    jobs: dict[str, JobHistory] = field(default_factory=dict)
    stopped: str = ""  # why the whole run stopped early (no token, not enough credits, Ctrl-C), if it did

    def count(self, status: JobStatus) -> int:
        return sum(1 for j in self.jobs.values() if j.status == status)

    def as_dict(self) -> dict[str, Any]:
        return {"run_id": self.run_id, "recipe": self.recipe, "backend": self.backend,
                "resumed": self.resumed, "stopped": self.stopped or None,
                "jobs": [j.as_dict() for j in self.jobs.values()]}


def read_run(run_dir: Path) -> RunHistory:
    """The account of the run in ``run_dir``.

    Raises:
        UsageError: ``run_dir`` holds no journal.
    """
    history = fold_history(read_journal(run_dir), run_dir.name)
    for job in history.jobs.values():
        if job.last_index is not None:
            job.tracks = _tracks(state_file(run_dir, job.job, job.last_index))
    return history


def fold_history(records: list[dict[str, Any]], run_id: str) -> RunHistory:
    """Fold journal records into per-job accounts (pure), in the order jobs first appear."""
    history = RunHistory(run_id)
    for r in records:
        kind = r.get("type")
        if kind in ("run", "resume"):
            history.recipe = _text(r.get("recipe")) or history.recipe
            history.backend = _text(r.get("backend")) or history.backend
            history.resumed += kind == "resume"
            history.stopped = ""  # a resume takes the run up again
            continue
        if kind == "run_stopped":
            history.stopped = _text(r.get("error")) or "stopped (no reason recorded)"
            continue
        name = r.get("job")
        if not isinstance(name, str):
            continue
        job = history.jobs.setdefault(name, JobHistory(name))
        if kind == "session" and isinstance(r.get("session_id"), str):
            if job.session_id and job.session_id != r["session_id"]:
                job.earlier_sessions.append(job.session_id)
            job.session_id = r["session_id"]
            job.status = "unfinished" if job.status == "failed" else job.status  # a resume took it up again
        elif kind == "step" and isinstance(r.get("index"), int):
            label = _text(r.get("label"))
            job.steps += is_recipe_step(label)
            job.last_index = r["index"]
        elif kind == "output" and isinstance(r.get("path"), str):
            size = r.get("bytes")
            job.outputs = [o for o in job.outputs if o[0] != r["path"]]
            job.outputs.append((r["path"], size if isinstance(size, int) else None))
        elif kind == "clip_check" and isinstance(r.get("index"), int):
            job.clips[r["index"]] = ClipReport.from_record(r, r["index"], Path(_text(r.get("path"))))
        elif kind == "job_finished":
            job.status, job.where, job.error = "ok", "", ""
        elif kind == "job_failed":
            job.status, job.where, job.error = "failed", _text(r.get("where")), _text(r.get("error"))
    return history


def format_run(history: RunHistory) -> list[str]:
    """The lines ``motionctl show`` prints: a header, then per job its status, session, state and outputs."""
    jobs = len(history.jobs)
    counts = [f"{history.count('ok')} ok", f"{history.count('failed')} failed"]
    if history.count("unfinished"):
        counts.append(f"{history.count('unfinished')} unfinished")
    resumed = f" (resumed {history.resumed}×)" if history.resumed else ""
    lines = [f"run {history.run_id}: {history.recipe or 'unknown recipe'}"
             + (f" on {history.backend}" if history.backend else "") + resumed,
             f"{jobs} job{'s' if jobs != 1 else ''}: {', '.join(counts)}"]
    if history.stopped:
        before = " before any job started" if not jobs else ""
        lines.append(f"the run stopped{before}: {history.stopped}")
    elif not jobs:
        lines.append("no job has started: the run was stopped before its first one, without a reason "
                     "in the journal (killed, or the machine stopped)")
    for job in history.jobs.values():
        session = f"session {job.session_id}" if job.session_id else "no session"
        if job.earlier_sessions:
            session += f" (replayed from {', '.join(job.earlier_sessions)}, lost)"
        status = "FAILED" if job.status == "failed" else job.status
        steps = f"{job.steps} step{'s' if job.steps != 1 else ''} done"
        lines += ["", f"{job.job}: {status} · {session} · {steps}"]
        if job.tracks is not None:
            lines.append(f"  {job.tracks}")
        elif job.steps:
            lines.append("  (no state kept for this job)")
        lines += [f"  output: {path}" + (f" ({format_size(size)})" if size is not None else "")
                  for path, size in job.outputs]
        for clip in job.clips.values():
            # The measurements of every check, failures first: what "ok" stood on.
            lines += [f"  {clip.summary()}", *(f"    {line}" for line in clip.lines())]
        if job.status == "failed":
            first, *rest = job.error.splitlines() or [""]
            at = f" at {job.where}" if job.where else ""
            lines += [f"  failed{at}: {first}", *(f"  {line}" for line in rest)]
    return lines


def _tracks(path: Path) -> str | None:
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    draft = state.get("draft") if isinstance(state, dict) else None
    return summarize_tracks(draft if isinstance(draft, dict) else None)


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""
