"""``motionctl credits`` and ``motionctl state``: thin commands over ``runner.api``."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import TypeVar

import anyio
import click

from runner.api import ClientConfig, Credits, NemoClient, summarize_tracks

T = TypeVar("T")

base_url_option = click.option(
    "--base-url",
    metavar="URL",
    default=None,
    help="API base URL (default: $NEMO_BASE_URL, else https://mega-api-prod.nemovideo.ai).",
)


def _run(base_url: str | None, call: Callable[[NemoClient], Awaitable[T]]) -> T:
    config = ClientConfig.from_env(base_url=base_url)

    async def main() -> T:
        async with NemoClient(config) as client:
            return await call(client)

    return anyio.run(main)


def format_credits(credits: Credits) -> str:
    """Three aligned lines: available, frozen, total."""
    return "\n".join(f"{name:<10}{value:g}" for name, value in
                     (("available", credits.available), ("frozen", credits.frozen), ("total", credits.total)))


@click.command("credits")
@base_url_option
def credits_command(base_url: str | None) -> None:
    """Show the credit balance of the current token (NEMO_TOKEN or the cached anonymous one)."""
    credits = _run(base_url, lambda client: client.credits())
    click.echo(format_credits(credits))


@click.command("state")
@click.argument("session_id")
@click.option("--json", "as_json", is_flag=True, help="Print the raw state JSON instead of a summary.")
@base_url_option
def state_command(session_id: str, as_json: bool, base_url: str | None) -> None:
    """Show a session's timeline: a track summary, or the raw state with --json."""
    data = _run(base_url, lambda client: client.get_state(session_id))
    if as_json:
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    state = data.get("state")
    click.echo(summarize_tracks(state.get("draft") if isinstance(state, dict) else None))


def register(cli: click.Group) -> None:
    """Add ``credits`` and ``state`` to the ``motionctl`` group."""
    cli.add_command(credits_command)
    cli.add_command(state_command)
