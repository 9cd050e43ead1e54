"""Serving the mock with uvicorn: in a background thread for tests and the runner, or in the foreground."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import uvicorn
from starlette.applications import Starlette

from . import connections
from .admin import MockAdmin, forget, remember
from .app import create_app
from .clock import Clock
from .config import MockConfig


@dataclass(frozen=True)
class RunningMock:
    """A mock being served: its base URL and its app (``app.state.store`` for white-box checks)."""

    url: str
    app: Starlette

    @property
    def admin_key(self) -> str:
        key: str = self.app.state.admin_key
        return key

    @property
    def admin(self) -> MockAdmin:
        """The client of its ``/__mock/*`` routes: ``.requests()``, ``.set_faults(plan)``, ``.reset()``."""
        return MockAdmin(self.url, self.admin_key)


# An idle keep-alive connection is kept this long. uvicorn's default (5 s) equals httpx's pool expiry
# (keepalive_expiry=5 s), so under load a client reuses a connection in the instant the server closes it
# and the request dies with a ReadError (1 or 2 of 1,000 concurrent sessions). The server must outlast
# its clients' idle timeouts, as load balancers do (60 s and more).
KEEP_ALIVE_S = 75
# Connections waiting to be accepted: enough for 1,000 clients connecting at once (the kernel caps it at
# net.core.somaxconn).
BACKLOG = 4096


def _uvicorn_config(app: Starlette, host: str, port: int) -> uvicorn.Config:
    # No access log (mock_server's own logger logs requests); short graceful shutdown so a stalled stream
    # (a fault) cannot hold up the end of a test. The protocol times out half-sent requests and caps the
    # connections, and the open-file limit is raised first (mock_server/connections.py).
    config: MockConfig = app.state.store.config
    guards = connections.limits(config.header_timeout, config.body_timeout, config.max_connections)
    return uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False, lifespan="on",
                          timeout_graceful_shutdown=1, ws="none", timeout_keep_alive=KEEP_ALIVE_S,
                          backlog=BACKLOG, http=connections.protocol(guards))


class _Server(uvicorn.Server):
    """uvicorn's server, stopped at once: its loop looks at ``should_exit`` every 0.1 s, and an embedded
    mock's run waited for that tick before it could exit."""

    _wake: tuple[asyncio.AbstractEventLoop, asyncio.Event] | None = None

    async def main_loop(self) -> None:
        wake = asyncio.Event()
        self._wake = (asyncio.get_running_loop(), wake)
        counter = 0
        while not await self.on_tick(counter):
            counter = (counter + 1) % 864000
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), 0.1)

    def stop(self) -> None:
        """Stop serving; safe from any thread."""
        self.should_exit = True
        if self._wake is not None:
            loop, wake = self._wake
            with contextlib.suppress(RuntimeError):  # the loop has already closed
                loop.call_soon_threadsafe(wake.set)


@contextmanager
def serve_in_thread(config: MockConfig | None = None, *, clock: Clock | None = None,
                    host: str = "127.0.0.1", port: int = 0) -> Iterator[RunningMock]:
    """Serve a new mock on ``host`` (a free port unless ``port``) in a background thread.

    The socket is bound before the thread starts, so ``mock.url`` accepts connections as soon as the
    server is up; leaving the block stops the server and waits for the thread.

    Raises:
        RuntimeError: the server did not start within 10 s.
    """
    app = create_app(config, clock)
    sock = _bind(host, port)
    bound_port = sock.getsockname()[1]
    server = _Server(_uvicorn_config(app, host, bound_port))
    app.state.admin.stop = server.stop
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="nemo-mock", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.stop()
            sock.close()
            app.state.store.close()
            raise RuntimeError("the mock Nemo server did not start within 10 s")
        time.sleep(0.005)
    url = _url(host, bound_port)
    remember(url, app.state.admin_key)
    try:
        yield RunningMock(url=url, app=app)
    finally:
        forget(url)
        server.stop()
        thread.join(timeout=10)
        if thread.is_alive():
            server.force_exit = True
            thread.join(timeout=5)
        sock.close()
        app.state.store.close()


def _bind(host: str, port: int) -> socket.socket:
    # proto=IPPROTO_TCP matters: asyncio only sets TCP_NODELAY on accepted sockets whose proto says TCP,
    # and without it every response written in two parts waits ~40 ms for a delayed ACK (Nagle).
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    return sock


def _url(host: str, port: int) -> str:
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


class _Terminated(Exception):
    """SIGTERM, turned into an exception so the data directory is cleaned up as on Ctrl-C."""


def _on_sigterm(signum: int, frame: object) -> None:
    raise _Terminated()


def serve_forever(config: MockConfig, host: str = "127.0.0.1", port: int = 8787,
                  on_ready: Callable[[str, str], None] | None = None, log_level: str = "info") -> None:
    """Serve in the foreground until stopped (``motionctl mock serve``); SIGINT, SIGTERM and ``POST
    /__mock/shutdown`` all stop it and remove its temporary data directory.

    ``on_ready(url, admin_key)`` is called once the socket listens (so port 0 reports the real port, and
    a client may connect at once).
    ``log_level`` sets the ``mock_server`` logger (one line per request, one per fired fault) on stderr.

    Raises:
        OSError: the address cannot be bound (e.g. the port is in use); nothing is left behind.
    """
    sock = _bind(host, port)  # before the app, so a busy port leaves no data directory behind
    try:
        app = create_app(config)
    except BaseException:
        sock.close()
        raise
    bound = sock.getsockname()[1]
    _configure_logging(log_level)
    # Listening before the URL is printed: a client that connects at once waits in the backlog while the
    # app starts (its render workers, ~10 ms), instead of being refused.
    sock.listen(BACKLOG)
    if on_ready is not None:
        on_ready(_url(host, bound), app.state.admin_key)
    # uvicorn captures SIGTERM while serving and raises it again once stopped; with the default action
    # that kills the process before any ``finally`` runs, so this handler turns it into an exception.
    previous = signal.signal(signal.SIGTERM, _on_sigterm)
    server = _Server(_uvicorn_config(app, host, bound))
    app.state.admin.stop = server.stop
    try:
        server.run(sockets=[sock])
    except _Terminated:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        sock.close()
        app.state.store.close()


def _configure_logging(level: str) -> None:
    logger = logging.getLogger("motionctl.mock_server")
    logger.setLevel(level.upper())
    if not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s", "%H:%M:%S"))
        logger.addHandler(handler)
    logger.propagate = False
