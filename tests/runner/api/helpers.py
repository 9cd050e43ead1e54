"""Shared values and helpers of the API client's tests (the fixtures are in conftest.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import httpx
import respx

from tests.contract import validate_request, validate_response

BASE = "https://api.test"
TOKEN = "nmv_usr_SECRET_anon_0123456789"
USER_TOKEN = "nmv_usr_SECRET_user_9876543210"
SKILL_SOURCE = "image-to-video-motion-control"  # the value, not the client's constant


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


def check_calls(router: respx.MockRouter, host: str, *, responses: bool = True) -> int:
    """Validate every request ``router`` saw for ``host`` (and its response) against the spec.

    A second net under the event hooks: it also covers clients a test builds itself (the CLI's).
    Returns how many calls were checked.
    """
    checked = 0
    for call in router.calls:
        if call.request.url.host != host:
            continue
        validate_request(call.request)  # the headers' presence and the bearer's form, per the spec
        # ... and the one value that never varies, on every request of every test.
        assert call.request.headers["X-Skill-Source"] == SKILL_SOURCE, call.request.url
        if responses and call.optional_response is not None:
            validate_response(call.request, call.optional_response)
        checked += 1
    return checked
