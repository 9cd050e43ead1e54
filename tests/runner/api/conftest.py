"""Fixtures for the API client's tests: a respx router for a fake API host, a contract checker on every
request and response, a fake clock whose sleep only advances time, and a client wired to all three."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import respx

from motionctl.runner.api import ClientConfig, NemoClient
from tests.contract import ContractChecker
from tests.runner.api.helpers import BASE, FakeClock, check_calls, token_answer


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def checker() -> Iterator[ContractChecker]:
    checker = ContractChecker(only_host="api.test")
    yield checker
    assert not checker.violations, checker.violations


@pytest.fixture
def off_contract() -> None:
    """Request this fixture in a test whose fake server answers outside the spec on purpose."""


@pytest.fixture
def api(request: pytest.FixtureRequest) -> Iterator[respx.MockRouter]:
    with respx.mock(base_url=BASE, assert_all_called=False) as router:
        router.post("/api/auth/anonymous-token", name="token").mock(return_value=token_answer())
        yield router
        # Every call of every test, whichever client sent it, must follow specs/nemo-api.yaml.
        # (Inside the block: respx forgets its calls on exit.)
        check_calls(router, "api.test", responses="off_contract" not in request.fixturenames)


@pytest.fixture
def config(tmp_path: Path) -> ClientConfig:
    return ClientConfig(
        base_url=BASE,
        token=None,
        config_dir=tmp_path / "config",
        platform="unknown",
        skill_version="9.9.9",
        sse_total_budget=5.0,
        sse_idle_budget=0.3,
        poll_interval=10.0,
        poll_deadline=60.0,
        max_retries=3,
    )


@pytest.fixture
async def client(
    config: ClientConfig, checker: ContractChecker, clock: FakeClock, api: respx.MockRouter
) -> AsyncIterator[NemoClient]:
    async with NemoClient(config, event_hooks=checker.event_hooks(), sleep=clock.sleep, clock=clock) as c:
        yield c


@pytest.fixture(autouse=True)
def _capture_debug_logs(caplog: pytest.LogCaptureFixture) -> None:
    # Every test records the client's logs at DEBUG, so the no-token-in-logs test sees everything.
    caplog.set_level(logging.DEBUG, logger="motionctl.runner")
    caplog.set_level(logging.DEBUG, logger="httpx")
