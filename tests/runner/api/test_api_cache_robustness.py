"""A damaged credentials cache is replaced, an unwritable one is one warning: never a failed command.

Each case is a file a user could really end up with (a hand edit, a disk that filled, a sync tool, a
mistaken mkdir); the check is what the user sees: the command works, the file is whole afterwards.
"""

from __future__ import annotations

import errno
import json
import logging
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import respx

from motionctl.runner.api import ClientConfig, NemoClient
from motionctl.runner.api.auth import Credentials, CredentialStore, parse_expiry
from motionctl.runner.cli import main
from tests.contract import ContractChecker
from tests.runner.api.helpers import BASE, TOKEN, ok

pytestmark = pytest.mark.anyio

BALANCE = ok({"available": 1, "frozen": 0, "total": 1})
CREDITS = "/api/credits/balance/simple"


def _entry(**fields: object) -> str:
    return json.dumps({"version": 1, "apis": {BASE: {"client_id": "cid-1", "token": "nmv_usr_SECRET_old",
                                                     **fields}}})


DAMAGED = {
    "expiry 1e300": _entry(expires_at=1e300),
    "expiry -1e300": _entry(expires_at=-1e300),
    "expiry NaN": _entry().replace('"token"', '"expires_at": NaN, "token"'),
    "expiry Infinity": _entry().replace('"token"', '"expires_at": Infinity, "token"'),
    "expiry year 1": _entry(expires_at="0001-01-01T00:00:00+00:00"),
    "expiry a dict": _entry(expires_at={"at": 1}),
    "token a number": _entry(token=12345, expires_at="2099-01-01T00:00:00Z"),
    "client id a list": json.dumps({"apis": {BASE: {"client_id": ["x"], "token": "t"}}}),
    "entry a string": json.dumps({"apis": {BASE: "nmv_usr_SECRET_old"}}),
    "apis a list": json.dumps({"apis": [1, 2]}),
    "top level a list": "[1, 2, 3]",
    "invalid JSON": "{not json",
    "cut off": _entry(expires_at="2099-01-01T00:00:00Z")[:40],
    "deeply nested": "[" * 100_000 + "]" * 100_000,
    "empty": "",
}


@pytest.mark.parametrize("content", DAMAGED.values(), ids=DAMAGED.keys())
async def test_a_damaged_cache_is_replaced_and_the_command_works(
    content: str, client: NemoClient, api: respx.MockRouter, config: ClientConfig
) -> None:
    config.config_dir.mkdir(parents=True)
    path = config.config_dir / "credentials.json"
    path.write_text(content)
    route = api.get(CREDITS).mock(return_value=BALANCE)
    assert (await client.credits()).available == 1
    assert route.calls.last.request.headers["Authorization"] == f"Bearer {TOKEN}"  # a fresh, good token
    entry = json.loads(path.read_text())["apis"][BASE]
    assert entry["token"] == TOKEN and entry["expires_at"] == "2099-01-01T00:00:00+00:00"
    cached = CredentialStore(config.config_dir).load(BASE)
    assert cached is not None and cached.usable(datetime.now(UTC))


async def test_bad_utf8_is_replaced(client: NemoClient, api: respx.MockRouter, config: ClientConfig) -> None:
    config.config_dir.mkdir(parents=True)
    path = config.config_dir / "credentials.json"
    path.write_bytes(b'{"apis": {"\xff\xfe": 1}}')
    api.get(CREDITS).mock(return_value=BALANCE)
    await client.credits()
    assert json.loads(path.read_text())["apis"][BASE]["token"] == TOKEN


async def test_an_empty_directory_where_the_file_belongs_is_replaced(
    client: NemoClient, api: respx.MockRouter, config: ClientConfig, caplog: pytest.LogCaptureFixture
) -> None:
    path = config.config_dir / "credentials.json"
    path.mkdir(parents=True)
    api.get(CREDITS).mock(return_value=BALANCE)
    await client.credits()
    assert path.is_file() and json.loads(path.read_text())["apis"][BASE]["token"] == TOKEN
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


async def test_a_directory_with_contents_stays_and_the_run_goes_on_in_memory(
    client: NemoClient, api: respx.MockRouter, config: ClientConfig, caplog: pytest.LogCaptureFixture
) -> None:
    path = config.config_dir / "credentials.json"
    path.mkdir(parents=True)
    (path / "someone's.txt").write_text("keep me")
    api.get(CREDITS).mock(return_value=BALANCE)
    await client.credits()
    assert (path / "someone's.txt").read_text() == "keep me"
    assert _warnings(caplog) == [f"motionctl: warning: cannot write the credentials cache {path} (Is a "
                                 "directory); the token is kept in memory for this run only (fix the folder, "
                                 "or set NEMO_TOKEN)"]


def _warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]


async def test_config_dir_is_a_file_one_warning_and_the_token_is_kept_in_memory(
    config: ClientConfig, api: respx.MockRouter, checker: ContractChecker, caplog: pytest.LogCaptureFixture
) -> None:
    config.config_dir.parent.mkdir(parents=True, exist_ok=True)
    config.config_dir.write_text("not a folder")
    route = api.get(CREDITS).mock(return_value=BALANCE)
    async with NemoClient(config, event_hooks=checker.event_hooks()) as client:
        for _ in range(3):
            await client.credits()
    assert api["token"].call_count == 1 and route.call_count == 3  # one token, held in memory
    warnings = _warnings(caplog)
    assert len(warnings) == 1 and "cannot write the credentials cache" in warnings[0]
    assert "\n" not in warnings[0] and TOKEN not in warnings[0]
    assert config.config_dir.read_text() == "not a folder"


async def test_a_read_only_or_immutable_cache_is_one_warning(
    config: ClientConfig, api: respx.MockRouter, checker: ContractChecker, caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Root ignores chmod and chattr needs privileges, so the file system's refusal is simulated at os.open.
    real_open = os.open

    def refusing_open(path: str | os.PathLike[str], flags: int, *args: int) -> int:
        if "credentials" in str(path) and flags & os.O_CREAT:
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(path))
        return real_open(path, flags, *args)

    monkeypatch.setattr(os, "open", refusing_open)
    api.get(CREDITS).mock(return_value=BALANCE)
    async with NemoClient(config, event_hooks=checker.event_hooks()) as client:
        await client.credits()
        await client.credits()
    assert api["token"].call_count == 1
    assert [w.split(" (")[1].split(")")[0] for w in _warnings(caplog)] == ["Read-only file system"]


def test_the_cli_works_with_a_damaged_cache_and_repairs_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # The case: `expires_at: 1e300` made every command an OverflowError, for ever.
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("NEMO_TOKEN", raising=False)
    path = tmp_path / "xdg" / "motionctl" / "credentials.json"
    path.parent.mkdir(parents=True)
    path.write_text(_entry(expires_at=1e300))
    assert main(["credits", "--base-url", BASE]) == 2  # nothing usable cached: said so, no traceback
    err = capsys.readouterr().err
    assert "nothing to ask" in err and "OverflowError" not in err and "internal error" not in err
    good = Credentials("cid-1", TOKEN, datetime.now(UTC) + timedelta(days=1))
    CredentialStore(path.parent).save(BASE, good)  # what the next run's fresh token does
    with respx.mock(base_url=BASE) as router:
        router.get(CREDITS).mock(return_value=BALANCE)
        assert main(["credits", "--base-url", BASE]) == 0


@pytest.mark.parametrize("value", [1e300, -1e300, float("inf"), float("nan"), 10**400, "9999-99-99", True],
                         ids=["1e300", "-1e300", "inf", "nan", "10**400", "bad date", "bool"])
def test_parse_expiry_never_raises(value: object) -> None:
    assert parse_expiry(value) is None
