"""Serving the mock with uvicorn: in a background thread for tests and the runner, or in the foreground."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import uvicorn
from starlette.applications import Starlette

from mock_server.app import create_app
from mock_server.clock import Clock
from mock_server.config import MockConfig


@dataclass(frozen=True)
class RunningMock:
    """A mock being served: its base URL and its app (``app.state.store`` for white-box checks)."""

    url: str
    app: Starlette


def _uvicorn_config(app: Starlette, host: str, port: int) -> uvicorn.Config:
    # No access log (requests are in /__mock/requests); short graceful shutdown so a stalled stream
    # (a fault) cannot hold up the end of a test.
    return uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False, lifespan="on",
                          timeout_graceful_shutdown=1, ws="none")


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
    server = uvicorn.Server(_uvicorn_config(app, host, bound_port))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="nemo-mock", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            sock.close()
            app.state.store.close()
            raise RuntimeError("the mock Nemo server did not start within 10 s")
        time.sleep(0.005)
    try:
        yield RunningMock(url=_url(host, bound_port), app=app)
    finally:
        server.should_exit = True
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
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    return sock


def _url(host: str, port: int) -> str:
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def serve_forever(config: MockConfig, host: str = "127.0.0.1", port: int = 8787,
                  on_ready: Callable[[str], None] | None = None) -> None:
    """Serve in the foreground until interrupted (``motionctl mock serve``).

    ``on_ready(url)`` is called once the socket is bound (so port 0 reports the real port).
    """
    app = create_app(config)
    sock = _bind(host, port)
    bound = sock.getsockname()[1]
    if on_ready is not None:
        on_ready(_url(host, bound))
    try:
        uvicorn.Server(_uvicorn_config(app, host, bound)).run(sockets=[sock])
    finally:
        sock.close()
        app.state.store.close()
