"""``nemo_mock``: the bundled mock as a pytest fixture, for people testing their own Nemo integration.

One mock is started per test session (per xdist worker) on 127.0.0.1 and reset before every test, so
tests stay independent without paying for a server each::

    def test_my_client_retries_a_500(nemo_mock):
        nemo_mock.faults({"faults": [{"route": "GET /api/credits/*", "times": 1,
                                      "respond": {"status": 500}}]})
        ...
        assert [r["status"] for r in nemo_mock.requests] == [500, 200]
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import yaml

from ..errors import UsageError

# The API refuses a call without these (specs/SOURCES.md: missing ones "cause auth failures").
ATTRIBUTION = {"X-Skill-Source": "nemo-mock-fixture", "X-Skill-Version": "1", "X-Skill-Platform": "unknown"}


def admin_headers(running: Any) -> dict[str, str]:
    """The headers ``/__mock/*`` routes need: the admin key the running mock holds, when it has one.

    Read from what the mock exposes (``RunningMock.admin_key``, the header name in ``mock_server.admin``)
    so the fixture follows the mock's own launcher; a mock without admin keys needs no header.
    """
    key = getattr(running, "admin_key", None)
    if not key:
        return {}
    try:
        from ...mock_server.admin import ADMIN_HEADER  # type: ignore[import-not-found, unused-ignore]
    except ImportError:
        ADMIN_HEADER = "X-Mock-Admin-Key"  # the mock's documented header
    return {str(ADMIN_HEADER): str(key)}


@dataclass
class NemoMock:
    """A running mock: where it is, a token for it, and its admin routes as methods."""

    base_url: str
    running: Any = field(repr=False)
    client_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    _http: httpx.Client = field(init=False, repr=False)
    _token: str = field(default="", init=False, repr=False)

    def __post_init__(self) -> None:
        self._http = httpx.Client(base_url=self.base_url, timeout=10.0, headers=admin_headers(self.running))

    @property
    def token(self) -> str:
        """An anonymous token of this mock, made on first use (and again after ``reset``)."""
        if not self._token:
            self._token = self.new_token()
        return self._token

    @property
    def headers(self) -> dict[str, str]:
        """``Authorization`` with this fixture's token and the attribution headers the API requires on
        every call, for calls a test makes by hand."""
        return {"Authorization": f"Bearer {self.token}", **ATTRIBUTION}

    def new_token(self) -> str:
        """A fresh anonymous token (100 credits unless the mock is configured otherwise).

        Issued by the mock's store directly, not over HTTP, so ``requests`` holds only the calls the code
        under test made.
        """
        account = self.running.app.state.store.anonymous_token(self.client_id, "127.0.0.1")
        return str(account.token)

    def faults(self, plan: Mapping[str, Any] | str | Path | None) -> None:
        """Install a fault plan (specs/faults.schema.json): a dict, or a YAML/JSON file; ``None`` clears it.

        Raises:
            UsageError: the mock rejected the plan (the message says which field).
        """
        if isinstance(plan, str | Path):
            plan = yaml.safe_load(Path(plan).read_text(encoding="utf-8"))
        reply = self._http.post("/__mock/faults", content=json.dumps(plan or {}),
                                headers={"Content-Type": "application/json"})
        if reply.status_code != 200:
            raise UsageError(f"fault plan refused: {reply.json().get('error', reply.text)}",
                             hint="see specs/faults.schema.json")

    @property
    def requests(self) -> list[dict[str, Any]]:
        """The request log since the last reset: method, path, query, masked headers, status, fault."""
        reply = self._http.get("/__mock/requests")
        reply.raise_for_status()
        return list(reply.json()["requests"])

    def state(self, session_id: str) -> dict[str, Any]:
        """The session's state, as ``GET /api/state/.../latest`` would return it to its owner.

        Raises:
            KeyError: no such session.
        """
        session = self.running.app.state.store.sessions.get(str(session_id))
        if session is None:
            raise KeyError(f"the mock has no session {session_id}")
        # Copied through JSON: the caller gets plain data, never the store's live objects.
        data: dict[str, Any] = json.loads(json.dumps(session.state()))
        return data

    def reset(self) -> None:
        """Forget every account, session and upload, clear the fault plan and the log; a new token."""
        self.faults(None)
        self._http.post("/__mock/reset").raise_for_status()
        self._token = ""

    def close(self) -> None:
        self._http.close()


def serve_mock(config: Any = None) -> Iterator[NemoMock]:
    """Start a mock with ``config`` (a ``MockConfig``), yield it as a ``NemoMock``, stop it afterwards."""
    from ...mock_server import MockConfig, serve_in_thread

    with serve_in_thread(config or MockConfig()) as running:
        mock = NemoMock(running.url, running)
        try:
            yield mock
        finally:
            mock.close()
