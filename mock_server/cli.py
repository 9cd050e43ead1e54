"""``motionctl mock serve``: the mock Nemo server in the foreground."""

from __future__ import annotations

import errno
import json
import os
import sys
from pathlib import Path

import click


class _BadAddress(click.ClickException):
    exit_code = 2  # invalid input: the address given (or defaulted) cannot be served


def register(cli: click.Group) -> None:
    """Add the ``mock`` command group to the motionctl CLI."""
    cli.add_command(mock)


@click.group()
def mock() -> None:
    """The bundled mock Nemo API (offline, renders real MP4s)."""


@mock.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to bind; the default keeps the mock on this machine.")
@click.option("--port", default=8787, show_default=True, type=click.IntRange(0, 65535),
              help="0 picks a free port (see --ready-json and --ready-file for which).")
@click.option("--seed", default=0, show_default=True, type=int, help="Seed for every choice the mock makes.")
@click.option("--faults", "faults_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Fault plan (YAML), see specs/faults.schema.json.")
@click.option("--sse-dialect", type=click.Choice(["adk", "nemo"]), default="adk", show_default=True)
@click.option("--render-shape", type=click.Choice(["nested", "flat"]), default="nested", show_default=True)
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Where uploads and renders are kept (default: a temporary directory).")
@click.option("--credits", default=100, show_default=True, type=click.IntRange(0),
              help="Credits of a new token.")
@click.option("--work-delay", default=0.05, show_default=True, type=click.FloatRange(0),
              help="Seconds each generation or edit takes, heartbeats flowing meanwhile: fast for tests; "
                   "the service documents 10-30 s.")
@click.option("--heartbeat-interval", default=0.5, show_default=True, type=click.FloatRange(0.01))
@click.option("--tokens-per-ip", default=10, show_default=True, type=click.IntRange(0),
              help="New anonymous tokens per IP per 7 days before 429, as documented; 0 for no limit.")
@click.option("--render-workers", type=click.IntRange(1), default=None,
              help="Renders at once (each in its own process); default: the CPUs this process may use.")
@click.option("--lazy-workers", is_flag=True,
              help="Start render workers at the first render, not at start (with --render-workers 1: the "
                   "small-memory mode for test processes).")
@click.option("--lenient", is_flag=True,
              help="Take requests specs/nemo-api.yaml forbids (camelCase sessionId on /run_sse, a missing "
                   "language …) instead of refusing them.")
@click.option("--ready-json", is_flag=True,
              help='Print one JSON line {"url", "admin_key", "pid"} once listening, not the two lines.')
@click.option("--ready-file", type=click.Path(dir_okay=False, path_type=Path),
              help="Once listening, write the same JSON to this file (atomically; removed at exit).")
@click.option("--log-level", type=click.Choice(["debug", "info", "warning", "error"]), default="info",
              show_default=True, help="info: one line per request and per fired fault; warning: faults only.")
@click.option("--admin-key", envvar="MOTIONCTL_MOCK_ADMIN_KEY", show_envvar=True,
              help="Key for the /__mock/* admin routes (X-Mock-Admin-Key); default random, printed at start.")
@click.option("--temporary-issue-ratio", default=0.0, show_default=True, type=click.FloatRange(0, 1),
              help='Share of replies followed by "I encountered a temporary issue" (chosen by the seed).')
def serve(host: str, port: int, seed: int, faults_file: Path | None, sse_dialect: str, render_shape: str,
          data_dir: Path | None, credits: int, work_delay: float, heartbeat_interval: float,
          tokens_per_ip: int, render_workers: int | None, lazy_workers: bool, lenient: bool,
          ready_json: bool, ready_file: Path | None, log_level: str, admin_key: str | None,
          temporary_issue_ratio: float) -> None:
    """Serve the mock Nemo API until stopped (Ctrl-C, SIGTERM or POST /__mock/shutdown: exit 0, data
    directory removed); prints its URL and admin key."""
    from .admin import ADMIN_HEADER
    from .config import MockConfig
    from .faults import FaultPlanError, load_fault_plan
    from .server import serve_forever

    try:
        plan = load_fault_plan(faults_file) if faults_file else None
    except FaultPlanError as exc:
        raise click.BadParameter(str(exc), param_hint="--faults") from None
    if data_dir is not None:
        data_dir.mkdir(parents=True, exist_ok=True)
    config = MockConfig(seed=seed, sse_dialect=sse_dialect, render_shape=render_shape,  # type: ignore[arg-type]
                        data_dir=data_dir, faults=plan, initial_credits=credits, work_delay=work_delay,
                        heartbeat_interval=heartbeat_interval, tokens_per_ip=tokens_per_ip or None,
                        temporary_issue_ratio=temporary_issue_ratio, admin_key=admin_key or None,
                        strict=not lenient, warm_workers=not lazy_workers,
                        **({"render_workers": render_workers} if render_workers else {}))

    def ready(url: str, key: str) -> None:
        line = json.dumps({"url": url, "admin_key": key, "pid": os.getpid()})
        if ready_file is not None:
            partial = ready_file.with_name(f".{ready_file.name}.partial")
            partial.unlink(missing_ok=True)  # left by a mock that was killed while writing it
            # It holds the admin key: readable by its owner only, whatever the umask (often under /tmp).
            fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.write(line + "\n")
            partial.replace(ready_file)  # a reader sees the whole file or none
        if ready_json:
            click.echo(line)
        else:
            click.echo(f"mock Nemo API on {url}  (Ctrl-C to stop)")
            click.echo(f"admin key: {key}  (send it as {ADMIN_HEADER} to /__mock/requests, /__mock/faults, "
                       "/__mock/reset)", nl=True)
        sys.stdout.flush()

    try:
        serve_forever(config, host=host, port=port, on_ready=ready, log_level=log_level)
    except OSError as exc:
        what = "is in use" if exc.errno == errno.EADDRINUSE else f"cannot be bound ({exc.strerror or exc})"
        raise _BadAddress(f"{host}:{port} {what}; stop the other server or choose another --port "
                                   "(0 picks a free one)") from None
    finally:
        if ready_file is not None:
            ready_file.unlink(missing_ok=True)
