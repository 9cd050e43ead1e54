"""The ``motionctl`` command line: a thin layer over the library.

Commands live in small modules beside this one and only parse options and print; every
``RunnerError`` becomes one line on stderr and its exit code here, in one place.
"""

from __future__ import annotations

import os
import sys

import click

from .._version import __version__
from ..errors import RunnerError


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="motionctl")
def cli() -> None:
    """Turn still images into motion-controlled MP4 clips from YAML recipes."""


def _register() -> None:
    # Each command module registers its commands; imported here, after the group exists, so they can use
    # the runner freely.
    from ...mock_server import cli as mock_commands
    from . import (
        api_commands,
        cassette_commands,
        explain_command,
        qc_command,
        recipe_commands,
        report_command,
        run_command,
        show_command,
    )

    for module in (api_commands, recipe_commands, run_command, explain_command, show_command, report_command,
                   qc_command, cassette_commands, mock_commands):
        module.register(cli)


_register()


def main(argv: list[str] | None = None) -> int:
    """Run the CLI and map errors to exit codes; never lets a traceback reach the user.

    A closed stdout (``motionctl … | head``) is click's own case: it exits 1 quietly.
    """
    try:
        # Without standalone mode click returns ctx.exit()'s code instead of exiting; keep it.
        returned = cli.main(args=argv, prog_name="motionctl", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("motionctl: interrupted", err=True)
        return 130
    except click.ClickException as exc:  # click's own usage errors, and `mock serve`'s: the same one line
        click.echo(f"motionctl: error: {_one_line(exc)}", err=True)
        return 2 if isinstance(exc, click.UsageError) else exc.exit_code
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except RunnerError as exc:
        for line in str(exc).splitlines() or [type(exc).__name__]:
            click.echo(f"motionctl: error: {line}", err=True)
        return exc.exit_code
    except KeyboardInterrupt:
        click.echo("motionctl: interrupted; finished work is kept in the run directory", err=True)
        return 130
    except Exception as exc:
        if os.environ.get("MOTIONCTL_DEBUG"):
            raise
        click.echo(f"motionctl: internal error: {type(exc).__name__}: {exc} (a bug: please report it; "
                   "MOTIONCTL_DEBUG=1 shows the traceback)", err=True)
        return 1
    return returned if isinstance(returned, int) else 0


def _one_line(exc: click.ClickException) -> str:
    """Click's message in motionctl's error style: lower-case, one line, with where to read more."""
    text = " ".join(exc.format_message().split()).rstrip(".")
    text = text[:1].lower() + text[1:] if text[:2] != text[:2].upper() else text
    context = exc.ctx if isinstance(exc, click.UsageError) else None
    return text + (f" (see `{context.command_path} --help`)" if context is not None else "")


def entry() -> None:
    sys.exit(main())
