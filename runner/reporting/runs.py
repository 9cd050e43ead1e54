"""What a finished run did, read back from its run directory: the model every report is built from.

Reports are made after the run, from ``runs/<id>/journal.jsonl`` (and ``summary.json`` when the run got that
far), so ``motionctl run --report-…`` and ``motionctl report runs/<id> …`` share one code path, and several
run directories (the shards of one campaign, a run and its re-run) merge into one report.

The journal is read through ``runner.journal.read_journal`` and read defensively: record types this module
does not know are skipped, and missing fields leave their report field empty, so a journal written by an
older or newer runner still reports.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

import yaml

from ..errors import RunnerError, UsageError
from ..journal import SUMMARY, clip_file, read_journal, scrub
from ..qc import check_from_dict, summary, verdict_from_dict

JobStatus = Literal["passed", "failed", "skipped", "not_run"]


@dataclass(frozen=True)
class StepReport:
    """One journaled step (or the step a job failed at, which never got a ``step`` record)."""

    index: int
    label: str
    where: str
    kind: str  # upload, say, export, expect, or "" for a step known only from a failure
    sent: str = ""  # the sentence sent (say), the files (upload), the destination (export)
    reply: str = ""  # the reply's text, as journaled
    no_text: bool = False
    summary: str = ""
    patch: tuple[dict[str, Any], ...] = ()
    duration_s: float | None = None
    credits: int | None = None
    failed: bool = False
    error: str = ""


@dataclass(frozen=True)
class ClipReport:
    """The clip QC's verdict on one exported clip (a ``clip_check`` record)."""

    index: int
    path: Path
    level: str
    ok: bool
    checks: tuple[dict[str, Any], ...]  # {name, status, measured, asked[, subject][, values]}
    series: Path | None = None  # the measured curves the HTML report plots (runs/<id>/clips/…)

    @classmethod
    def from_record(cls, record: Mapping[str, Any], index: int, path: Path,
                    series: Path | None = None) -> ClipReport:
        """The verdict a ``clip_check`` journal record holds, about the clip at ``path``."""
        return cls(index, path, str(record.get("level") or ""), record.get("ok") is True,
                   tuple(c for c in record.get("checks") or [] if isinstance(c, dict)), series)

    def lines(self) -> list[str]:
        """Each check as ``name: measured …, asked …``, failures first."""
        return verdict_from_dict({"checks": self.checks}).lines(unchecked=True, passed=True)

    def summary(self) -> str:
        return f"clip check ({self.level}) of {self.path.name}: {'ok' if self.ok else 'FAILED'}, " + \
            summary([check_from_dict(c) for c in self.checks])

    def as_dict(self) -> dict[str, Any]:
        """As the JSON report and ``show --json`` give it (specs/report.schema.json, ``clipCheck``)."""
        return {"index": self.index, "path": str(self.path), "level": self.level, "ok": self.ok,
                "checks": list(self.checks)}


@dataclass(frozen=True)
class JobReport:
    job: str
    recipe: str
    run_id: str
    status: JobStatus
    steps: tuple[StepReport, ...] = ()
    outputs: tuple[Path, ...] = ()
    where: str = ""
    error: str = ""
    error_type: str = ""
    session_id: str = ""
    duration_s: float | None = None
    credits: int | None = None
    credits_estimated: bool = False
    clips: tuple[ClipReport, ...] = ()

    @property
    def ok(self) -> bool:
        return self.status in ("passed", "skipped")


@dataclass(frozen=True)
class RunInfo:
    run_id: str
    run_dir: Path
    recipe: str
    recipe_name: str
    recipe_hash: str
    backend: str
    started_at: float | None
    elapsed_s: float | None
    golden: Mapping[str, Any] | None = None  # summary.json's {"path", "outcome"}
    golden_diff: str | None = None
    out_dir: str = ""  # the run's --out, absolute (the header's options)


@dataclass(frozen=True)
class Report:
    """One or more runs, merged: jobs in run order, then plan order; failures come first where shown."""

    runs: tuple[RunInfo, ...]
    jobs: tuple[JobReport, ...]
    notes: tuple[str, ...] = field(default=())  # e.g. a job that two runs both ran

    @property
    def ok(self) -> bool:
        return all(j.ok for j in self.jobs) and not any(
            r.golden and r.golden.get("outcome") in ("differs", "missing") for r in self.runs)

    def counts(self) -> dict[str, int]:
        out = {"total": len(self.jobs), "passed": 0, "failed": 0, "skipped": 0, "not_run": 0}
        for j in self.jobs:
            out[j.status] += 1
        return out

    def failures_first(self) -> list[JobReport]:
        return sorted(self.jobs, key=lambda j: 0 if j.status == "failed" else 1)


def read_run(run_dir: Path, *, secrets: Iterable[str] = (), keep_urls: bool = False
             ) -> tuple[RunInfo, list[JobReport]]:
    """A run directory as a ``RunInfo`` and its jobs, in plan order (as the summary lists them; an
    interrupted run's, in the order they first appear in the journal). Links lose their capability parts
    unless ``keep_urls`` (a journal written with ``--keep-urls`` still has them).

    Raises:
        UsageError: ``run_dir`` holds no journal, or a journal without its header line.
    """
    records = [scrub(r, _secrets(secrets), keep_urls=keep_urls) for r in read_journal(run_dir)]
    header = next((r for r in records if r.get("type") == "run"), None)
    if header is None:
        raise UsageError(f"{run_dir}: the journal has no header line", hint="it is not a motionctl run")
    summary = _read_summary(run_dir)
    recipe = str(header.get("recipe", ""))
    options = header.get("options") if isinstance(header.get("options"), dict) else {}
    info = RunInfo(
        run_id=str(header.get("run_id") or run_dir.name), run_dir=run_dir, recipe=recipe,
        recipe_name=str(header.get("name") or _recipe_name(run_dir.name, recipe)),
        recipe_hash=str(header.get("recipe_hash", "")),
        backend=str(header.get("backend", "")), started_at=_float(header.get("at")),
        elapsed_s=_float(summary.get("elapsed_s")) if summary else None,
        golden=summary.get("golden") if summary and isinstance(summary.get("golden"), dict) else None,
        out_dir=str(options.get("out_dir") or ""))
    if info.golden and info.golden.get("outcome") == "differs":
        diff = _golden_diff(Path(str(info.golden.get("path", ""))), records, summary)
        info = replace(info, golden_diff=diff)
    return info, _jobs(info, records, summary)


def _golden_diff(path: Path, records: list[dict[str, Any]], summary: dict[str, Any] | None) -> str | None:
    """The diff ``--check`` showed, made again from the journal (the run kept no copy of it)."""
    from .. import golden

    try:
        old = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return None
    name = old.get("recipe") if isinstance(old, dict) else None
    if not isinstance(name, str):
        return None
    order = [str(j.get("job")) for j in (summary or {}).get("jobs") or [] if isinstance(j, dict)]
    return golden.compare(path, golden.build(name, order, records))


def load_report(run_dirs: Sequence[Path], *, secrets: Iterable[str] = (), estimate: bool = True,
                keep_urls: bool = False) -> Report:
    """Read and merge run directories into one report.

    A job that several runs ran is reported once, from the run that started last (a re-run supersedes),
    and the report notes it. Credits that the journal does not record are estimated from the recipe when
    it still loads with the same hash (``credits_estimated``).

    Raises:
        UsageError: no run directory, or one that is not a run.
    """
    if not run_dirs:
        raise UsageError("no run directory given", hint="e.g. motionctl report runs/<run-id>")
    runs: list[tuple[RunInfo, list[JobReport]]] = [read_run(d, secrets=secrets, keep_urls=keep_urls)
                                                   for d in run_dirs]
    runs.sort(key=lambda r: r[0].started_at or 0.0)
    by_id: dict[str, JobReport] = {}
    notes: list[str] = []
    for info, jobs in runs:
        for job in jobs:
            key = f"{info.recipe}\0{job.job}"
            if key in by_id:
                notes.append(f"job {job.job} ran in {by_id[key].run_id} and {info.run_id}; "
                             f"reported from {info.run_id}")
            by_id[key] = job
    merged = list(by_id.values())
    if estimate:
        merged = _estimate_credits(merged, [info for info, _ in runs])
    return Report(runs=tuple(info for info, _ in runs), jobs=tuple(merged), notes=tuple(notes))


def _jobs(info: RunInfo, records: list[dict[str, Any]], summary: dict[str, Any] | None) -> list[JobReport]:
    order: list[str] = []
    steps: dict[str, dict[int, StepReport]] = {}
    last_at: dict[str, float] = {}
    first_at: dict[str, float] = {}
    end: dict[str, dict[str, Any]] = {}
    outputs: dict[str, dict[int, Path]] = {}
    clips: dict[str, dict[int, ClipReport]] = {}
    sessions: dict[str, str] = {}
    for r in records:
        job = r.get("job")
        if not isinstance(job, str):
            continue
        if job not in steps:
            order.append(job)
            steps[job] = {}
        at = _float(r.get("at"))
        kind = r.get("type")
        if kind == "session":
            sessions[job] = str(r.get("session_id") or "")
            if at is not None:
                first_at.setdefault(job, at)
        elif kind == "step":
            index = _int(r.get("index"))
            if index is None:
                continue
            previous = last_at.get(job)
            steps[job][index] = _step(r, index, None if at is None or previous is None else at - previous)
        elif kind == "output":
            index = _int(r.get("index"))
            if index is not None and r.get("path"):
                outputs.setdefault(job, {})[index] = Path(str(r["path"]))
        elif kind == "clip_check":
            index = _int(r.get("index"))
            if index is not None:
                series = clip_file(info.run_dir, job, index)
                clips.setdefault(job, {})[index] = ClipReport.from_record(
                    r, index, journaled_path(Path(str(r.get("path") or "")), info.out_dir),
                    series if series.is_file() else None)
        elif kind in ("job_finished", "job_failed"):
            end[job] = r
        # Any other record type (replay, render, records added later) only moves the clock below.
        if at is not None:
            last_at[job] = at
            first_at.setdefault(job, at)
    summarised = {str(j.get("job")): j for j in (summary or {}).get("jobs") or [] if isinstance(j, dict)}
    for job in summarised:
        steps.setdefault(job, {})
    # The summary lists the jobs in plan order; the journal in the order their records interleaved.
    order = [*summarised, *(job for job in order if job not in summarised)]
    reports = []
    for job in order:
        final = end.get(job)
        summed = summarised.get(job, {})
        where = str((final or {}).get("where") or summed.get("where") or "")
        error = str((final or {}).get("error") or summed.get("error") or "")
        if final is not None and final.get("type") == "job_failed":
            status: JobStatus = "failed"
        elif final is not None:
            status = "passed"
        elif summed.get("skipped"):
            status = "skipped"
        elif summed.get("ok") is False or summed.get("not_run"):
            status = "failed" if error else "not_run"
        else:
            status = "not_run"
        job_steps = [steps[job][i] for i in sorted(steps[job])]
        if status == "failed" and where and not any(s.where == where for s in job_steps):
            job_steps.append(StepReport(index=_index_of(where, job_steps), label=_label_of(where),
                                        where=where, kind="", failed=True, error=error))
        elif status == "failed" and where:
            job_steps = [StepReport(**{**s.__dict__, "failed": True, "error": error}) if s.where == where
                         else s for s in job_steps]
        outs = tuple(outputs.get(job, {})[i] for i in sorted(outputs.get(job, {})))
        if not outs and summed.get("outputs"):
            outs = tuple(Path(str(p)) for p in summed["outputs"])
        credits = [s.credits for s in job_steps if s.credits is not None]
        duration = None
        if job in first_at and job in last_at:
            duration = round(last_at[job] - first_at[job], 3)
        reports.append(JobReport(
            job=job, recipe=info.recipe, run_id=info.run_id, status=status, steps=tuple(job_steps),
            outputs=tuple(journaled_path(p, info.out_dir) for p in outs), where=where, error=error,
            error_type=str((final or {}).get("error_type") or ""), session_id=sessions.get(job, ""),
            duration_s=duration, credits=sum(credits) if credits else None,
            clips=tuple(clips.get(job, {})[i] for i in sorted(clips.get(job, {})))))
    return reports


def _step(r: dict[str, Any], index: int, duration: float | None) -> StepReport:
    kind = str(r.get("kind") or "")
    if kind == "upload":
        sent = ", ".join(str(f) for f in r.get("files") or [])
    elif kind == "export":
        sent = str(r.get("dest") or r.get("dest_name") or "")
    else:
        sent = str(r.get("sent") or "")
    patch = tuple(op for op in r.get("patch") or [] if isinstance(op, dict))
    return StepReport(index=index, label=str(r.get("label") or f"step {index}"),
                      where=str(r.get("where") or ""), kind=kind, sent=sent,
                      reply=str(r.get("text") or ""), no_text=bool(r.get("no_text")),
                      summary=str(r.get("summary") or ""), patch=patch,
                      duration_s=None if duration is None else round(max(duration, 0.0), 3),
                      credits=_int(r.get("credits")))


def _estimate_credits(jobs: list[JobReport], runs: list[RunInfo]) -> list[JobReport]:
    """Credits from the recipe's plan for jobs whose journal records none (the mock's accounting)."""
    from ..recipe import estimate, load_plan

    plans: dict[str, dict[str, int]] = {}
    hashes = {r.recipe: r.recipe_hash for r in runs}
    out = []
    for job in jobs:
        if job.credits is not None or not job.recipe:
            out.append(job)
            continue
        if job.recipe not in plans:
            plans[job.recipe] = {}
            try:
                plan = load_plan(Path(job.recipe))
            except (RunnerError, OSError):
                plan = None
            if plan is not None and plan.recipe_hash == hashes.get(job.recipe):
                plans[job.recipe] = {j.id: estimate(j).credits for j in plan.jobs}
        credits = plans[job.recipe].get(job.job)
        out.append(job if credits is None else
                   JobReport(**{**job.__dict__, "credits": credits, "credits_estimated": True}))
    return out


def _read_summary(run_dir: Path) -> dict[str, Any] | None:
    try:
        data = json.loads((run_dir / SUMMARY).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None  # an interrupted run has no summary yet: the journal alone tells what happened
    return data if isinstance(data, dict) else None


def _secrets(extra: Iterable[str]) -> list[str]:
    values = {*extra, os.environ.get("NEMO_TOKEN", "")}
    return sorted({s for s in values if s and len(s) >= 4}, key=len, reverse=True)


def _recipe_name(run_id: str, recipe: str) -> str:  # a journal older than the header's "name"
    return Path(recipe).stem if recipe else run_id


def journaled_path(path: Path, out_dir: str) -> Path:
    """An output path as journaled (relative to where ``motionctl run`` started) made absolute.

    The header keeps ``--out`` absolute (``out_dir``); the relative path starts with that folder's last
    parts, which gives the folder the run started in, so the clips are found from anywhere.
    """
    if path.is_absolute():
        return path
    parts = Path(out_dir).parts if out_dir and Path(out_dir).is_absolute() else ()
    for k in range(len(parts) - 1, 0, -1):
        if path.parts[:k] == parts[-k:]:
            return Path(*parts[:-k]) / path
    return Path.cwd() / path


def _index_of(where: str, steps: list[StepReport]) -> int:
    # The failed action never got a step record; it came right after the last one that did.
    return steps[-1].index + 1 if steps else 1


def _label_of(where: str) -> str:
    return where.rpartition(", ")[2] if ", " in where else where


def _float(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _int(value: Any) -> int | None:
    return int(value) if isinstance(value, int) and not isinstance(value, bool) else None
