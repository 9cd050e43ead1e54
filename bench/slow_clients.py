"""Normal clients against a served mock while thousands of half-open sockets are held (issue 19.5), by hand:

    python bench/slow_clients.py [--half-open 2000] [--rounds 40] [--nofile 1024]

Starts `motionctl mock serve` on 127.0.0.1 with --nofile open files allowed (1,024: what most systems give a
process), times --rounds normal client rounds (a token, a session, its state) first with nothing else
connected, then while --half-open sockets hold requests whose headers never end, and prints both side by
side with the files the mock holds. Then it waits for the mock's header timeout to answer each held socket
408 and close it. Exit 0 when every normal round succeeded and every held socket got its 408.
Nothing leaves 127.0.0.1.
"""

from __future__ import annotations

import argparse
import resource
import selectors
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.mock_server.half_open import (  # noqa: E402
    descriptors,
    fresh_connections,
    half_open,
    normal_round,
    served_mock,
)


def rounds(url: str, count: int) -> tuple[list[float], int]:
    """(the seconds of each round that succeeded, how many failed)."""
    times, failed = [], 0
    with fresh_connections(url) as client:
        for _ in range(count):
            try:
                times.append(normal_round(client))
            except Exception as exc:  # a timeout, a refused or reset connection: what a starved server does
                failed += 1
                print(f"  round failed: {type(exc).__name__}: {exc}")
    return times, failed


def describe(times: list[float]) -> str:
    if not times:
        return "none succeeded"
    ordered = sorted(times)
    p95 = ordered[max(0, round(0.95 * len(ordered)) - 1)]
    return (f"p50 {statistics.median(ordered) * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms, "
            f"max {ordered[-1] * 1000:.1f} ms")


def answered_408(sockets: list, timeout: float) -> int:
    """How many of ``sockets`` receive a 408 and are closed within ``timeout`` seconds."""
    selector = selectors.DefaultSelector()
    received: dict[int, bytes] = {}
    for sock in sockets:
        sock.setblocking(False)
        selector.register(sock, selectors.EVENT_READ)
        received[sock.fileno()] = b""
    closed = 0
    deadline = time.monotonic() + timeout
    while closed < len(sockets) and time.monotonic() < deadline:
        for key, _ in selector.select(timeout=1):
            chunk = key.fileobj.recv(65536)
            if chunk:
                received[key.fd] += chunk
            else:
                selector.unregister(key.fileobj)
                closed += 1
    return sum(1 for data in received.values() if data.startswith(b"HTTP/1.1 408 "))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--half-open", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--nofile", type=int, default=1024, help="the mock's open-file limit at start")
    args = parser.parse_args()
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # this process holds the sockets
    with served_mock(args.nofile) as (url, pid):
        print(f"mock {url} (pid {pid}), started with {args.nofile} open files allowed; the system "
              f"allows {hard}")
        quiet, quiet_failed = rounds(url, args.rounds)
        print(f"alone:                {len(quiet)}/{args.rounds} rounds ok · {describe(quiet)} · "
              f"mock holds {descriptors(pid)} files")
        start = time.monotonic()
        held = half_open(url, args.half_open)
        busy, busy_failed = rounds(url, args.rounds)
        print(f"{args.half_open:,} half-open held: {len(busy)}/{args.rounds} rounds ok · {describe(busy)} · "
              f"mock holds {descriptors(pid)} files")
        if quiet and busy:
            print(f"p50 with them / alone: {statistics.median(busy) / statistics.median(quiet):.2f}×")
        got = answered_408(held, timeout=60)
        print(f"header timeout: {got}/{len(held)} held sockets answered 408 and closed, "
              f"{time.monotonic() - start:.1f} s after they connected")
        for sock in held:
            sock.close()
    ok = not quiet_failed and not busy_failed and got == len(held)
    print("ok" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
