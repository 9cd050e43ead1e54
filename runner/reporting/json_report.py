"""``--report-json FILE``: a run's (or merged runs') results as JSON, versioned by specs/report.schema.json.

The document is for tools (dashboards, bots commenting on a pull request); its shape only grows within a
``schema_version``: fields are added, never renamed or removed, and a breaking change bumps the version.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..confined import write_text
from .runs import JobReport, Report, StepReport

SCHEMA_VERSION = 1
SCHEMA_ID = "https://motionctl.dev/schemas/report.schema.json"


def to_document(report: Report) -> dict[str, Any]:
    """The report as a JSON-ready dict that validates against ``specs/report.schema.json``."""
    return {
        "$schema": SCHEMA_ID,
        "schema_version": SCHEMA_VERSION,
        "ok": report.ok,
        "counts": report.counts(),
        "runs": [{"run_id": r.run_id, "run_dir": str(r.run_dir), "recipe": r.recipe,
                  "recipe_hash": r.recipe_hash, "backend": r.backend, "started_at": r.started_at,
                  "elapsed_s": r.elapsed_s,
                  "golden": None if r.golden is None else
                  {"path": str(r.golden.get("path", "")), "outcome": str(r.golden.get("outcome", "")),
                   "diff": r.golden_diff}}
                 for r in report.runs],
        "jobs": [_job(j) for j in report.jobs],
        "notes": list(report.notes),
    }


def write_json(report: Report, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text(path, json.dumps(to_document(report), indent=2, ensure_ascii=False) + "\n")
    return path


def _job(j: JobReport) -> dict[str, Any]:
    return {"job": j.job, "recipe": j.recipe, "run_id": j.run_id, "status": j.status,
            "where": j.where or None,
            "error": j.error or None, "error_type": j.error_type or None, "session_id": j.session_id or None,
            "duration_s": j.duration_s, "credits": j.credits, "credits_estimated": j.credits_estimated,
            "outputs": [str(p) for p in j.outputs], "steps": [_step(s) for s in j.steps],
            "clip_checks": [c.as_dict() for c in j.clips]}


def _step(s: StepReport) -> dict[str, Any]:
    return {"index": s.index, "label": s.label, "where": s.where, "kind": s.kind or None, "sent": s.sent,
            "reply": s.reply, "no_text": s.no_text, "summary": s.summary, "patch": list(s.patch),
            "duration_s": s.duration_s, "credits": s.credits, "failed": s.failed, "error": s.error or None}
