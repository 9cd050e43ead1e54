"""``--report-junit FILE``: JUnit XML as GitLab, GitHub Actions test reporters and Jenkins read it.

One ``<testsuite>`` per recipe (the convention those tools group by), one ``<testcase>`` per job named by
its job id with the recipe as ``classname``; a failed job is a ``<failure>`` whose message names the step
(``file:line:col, step N (kind)``) and whose text is the error. Run id and recipe hash are ``<properties>``
of the suite (a testcase's own properties are not read by every tool), and again on each case for those
that do. A golden file that differs is one more failing testcase, ``golden``, with the diff as its text.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path

from ..confined import write_text
from .runs import JobReport, Report, RunInfo


def to_xml(report: Report) -> str:
    """The report as a JUnit XML document (a ``<testsuites>`` root)."""
    by_recipe: dict[str, list[JobReport]] = defaultdict(list)
    for job in report.jobs:
        by_recipe[job.recipe].append(job)
    runs_of: dict[str, list[RunInfo]] = defaultdict(list)
    for run in report.runs:
        runs_of[run.recipe].append(run)
    root = ET.Element("testsuites", name="motionctl")
    totals = {"tests": 0, "failures": 0, "skipped": 0}
    total_time = 0.0
    for recipe in sorted(set(by_recipe) | set(runs_of)):
        jobs = by_recipe.get(recipe, [])
        runs = runs_of.get(recipe, [])
        suite = ET.SubElement(root, "testsuite", name=_suite_name(recipe, runs))
        props = ET.SubElement(suite, "properties")
        for run in runs:
            ET.SubElement(props, "property", name="run_id", value=run.run_id)
        for recipe_hash in sorted({r.recipe_hash for r in runs if r.recipe_hash}):
            ET.SubElement(props, "property", name="recipe_hash", value=recipe_hash)
        ET.SubElement(props, "property", name="recipe", value=recipe)
        tests = failures = skipped = 0
        elapsed = 0.0
        for job in jobs:
            case = ET.SubElement(suite, "testcase", name=job.job, classname=_suite_name(recipe, runs),
                                 file=recipe, time=f"{job.duration_s or 0.0:.3f}")
            cprops = ET.SubElement(case, "properties")
            ET.SubElement(cprops, "property", name="run_id", value=job.run_id)
            run_hash = next((r.recipe_hash for r in runs if r.run_id == job.run_id), "")
            if run_hash:
                ET.SubElement(cprops, "property", name="recipe_hash", value=run_hash)
            tests += 1
            elapsed += job.duration_s or 0.0
            if job.status == "failed":
                failures += 1
                first = job.error.partition("\n")[0]
                message = f"{job.where}: {first}" if job.where else first
                failure = ET.SubElement(case, "failure", message=message,
                                        type=job.error_type or "JobFailed")
                failure.text = job.error
            elif job.status in ("skipped", "not_run"):
                skipped += 1
                reason = ("finished in the run this one resumed" if job.status == "skipped"
                          else "not run (the run stopped before it)")
                ET.SubElement(case, "skipped", message=reason)
            for clip in job.clips:
                ET.SubElement(cprops, "property", name=f"clip_check:{clip.path.name}",
                              value="ok" if clip.ok else "failed")
            if job.outputs:
                lines = [str(p) for p in job.outputs]
                for clip in job.clips:  # every check with its measurement, passing ones too
                    lines += ["", clip.summary(), *(f"  {line}" for line in clip.lines())]
                ET.SubElement(case, "system-out").text = "\n".join(lines)
        for run in runs:
            outcome = (run.golden or {}).get("outcome")
            if outcome in ("differs", "missing"):
                tests += 1
                failures += 1
                case = ET.SubElement(suite, "testcase", name="golden", classname=_suite_name(recipe, runs),
                                     file=str((run.golden or {}).get("path", "")), time="0.000")
                path = (run.golden or {}).get("path", "")
                message = (f"{path} differs from this run" if outcome == "differs"
                           else f"{path} does not exist; create it with `motionctl run {recipe} --update`")
                ET.SubElement(case, "failure", message=message, type="GoldenMismatch").text = \
                    run.golden_diff or message
        suite.set("tests", str(tests))
        suite.set("failures", str(failures))
        suite.set("errors", "0")
        suite.set("skipped", str(skipped))
        suite.set("time", f"{elapsed:.3f}")
        for key, value in (("tests", tests), ("failures", failures), ("skipped", skipped)):
            totals[key] += value
        total_time += elapsed
    for key, count in totals.items():
        root.set(key, str(count))
    root.set("errors", "0")
    root.set("time", f"{total_time:.3f}")
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def write_junit(report: Report, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text(path, to_xml(report))
    return path


def _suite_name(recipe: str, runs: list[RunInfo]) -> str:
    return Path(recipe).stem if recipe else (runs[0].run_id if runs else "motionctl")
