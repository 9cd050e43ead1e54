"""Fixtures for the API client's tests: a respx router for a fake API host, a contract checker on every
request and response, a fake clock whose sleep only advances time, and a client wired to all three."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
import respx

from runner.api import ClientConfig, NemoClient
from tests.contract import ContractChecker

BASE = "https://api.test"
TOKEN = "nmv_usr_SECRET_anon_0123456789"
USER_TOKEN = "nmv_usr_SECRET_user_9876543210"


def ok(data: object) -> httpx.Response:
    return httpx.Response(200, json={"code": 0, "message": "success", "data": data})


def fail(code: int, message: str = "error", status: int = 200, **headers: str) -> httpx.Response:
    return httpx.Response(status, json={"code": code, "message": message, "data": None}, headers=headers)


def token_answer(token: str = TOKEN, expires_at: str = "2099-01-01T00:00:00Z") -> httpx.Response:
    return ok({"token": token, "user_id": "anon_abc123", "expires_at": expires_at, "credits": 100})


def sparse_file(path: Path, head: bytes, size: int) -> Path:
    """A file of ``size`` bytes that starts with ``head`` and costs no disk (a hole after the head)."""
    with open(path, "wb") as handle:
        handle.write(head)
        handle.truncate(size)
    return path


def files_holding(folder: Path, *secrets: str) -> list[str]:
    """Names of the files under ``folder`` that contain any of ``secrets``."""
    found = []
    for path in sorted(folder.rglob("*")):
        if path.is_file() and any(s.encode() in path.read_bytes() for s in secrets):
            found.append(path.name)
    return found


@dataclass
class FakeClock:
    """A monotonic clock that only moves when the client sleeps; records every wait."""

    now: float = 0.0
    sleeps: list[float] = field(default_factory=list)

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def checker() -> Iterator[ContractChecker]:
    checker = ContractChecker(only_host="api.test")
    yield checker
    assert not checker.violations, checker.violations


@pytest.fixture
def api() -> Iterator[respx.MockRouter]:
    with respx.mock(base_url=BASE, assert_all_called=False) as router:
        router.post("/api/auth/anonymous-token", name="token").mock(return_value=token_answer())
        yield router


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
    caplog.set_level(logging.DEBUG, logger="runner")
    caplog.set_level(logging.DEBUG, logger="httpx")
