"""``motionctl credits`` and ``motionctl state``: thin commands over ``runner.api``.

Both ask about an existing identity: the balance of *your* token, a session *your* token made. So they
never fetch a fresh anonymous token (it would show a new 100-credit account and none of your sessions, and
spend one of the IP's few new tokens); with neither NEMO_TOKEN nor a cached token for the base URL they
say what to point them at instead.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, TypeVar

import click

from ..errors import UsageError

if TYPE_CHECKING:  # the client (httpx) loads when a command talks to the API, not for `motionctl --help`
    from ..api import ClientConfig, Credits, NemoClient

T = TypeVar("T")

base_url_option = click.option(
    "--base-url",
    metavar="URL",
    default=None,
    help="API base URL (default: $NEMO_BASE_URL, else https://mega-api-prod.nemovideo.ai).",
)


def _require_identity(config: ClientConfig) -> None:
    """Refuse, exit 2, when there is no token to ask with (see the module docstring)."""
    from ..api import DEFAULT_BASE_URL
    from ..api.auth import CredentialStore

    if config.token is not None:
        return
    cached = CredentialStore(config.config_dir).load(config.base_url)
    if cached is not None and cached.usable(datetime.now(UTC)):
        return
    expired = cached is not None and cached.token and cached.expires_at is not None
    why = "its cached token has expired" if expired else "no run has cached a usable token"
    if config.base_url == DEFAULT_BASE_URL:
        where, hint = "the live API", (
            "a default run uses the embedded mock, whose sessions end with the run: pass --base-url "
            "http://127.0.0.1:8787 of a `motionctl mock serve` you ran the recipe against "
            "(`motionctl run R --base-url …`), or set NEMO_TOKEN for the live API")
    else:
        where, hint = config.base_url, (
            f"run a recipe against it first (`motionctl run R --base-url {config.base_url}`), "
            "or set NEMO_TOKEN")
    raise UsageError(f"nothing to ask: NEMO_TOKEN is not set and {why} for {where}", hint=hint)


def _run(base_url: str | None, call: Callable[[NemoClient], Awaitable[T]]) -> T:
    import anyio

    from ..api import ClientConfig, NemoClient
    from ..api.waits import human_duration

    config = ClientConfig.from_env(base_url=base_url)
    _require_identity(config)

    def on_wait(seconds: float, reason: str) -> None:  # a wait nobody sees looks like a hang
        click.echo(f"motionctl: {reason}; waiting {human_duration(seconds)}", err=True)

    async def main() -> T:
        async with NemoClient(config, on_wait=on_wait) as client:
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
    from ..api import summarize_tracks

    state = data.get("state")
    click.echo(summarize_tracks(state.get("draft") if isinstance(state, dict) else None))


def register(cli: click.Group) -> None:
    """Add ``credits`` and ``state`` to the ``motionctl`` group."""
    cli.add_command(credits_command)
    cli.add_command(state_command)
