"""Slow clients against a served mock, shared by tests/mock_server/test_mock_slow_clients.py and
bench/slow_clients.py: a `motionctl mock serve` process started with a low open-file limit (as a system
starts one), sockets that never finish their request headers, and a normal client's round of calls."""

from __future__ import annotations

import os
import re
import resource
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import httpx

ATTRIBUTION = {"X-Skill-Source": "image-to-video-motion-control", "X-Skill-Version": "0.1.0",
               "X-Skill-Platform": "unknown"}
HALF_REQUEST = b"GET /api/credits/balance/simple HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Skill-Source: slow\r\n"


@contextmanager
def served_mock(nofile: int, *options: str) -> Iterator[tuple[str, int]]:
    """``motionctl mock serve`` on a free port of 127.0.0.1, started with ``nofile`` open files allowed
    (its soft limit; the hard one as the system says): (its URL, its pid). Stopped with SIGTERM."""
    def lower_limit() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, resource.getrlimit(resource.RLIMIT_NOFILE)[1]))

    command = [sys.executable, "-m", "motionctl", "mock", "serve", "--port", "0", "--tokens-per-ip", "0",
               "--log-level", "warning", "--work-delay", "0", *options]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                          preexec_fn=lower_limit) as proc:
        try:
            assert proc.stdout is not None
            for line in proc.stdout:  # the line that names its URL, whatever else it prints first
                found = re.search(r"http://127\.0\.0\.1:\d+", line)
                if found:
                    yield found.group(), proc.pid
                    break
            else:
                raise RuntimeError("motionctl mock serve ended before it printed its URL")
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=60)


def half_open(url: str, count: int) -> list[socket.socket]:
    """``count`` connections each holding a request whose headers never end."""
    host, port = url.removeprefix("http://").split(":")
    sockets = []
    for _ in range(count):
        sock = socket.create_connection((host, int(port)), timeout=30)
        sock.sendall(HALF_REQUEST)
        sockets.append(sock)
    return sockets


def descriptors(pid: int) -> int:
    """How many files process ``pid`` has open (Linux's /proc)."""
    return len(os.listdir(f"/proc/{pid}/fd"))


def fresh_connections(url: str, timeout: float = 30.0) -> httpx.Client:
    """A client that opens a new connection for every call, as many separate clients would."""
    return httpx.Client(base_url=url, timeout=timeout, headers=ATTRIBUTION,
                        limits=httpx.Limits(max_keepalive_connections=0))


def normal_round(client: httpx.Client) -> float:
    """What a normal client does first (a token, a session, its state), each call on a new connection:
    the seconds it took.

    Raises:
        httpx.HTTPError: a call failed or timed out.
    """
    start = time.perf_counter()
    answer = client.post("/api/auth/anonymous-token", headers={"X-Client-Id": str(uuid.uuid4())})
    answer.raise_for_status()
    auth = {"Authorization": f"Bearer {answer.json()['data']['token']}"}
    answer = client.post("/api/tasks/me/with-session/nemo_agent", json={"task_name": "t", "language": "en"},
                         headers=auth)
    answer.raise_for_status()
    session = answer.json()["data"]["session_id"]
    client.get(f"/api/state/nemo_agent/me/{session}/latest", headers=auth).raise_for_status()
    return time.perf_counter() - start
