"""``motionctl report RUN_DIR...``: JUnit, JSON and HTML reports from finished runs' journals.

Several run directories (the shards of one campaign, a run and its re-run) merge into one summary and one
set of reports. Without any ``--junit/--json/--html`` it prints the summary only.
"""

from __future__ import annotations

from pathlib import Path

import click

from ..errors import ExecutionError
from ..reporting.text import counted


def register(cli: click.Group) -> None:
    cli.add_command(report)


@click.command("report")
@click.argument("run_dirs", nargs=-1, required=True, metavar="RUN_DIR...",
                type=click.Path(path_type=Path, file_okay=False, exists=True))
@click.option("--junit", "junit", type=click.Path(path_type=Path, dir_okay=False), metavar="FILE",
              help="Write JUnit XML: one testsuite per recipe, one testcase per job.")
@click.option("--json", "json_path", type=click.Path(path_type=Path, dir_okay=False), metavar="FILE",
              help="Write the JSON report (specs/report.schema.json).")
@click.option("--html", "html_dir", type=click.Path(path_type=Path, file_okay=False), metavar="DIR",
              help="Write DIR/index.html (contact sheets, clips, steps, failures first) and DIR/clips/.")
@click.option("--fail/--no-fail", "fail", default=True, show_default=True,
              help="Exit 1 when a merged job failed or a golden differed.")
@click.option("--keep-urls", is_flag=True,
              help="Keep CDN and other capability links whole (by default they are redacted: reports are "
                   "shared as CI artifacts, and such a link opens the file for anyone).")
def report(run_dirs: tuple[Path, ...], junit: Path | None, json_path: Path | None, html_dir: Path | None,
           fail: bool, keep_urls: bool) -> None:
    """Build reports from RUN_DIR (one or more runs/<id>, merged into one summary)."""
    from ..reporting.reports import ReportTargets, write_reports

    result, written = write_reports(list(run_dirs), ReportTargets(junit=junit, json=json_path, html=html_dir),
                                    keep_urls=keep_urls)
    c = result.counts()
    parts = [f"{c['passed']}/{c['total']} jobs passed"]
    parts += [f"{c[k]} {k.replace('_', ' ')}" for k in ("failed", "skipped", "not_run") if c[k]]
    click.echo(f"{counted(len(result.runs), 'run')}: {', '.join(parts)}", err=True)
    for job in result.failures_first():
        if job.status != "failed":
            break
        at = f" at {job.where}" if job.where else ""
        click.echo(f"  job {job.job} failed{at}: {job.error.partition(chr(10))[0]}", err=True)
    for note in result.notes:
        click.echo(f"  note: {note}", err=True)
    for path in written:
        click.echo(str(path / "index.html" if path.is_dir() else path))
    if fail and not result.ok:
        raise ExecutionError(f"{c['failed']} of {c['total']} jobs failed" if c["failed"]
                             else "a golden file differs or is missing")
