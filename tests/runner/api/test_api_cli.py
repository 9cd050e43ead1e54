"""``motionctl credits`` and ``motionctl state`` against respx, through the real CLI entry point."""

from __future__ import annotations

import json
import stat
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
import respx

from motionctl.runner.api.auth import Credentials, CredentialStore
from motionctl.runner.cli import main
from tests.runner.api.helpers import TOKEN, USER_TOKEN, check_calls, fail, ok

BASE = "https://cli.test"
STATE = {
    "session_id": "s1",
    "task_id": "t1",
    "state": {
        "draft": {
            "t": [
                {
                    "tt": 0,
                    "sg": [{"st": 0, "d": 10000, "src": "https://cdn/x.mp4", "name": "city timelapse"}],
                },
                {"tt": 1, "sg": [{"st": 0, "d": 10000, "src": "mood:Lo-fi", "vol": 35}]},
                {"tt": 7, "sg": [{"st": 0, "d": 3000, "text": "Urban Dreams"}]},
            ]
        }
    },
}


@pytest.fixture
def api() -> Iterator[respx.MockRouter]:
    with respx.mock(base_url=BASE) as router:
        yield router
        assert check_calls(router, "cli.test") > 0  # what the CLI sent follows the spec


@pytest.fixture(autouse=True)
def _env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("NEMO_TOKEN", raising=False)
    monkeypatch.delenv("NEMO_BASE_URL", raising=False)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)


@pytest.fixture
def cached(tmp_path: Path) -> Path:
    """A token an earlier `motionctl run --base-url` left in the cache (platformdirs honours XDG)."""
    store = CredentialStore(tmp_path / "xdg" / "motionctl")
    store.save(BASE, Credentials("cid-1", TOKEN, datetime.now(UTC) + timedelta(days=3)))
    return store.path


def test_credits_prints_the_balance_of_the_cached_token(
    api: respx.MockRouter, capsys: pytest.CaptureFixture[str], cached: Path
) -> None:
    balance = api.get("/api/credits/balance/simple").mock(
        return_value=ok({"available": 25000, "frozen": 40, "total": 25040})
    )
    assert main(["credits", "--base-url", BASE]) == 0
    assert capsys.readouterr().out.split() == ["available", "25000", "frozen", "40", "total", "25040"]
    # The cached identity, not a fresh 100-credit one (respx refuses the unmocked token route).
    assert [c.request.url.path for c in api.calls] == ["/api/credits/balance/simple"]
    assert balance.calls.last.request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert stat.S_IMODE(cached.stat().st_mode) == 0o600


@pytest.mark.parametrize("command", [["credits"], ["state", "s1"]])
@pytest.mark.parametrize("base_url", [None, "http://127.0.0.1:8787"])
def test_with_no_token_to_ask_with_they_say_so_and_exit_2(
    command: list[str], base_url: str | None, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # After a default (embedded-mock) run there is no NEMO_TOKEN and nothing cached: no call is made at all
    # (respx would refuse any), and the one line names both ways out.
    with respx.mock(assert_all_mocked=True) as router:
        args = [*command, *(["--base-url", base_url] if base_url else [])]
        assert main(args) == 2
        assert router.calls.call_count == 0
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    assert "nothing to ask: NEMO_TOKEN is not set" in err[0] and "NEMO_TOKEN" in err[0]
    if base_url is None:
        assert "for the live API" in err[0] and "--base-url http://127.0.0.1:8787" in err[0]
        assert "motionctl mock serve" in err[0]
    else:
        assert f"for {base_url}" in err[0] and f"motionctl run R --base-url {base_url}" in err[0]


def test_an_expired_cached_token_is_named_as_such(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store = CredentialStore(tmp_path / "xdg" / "motionctl")
    store.save(BASE, Credentials("cid-1", TOKEN, datetime.now(UTC) - timedelta(days=1)))
    assert main(["credits", "--base-url", BASE]) == 2
    assert "its cached token has expired for https://cli.test" in capsys.readouterr().err


def test_state_prints_the_seed_style_track_summary(
    api: respx.MockRouter, capsys: pytest.CaptureFixture[str], cached: Path
) -> None:
    api.get("/api/state/nemo_agent/me/s1/latest").mock(return_value=ok(STATE))
    assert main(["state", "s1", "--base-url", BASE]) == 0
    assert capsys.readouterr().out.strip() == (
        "Timeline (3 tracks): 1. Video: city timelapse (0-10s) 2. BGM: Lo-fi (0-10s, 35%) "
        '3. Title: "Urban Dreams" (0-3s)'
    )


def test_state_json_prints_the_raw_data(
    api: respx.MockRouter, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, cached: Path
) -> None:
    monkeypatch.setenv("NEMO_BASE_URL", BASE)
    api.get("/api/state/nemo_agent/me/s1/latest").mock(return_value=ok(STATE))
    assert main(["state", "s1", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == STATE


def test_errors_are_one_line_with_exit_code_and_no_token(
    api: respx.MockRouter, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NEMO_TOKEN", USER_TOKEN)
    route = api.get("/api/state/nemo_agent/me/s1/latest").mock(return_value=fail(1001, "token expired"))
    assert main(["state", "s1", "--base-url", BASE]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("motionctl: error: GET /api/state/nemo_agent/me/s1/latest")
    assert "NEMO_TOKEN is invalid or expired" in err[0] and USER_TOKEN not in err[0]
    assert route.call_count == 1  # a user's token is never swapped for an anonymous one
    assert route.calls.last.request.headers["Authorization"] == f"Bearer {USER_TOKEN}"


def test_connection_failure_is_one_line(
    api: respx.MockRouter, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NEMO_TOKEN", USER_TOKEN)
    api.get("/api/credits/balance/simple").mock(side_effect=httpx.ConnectError("refused"))
    monkeypatch.setattr("motionctl.runner.api.client.anyio.sleep", _no_sleep)
    assert main(["credits", "--base-url", BASE]) == 1
    assert "connection failed (ConnectError) after 3 retries" in capsys.readouterr().err


async def _no_sleep(seconds: float) -> None:
    return None


def test_a_wait_is_shown_and_a_week_long_one_fails_at_once(
    api: respx.MockRouter, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, cached: Path
) -> None:
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    monkeypatch.setattr("motionctl.runner.api.client.anyio.sleep", sleep)
    route = api.get("/api/credits/balance/simple").mock(side_effect=[
        fail(429, "slow down", status=429, **{"Retry-After": "12"}),
        ok({"available": 1, "frozen": 0, "total": 1}),
        fail(429, "slow down", status=429, **{"Retry-After": "604196"})])
    assert main(["credits", "--base-url", BASE]) == 0
    assert capsys.readouterr().err == (
        "motionctl: GET /api/credits/balance/simple: rate limited (429); waiting 12 s\n")
    assert main(["credits", "--base-url", BASE]) == 1
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and "the API asks to wait 7 days (604,196 s)" in err[0]
    assert slept == [12.0] and route.call_count == 3
