"""The mock's admin API (``/__mock/*``): its route handlers, and the one client for them that tests and
benches use.

The admin key is made at start (random unless ``MockConfig.admin_key`` sets it), printed by ``motionctl
mock serve`` and carried by ``RunningMock``; every ``/__mock/*`` call but ``health`` must send it in
``X-Mock-Admin-Key``. A call that sends ``X-Mock-Scope`` (or ``?scope=``) acts on that scope only: its
fault plan, its log, its reset (scopes.py). What the routes show never includes a token, a client id or a
capability URL (request_log.py).

    with serve_in_thread(config) as mock:
        ...
        mock.admin.count(method="POST", path="/api/render/proxy/lambda", body={"sessionId": sid})
        mock.admin.set_faults({"faults": [{"route": "GET /api/state/*", "respond": {"status": 503}}]})
        mine = mock.admin.scoped("test-42")  # the same routes for one test's scope
"""

from __future__ import annotations

import functools
import hmac
import secrets
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import httpx
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from .bodies import parse_json, read_limited
from .envelopes import ApiFailure
from .faults import FaultPlanError, parse_fault_plan
from .request_log import CRITERIA, SCOPE_HEADER, scope_name
from .scopes import CLEARABLE

if TYPE_CHECKING:
    from .config import MockConfig
    from .scopes import Scopes

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


Handler = Callable[["AdminApi", Request], Awaitable[Response]]


def _guarded(handler: Handler) -> Handler:
    """The admin key first; a request the route cannot take (a bad scope, body or plan) is a 4xx
    ``{"error": …}`` naming what to change."""

    @functools.wraps(handler)
    async def guarded(self: AdminApi, request: Request) -> Response:
        if not key_matches(self.key, request.headers.get(ADMIN_HEADER)):
            return JSONResponse({"error": f"admin route: send the {ADMIN_HEADER} header with the key printed "
                                 "by `motionctl mock serve` (RunningMock.admin in tests)"}, status_code=401)
        try:
            return await handler(self, request)
        except ApiFailure as exc:
            return JSONResponse({"error": exc.message}, status_code=exc.http_status)
        except FaultPlanError as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)

    return guarded


class AdminApi:
    """The handlers of the ``/__mock/*`` routes over one mock's scopes (faults, counters, log, store)."""

    def __init__(self, scopes: Scopes, key: str, config: MockConfig) -> None:
        self.scopes = scopes
        self.key = key
        self.config = config
        # Set by whatever serves the app (server.py): how ``POST /__mock/shutdown`` stops it.
        self.stop: Callable[[], None] | None = None

    @staticmethod
    def _scope(request: Request) -> str | None:
        return scope_name(request.headers, request.query_params.get("scope"))

    async def _object(self, request: Request) -> dict[str, Any]:
        raw = await read_limited(request)
        body = parse_json(raw) if raw.strip() else {}
        if not isinstance(body, dict):
            raise _bad("the body must be a JSON object")
        return body

    async def health(self, request: Request) -> Response:
        """Up and answering (no key needed): for a CI script waiting on the mock."""
        return JSONResponse({"ok": True, "strict": self.config.strict, "sse_dialect": self.config.sse_dialect,
                             "render_shape": self.config.render_shape})

    @_guarded
    async def requests(self, request: Request) -> Response:
        """``GET /__mock/requests?path=/api/*&status=4xx&method=POST&caller=caller-1&code=1002&fault=respond``
        (and ``scope``, or the call's own X-Mock-Scope): the logged requests meeting every filter."""
        if unknown := sorted(set(request.query_params) - set(CRITERIA)):
            raise _bad(f"unknown filter {', '.join(unknown)}: filter by {', '.join(CRITERIA[:-1])}")
        criteria: dict[str, Any] = {**request.query_params, "scope": self._scope(request)}
        return JSONResponse({"requests": list(self.scopes.log.select(criteria))})

    @_guarded
    async def find(self, request: Request) -> Response:
        """``POST /__mock/requests/find`` with criteria as JSON (``body`` a partial JSON body): the matches,
        in the spirit of WireMock's ``/__admin/requests/find``."""
        found = list(self.scopes.log.select(await self._criteria(request)))
        return JSONResponse({"count": len(found), "requests": found})

    @_guarded
    async def count(self, request: Request) -> Response:
        """``POST /__mock/requests/count``: how many logged requests meet the criteria."""
        return JSONResponse({"count": sum(1 for _ in self.scopes.log.select(await self._criteria(request)))})

    async def _criteria(self, request: Request) -> dict[str, Any]:
        body = await self._object(request)
        if unknown := sorted(set(body) - set(CRITERIA)):
            raise _bad(f"unknown criterion {', '.join(unknown)}: match by {', '.join(CRITERIA)}")
        if "scope" not in body:
            body["scope"] = self._scope(request)
        return body

    @_guarded
    async def faults(self, request: Request) -> Response:
        """``GET`` the plan's summary; ``POST`` a plan (specs/faults.schema.json; empty clears it)."""
        scope = self._scope(request)
        if request.method == "POST":
            raw = await read_limited(request)
            self.scopes.set_plan(parse_fault_plan(parse_json(raw) if raw.strip() else None), scope)
        plan = self.scopes.plan(scope)
        return JSONResponse({"scope": scope, "rules": len(plan.rules), "rate_limit": None
                             if plan.rate_limit is None else {"requests": plan.rate_limit.requests,
                                                              "window": plan.rate_limit.window}})

    @_guarded
    async def reset(self, request: Request) -> Response:
        """Clear ``{"clear": [...]}`` of ``state``, ``faults``, ``counters``, ``log`` (all by default), for
        the call's scope or, without one, the whole mock; answers what it cleared."""
        body = await self._object(request)
        clear = body.get("clear", list(CLEARABLE))
        if not isinstance(clear, list) or not all(isinstance(c, str) for c in clear):
            raise _bad(f"clear must be a list of {', '.join(CLEARABLE)}")
        scope = self._scope(request)
        return JSONResponse({"scope": scope, "cleared": self.scopes.reset(scope, clear)})

    @_guarded
    async def shutdown(self, request: Request) -> Response:
        """Stop the server after this answer (as SIGTERM does: renders stopped, data directory removed)."""
        if self.stop is None:
            return JSONResponse({"error": "this mock is not served by motionctl's server"}, status_code=409)
        self.stop()
        return JSONResponse({"ok": True, "stopping": True})


def _bad(message: str) -> ApiFailure:
    """A call the route cannot take (400: an admin route has no X-Client-Id to confuse it with)."""
    return ApiFailure(400, message, http_status=400)


@dataclass(frozen=True)
class MockAdmin:
    """A client of one mock's ``/__mock/*`` routes (synchronous httpx: fine in tests and benches); with
    ``scope`` set, of that scope's plan, log and reset."""

    url: str
    key: str
    scope: str | None = None

    @property
    def headers(self) -> dict[str, str]:
        return {ADMIN_HEADER: self.key, **({SCOPE_HEADER: self.scope} if self.scope else {})}

    def scoped(self, scope: str) -> MockAdmin:
        """This client for one scope (send the same ``X-Mock-Scope`` on the API calls of that test)."""
        return replace(self, scope=scope)

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        r = httpx.request(method, f"{self.url}{path}", headers=self.headers, timeout=30, **kwargs)
        r.raise_for_status()
        return r.json()

    def requests(self, **filters: Any) -> list[dict[str, Any]]:
        """The request log, oldest first (``path``, ``status``, ``method``, ``caller``, ``code``, ``fault``
        filter it): method, path, query, masked headers, redacted body, status, code, fault, scope, caller."""
        params = {k: v for k, v in filters.items() if v is not None}
        log: list[dict[str, Any]] = self._call("GET", "/__mock/requests", params=params)["requests"]
        return log

    def calls(self, method: str, path: str) -> list[dict[str, Any]]:
        """The logged requests with this method and exact path (``"POST", "/api/render/proxy/lambda"``)."""
        return self.requests(method=method, path=path)

    def find(self, **criteria: Any) -> list[dict[str, Any]]:
        """The logged requests meeting every criterion (``body={"sessionId": sid}`` matches a partial
        body; see ``request_log.matches``)."""
        found: list[dict[str, Any]] = self._call("POST", "/__mock/requests/find", json=criteria)["requests"]
        return found

    def count(self, **criteria: Any) -> int:
        """How many logged requests meet every criterion."""
        return int(self._call("POST", "/__mock/requests/count", json=criteria)["count"])

    def set_faults(self, plan: Mapping[str, Any] | None) -> dict[str, Any]:
        """Replace the fault plan (``None`` clears it); returns the mock's summary of it."""
        summary: dict[str, Any] = self._call("POST", "/__mock/faults", json=plan)
        return summary

    def reset(self, *clear: str) -> list[str]:
        """Clear ``state``, ``faults``, ``counters``, ``log`` (all when none is named); returns what was."""
        cleared: list[str] = self._call("POST", "/__mock/reset", json={"clear": list(clear or CLEARABLE)})[
            "cleared"]
        return cleared
