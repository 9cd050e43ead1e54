"""``motionctl show runs/<id>``: what a run did, per job, read from its journal (offline)."""

from __future__ import annotations

import json
from pathlib import Path

import click


def register(cli: click.Group) -> None:
    cli.add_command(show)


@click.command("show")
@click.argument("run_dir", metavar="RUN_DIR", type=click.Path(path_type=Path, file_okay=False, exists=True))
@click.option("--json", "as_json", is_flag=True, help="The same account as JSON, for tools.")
def show(run_dir: Path, as_json: bool) -> None:
    """Show each job of a run: its session id, final state as a track summary, outputs and failures."""
    from ..reporting.history import format_run, read_run

    history = read_run(run_dir)
    if as_json:
        click.echo(json.dumps(history.as_dict(), indent=2, ensure_ascii=False))
        return
    for line in format_run(history):
        click.echo(line)
