"""Write the reports asked for (JUnit, JSON, HTML) from run directories.

One entry point for ``motionctl run --report-…``, ``motionctl report`` and the pytest plugin.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from .runs import Report, load_report


@dataclass(frozen=True)
class ReportTargets:
    """Where to write each report; ``None`` leaves that one out."""

    junit: Path | None = None
    json: Path | None = None
    html: Path | None = None

    def __bool__(self) -> bool:
        return any((self.junit, self.json, self.html))


def write_reports(run_dirs: Sequence[Path], targets: ReportTargets, *, secrets: Iterable[str] = (),
                  golden_diffs: Mapping[str, str] | None = None,
                  golden_paths: Mapping[str, str] | None = None,
                  keep_urls: bool = False) -> tuple[Report, list[Path]]:
    """Read ``run_dirs`` (merged) and write every report in ``targets``; returns the report and the files.

    Args:
        golden_diffs: run id → the golden diff that run found (the journal does not keep it).
        golden_paths: run id → the golden file a diff is against, for runs whose summary has no golden
            outcome (the pytest plugin compares per job, outside ``run_recipe``).
        keep_urls: keep links whole (``--keep-urls``); by default their capability parts are redacted.

    Raises:
        UsageError: a path is not a run directory.
    """
    report = load_report(run_dirs, secrets=secrets, keep_urls=keep_urls)
    if golden_diffs:
        runs = []
        for r in report.runs:
            diff = golden_diffs.get(r.run_id)
            if diff is not None:
                golden = r.golden or {"path": (golden_paths or {}).get(r.run_id, ""), "outcome": "differs"}
                r = replace(r, golden=golden, golden_diff=diff)
            runs.append(r)
        report = replace(report, runs=tuple(runs))
    written: list[Path] = []
    if targets.junit is not None:
        from .junit import write_junit

        written.append(write_junit(report, targets.junit))
    if targets.json is not None:
        from .json_report import write_json

        written.append(write_json(report, targets.json))
    if targets.html is not None:
        from .html import write_html

        written.append(write_html(report, targets.html))
    return report, written
