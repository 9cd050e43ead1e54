"""Fault injection and rate limiting as pure-ASGI middleware, configured by ``FaultPlan`` values.

A plan (specs/faults.schema.json) is parsed once into frozen values. For each request the middleware asks
the plans in force (scopes.py: the mock-wide plan and the request's scope's) which rules fire, and then
answers in the handler's place (status/code, Retry-After, connection reset), changes what the handler will
find (expired token, lost session, no credits), delays, or tampers with the response stream (drop, stall,
malformed event) or body (cut short, replaced: body_faults.py). Rules that act inside a handler (a render
that fails, hangs or makes a wrong clip, an error event mid-stream, a redirected download) travel with the
request in ``request.state`` (``fired_rules``). The same middleware records every request in the request
log (request_log.py), secrets replaced.
"""

from __future__ import annotations

import fnmatch
import json
import logging
import math
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anyio
import jsonschema
import yaml
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .. import specs as motionctl_specs
from .body_faults import BodyFault, CorruptBody, parse_body_fault
from .envelopes import RATE_LIMITED, ApiFailure, error_body, http_status_for
from .request_log import BodyTap, ResponseTap, mask_headers, mask_query, mask_text, scope_name
from .routes import known_routes_text, route_exists
from .sse import is_event

if TYPE_CHECKING:
    from .scopes import Scopes

log = logging.getLogger("motionctl.mock_server")

MOCK_PREFIX = "/__mock/"
FIRED = "fired_rules"  # the request-state key holding the rules that fired on a request, for its handler
DEFAULT_STREAM_ERROR = "the agent failed while working (injected fault)"


def fired_rules(state: Any) -> tuple[FaultRule, ...]:
    """The rules that fired on the request whose ``request.state`` this is."""
    rules: tuple[FaultRule, ...] = getattr(state, FIRED, ())
    return rules


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
    """Counts the stream's events (tool calls, tool results, texts), never its heartbeats, in both
    dialects: an ADK ``: ping`` comment and a nemo ``{"type": "heartbeat"}`` alike pass uncounted."""

    drop_after: int | None = None
    stall_after: int | None = None
    stall_seconds: float = 3600.0
    malformed_at: int | None = None
    error_after: int | None = None  # handled by the /run_sse handler: the agent "raises" after N events
    error: str = DEFAULT_STREAM_ERROR


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
    redirect: bool = False
    corrupt: BodyFault | None = None
    caller: str | None = None  # only this caller's requests (its X-Mock-Scope, or its caller-N label)

    def matches(self, method: str, path: str, caller: str | None = None) -> bool:
        return self.method in ("*", method) and fnmatch.fnmatchcase(path, self.path) and \
            self.caller in (None, caller)

    @property
    def kind(self) -> str:
        names = ("respond", "reset", "stream", "expire_token", "lose_session", "exhaust_credits", "render",
                 "redirect", "corrupt")
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
                malformed_at=stream.get("malformed_at"), error_after=stream.get("error_after"),
                error=stream.get("error", DEFAULT_STREAM_ERROR)),
            expire_token=bool(raw.get("expire_token", False)),
            lose_session=bool(raw.get("lose_session", False)),
            exhaust_credits=bool(raw.get("exhaust_credits", False)), render=raw.get("render"),
            redirect=bool(raw.get("redirect", False)), corrupt=parse_body_fault(raw.get("corrupt")),
            caller=raw.get("caller")))
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
    """Pure ASGI: the request log, rate limits and faults, in front of the app."""

    def __init__(self, app: ASGIApp, scopes: Scopes) -> None:
        self.app = app
        self.scopes = scopes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(MOCK_PREFIX):
            await self.app(scope, receive, send)
            return
        store = self.scopes.store
        method, path = scope["method"], scope["path"]
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        lower = {k.lower(): v for k, v in headers.items()}
        try:
            scope_label = scope_name(lower)
        except ApiFailure as exc:
            for msg in _json_response(exc.http_status, error_body(exc.code, exc.message)):
                await send(msg)
            return
        identity = store.label_of(lower.get("authorization"), lower.get("x-client-id"))
        entry = self.scopes.log.start({
            "method": method, "path": mask_text(path), "query": mask_query(scope.get("query_string",
                                                                                     b"").decode("latin-1")),
            "headers": mask_headers(headers), "body": None, "status": None, "code": None, "fault": None,
            "scope": scope_label, "caller": scope_label or identity, "at": store.clock.now()})
        started = time.monotonic()
        body = BodyTap(lower.get("content-type", ""))
        answer = ResponseTap()

        async def tapped_receive() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                body.feed(message.get("body", b""))
                if not message.get("more_body", False):  # shown while a stream still runs
                    entry["body"] = await body.shown()
            return message

        async def logged_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                entry["status"] = message["status"]
                answer.start(message.get("headers", []))
                fired = f" (fault: {entry['fault']})" if entry["fault"] else ""
                log.info("%s %s %s %.0f ms%s", method, entry["path"], message["status"],
                         1000 * (time.monotonic() - started), fired)
            elif message["type"] == "http.response.body":
                answer.feed(message.get("body", b""))
            await send(message)

        try:
            await self._handle(scope, tapped_receive, send, logged_send, entry, lower)
        finally:
            if entry["body"] is None:  # a body the app stopped reading (past a limit): what came of it
                entry["body"] = await body.shown()
            entry["code"] = answer.code()
            if entry["caller"] is None:  # an anonymous-token call: the identity it was given
                entry["caller"] = store.label_of(lower.get("authorization"), lower.get("x-client-id"))

    async def _handle(self, scope: Scope, receive: Receive, raw_send: Send, send: Send,
                      entry: dict[str, Any], lower: Mapping[str, str]) -> None:
        method, path = scope["method"], scope["path"]
        states = self.scopes.states(entry["scope"])
        client = scope.get("client") or ("?", 0)
        key = lower.get("authorization") or lower.get("x-client-id") or str(client[0])
        now = self.scopes.store.clock.now()
        waits = [w for state in states if (w := state.over_rate(key, now)) is not None]
        if waits:
            entry["fault"] = "rate_limit"
            retry = str(max(1, math.ceil(max(waits))))
            body = error_body(RATE_LIMITED, f"rate limited: wait {retry}s and retry")
            for msg in _json_response(429, body, {"Retry-After": retry}):
                await send(msg)
            return

        rules = []
        for state in states:
            for rule in state.firing(method, path, entry["caller"]):
                rules.append(rule)
                where = f" of scope {entry['scope']}" if state is not self.scopes.mock_wide else ""
                log.warning("fault fired: rule %d%s (%s) on %s %s", state.rule_number(rule), where,
                            rule.kind, method, entry["path"])
        if rules:
            entry["fault"] = ",".join(r.kind for r in rules)
        for rule in rules:
            if rule.delay:
                await anyio.sleep(rule.delay)
        terminal = next((r for r in rules if r.kind in ("respond", "reset")), None)
        if terminal is not None and terminal.reset:
            log.info("%s %s connection reset (fault)", method, entry["path"])
            await _abort(raw_send)
            return
        if terminal is not None and terminal.respond is not None:
            for msg in _json_response(*self._fault_response(terminal.respond)):
                await send(msg)
            return
        for rule in rules:
            self._apply_state_fault(rule, lower.get("authorization", ""))
        # Travels with this request only: a submit that is refused, say, leaves nothing armed.
        scope.setdefault("state", {})[FIRED] = tuple(rules)
        stream = next((r.stream for r in rules if r.stream is not None), None)
        out = send if stream is None else _StreamTamper(send, raw_send, stream).send
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
        store = self.scopes.store
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
    """Wraps ``send`` to drop, stall or corrupt a streamed body, counting its events (``StreamFault``)."""

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
        if body is None or not is_event(body):
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
