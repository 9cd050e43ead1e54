"""Fault injection and rate limiting as pure-ASGI middleware, configured by a ``FaultPlan`` value.

The plan (specs/faults.schema.json) is parsed once into frozen values; the middleware counts calls per rule
and, when a rule fires, answers in the handler's place (status/code, Retry-After, connection reset), changes
what the handler will find (expired token, lost session, no credits, a render that fails or hangs), delays,
or tampers with the response stream (drop, stall, malformed event) or body (cut short, replaced:
body_faults.py). Handlers know nothing of it. The same middleware records every request for
``GET /__mock/requests``, with tokens masked.
"""

from __future__ import annotations

import fnmatch
import json
import logging
import math
import random
import time
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio
import jsonschema
import yaml
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .. import specs as motionctl_specs
from .body_faults import BodyFault, CorruptBody, parse_body_fault
from .envelopes import RATE_LIMITED, error_body, http_status_for
from .routes import known_routes_text, public_path, route_exists
from .store import Store

log = logging.getLogger("motionctl.mock_server")

MOCK_PREFIX = "/__mock/"
RENDER_FAULT = "render_fault"  # the request-state key a render rule sets for the submit it fires on
LOG_LIMIT = 10_000


class FaultPlanError(ValueError):
    """A fault plan that breaks specs/faults.schema.json; the message names the place."""


@dataclass(frozen=True)
class Respond:
    status: int | None = None
    code: int | None = None
    message: str | None = None
    retry_after: float | None = None
    body: Any = None
    has_body: bool = False


@dataclass(frozen=True)
class StreamFault:
    drop_after: int | None = None
    stall_after: int | None = None
    stall_seconds: float = 3600.0
    malformed_at: int | None = None


@dataclass(frozen=True)
class FaultRule:
    """One rule: which calls (route, nth/after/probability/times) and what happens."""

    method: str = "*"
    path: str = "*"
    nth: tuple[int, ...] = ()
    after: int | None = None
    probability: float | None = None
    times: int | None = None
    delay: float = 0.0
    respond: Respond | None = None
    reset: bool = False
    stream: StreamFault | None = None
    expire_token: bool = False
    lose_session: bool = False
    exhaust_credits: bool = False
    render: str | None = None
    corrupt: BodyFault | None = None

    def matches(self, method: str, path: str) -> bool:
        return self.method in ("*", method) and fnmatch.fnmatchcase(path, self.path)

    @property
    def kind(self) -> str:
        names = ("respond", "reset", "stream", "expire_token", "lose_session", "exhaust_credits", "render",
                 "corrupt")
        for name in names:
            if getattr(self, name):
                return name
        return "delay"


@dataclass(frozen=True)
class RateLimit:
    requests: int
    window: float = 1.0


@dataclass(frozen=True)
class FaultPlan:
    rules: tuple[FaultRule, ...] = ()
    rate_limit: RateLimit | None = None
    seed: int | None = None


def parse_fault_plan(data: Any) -> FaultPlan:
    """Validate ``data`` (parsed YAML/JSON) against specs/faults.schema.json and build the plan. Pure.

    Raises:
        FaultPlanError: naming the path of the first problem, e.g. ``faults/0/nth``.
    """
    if data is None:
        return FaultPlan()
    validator = jsonschema.Draft202012Validator(motionctl_specs.load("faults.schema.json"))
    err = jsonschema.exceptions.best_match(validator.iter_errors(data))
    if err is not None:
        where = "/".join(str(p) for p in err.absolute_path) or "(top level)"
        raise FaultPlanError(f"fault plan invalid at {where}: {err.message}")
    rules = []
    for index, raw in enumerate(data.get("faults", [])):
        route = str(raw.get("route", "*")).strip()
        method, _, path = route.partition(" ") if " " in route else ("*", "", route)
        if not route_exists(method.upper(), path.strip() or "*"):
            raise FaultPlanError(f"fault plan invalid at faults/{index}/route: {route!r} matches no route of "
                                 f"the mock; the routes are: {known_routes_text()}")
        nth = raw.get("nth", ())
        resp = raw.get("respond")
        stream = raw.get("stream")
        rules.append(FaultRule(
            method=method.upper(), path=path.strip() or "*",
            nth=(nth,) if isinstance(nth, int) else tuple(nth),
            after=raw.get("after"), probability=raw.get("probability"), times=raw.get("times"),
            delay=float(raw.get("delay", 0.0)),
            respond=None if resp is None else Respond(
                status=resp.get("status"), code=resp.get("code"), message=resp.get("message"),
                retry_after=resp.get("retry_after"), body=resp.get("body"), has_body="body" in resp),
            reset=bool(raw.get("reset", False)),
            stream=None if stream is None else StreamFault(
                drop_after=stream.get("drop_after"), stall_after=stream.get("stall_after"),
                stall_seconds=float(stream.get("stall_seconds", 3600.0)),
                malformed_at=stream.get("malformed_at")),
            expire_token=bool(raw.get("expire_token", False)),
            lose_session=bool(raw.get("lose_session", False)),
            exhaust_credits=bool(raw.get("exhaust_credits", False)), render=raw.get("render"),
            corrupt=parse_body_fault(raw.get("corrupt"))))
    rl = data.get("rate_limit")
    rate = None if rl is None else RateLimit(rl["requests"], float(rl.get("window", 1.0)))
    return FaultPlan(rules=tuple(rules), seed=data.get("seed"), rate_limit=rate)


def load_fault_plan(path: Path) -> FaultPlan:
    """Read a fault plan from a YAML (or JSON) file."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise FaultPlanError(f"{path}: cannot read the fault plan: {exc}") from None
    try:
        return parse_fault_plan(data)
    except FaultPlanError as exc:
        raise FaultPlanError(f"{path}: {exc}") from None


SECRET_HEADERS = frozenset({"authorization", "x-client-id", "x-mock-admin-key", "cookie"})


def mask_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """Headers safe to show: tokens and client ids (which fetch a token) are masked, keeping only the
    scheme and the public ``nmv_usr_`` prefix, so a log shows that a token was sent, never which."""
    out = {}
    for name, value in headers.items():
        if name.lower() in SECRET_HEADERS:
            scheme, _, token = value.partition(" ")
            if name.lower() == "authorization" and token:
                value = f"{scheme} {'nmv_usr_' if token.startswith('nmv_usr_') else ''}***"
            else:
                value = "***"
        out[name] = value
    return out


@dataclass
class FaultController:
    """The live plan, its counters and the request log; replaced or reset through /__mock/."""

    store: Store
    default_seed: int
    default_rate_limit: RateLimit | None
    plan: FaultPlan = field(default_factory=FaultPlan)
    counts: list[int] = field(default_factory=list)
    fired: list[int] = field(default_factory=list)
    rng: random.Random = field(default_factory=random.Random)
    windows: dict[str, tuple[int, int]] = field(default_factory=dict)
    log: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=LOG_LIMIT))  # the latest

    def set_plan(self, plan: FaultPlan) -> None:
        self.plan = plan
        self.counts = [0] * len(plan.rules)
        self.fired = [0] * len(plan.rules)
        self.rng = random.Random(self.default_seed if plan.seed is None else plan.seed)
        self.windows = {}

    def reset(self) -> None:
        self.set_plan(self.plan)
        self.log.clear()

    @property
    def rate_limit(self) -> RateLimit | None:
        return self.plan.rate_limit or self.default_rate_limit

    def firing(self, method: str, path: str) -> list[FaultRule]:
        """The rules that fire for this call (each matching rule counts the call)."""
        out = []
        for i, rule in enumerate(self.plan.rules):
            if not rule.matches(method, path):
                continue
            self.counts[i] += 1
            n = self.counts[i]
            if rule.times is not None and self.fired[i] >= rule.times:
                continue
            if rule.nth and n not in rule.nth:
                continue
            if rule.after is not None and n <= rule.after:
                continue
            if rule.probability is not None and self.rng.random() >= rule.probability:
                continue
            self.fired[i] += 1
            out.append(rule)
        return out

    def over_rate(self, key: str) -> float | None:
        """Seconds until the window ends if this call is over the limit, else ``None``."""
        limit = self.rate_limit
        if limit is None:
            return None
        now = self.store.clock.now()
        window = math.floor(now / limit.window)
        start, count = self.windows.get(key, (window, 0))
        if start != window:
            count = 0
        self.windows[key] = (window, count + 1)
        if count + 1 > limit.requests:
            return max(0.0, (window + 1) * limit.window - now)
        return None


def _json_response(status: int, body: Any, headers: Mapping[str, str] | None = None) -> list[Message]:
    raw = json.dumps(body).encode()
    hdrs = [(b"content-type", b"application/json"), (b"content-length", str(len(raw)).encode())]
    hdrs += [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    return [{"type": "http.response.start", "status": status, "headers": hdrs},
            {"type": "http.response.body", "body": raw}]


def _transport(send: Send) -> Any:
    # uvicorn's send is a bound method of its request cycle, which holds the socket transport; there is no
    # ASGI message for "drop the connection", so this is the one place the mock reaches below ASGI.
    return getattr(getattr(send, "__self__", None), "transport", None)


async def _abort(send: Send) -> None:
    transport = _transport(send)
    if transport is None:
        raise ConnectionResetError("connection reset (injected fault)")
    deadline = time.monotonic() + 1.0
    # Let the events already sent reach the client before the cut (no event to wait on: poll the buffer).
    while transport.get_write_buffer_size() and time.monotonic() < deadline:  # noqa: ASYNC110
        await anyio.sleep(0.005)
    transport.abort()
    await anyio.sleep(0.01)  # uvicorn notices the lost connection and sends nothing more


class FaultMiddleware:
    """Pure ASGI: rate limit, faults and the request log, in front of the app."""

    def __init__(self, app: ASGIApp, controller: FaultController) -> None:
        self.app = app
        self.controller = controller

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(MOCK_PREFIX):
            await self.app(scope, receive, send)
            return
        ctl = self.controller
        method, path = scope["method"], scope["path"]
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        query = scope.get("query_string", b"").decode()
        entry: dict[str, Any] = {"method": method, "path": public_path(path), "query": query,
                                 "headers": mask_headers(headers), "status": None, "fault": None,
                                 "at": ctl.store.clock.now()}
        ctl.log.append(entry)
        started = time.monotonic()

        async def logged_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                entry["status"] = message["status"]
                fired = f" (fault: {entry['fault']})" if entry["fault"] else ""
                log.info("%s %s %s %.0f ms%s", method, entry["path"], message["status"],
                         1000 * (time.monotonic() - started), fired)
            await send(message)

        lower = {k.lower(): v for k, v in headers.items()}
        client = scope.get("client") or ("?", 0)
        key = lower.get("authorization") or lower.get("x-client-id") or str(client[0])
        if (wait := ctl.over_rate(key)) is not None:
            entry["fault"] = "rate_limit"
            retry = str(max(1, math.ceil(wait)))
            body = error_body(RATE_LIMITED, f"rate limited: wait {retry}s and retry")
            for msg in _json_response(429, body, {"Retry-After": retry}):
                await logged_send(msg)
            return

        rules = ctl.firing(method, path)
        if rules:
            entry["fault"] = ",".join(r.kind for r in rules)
            for rule in rules:
                log.warning("fault fired: rule %d (%s) on %s %s", ctl.plan.rules.index(rule), rule.kind,
                            method, entry["path"])
        for rule in rules:
            if rule.delay:
                await anyio.sleep(rule.delay)
        terminal = next((r for r in rules if r.kind in ("respond", "reset")), None)
        if terminal is not None and terminal.reset:
            log.info("%s %s connection reset (fault)", method, entry["path"])
            await _abort(send)
            return
        if terminal is not None and terminal.respond is not None:
            for msg in _json_response(*self._fault_response(terminal.respond)):
                await logged_send(msg)
            return
        for rule in rules:
            self._apply_state_fault(rule, lower.get("authorization", ""))
            if rule.render:  # travels with this request only: a submit that is refused leaves nothing armed
                scope.setdefault("state", {})[RENDER_FAULT] = rule.render
        stream = next((r.stream for r in rules if r.stream is not None), None)
        out = logged_send if stream is None else _StreamTamper(logged_send, send, stream).send
        if (corrupt := next((r.corrupt for r in rules if r.corrupt is not None), None)) is not None:
            out = CorruptBody(out, corrupt).send
        await self.app(scope, receive, out)

    def _fault_response(self, r: Respond) -> tuple[int, Any, dict[str, str]]:
        code = r.code if r.code is not None else (r.status if r.status is not None else 500)
        status = r.status if r.status is not None else http_status_for(code)
        message = r.message or f"injected fault: code {code}"
        headers = {"Retry-After": f"{r.retry_after:g}"} if r.retry_after is not None else {}
        if r.has_body:
            return status, r.body, headers
        return status, error_body(code, message), headers  # Envelope A: every route's spec admits it

    def _apply_state_fault(self, rule: FaultRule, authorization: str) -> None:
        store = self.controller.store
        account = store.accounts.get(authorization.removeprefix("Bearer ").strip())
        if account is None:
            return
        if rule.expire_token:
            store.expire(account)
        if rule.lose_session:
            store.lose_sessions(account)
        if rule.exhaust_credits:
            account.available = 0


class _StreamTamper:
    """Wraps ``send`` to drop, stall or corrupt a streamed body, counting ``data:`` events."""

    def __init__(self, send: Send, raw_send: Send, fault: StreamFault) -> None:
        self._send = send
        self._raw_send = raw_send
        self.fault = fault
        self.events = 0
        self.dead = False
        self.stalled = False

    async def send(self, message: Message) -> None:
        if self.dead:
            return
        f = self.fault
        body = message.get("body", b"") if message["type"] == "http.response.body" else None
        if body and f.stall_after is not None and self.events >= f.stall_after and not self.stalled:
            self.stalled = True  # nothing more goes out, heartbeats included: the stream goes quiet
            await self._stall()
            if self.dead:
                return
        if body is None or not body.startswith(b"data:"):
            await self._send(message)
            return
        if f.drop_after is not None and self.events >= f.drop_after:
            self.dead = True
            await _abort(self._raw_send)
            return
        self.events += 1
        if f.malformed_at is not None and self.events == f.malformed_at:
            message = {**message, "body": b'data: {"content": {"parts": [{"text": "trunc\n\n'}
        await self._send(message)

    async def _stall(self) -> None:
        transport = _transport(self._raw_send)
        deadline = time.monotonic() + self.fault.stall_seconds
        while time.monotonic() < deadline:
            if transport is not None and transport.is_closing():
                self.dead = True
                return
            await anyio.sleep(0.05)
