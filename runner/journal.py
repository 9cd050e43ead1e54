"""The run directory: ``runs/<run-id>/journal.jsonl`` written as things happen, and read back to resume.

Every record is one JSON object on one line, flushed and fsync'ed before the engine moves on, so killing
the process at any moment loses nothing that finished. Records never hold secrets: known secret values,
anything token-shaped and the capability parts of links (CDN URLs; kept with ``--keep-urls``) are masked
before writing, and headers are never recorded at all.

Record types (``"type"``; README "What ok means" lists every field): ``run`` (header: recipe, its hash,
backend and ``backend_config`` {kind, base_url}, options), ``resume``, ``session_opened``, ``replay``,
``session`` (a job's session with its baseline ``state``), ``intent`` (a step is about to call the API,
with the ids the runner chose: the files it uploads, the sentence, the render id and its deadline),
``uploaded`` (the names the API returned), ``render`` (the submit was accepted), ``render_replaced``,
``output`` (a downloaded file), ``clip_check`` (the clip QC's verdict on it, runner/qc/), ``step`` (the
step's outcome: what was sent, whether it acted, the raw RFC 6902 patch, and for a ``say:`` step the
``clip_fields`` it changed), ``step_refused`` (it did not do what it asked), ``job_finished``,
``job_failed``. An
``intent`` with no ``step`` after it is a step the run stopped in; resume reconciles it with the server.
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
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
import jsonpatch

from .capability import unguessable
from .confined import open_append, write_text
from .errors import UsageError

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

    def __init__(self, run_dir: Path, *, secrets: Iterable[str] = (), keep_urls: bool = False) -> None:
        self.run_dir = run_dir
        self.path = run_dir / JOURNAL
        self._secrets = sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True)
        self._keep_urls = keep_urls
        self._file = open(open_append(self.path), "a", encoding="utf-8")  # noqa: SIM115 — closed by close()

    @classmethod
    def create(cls, runs_dir: Path, name: str, *, secrets: Iterable[str] = (), keep_urls: bool = False
               ) -> Journal:
        """Make a fresh ``runs_dir/<run-id>/``; a second run in the same second gets ``-2``, ``-3``…"""
        runs_dir.mkdir(parents=True, exist_ok=True)
        base = new_run_id(name)
        for n in range(1, 1000):
            run_dir = runs_dir / (base if n == 1 else f"{base}-{n}")
            try:
                run_dir.mkdir()
            except FileExistsError:
                continue
            return cls(run_dir, secrets=secrets, keep_urls=keep_urls)
        raise UsageError(f"{runs_dir}: cannot make a new run directory for {base}",
                         hint="clean up old runs or choose another --runs-dir")

    @property
    def run_id(self) -> str:
        return self.run_dir.name

    def add_secret(self, secret: str | None) -> None:
        """Mask this value from now on (e.g. a token the client obtained during the run)."""
        if secret and len(secret) >= 4 and secret not in self._secrets:
            self._secrets = sorted([*self._secrets, secret], key=len, reverse=True)

    def scrub(self, value: Any) -> Any:
        """``value`` as this run's records keep it: no secrets, and no capability links unless --keep-urls."""
        return scrub(value, self._secrets, keep_urls=self._keep_urls)

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
        clean = self.scrub({"at": round(time.time(), 3), **record})
        self._file.write(json.dumps(clean, ensure_ascii=False, sort_keys=False) + "\n")
        self._file.flush()

    def write_state(self, job: str, index: int, state: dict[str, Any]) -> None:
        """Keep the full state after a step (``states/<job>/<index>.json``) for people debugging a recipe."""
        path = state_file(self.run_dir, job, index)
        text = json.dumps(self.scrub(state), indent=1, sort_keys=True, ensure_ascii=False)
        # Not fsync'ed: states are for reading along, the journal is the record resume relies on.
        write_text(path, text, root=self.run_dir, durable=False)

    def write_clip_series(self, job: str, index: int, series: dict[str, Any]) -> None:
        """Keep the clip QC's measured curves (camera path, loudness, text boxes) for the HTML report."""
        path = clip_file(self.run_dir, job, index)
        write_text(path, json.dumps(series, separators=(",", ":"), ensure_ascii=False), root=self.run_dir,
                   durable=False)

    def write_summary(self, summary: dict[str, Any]) -> Path:
        path = self.run_dir / SUMMARY
        write_text(path, json.dumps(self.scrub(summary), indent=2, ensure_ascii=False))
        return path

    def close(self) -> None:
        self._file.close()


def state_file(run_dir: Path, job: str, index: int) -> Path:
    """Where ``Journal.write_state`` keeps the state after action ``index`` of ``job``."""
    return run_dir / "states" / _safe(job) / f"{index:03d}.json"


def clip_file(run_dir: Path, job: str, index: int) -> Path:
    """Where ``Journal.write_clip_series`` keeps the QC's curves of the clip that export ``index`` of
    ``job`` made."""
    return run_dir / "clips" / _safe(job) / f"{index:03d}.json"


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


# Every job's record is written as {"at": …, "type": …, "job": …, …}: resume can tell a finished job's
# lines by this prefix without parsing them (a 10,000-job journal is tens of MiB of JSON).
_JOB_PREFIX = re.compile(r'\{(?:"at": [0-9.eE+-]+, )?"type": "([a-z_]+)", "job": ("(?:[^"\\]|\\.)*")')
# What resume keeps of a finished job: that it finished, and its outputs (the run's summary lists them).
_FINISHED_KEEPS = frozenset({"job_finished", "output"})


def read_for_resume(run_dir: Path) -> list[dict[str, Any]]:
    """The records ``fold`` needs to resume: all of unfinished jobs', and a finished job's end and outputs.

    The same as ``read_journal`` for every job still to do; the lines of jobs already finished, which
    resume skips, are never parsed, so resuming a large campaign starts its first new call in seconds.
    """
    path = run_dir / JOURNAL
    if not path.is_file():
        raise UsageError(f"{run_dir}: no {JOURNAL} here", hint="pass the run directory, e.g. runs/<run-id>")
    lines = path.read_text(encoding="utf-8").splitlines()
    finished = set()
    for line in lines:
        if (m := _JOB_PREFIX.match(line)) and m[1] == "job_finished":
            with contextlib.suppress(json.JSONDecodeError):
                finished.add(json.loads(m[2]))
    records: list[dict[str, Any]] = []
    for line in lines:
        m = _JOB_PREFIX.match(line)
        if m and m[1] not in _FINISHED_KEEPS and _decoded(m[2]) in finished:
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue  # a half-written last line: the process died mid-write
        if isinstance(record, dict):
            records.append(record)
    return records


def _decoded(text: str) -> str | None:
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        return None
    return value if isinstance(value, str) else None


@dataclass
class Pending:
    """A step whose intent was journaled but not its outcome: the run stopped during its call."""

    index: int
    kind: str  # upload | say | expect | export
    record: dict[str, Any]
    uploaded: dict[str, str] | None = None  # the upload call returned these names (local → API's)


@dataclass
class JobProgress:
    """What the journal says about one job, for resuming it."""

    finished: bool = False
    session_id: str | None = None
    done_steps: set[int] = field(default_factory=set)  # indexes of actions that completed
    renders: dict[int, str] = field(default_factory=dict)  # export index → the render id chosen for it
    submitted: set[int] = field(default_factory=set)  # export indexes whose submit the API accepted
    deadlines: dict[int, float] = field(default_factory=dict)  # export index → epoch seconds it must end by
    outputs: dict[int, str] = field(default_factory=dict)  # export index → downloaded path
    output_bytes: dict[int, int] = field(default_factory=dict)  # export index → the downloaded file's size
    names: dict[str, str] = field(default_factory=dict)  # local upload name → the name the API returned
    clip_fields: dict[int, tuple[str, ...]] = field(default_factory=dict)  # say step → clip fields it changed
    state: dict[str, Any] | None = None  # the session state after the last finished step (rebuilt)
    pending: Pending | None = None


@dataclass
class RunRecord:
    """The journal of an earlier run, folded into what resume needs."""

    run_id: str
    recipe: str
    recipe_hash: str
    options: dict[str, Any]
    jobs: dict[str, JobProgress]
    backend: dict[str, Any] = field(default_factory=dict)  # {"kind": "mock"|"live", "base_url": str|None}


def fold(records: list[dict[str, Any]], run_id: str) -> RunRecord:
    """Fold journal records into per-job progress (pure).

    The state after each job's last finished step is rebuilt from the baseline its ``session`` record
    holds and the patches of the ``step`` records after it, so an interrupted step can be reconciled
    against the server: what it finds beyond that state is the interrupted step's doing. Only unfinished
    jobs need it (finished ones are skipped), so only theirs are rebuilt: a 10,000-job journal folds fast.
    """
    header = next((r for r in records if r.get("type") == "run"), None)
    if header is None:
        raise UsageError(f"run {run_id}: the journal has no header line", hint="it is not a motionctl run")
    jobs: dict[str, JobProgress] = {}
    baselines: dict[str, dict[str, Any] | None] = {}  # per job: its session's state, then its patches
    patches: dict[str, list[list[dict[str, Any]]]] = {}
    for r in records:
        job = r.get("job")
        if not isinstance(job, str):
            continue
        p = jobs.setdefault(job, JobProgress())
        kind = r.get("type")
        index = r.get("index")
        if kind == "session":
            p.session_id = r.get("session_id")
            baseline = r.get("state")
            baselines[job] = baseline if isinstance(baseline, dict) else None
            patches[job] = []
            p.pending = None  # a new session: whatever was under way happened in the old one
        elif kind == "intent" and isinstance(index, int):
            p.pending = Pending(index, str(r.get("kind", "")), r)
            if r.get("kind") == "export" and r.get("render_id"):
                p.renders[index] = str(r["render_id"])
                p.submitted.discard(index)
                if isinstance(r.get("deadline"), int | float):
                    p.deadlines[index] = float(r["deadline"])
                else:
                    p.deadlines.pop(index, None)
        elif kind == "uploaded" and p.pending is not None and p.pending.index == index:
            p.pending.uploaded = {str(k): str(v) for k, v in (r.get("names") or {}).items()}
        elif kind == "step" and isinstance(index, int):
            p.done_steps.add(index)
            p.names.update({str(k): str(v) for k, v in (r.get("names") or {}).items()})
            if isinstance(r.get("clip_fields"), list):
                p.clip_fields[index] = tuple(str(f) for f in r["clip_fields"])
            patches.setdefault(job, []).append(list(r.get("patch") or []))
            p.pending = None
        elif kind == "step_refused":
            p.pending = None  # it changed nothing it should have: a resume sends it again
        elif kind == "render" and isinstance(index, int):
            p.renders[index] = str(r["render_id"])
            p.submitted.add(index)
        elif kind == "render_replaced" and isinstance(index, int):
            p.renders.pop(index, None)
            p.submitted.discard(index)
        elif kind == "output" and isinstance(index, int):
            p.outputs[index] = str(r["path"])
            if isinstance(r.get("bytes"), int):
                p.output_bytes[index] = r["bytes"]
        elif kind == "job_finished":
            p.finished = True
    for job, p in jobs.items():
        if not p.finished:
            p.state = _rebuilt(baselines.get(job), patches.get(job, []))
    backend = header.get("backend_config")
    return RunRecord(run_id=run_id, recipe=str(header.get("recipe", "")),
                     recipe_hash=str(header.get("recipe_hash", "")),
                     options=dict(header.get("options") or {}), jobs=jobs,
                     backend=dict(backend) if isinstance(backend, dict) else {})


def _rebuilt(baseline: dict[str, Any] | None, patches: list[list[dict[str, Any]]]) -> dict[str, Any] | None:
    """The baseline with the patches applied (a copy), or ``None`` when unknown: resume then trusts the
    server's state."""
    if baseline is None:
        return None
    state: dict[str, Any] = copy.deepcopy(baseline)
    try:
        for patch in patches:
            state = jsonpatch.apply_patch(state, patch, in_place=True)
    except (jsonpatch.JsonPatchException, jsonpatch.JsonPointerException):
        return None
    return state


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name) or "_"


def scrub(value: Any, secrets: list[str], *, keep_urls: bool = False) -> Any:
    """A copy of a JSON value without secrets: secret keys' values, the given secret values, token shapes,
    and (unless ``keep_urls``) the capability parts of links (see ``redact_links``)."""
    if isinstance(value, dict):
        return {k: "<redacted>" if str(k).lower() in _SECRET_KEYS else scrub(v, secrets, keep_urls=keep_urls)
                for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [scrub(v, secrets, keep_urls=keep_urls) for v in value]
    if isinstance(value, str):
        for secret in secrets:
            if secret in value:
                value = value.replace(secret, "<redacted>")
        value = _TOKEN_SHAPE.sub("<redacted>", value)
        return value if keep_urls else redact_links(value)
    return value


_LINK = re.compile(r"\b[a-z][a-z0-9+.-]*://[^\s\"'<>]*[^\s\"'<>.,;:!?)]", re.IGNORECASE)  # not its full stop


def redact_links(text: str) -> str:
    """Links in ``text`` with their capability removed: unguessable path segments and the query string
    (signatures, tokens) become ``[redacted:abc123]``, a digest of the whole link that tells two links apart
    but cannot give either back. The host and the file name stay, so a reader still sees what it was.

    A CDN URL works for anyone who has it (README, "The mock server"); a journal or a report is a CI artifact,
    so neither keeps one unless asked (``--keep-urls``).
    """
    return _LINK.sub(lambda m: _redacted(m.group(0)), text) if "://" in text else text


def _redacted(link: str) -> str:
    base, query = re.split(r"[?#]", link, maxsplit=1) if re.search(r"[?#]", link) else (link, "")
    scheme, _, rest = base.partition("://")
    host, slash, path = rest.partition("/")
    segments = path.split("/")
    secret = [unguessable(part) for part in segments]
    if not (any(secret) or query) or query.startswith("[redacted:"):
        return link  # nothing to hide, or hidden already
    tag = f"[redacted:{hashlib.sha256(link.encode()).hexdigest()[:6]}]"
    kept = "/".join(tag if hidden else part for part, hidden in zip(segments, secret, strict=True))
    return f"{scheme}://{host}{slash}{kept}" + ("" if any(secret) else f"?{tag}")


def restore_links(value: Any, source: Any) -> Any:
    """``value`` (rebuilt from a journal) with each redacted link replaced by the link in ``source`` (the
    server's state) that redacts to it, so a resumed run compares and renders real links."""
    found: dict[str, str] = {}

    def collect(item: Any) -> None:
        if isinstance(item, dict):
            for child in item.values():
                collect(child)
        elif isinstance(item, list):
            for child in item:
                collect(child)
        elif isinstance(item, str) and "://" in item:
            for link in _LINK.findall(item):
                found[_redacted(link)] = link

    def restore(item: Any) -> Any:
        if isinstance(item, dict):
            return {k: restore(v) for k, v in item.items()}
        if isinstance(item, list):
            return [restore(v) for v in item]
        if isinstance(item, str) and "[redacted:" in item:
            return _LINK.sub(lambda m: found.get(m.group(0), m.group(0)), item)
        return item

    collect(source)
    return restore(value)
