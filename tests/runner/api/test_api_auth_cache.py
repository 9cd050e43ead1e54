"""The anonymous-token cache: mode 0600 from creation, reuse until expiry, refresh after, per base URL."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
import respx

from motionctl.runner.api import ClientConfig, NemoClient
from motionctl.runner.api.auth import Credentials, CredentialStore
from tests.contract import ContractChecker
from tests.runner.api.helpers import BASE, TOKEN, check_calls, ok, token_answer

pytestmark = pytest.mark.anyio

BALANCE = ok({"available": 1, "frozen": 0, "total": 1})


@pytest.fixture
def open_umask() -> Iterator[None]:
    # With umask 0 a file created 0666 would stay world-readable: 0600 then proves the creation mode.
    old = os.umask(0)
    yield
    os.umask(old)


def _forbid_chmod(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the cache must be created 0600, not chmod-ed afterwards")

    monkeypatch.setattr(os, "chmod", refuse)
    monkeypatch.setattr(os, "fchmod", refuse)


async def test_cache_file_is_created_0600_and_holds_client_id_token_expiry(
    client: NemoClient,
    api: respx.MockRouter,
    config: ClientConfig,
    open_umask: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _forbid_chmod(monkeypatch)
    api.get("/api/credits/balance/simple").mock(return_value=BALANCE)
    await client.credits()
    path = config.config_dir / "credentials.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    entry = json.loads(path.read_text())["apis"][BASE]
    assert entry == {"client_id": client.client_id, "token": TOKEN, "expires_at": "2099-01-01T00:00:00+00:00"}
    assert [p.name for p in path.parent.iterdir()] == ["credentials.json"]  # no temp file left


async def test_cached_token_is_reused_by_a_new_client_until_it_expires(
    config: ClientConfig, api: respx.MockRouter, checker: ContractChecker
) -> None:
    route = api.get("/api/credits/balance/simple").mock(return_value=BALANCE)
    for _ in range(3):
        async with NemoClient(config, event_hooks=checker.event_hooks()) as client:
            await client.credits()
    assert api["token"].call_count == 1
    assert {c.request.headers["Authorization"] for c in route.calls} == {f"Bearer {TOKEN}"}
    assert len({c.request.headers["X-Client-Id"] for c in api.calls}) == 1


@pytest.mark.parametrize("left", [timedelta(hours=-1), timedelta(minutes=2)], ids=["expired", "about-to"])
async def test_expired_token_is_refreshed_with_the_same_client_id(
    left: timedelta, config: ClientConfig, api: respx.MockRouter, checker: ContractChecker
) -> None:
    store = CredentialStore(config.config_dir)
    store.save(BASE, Credentials("client-1", "nmv_usr_SECRET_old", datetime.now(UTC) + left))
    api["token"].mock(return_value=token_answer("nmv_usr_SECRET_new"))
    route = api.get("/api/credits/balance/simple").mock(return_value=BALANCE)
    async with NemoClient(config, event_hooks=checker.event_hooks()) as client:
        await client.credits()
    assert api["token"].calls.last.request.headers["X-Client-Id"] == "client-1"
    assert route.calls.last.request.headers["Authorization"] == "Bearer nmv_usr_SECRET_new"
    cached = store.load(BASE)
    assert cached is not None and cached.token == "nmv_usr_SECRET_new" and cached.client_id == "client-1"


async def test_entries_are_kept_per_base_url(config: ClientConfig) -> None:
    other = "https://other.test"
    with respx.mock(assert_all_called=False) as router:
        router.post(f"{BASE}/api/auth/anonymous-token").mock(return_value=token_answer("nmv_usr_SECRET_a"))
        router.post(f"{other}/api/auth/anonymous-token").mock(return_value=token_answer("nmv_usr_SECRET_b"))
        router.get(f"{BASE}/api/credits/balance/simple").mock(return_value=BALANCE)
        router.get(f"{other}/api/credits/balance/simple").mock(return_value=BALANCE)
        async with NemoClient(config) as a, NemoClient(replace(config, base_url=other)) as b:
            await a.credits()
            await b.credits()
        assert check_calls(router, "api.test") == check_calls(router, "other.test") == 2
    apis = json.loads((config.config_dir / "credentials.json").read_text())["apis"]
    assert {k: v["token"] for k, v in apis.items()} == {BASE: "nmv_usr_SECRET_a", other: "nmv_usr_SECRET_b"}
    assert apis[BASE]["client_id"] != apis[other]["client_id"]


async def test_a_damaged_cache_is_replaced(
    client: NemoClient, api: respx.MockRouter, config: ClientConfig
) -> None:
    config.config_dir.mkdir(parents=True)
    (config.config_dir / "credentials.json").write_text("{not json")
    api.get("/api/credits/balance/simple").mock(return_value=BALANCE)
    await client.credits()
    assert json.loads((config.config_dir / "credentials.json").read_text())["apis"][BASE]["token"] == TOKEN


async def test_user_token_is_never_written_to_disk(config: ClientConfig, api: respx.MockRouter) -> None:
    user = replace(config, token="nmv_usr_SECRET_from_env")
    api.get("/api/credits/balance/simple").mock(return_value=BALANCE)
    async with NemoClient(user) as client:
        await client.credits()
    assert not api["token"].called
    for path in config.config_dir.rglob("*"):
        assert "nmv_usr_SECRET_from_env" not in path.read_text()


def test_concurrent_requests_fetch_one_token(config: ClientConfig) -> None:
    import anyio

    async def main() -> int:
        with respx.mock(base_url=BASE) as router:
            token = router.post("/api/auth/anonymous-token").mock(return_value=token_answer())
            router.get("/api/credits/balance/simple").mock(return_value=BALANCE)
            async with NemoClient(config) as client, anyio.create_task_group() as tg:
                for _ in range(5):
                    tg.start_soon(client.credits)
            return int(token.call_count)

    assert anyio.run(main) == 1
