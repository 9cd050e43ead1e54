"""``motionctl run``: parse options, call ``run_recipe``, print outputs and golden results.

Progress goes to stderr (rich on a terminal, plain lines otherwise); the output paths and golden results go
to stdout, so ``motionctl run recipe.yaml | xargs open`` works. Failures become exceptions that the CLI's
one handler turns into exit codes: 1 for a failed job, expectation or check, 2 for bad input. SIGTERM (a
CI system cancelling the job, Kubernetes stopping the pod) ends a run as Ctrl-C does: journaled, renders
stopped, exit 130 with the command that resumes it.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sys
from collections.abc import Iterator
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

import click

from ...units import format_size
from ..actions import DEFAULT_OUT_DIR
from ..errors import ExecutionError, GoldenMismatch, UsageError
from ..recipe.select import selection
from ..reporting import Verbosity, console_reporter
from .recipe_commands import allow_path_option, job_option, shard_option

if TYPE_CHECKING:  # the engine, client and reporters load when a run starts, not for `motionctl --help`
    from ..run import RunResult


def register(cli: click.Group) -> None:
    cli.add_command(run)


@contextlib.contextmanager
def _sigterm_as_ctrl_c() -> Iterator[None]:
    def on_sigterm(signum: int, frame: FrameType | None) -> None:
        # Whatever Ctrl-C would do now: asyncio's handler (cancel the run's task, then KeyboardInterrupt)
        # while the run is in its event loop, Python's default (KeyboardInterrupt) outside it. A shell's
        # background job ignores SIGINT; SIGTERM must still stop it.
        handler = signal.getsignal(signal.SIGINT)
        if not callable(handler):
            raise KeyboardInterrupt
        handler(signal.SIGINT, frame)

    previous = signal.signal(signal.SIGTERM, on_sigterm)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _duration(ctx: click.Context, param: click.Parameter, value: str | None) -> float | None:
    """``--max-wait 10m`` → 600.0 seconds (the parsing lives with the client's waits)."""
    if value is None:
        return None
    from ..api.waits import parse_duration

    try:
        return parse_duration(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


@click.command("run")
@click.argument("recipes", nargs=-1, required=True, metavar="RECIPE...",
                type=click.Path(path_type=Path, dir_okay=False))
@click.option("--backend", type=click.Choice(["mock", "live"]), default=None,
              help="mock (default): the embedded offline mock (unless --base-url); live: the Nemo API. "
                   "--resume uses the run's own.")
@click.option("--base-url", metavar="URL", help="Talk to this server instead (a mock you started, staging).")
@click.option("--out", "out_dir", type=click.Path(path_type=Path, file_okay=False), default=DEFAULT_OUT_DIR,
              show_default=True, help="Root of the recipe's export paths (a resumed run keeps its own).")
@click.option("--runs-dir", type=click.Path(path_type=Path, file_okay=False), default=Path("runs"),
              show_default=True, help="Where run directories (journal, states, summary) are made.")
@click.option("--concurrency", type=click.IntRange(min=1), default=None,
              help="Jobs at once [default: 4; on the embedded mock 4 per CPU, so renders never wait].")
@click.option("--rate", type=click.FloatRange(min=0.1), default=None,
              help="At most this many API calls per second over all jobs.")
@click.option("--check", is_flag=True, help="Exit 1 if the step diffs differ from <recipe>.golden.yaml.")
@click.option("--update", is_flag=True, help="Write <recipe>.golden.yaml from this run.")
@click.option("--resume", "resume", type=click.Path(path_type=Path, file_okay=False, exists=True),
              metavar="RUN_DIR", help="Continue an interrupted run: finished jobs are skipped.")
@click.option("--preview", is_flag=True,
              help="Small, fast renders (quality low, 540p; the diffs are the same) where the full run "
                   "writes its clips: refused where they would replace a full-size one (give them an --out).")
@click.option("--fail-fast", is_flag=True,
              help="Stop the run at the first failed job; running jobs stop too (--resume continues them).")
@click.option("--max-wait", "max_wait", metavar="DURATION", default=None, callback=_duration,
              help="Longest rate-limit wait to sit through (300, 90s, 10m, 2h; default 5m); a longer "
                   "Retry-After fails at once.")
@click.option("--render-timeout", type=click.FloatRange(min=1), default=None, metavar="SECONDS",
              help="Cancel a render not finished after this long (the job fails; --resume submits it again).")
@click.option("--no-credit-check", is_flag=True,
              help="Start even when the plan's credit estimate is more than the balance.")
@click.option("--qc", "qc_level", type=click.Choice(["fast", "full", "off"]), default=None,
              help="Check each exported clip against the recipe: fast (default: every category, a fraction "
                   "of the render's cost), full (also reads the text: needs motionctl[ocr]) or off. A "
                   "resume keeps the run's unless given.")
@click.option("-q", "--quiet", is_flag=True, help="One line per job (and a summary now and then).")
@click.option("-v", "--verbose", is_flag=True, help="Also what each step sends and every render status.")
@click.option("--report-junit", type=click.Path(path_type=Path, dir_okay=False), metavar="FILE",
              help="Write a JUnit XML report (a testsuite per recipe, a testcase per job).")
@click.option("--report-json", type=click.Path(path_type=Path, dir_okay=False), metavar="FILE",
              help="Write a JSON report (specs/report.schema.json).")
@click.option("--report-html", type=click.Path(path_type=Path, file_okay=False), metavar="DIR",
              help="Write DIR/index.html: contact sheets, clips, steps and failures first.")
@click.option("--json", "as_json", is_flag=True,
              help="Print one JSON document on stdout at the end: each run's runs/<id>/summary.json.")
@click.option("--keep-urls", is_flag=True,
              help="Keep CDN and other capability links whole in the journal and reports (by default they "
                   "are redacted: anyone with such a link can open the file).")
@click.option("--record", "record", type=click.Path(path_type=Path), metavar="CASSETTE.har",
              help="Record every HTTP exchange to this HAR cassette (secrets scrubbed; binary bodies beside "
                   "it in CASSETTE.bodies/); a folder: one <recipe>.har per recipe.")
@click.option("--replay", "replay", type=click.Path(path_type=Path), metavar="CASSETTE.har",
              help="Answer every call from this cassette: no server, no network; a request it has no "
                   "recording of fails its job. A folder: <recipe>.har per recipe.")
@click.option("--max-age", "max_age", metavar="DURATION", default=None, callback=_duration,
              help="With --replay: a cassette recorded longer ago (30d, 12h) warns, or fails (--on-stale).")
@click.option("--on-stale", type=click.Choice(["warn", "fail"]), default=None,
              help="What a cassette older than --max-age does [default: fail in CI (the CI variable is "
                   "set), else warn].")
@allow_path_option
@job_option
@shard_option
def run(recipes: tuple[Path, ...], backend: str | None, base_url: str | None, out_dir: Path, runs_dir: Path,
        concurrency: int | None, rate: float | None, check: bool, update: bool, resume: Path | None,
        preview: bool, fail_fast: bool, max_wait: float | None, render_timeout: float | None,
        no_credit_check: bool, qc_level: str | None, quiet: bool, verbose: bool, report_junit: Path | None,
        report_json: Path | None, report_html: Path | None, as_json: bool, keep_urls: bool,
        record: Path | None, replay: Path | None, max_age: float | None, on_stale: str | None,
        allow_paths: tuple[Path, ...],
        job_patterns: tuple[str, ...],
        shard: str | None) -> None:
    """Run RECIPE (one or more) and write its MP4s; each step's state diff is journaled under --runs-dir."""
    from ..cassette import check_age, load
    from ..golden import recipes_among
    from ..journal import SUMMARY
    from ..recipe import load_all
    from ..reporting.reports import ReportTargets, write_reports
    from ..run import RunConfig, RunInterruptedError, run_recipe

    if check and update:
        raise UsageError("--check and --update exclude each other", hint="check first, update on purpose")
    if quiet and verbose:
        raise UsageError("-q and -v exclude each other", hint="pick one: -q a line per job, -v every detail")
    verbosity = Verbosity.QUIET if quiet else Verbosity.VERBOSE if verbose else Verbosity.NORMAL
    chosen = recipes_among(recipes)
    if resume is not None and len(chosen) > 1:
        raise UsageError("--resume continues one run", hint="pass the one recipe that run was made from")
    if len(chosen) > 1:
        # Every recipe is checked before the first runs: a typo in the last must not stop a campaign
        # half-way, after the others spent their credits, with exit 2 hiding their results.
        _, error = load_all(chosen, out_dir, preview=preview, allow_paths=allow_paths)
        if error is not None:
            raise error
    if max_age is not None and replay is None:
        raise UsageError("--max-age is about the cassette of --replay", hint="add --replay CASSETTE.har")
    if replay is not None and (backend is not None or base_url is not None):
        raise UsageError("--replay calls no server",
                         hint="drop --backend/--base-url: the cassette says where it was recorded")
    select = selection(job_patterns, shard, os.environ)
    failures: list[str] = []
    results: list[RunResult] = []
    for recipe in chosen:
        tape = _cassette_path(record or replay, recipe, len(chosen))
        replayed = None
        if replay is not None and max_age is not None:
            assert tape is not None
            replayed = load(tape)  # once: the run replays what was checked
            warning = check_age(replayed, max_age, on_stale, os.environ)  # type: ignore[arg-type]
            if warning:
                click.echo(f"motionctl: warning: {warning}", err=True)
        config = RunConfig(recipe=recipe, backend=backend,  # type: ignore[arg-type]  # click.Choice
                           base_url=base_url, out_dir=out_dir, runs_dir=runs_dir, concurrency=concurrency,
                           check=check, update=update, resume=resume, preview=preview, fail_fast=fail_fast,
                           rate=rate, max_wait=max_wait, render_timeout=render_timeout,
                           credit_check=not no_credit_check,
                           reporters=(console_reporter(sys.stderr, verbosity=verbosity),),
                           allow_paths=allow_paths, select=select, keep_urls=keep_urls,
                           record=tape if record is not None else None,
                           replay=tape if replay is not None else None, replayed=replayed,
                           qc=qc_level)  # type: ignore[arg-type]  # click.Choice
        try:
            with _sigterm_as_ctrl_c():
                result = run_recipe(config)
        except RunInterruptedError:
            # The reporter has said where the run is kept and the command that resumes it; exit as a
            # shell does on Ctrl-C, without click's Abort and the CLI's second "interrupted" line.
            raise click.exceptions.Exit(130) from None
        failures += _report(recipe, result, stdout=not as_json)
        if record is not None and tape is not None and tape.is_file():
            size, sidecars = load(tape).footprint()
            click.echo(f"cassette: {tape} ({format_size(size)} with {sidecars} sidecar file"
                       f"{'' if sidecars == 1 else 's'}); check it with `motionctl cassette verify {tape}`",
                       err=True)
        results.append(result)
    targets = ReportTargets(junit=report_junit, json=report_json, html=report_html)
    if targets:
        # Built from the run directories, as `motionctl report` builds them, so both say the same.
        diffs = {r.run_id: r.golden.diff for r in results if r.golden is not None and r.golden.diff}
        _, written = write_reports([r.run_dir for r in results], targets, golden_diffs=diffs,
                                   keep_urls=keep_urls)
        for path in written:
            click.echo(f"report: {path}", err=True)
    if as_json:
        # The summaries the runs wrote, as tools read them: outputs, each job's outcome, the golden's.
        summaries = [json.loads((r.run_dir / SUMMARY).read_text(encoding="utf-8")) for r in results]
        click.echo(json.dumps({"runs": summaries}, indent=2, ensure_ascii=False))
    if failures:
        kind = GoldenMismatch if all(f.startswith("golden") for f in failures) else ExecutionError
        raise kind("\n".join(failures))


def _cassette_path(given: Path | None, recipe: Path, recipes: int) -> Path | None:
    """The cassette of ``recipe``: ``given``, or ``given/<recipe name>.har`` when it is a folder."""
    if given is None:
        return None
    if given.is_dir() or str(given).endswith(("/", os.sep)):
        return given / f"{recipe.stem}.har"
    if recipes > 1:
        raise UsageError(f"{given}: one cassette for {recipes} recipes",
                         hint="pass a folder (--record cassettes/), which holds one <recipe>.har per recipe")
    return given


def _report(recipe: Path, result: RunResult, *, stdout: bool = True) -> list[str]:
    """Print outputs and golden results (on stdout unless ``--json`` takes it); return one line per
    failure (for the final error)."""
    for path in result.outputs if stdout else ():
        click.echo(str(path))
    ran = sum(1 for j in result.jobs if not j.skipped)
    rate = f", {ran / result.elapsed:.2g} jobs/s" if ran and result.elapsed > 0 else ""
    click.echo(f"run {result.run_id}: {len(result.jobs) - len(result.failed)}/{len(result.jobs)} jobs ok "
               f"in {result.elapsed:.1f}s{rate}; journal: {result.run_dir / 'journal.jsonl'}", err=True)
    failures = []
    for job in result.failed:
        at = f" at {job.where}" if job.where else ""
        # One line a job: the details (an expectation's draft) were shown as it failed and are journaled.
        first = (job.error or "").partition("\n")[0]
        failures.append(f"job {job.job} failed{at}: {first}")
    g = result.golden
    if g is not None:
        if g.outcome in ("created", "updated", "unchanged"):
            click.echo(f"{g.outcome}: {g.path}", err=not stdout)
        elif g.outcome == "matches":
            click.echo(f"golden matches: {g.path}", err=True)
        elif g.outcome == "missing":
            failures.append(f"golden {g.path} does not exist; create it with "
                            f"`motionctl run {recipe} --update` and commit it")
        elif g.outcome == "differs":
            click.echo(g.diff or "", nl=False)
            failures.append(f"golden {g.path} differs from this run (diff above); if the change is intended, "
                            f"run `motionctl run {recipe} --update` and commit the result")
        else:
            click.echo(f"golden not compared: a job failed ({g.path})", err=True)
    return failures
