"""``motionctl cassette verify`` and ``motionctl drift``: thin commands over ``runner.cassette``.

Cassettes are written by ``motionctl run --record`` and read by ``motionctl run --replay``; these check them:
``verify`` that one is safe to commit (CI, pre-commit), ``drift`` that the mock still answers like it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from ..cassette import load
from ..cassette.drift import Target, bundled_mock, drift
from ..cassette.verify import verify
from ..errors import ExecutionError, UsageError


def register(cli: click.Group) -> None:
    cli.add_command(cassette)
    cli.add_command(drift_command)


@click.group("cassette")
def cassette() -> None:
    """Check cassettes recorded with `motionctl run --record`."""


@cassette.command("verify")
@click.argument("files", nargs=-1, required=True, metavar="CASSETTE.har...",
                type=click.Path(path_type=Path, dir_okay=False))
def verify_command(files: tuple[Path, ...]) -> None:
    """Exit 1 if a cassette holds anything that looks like a secret (a token, a client or user id, the secret
    part of a signed URL) or a sidecar file that does not match its hash. For CI and pre-commit hooks."""
    problems = 0
    for path in files:
        verdict = verify(path)
        for finding in verdict.findings:
            click.echo(str(finding))
        problems += len(verdict.findings)
        if verdict.ok:
            entries, sidecars = len(verdict.cassette.exchanges), len(verdict.cassette.sidecars())
            click.echo(f"{path}: no secrets found ({entries} entries, {sidecars} sidecar files checked)")
    if problems:
        raise ExecutionError(f"{problems} problem{'s' if problems != 1 else ''} found in the cassettes above",
                             hint="never commit them: record again with this motionctl (it scrubs secrets "
                                  "when it writes), or replace the values by <kind-N> placeholders")


@contextmanager
def _target(against: str | None, sse_dialect: str, render_shape: str) -> Iterator[Target]:
    if against is None:
        with bundled_mock(sse_dialect, render_shape) as target:
            yield target
        return
    if not against.startswith(("http://", "https://")):
        raise UsageError(f"--against {against!r} is not an http(s) URL", hint="e.g. http://127.0.0.1:8787")
    yield Target(against.rstrip("/"), against, token=os.environ.get("NEMO_TOKEN") or None)


@click.command("drift")
@click.argument("path", metavar="CASSETTE.har", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON, for tools.")
@click.option("--against", metavar="URL",
              help="Compare with the server at URL instead of a fresh bundled mock (NEMO_TOKEN is its token; "
                   "against the live service this spends credits).")
@click.option("--sse-dialect", type=click.Choice(["adk", "nemo"]), default="adk", show_default=True,
              help="The bundled mock's event dialect.")
@click.option("--render-shape", type=click.Choice(["nested", "flat"]), default="nested", show_default=True,
              help="The bundled mock's render status shape.")
def drift_command(path: Path, as_json: bool, against: str | None, sse_dialect: str,
                  render_shape: str) -> None:
    """Replay a cassette's requests against a fresh bundled mock and compare the answers' shapes with the
    recording's: status and envelope codes, content types, JSON fields and types, statuses, SSE event kinds,
    render status sequences. Exit 1 when a difference is at error level."""
    recorded = load(path)
    with _target(against, sse_dialect, render_shape) as target:
        report = drift(recorded, target)
    click.echo(json.dumps(report.as_json(), indent=2, ensure_ascii=False) if as_json else report.text())
    if not report.ok:
        errors = report.count("error")
        raise ExecutionError(f"{path}: {errors} error-level difference{'s' if errors != 1 else ''} with "
                             f"{report.against}")
