"""The mock's admin routes (``/__mock/*``) and the one client for them that tests and benches use.

The admin key is made at start (random unless ``MockConfig.admin_key`` sets it), printed by ``motionctl
mock serve`` and carried by ``RunningMock``; every ``/__mock/*`` call must send it in ``X-Mock-Admin-Key``.
What the routes show never includes a token or a client id.

    with serve_in_thread(config) as mock:
        ...
        submits = [r for r in mock.admin.requests() if r["path"] == "/api/render/proxy/lambda"]
        mock.admin.set_faults({"faults": [{"route": "GET /api/state/*", "respond": {"status": 503}}]})
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from typing import Any

import httpx

ADMIN_HEADER = "X-Mock-Admin-Key"
ADMIN_ENV = "MOTIONCTL_MOCK_ADMIN_KEY"  # lets a script that starts `mock serve` choose the key


_STARTED: dict[str, str] = {}  # url → admin key of the mocks served in this process (serve_in_thread)


def remember(url: str, key: str) -> None:
    _STARTED[url] = key


def forget(url: str) -> None:
    _STARTED.pop(url, None)


def admin_for(url: str) -> MockAdmin:
    """The admin client of a mock this process is serving (``serve_in_thread``), known by its URL alone:
    for tests and benches that pass only ``mock.url`` around.

    Raises:
        KeyError: no mock of this process is served at ``url`` (a mock in another process prints its key).
    """
    return MockAdmin(url.rstrip("/"), _STARTED[url.rstrip("/")])


def new_admin_key() -> str:
    return f"adm_{secrets.token_urlsafe(24)}"


def key_matches(expected: str, given: str | None) -> bool:
    return given is not None and hmac.compare_digest(expected.encode(), given.encode())


@dataclass(frozen=True)
class MockAdmin:
    """A client of one mock's ``/__mock/*`` routes (synchronous httpx: fine in tests and benches)."""

    url: str
    key: str

    @property
    def headers(self) -> dict[str, str]:
        return {ADMIN_HEADER: self.key}

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        r = httpx.request(method, f"{self.url}{path}", headers=self.headers, timeout=30, **kwargs)
        r.raise_for_status()
        return r.json()

    def requests(self) -> list[dict[str, Any]]:
        """The request log, oldest first: method, path, query, status, fault, masked headers, at."""
        log: list[dict[str, Any]] = self._call("GET", "/__mock/requests")["requests"]
        return log

    def calls(self, method: str, path: str) -> list[dict[str, Any]]:
        """The logged requests with this method and exact path (``"POST", "/api/render/proxy/lambda"``)."""
        return [r for r in self.requests() if r["method"] == method and r["path"] == path]

    def set_faults(self, plan: dict[str, Any] | None) -> dict[str, Any]:
        """Replace the fault plan (``None`` clears it); returns the mock's summary of it."""
        summary: dict[str, Any] = self._call("POST", "/__mock/faults", json=plan)
        return summary

    def reset(self) -> None:
        """Forget every token, session, upload, render and logged request."""
        self._call("POST", "/__mock/reset")
