"""The mock under slow clients (issue 19.5), bounded: half-open sockets no longer starve it.

About 1,100 connections that never finished their headers exhausted a served mock's open files (1,024 is
the limit most systems start a process with), and every other request timed out. Here: normal clients are
served while 300 half-open sockets are held by a mock started with 256 files allowed; a request whose headers
or body stop coming gets 408 or is closed; past the connection cap a request gets a 503 that says why.
bench/slow_clients.py holds 2,000. Every wait is for an event on a socket, with a generous bound.
"""

from __future__ import annotations

import resource
import socket
import time
import uuid

import httpx
import pytest

from motionctl.mock_server import MockConfig, connections, parse_fault_plan, serve_in_thread
from tests.mock_server.half_open import (
    ATTRIBUTION,
    HALF_REQUEST,
    descriptors,
    fresh_connections,
    half_open,
    normal_round,
    served_mock,
)

WAIT = 30.0  # seconds a socket may take to show what the test waits for; it takes about a second


def read_all(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection."""
    sock.settimeout(WAIT)
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
    return data


def test_normal_clients_are_served_while_half_open_sockets_hold_more_files_than_it_started_with() -> None:
    with served_mock(256, "--render-workers", "1") as (url, pid):
        held = half_open(url, 300)
        try:
            with fresh_connections(url) as client:
                normal_round(client)  # its calls succeed, each on a new connection, each within 30 s
            assert descriptors(pid) > 300  # the mock holds them all: its open-file limit was raised
        finally:
            for sock in held:
                sock.close()


def test_headers_that_never_finish_get_408_and_the_connection_closed() -> None:
    with serve_in_thread(MockConfig(header_timeout=1.0)) as mock:
        (sock,) = half_open(mock.url, 1)
        answer = read_all(sock)
        sock.close()
    assert answer.startswith(b"HTTP/1.1 408 Request Timeout\r\n")
    assert b"the request headers did not arrive within 1 s of the connection" in answer


def test_a_body_that_stops_arriving_closes_the_connection() -> None:
    with serve_in_thread(MockConfig(body_timeout=1.0)) as mock:
        with httpx.Client(base_url=mock.url, headers=ATTRIBUTION, timeout=WAIT) as client:
            token = client.post("/api/auth/anonymous-token",
                                headers={"X-Client-Id": str(uuid.uuid4())}).json()["data"]["token"]
        host, port = mock.url.removeprefix("http://").split(":")
        sock = socket.create_connection((host, int(port)), timeout=WAIT)
        headers = "".join(f"{k}: {v}\r\n" for k, v in ATTRIBUTION.items())
        sock.sendall(f"POST /api/tasks/me/with-session/nemo_agent HTTP/1.1\r\nHost: x\r\n{headers}"
                     f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
                     "Content-Length: 100\r\n\r\n{\"task_na".encode())
        assert read_all(sock) == b""  # closed: the handler waiting for the rest saw the client gone
        sock.close()
        log = mock.admin.requests()
    assert [r["status"] for r in log if r["path"].startswith("/api/tasks/")] == [499]


def test_a_body_the_app_has_not_read_yet_is_never_timed_out(monkeypatch: pytest.MonkeyPatch) -> None:
    # A delay fault holds the request before the app reads its body; past 64 KiB buffered uvicorn stops
    # reading. The body timer once re-armed against the last byte read, a deadline long past: it fired in a
    # tight loop, and closed the connection the moment the app read on (ReadError, not the answer).
    expired = 0
    original = connections._GuardedH11._expired

    def counted(self: connections._GuardedH11) -> None:
        nonlocal expired
        expired += 1
        original(self)

    monkeypatch.setattr(connections._GuardedH11, "_expired", counted)
    faults = parse_fault_plan({"faults": [{"route": "POST /api/tasks/*", "delay": 2.5}]})
    with serve_in_thread(MockConfig(body_timeout=1.0, faults=faults)) as mock:
        with httpx.Client(base_url=mock.url, headers=ATTRIBUTION, timeout=WAIT) as client:
            token = client.post("/api/auth/anonymous-token",
                                headers={"X-Client-Id": str(uuid.uuid4())}).json()["data"]["token"]
            r = client.post("/api/tasks/me/with-session/nemo_agent",
                            headers={"Authorization": f"Bearer {token}"},
                            json={"task_name": "x" * 200_000, "language": "en"})
        log = mock.admin.requests(path="/api/tasks/*")
    assert r.status_code == 422 and "/task_name" in r.json()["message"]  # its answer, after the delay
    assert [e["fault"] for e in log] == ["delay"]
    assert expired == 0  # the client sent on time; nothing re-armed against a past deadline


def test_past_the_connection_cap_a_request_gets_a_503_that_says_why() -> None:
    with serve_in_thread(MockConfig(max_connections=8, header_timeout=600.0)) as mock:
        held = half_open(mock.url, 8)
        host, port = mock.url.removeprefix("http://").split(":")
        sock = socket.create_connection((host, int(port)), timeout=WAIT)
        sock.sendall(HALF_REQUEST + b"\r\n")
        answer = read_all(sock)
        sock.close()
        assert answer.startswith(b"HTTP/1.1 503 ")
        assert b"the mock has 8 connections open, as many as it serves at once" in answer
        for half in held:
            half.close()
        # The mock sees the closed ones go at its own pace: served again once it has.
        deadline = time.monotonic() + WAIT
        while httpx.get(f"{mock.url}/api/credits/balance/simple", timeout=WAIT).status_code == 503:
            assert time.monotonic() < deadline, "still 503 after the held connections closed"


def test_the_open_file_limit_is_raised_to_what_the_system_allows() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(256, hard), hard))
    try:
        with serve_in_thread(MockConfig()):
            assert resource.getrlimit(resource.RLIMIT_NOFILE) == (hard, hard)
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
