"""The run directory: ``runs/<run-id>/journal.jsonl`` written as things happen, and read back to resume.

Every record is one JSON object on one line, flushed and fsync'ed before the engine moves on, so killing
the process at any moment loses nothing that finished. Records never hold secrets: known secret values and
anything token-shaped are masked before writing, and headers are never recorded at all.

Record types (``"type"``): ``run`` (header: recipe, its hash, backend), ``resume``, ``session`` (a job
opened a session, or replayed into a new one), ``step`` (one action: what was sent, whether the reply had
text, the raw RFC 6902 patch), ``render`` (a render id, journaled right after submit), ``output`` (a
downloaded file), ``job_finished``, ``job_failed``.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import anyio

from runner.errors import UsageError

JOURNAL = "journal.jsonl"
SUMMARY = "summary.json"
_TOKEN_SHAPE = re.compile(r"\b(?:nmv_usr|clm)_[A-Za-z0-9_\-]+")
_SECRET_KEYS = frozenset(
    {"authorization", "token", "access_token", "nemo_token", "claim_token", "x-client-id"})


def new_run_id(name: str, now: datetime | None = None) -> str:
    """A sortable run id: ``20261124-011500-quickstart`` (UTC)."""
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%d-%H%M%S")
    slug = re.sub(r"[^A-Za-z0-9]+", "-", name).strip("-").lower() or "run"
    return f"{stamp}-{slug}"


class Journal:
    """Appends records to one run's journal; each ``write`` is durable when it returns."""

    def __init__(self, run_dir: Path, *, secrets: Iterable[str] = ()) -> None:
        self.run_dir = run_dir
        self.path = run_dir / JOURNAL
        self._secrets = sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True)
        self._file = self.path.open("a", encoding="utf-8")

    @classmethod
    def create(cls, runs_dir: Path, name: str, *, secrets: Iterable[str] = ()) -> Journal:
        """Make a fresh ``runs_dir/<run-id>/``; a second run in the same second gets ``-2``, ``-3``…"""
        runs_dir.mkdir(parents=True, exist_ok=True)
        base = new_run_id(name)
        for n in range(1, 1000):
            run_dir = runs_dir / (base if n == 1 else f"{base}-{n}")
            try:
                run_dir.mkdir()
            except FileExistsError:
                continue
            return cls(run_dir, secrets=secrets)
        raise UsageError(f"{runs_dir}: cannot make a new run directory for {base}",
                         hint="clean up old runs or choose another --runs-dir")

    @property
    def run_id(self) -> str:
        return self.run_dir.name

    def add_secret(self, secret: str | None) -> None:
        """Mask this value from now on (e.g. a token the client obtained during the run)."""
        if secret and len(secret) >= 4 and secret not in self._secrets:
            self._secrets = sorted([*self._secrets, secret], key=len, reverse=True)

    def write(self, record: dict[str, Any]) -> None:
        """Append one record and make it durable (flush + fsync) before returning."""
        self._append(record)
        os.fsync(self._file.fileno())

    async def commit(self, record: dict[str, Any]) -> None:
        """``write`` for the engine: the fsync runs in a worker thread, so other jobs go on meanwhile.

        The caller still waits until the record is durable; lines never interleave (one event loop writes).
        """
        self._append(record)
        await anyio.to_thread.run_sync(os.fsync, self._file.fileno())

    def _append(self, record: dict[str, Any]) -> None:
        clean = _scrub({"at": round(time.time(), 3), **record}, self._secrets)
        self._file.write(json.dumps(clean, ensure_ascii=False, sort_keys=False) + "\n")
        self._file.flush()

    def write_state(self, job: str, index: int, state: dict[str, Any]) -> None:
        """Keep the full state after a step (``states/<job>/<index>.json``) for people debugging a recipe."""
        path = state_file(self.run_dir, job, index)
        path.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps(_scrub(state, self._secrets), indent=1, sort_keys=True, ensure_ascii=False)
        # Not fsync'ed: states are for reading along, the journal is the record resume relies on.
        atomic_write_text(path, text, durable=False)

    def write_summary(self, summary: dict[str, Any]) -> Path:
        path = self.run_dir / SUMMARY
        atomic_write_text(path, json.dumps(_scrub(summary, self._secrets), indent=2, ensure_ascii=False))
        return path

    def close(self) -> None:
        self._file.close()


def state_file(run_dir: Path, job: str, index: int) -> Path:
    """Where ``Journal.write_state`` keeps the state after action ``index`` of ``job``."""
    return run_dir / "states" / _safe(job) / f"{index:03d}.json"


def read_journal(run_dir: Path) -> list[dict[str, Any]]:
    """The records of a run, in order; a half-written last line (the process died mid-write) is dropped."""
    path = run_dir / JOURNAL
    if not path.is_file():
        raise UsageError(f"{run_dir}: no {JOURNAL} here", hint="pass the run directory, e.g. runs/<run-id>")
    records: list[dict[str, Any]] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(record, dict):
            records.append(record)
    return records


@dataclass
class JobProgress:
    """What the journal says about one job, for resuming it."""

    finished: bool = False
    session_id: str | None = None
    done_steps: set[int] = field(default_factory=set)  # indexes of actions that completed
    renders: dict[int, str] = field(default_factory=dict)  # export index → render id submitted
    outputs: dict[int, str] = field(default_factory=dict)  # export index → downloaded path


@dataclass
class RunRecord:
    """The journal of an earlier run, folded into what resume needs."""

    run_id: str
    recipe: str
    recipe_hash: str
    options: dict[str, Any]
    jobs: dict[str, JobProgress]


def fold(records: list[dict[str, Any]], run_id: str) -> RunRecord:
    """Fold journal records into per-job progress (pure)."""
    header = next((r for r in records if r.get("type") == "run"), None)
    if header is None:
        raise UsageError(f"run {run_id}: the journal has no header line", hint="it is not a motionctl run")
    jobs: dict[str, JobProgress] = {}
    for r in records:
        job = r.get("job")
        if not isinstance(job, str):
            continue
        p = jobs.setdefault(job, JobProgress())
        kind = r.get("type")
        if kind == "session":
            p.session_id = r.get("session_id")
        elif kind == "step":
            p.done_steps.add(int(r["index"]))
        elif kind == "render":
            p.renders[int(r["index"])] = str(r["render_id"])
        elif kind == "output":
            p.outputs[int(r["index"])] = str(r["path"])
        elif kind == "job_finished":
            p.finished = True
    return RunRecord(run_id=run_id, recipe=str(header.get("recipe", "")),
                     recipe_hash=str(header.get("recipe_hash", "")),
                     options=dict(header.get("options") or {}), jobs=jobs)


def atomic_write_text(path: Path, text: str, *, durable: bool = True) -> None:
    """Write via a temporary file and ``os.replace``: readers see the old file or the new, never half."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    with tmp.open("w", encoding="utf-8") as f:
        f.write(text)
        if durable:
            f.flush()
            os.fsync(f.fileno())
    os.replace(tmp, path)


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name) or "_"


def _scrub(value: Any, secrets: list[str]) -> Any:
    if isinstance(value, dict):
        return {k: ("<redacted>" if str(k).lower() in _SECRET_KEYS else _scrub(v, secrets))
                for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_scrub(v, secrets) for v in value]
    if isinstance(value, str):
        for secret in secrets:
            if secret in value:
                value = value.replace(secret, "<redacted>")
        return _TOKEN_SHAPE.sub("<redacted>", value)
    return value
