"""``motionctl qc``'s library side: find what a recipe's job asks of a clip, then check the clip.

A clip checked outside a run (a file downloaded by hand, a clip a colleague sent) is matched to its export
step by the job and, when the job exports several clips, by the file's name or ``--step``. A job with
``say:`` steps needs its run (``--run runs/<id>``): only the journal knows what the free text did; without
it those fields are reported as not checked.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .actions import Export, Job, Upload
from .errors import UsageError
from .journal import read_journal, state_file
from .qc import AskedClip, Level, Options, Verdict, check_clip, resolve


@dataclass(frozen=True)
class Target:
    """The export a clip is checked against."""

    job: Job
    index: int  # the export's action index in the job
    export: Export
    asked: AskedClip
    options: Options


def find_target(
    clip: Path,
    recipe: Path,
    *,
    job_id: str | None = None,
    step: int | None = None,
    run_dir: Path | None = None,
    preview: bool = False,
    allow_paths: Sequence[Path] = (),
) -> Target:
    """The job and export step ``clip`` came from, and what that export asks of it.

    Raises:
        RecipeError: the recipe does not load.
        UsageError: no such job or step, or a choice to make (several jobs, several exports).
    """
    from .recipe import load_plan

    header: dict[str, Any] = {}
    records: list[dict[str, Any]] = []
    if run_dir is not None:
        records = read_journal(run_dir)
        header = next((r for r in records if r.get("type") in ("run", "resume")), {})
        preview = bool((header.get("options") or {}).get("preview", preview))
    plan = load_plan(recipe, preview=preview, allow_paths=allow_paths)
    job = _job(plan.jobs, job_id, recipe)
    exports = [(i, a) for i, a in enumerate(job.actions, start=1) if isinstance(a, Export)]
    if not exports:
        raise UsageError(f"job {job.id} exports no clip", hint="add an 'export:' step to the recipe")
    index, export = _export(exports, clip, step, job.id)
    assert export.asked is not None
    asked = export.asked
    if records:
        asked = resolve(
            asked,
            _clip_fields(records, job.id),
            _draft_before(records, run_dir, job.id, index),
            _local_names(records, job),
        )
    else:
        asked = resolve(asked, None, None)
    backend = (header.get("backend_config") or {}).get("kind")
    return Target(job, index, export, asked, Options(moods=backend != "live"))


def check(clip: Path, target: Target, level: Level) -> Verdict:
    return check_clip(clip, target.asked, level, target.options)


def _job(jobs: Sequence[Job], job_id: str | None, recipe: Path) -> Job:
    if job_id is not None:
        for job in jobs:
            if job.id == job_id:
                return job
        listed = ", ".join(j.id for j in jobs[:8]) + (" …" if len(jobs) > 8 else "")
        raise UsageError(f"{recipe} has no job {job_id!r}", hint=f"its jobs: {listed}")
    if len(jobs) == 1:
        return jobs[0]
    listed = ", ".join(j.id for j in jobs[:8]) + (" …" if len(jobs) > 8 else "")
    raise UsageError(
        f"{recipe} has {len(jobs)} jobs; say which one made the clip with --job", hint=f"its jobs: {listed}"
    )


def _export(exports: list[tuple[int, Export]], clip: Path, step: int | None, job: str) -> tuple[int, Export]:
    steps = ", ".join(str(e.where.step_index) for _, e in exports)
    if step is not None:
        chosen = [(i, e) for i, e in exports if e.where.step_index == step]
        if not chosen:
            raise UsageError(f"step {step} of job {job} is not an export", hint=f"its export steps: {steps}")
        return chosen[0]
    if len(exports) == 1:
        return exports[0]
    named = [(i, e) for i, e in exports if e.dest.name == clip.name]
    if len(named) == 1:
        return named[0]
    raise UsageError(
        f"job {job} exports {len(exports)} clips; say which one this is with --step N",
        hint=f"its export steps: {steps}",
    )


def _clip_fields(records: list[dict[str, Any]], job: str) -> dict[int, tuple[str, ...]]:
    out = {}
    for r in records:
        if r.get("job") == job and r.get("type") == "step" and isinstance(r.get("clip_fields"), list):
            out[int(r["index"])] = tuple(str(f) for f in r["clip_fields"])
    return out


def _draft_before(
    records: list[dict[str, Any]], run_dir: Path | None, job: str, index: int
) -> dict[str, Any]:
    """The draft as it was when the export ran: the state the run kept after the step before it."""
    import json

    assert run_dir is not None
    done = [
        int(r["index"])
        for r in records
        if r.get("job") == job
        and r.get("type") == "step"
        and isinstance(r.get("index"), int)
        and r["index"] < index
    ]
    if not done:
        raise UsageError(f"{run_dir}: job {job} did not get as far as its export", hint="check the run id")
    try:
        state = json.loads(state_file(run_dir, job, max(done)).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise UsageError(
            f"{run_dir}: the state before the export of job {job} is not kept (states/)",
            hint="check the clip without --run; say: steps are then not checked",
        ) from None
    draft = state.get("draft") if isinstance(state, dict) else None
    return draft if isinstance(draft, dict) else {}


def _local_names(records: list[dict[str, Any]], job: Job) -> dict[str, Path]:
    names: dict[str, str] = {}
    for r in records:
        if r.get("job") == job.id and isinstance(r.get("names"), dict):
            names.update({str(k): str(v) for k, v in r["names"].items()})
    return {names.get(p.name, p.name): p for a in job.actions if isinstance(a, Upload) for p in a.paths}
