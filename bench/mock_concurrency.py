"""How the mock holds up under many concurrent sessions, each streaming /run_sse.

    .venv/bin/python bench/mock_concurrency.py --sessions 100 --work-delay 1.0

Every session gets its own anonymous token, creates a session, uploads a PNG and sends the seed's motion
instruction, all at once against one mock served by uvicorn on 127.0.0.1. Prints the wall time and the
p50/p95/max latency of the streams (request sent → stream closed), and fails if any session errs.

With ``--url`` it benches a mock in another process (``motionctl mock serve --tokens-per-ip 0``: every
session is a new anonymous user from 127.0.0.1, past the documented 10 tokens per IP), so the client's own
work (httpx is the heavier side here) does not share the mock's interpreter.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
import uuid

import anyio
import httpx
from PIL import Image

from motionctl.mock_server import MockConfig, serve_in_thread

HEADERS = {"X-Skill-Source": "image-to-video-motion-control", "X-Skill-Version": "bench",
           "X-Skill-Platform": "unknown"}
TEXT = "animate this image with a slow zoom-in and leftward pan"


def _png() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (120, 80, 40)).save(buf, "PNG")
    return buf.getvalue()


async def one_session(http: httpx.AsyncClient, png: bytes, latencies: list[float], errors: list[str]) -> None:
    """Token → session → upload → /run_sse; appends the stream's latency or an error."""
    try:
        r = await http.post("/api/auth/anonymous-token",
                            headers={**HEADERS, "X-Client-Id": str(uuid.uuid4())})
        assert r.json()["code"] == 0, r.text  # e.g. a served mock's tokens-per-IP limit
        auth = {**HEADERS, "Authorization": f"Bearer {r.json()['data']['token']}"}
        r = await http.post("/api/tasks/me/with-session/nemo_agent", headers=auth,
                            json={"task_name": "project", "language": "en"})
        sid = r.json()["data"]["session_id"]
        r = await http.post(f"/api/upload-video/nemo_agent/me/{sid}", headers=auth,
                            files={"files": ("p.png", png, "image/png")})
        assert r.json()["code"] == 0, r.text
        body = {"app_name": "nemo_agent", "user_id": "me", "session_id": sid,
                "new_message": {"parts": [{"text": TEXT}]}}
        start = time.perf_counter()
        events = 0
        async with http.stream("POST", "/run_sse", json=body,
                               headers={**auth, "Accept": "text/event-stream"}) as stream:
            async for line in stream.aiter_lines():
                events += line.startswith("data:")
        latencies.append(time.perf_counter() - start)
        if events < 2:
            errors.append(f"session {sid}: only {events} events")
    except Exception as exc:  # a bench reports every failure rather than stopping at the first
        errors.append(f"{type(exc).__name__}: {exc}")


async def run(sessions: int, config: MockConfig,
              url: str | None = None) -> tuple[float, list[float], list[str]]:
    """Run ``sessions`` concurrent sessions against a fresh in-process mock (or the mock at ``url``);
    returns (wall seconds, stream latencies, errors)."""
    if url is None:
        with serve_in_thread(config) as mock:
            return await _run(sessions, mock.url)
    return await _run(sessions, url)


async def _run(sessions: int, url: str) -> tuple[float, list[float], list[str]]:
    png = _png()
    latencies: list[float] = []
    errors: list[str] = []
    limits = httpx.Limits(max_connections=None, max_keepalive_connections=None)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=120) as http:
        start = time.perf_counter()
        async with anyio.create_task_group() as tg:
            for _ in range(sessions):
                tg.start_soon(one_session, http, png, latencies, errors)
        wall = time.perf_counter() - start
    return wall, latencies, errors


def percentile(values: list[float], q: int) -> float:
    """The ``q``-th percentile (1..99) of ``values``."""
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=100)
    parser.add_argument("--work-delay", type=float, default=1.0, help="simulated generation time per message")
    parser.add_argument("--heartbeat-interval", type=float, default=0.25)
    parser.add_argument("--url", help="bench a running mock (motionctl mock serve --tokens-per-ip 0 ...) "
                                      "instead of an in-process one; its own --work-delay then applies")
    args = parser.parse_args(argv)
    config = MockConfig(work_delay=args.work_delay, heartbeat_interval=args.heartbeat_interval)
    wall, latencies, errors = anyio.run(run, args.sessions, config, args.url)
    print(f"sessions: {args.sessions}  completed: {len(latencies)}  errors: {len(errors)}")
    print(f"wall time: {wall:.2f} s (token, session, upload and one /run_sse each, all at once)")
    if latencies:
        p50, p95 = percentile(latencies, 50), percentile(latencies, 95)
        delay = "the served mock's work delay" if args.url else f"work delay {args.work_delay:g} s"
        print(f"stream latency: p50 {p50:.3f} s  p95 {p95:.3f} s  max {max(latencies):.3f} s  ({delay})")
    for error in errors[:10]:
        print("error:", error)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
