"""The mock's connections under load: read timeouts, a connection cap with a clear 503, file descriptors.

A client that opens a connection and never finishes its request (a half-open socket, a slow or stalled
client, a port scanner) used to hold a file descriptor for as long as it liked: uvicorn times out only idle
keep-alive connections. About 1,100 of them exhausted the open-file limit most systems start a process
with (1,024), and every other request then timed out. Three guards keep the mock serving:

- **read timeouts**: the request headers must arrive within ``header_timeout`` seconds of the connection
  (or of the request's first byte, on a kept-alive one), else the mock answers 408 and closes; a body that
  stops arriving for ``body_timeout`` seconds closes the connection. A request being handled, or a stream
  being written, is never timed out: the client is waiting for the mock then, not the other way round.
- **a connection cap**: past ``max_connections`` open at once, a new connection's request is answered
  503 with a message that says so, and closed, instead of taking a descriptor the app needs.
- **the open-file limit** is raised to what the system allows (the hard limit) when the mock starts, and the
  cap stays under it, with descriptors to spare for the app (data files, render workers' pipes).
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any, ClassVar

import h11
from uvicorn.protocols.http.flow_control import FlowControl
from uvicorn.protocols.http.h11_impl import H11Protocol

try:
    import resource
except ImportError:  # pragma: no cover — Windows: no rlimits to raise
    resource = None  # type: ignore[assignment]

MAX_CONNECTIONS = 10_000  # what the mock keeps open at most, whatever the system allows: memory stays bounded
SPARE_DESCRIPTORS = 256  # for the app itself: uploads and renders on disk, render workers' pipes, logs
TIMEOUT_STATUS = 408


@dataclass(frozen=True)
class Limits:
    header_timeout: float
    body_timeout: float
    max_connections: int


def raise_open_file_limit() -> int:
    """Raise this process's open-file limit to the most the system allows; returns the limit now in force."""
    if resource is None:  # pragma: no cover
        return MAX_CONNECTIONS + SPARE_DESCRIPTORS
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        soft = hard
    elif hard == resource.RLIM_INFINITY and soft != resource.RLIM_INFINITY:
        soft = max(soft, MAX_CONNECTIONS + SPARE_DESCRIPTORS)
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    return int(soft) if soft != resource.RLIM_INFINITY else MAX_CONNECTIONS + SPARE_DESCRIPTORS


def limits(header_timeout: float, body_timeout: float, max_connections: int | None) -> Limits:
    """The guards' settings, the cap chosen from the open-file limit (raised first) unless given."""
    descriptors = raise_open_file_limit()
    cap = max_connections or max(16, min(MAX_CONNECTIONS, descriptors - SPARE_DESCRIPTORS))
    return Limits(header_timeout, body_timeout, cap)


def protocol(guards: Limits) -> type[H11Protocol]:
    """uvicorn's h11 protocol with these guards (``uvicorn.Config(http=...)`` takes a class)."""
    return type("GuardedH11Protocol", (_GuardedH11,), {"guards": guards})


class _GuardedH11(H11Protocol):
    guards: ClassVar[Limits]

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self.flow = _TimedFlow(transport, self)
        self._timer: asyncio.TimerHandle | None = None
        self._request_began: float | None = self.loop.time()  # a new connection: its request is due
        self._last_read = self.loop.time()
        if len(self.connections) > self.guards.max_connections:
            # Answered once its request has arrived, so the client reads a response, not a reset.
            self.app = _too_many_connections(self.guards.max_connections)
        self._arm()

    def data_received(self, data: bytes) -> None:
        self._last_read = self.loop.time()
        if self._request_began is None and self.conn.their_state is h11.IDLE:
            self._request_began = self._last_read  # the first byte of the next request on this connection
        super().data_received(data)
        if self.conn.their_state is not h11.IDLE:
            self._request_began = None  # its headers are in
        self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _disarm(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def reading_resumed(self) -> None:
        """The app reads the body again: the client's clock starts now, not at the last byte read before
        the app stopped reading (that deadline may be long past: the connection would close at once)."""
        self._last_read = self.loop.time()
        self._arm()

    def _arm(self) -> None:
        """Time what the mock waits for now: the headers, or the next part of the body; else nothing (nor
        while the app has stopped reading a body: the client waits for the mock then; re-armed on resume)."""
        self._disarm()
        state = self.conn.their_state
        if state is h11.IDLE and self._request_began is not None:
            due = self._request_began + self.guards.header_timeout
        elif state is h11.SEND_BODY and not self.flow.read_paused:
            due = self._last_read + self.guards.body_timeout
        else:
            return
        self._timer = self.loop.call_at(due, self._expired)

    def _expired(self) -> None:
        self._timer = None
        if self.transport.is_closing():
            return
        state = self.conn.their_state
        if state is h11.IDLE and self._request_began is not None:
            message = (f"the request headers did not arrive within {self.guards.header_timeout:g} s of the "
                       "connection; send the whole request at once")
            self.transport.write(_raw_response(TIMEOUT_STATUS, "Request Timeout", message))
            self.transport.close()
        elif state is h11.SEND_BODY and not self.flow.read_paused:
            # The app is reading the body and waits for the rest: it sees the client gone (499 in the log).
            self.transport.close()
        else:  # paused by the app itself, or the request moved on meanwhile
            self._arm()


class _TimedFlow(FlowControl):
    """uvicorn's flow control that tells the guards when the app pauses or resumes reading a body."""

    def __init__(self, transport: asyncio.Transport, guarded: _GuardedH11) -> None:
        super().__init__(transport)
        self._guarded = guarded

    def pause_reading(self) -> None:
        super().pause_reading()
        self._guarded._disarm()  # the mock, not the client, holds the body up now

    def resume_reading(self) -> None:
        paused = self.read_paused
        super().resume_reading()
        if paused:
            self._guarded.reading_resumed()


def _envelope(status: int, message: str) -> bytes:
    return json.dumps({"code": status, "message": message, "data": None}).encode()


def _raw_response(status: int, reason: str, message: str) -> bytes:
    # Written below h11, which sends no response before a request has arrived whole.
    body = _envelope(status, message)
    head = (f"HTTP/1.1 {status} {reason}\r\ncontent-type: application/json\r\ncontent-length: {len(body)}\r\n"
            "connection: close\r\n\r\n")
    return head.encode() + body


def _too_many_connections(cap: int) -> Any:
    body = _envelope(503, f"the mock has {cap:,} connections open, as many as it serves at once; close idle "
                          "connections, or retry when some have finished")

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 503,
                    "headers": [(b"content-type", b"application/json"), (b"retry-after", b"1"),
                                (b"connection", b"close"), (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})

    return app
