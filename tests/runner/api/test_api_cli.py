"""``motionctl credits`` and ``motionctl state`` against respx, through the real CLI entry point."""

from __future__ import annotations

import json
import stat
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import respx

from runner.cli import main
from tests.runner.api.helpers import USER_TOKEN, check_calls, fail, ok, token_answer

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


def test_credits_prints_the_balance(
    api: respx.MockRouter, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    api.post("/api/auth/anonymous-token").mock(return_value=token_answer())
    api.get("/api/credits/balance/simple").mock(
        return_value=ok({"available": 25000, "frozen": 40, "total": 25040})
    )
    assert main(["credits", "--base-url", BASE]) == 0
    assert capsys.readouterr().out.split() == ["available", "25000", "frozen", "40", "total", "25040"]
    cache = tmp_path / "xdg" / "motionctl" / "credentials.json"  # platformdirs honours XDG_CONFIG_HOME
    assert stat.S_IMODE(cache.stat().st_mode) == 0o600


def test_state_prints_the_seed_style_track_summary(
    api: respx.MockRouter, capsys: pytest.CaptureFixture[str]
) -> None:
    api.post("/api/auth/anonymous-token").mock(return_value=token_answer())
    api.get("/api/state/nemo_agent/me/s1/latest").mock(return_value=ok(STATE))
    assert main(["state", "s1", "--base-url", BASE]) == 0
    assert capsys.readouterr().out.strip() == (
        "Timeline (3 tracks): 1. Video: city timelapse (0-10s) 2. BGM: Lo-fi (0-10s, 35%) "
        '3. Title: "Urban Dreams" (0-3s)'
    )


def test_state_json_prints_the_raw_data(
    api: respx.MockRouter, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NEMO_BASE_URL", BASE)
    api.post("/api/auth/anonymous-token").mock(return_value=token_answer())
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
    monkeypatch.setattr("runner.api.client.anyio.sleep", _no_sleep)
    assert main(["credits", "--base-url", BASE]) == 1
    assert "connection failed (ConnectError) after 3 retries" in capsys.readouterr().err


async def _no_sleep(seconds: float) -> None:
    return None
