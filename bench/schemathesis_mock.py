"""Schemathesis against the mock: cases generated from specs/nemo-api.yaml (valid and invalid), sent to a
served mock as a caller with a token; counts the answers and fails on any 5xx or dropped connection.

    .venv/bin/python bench/schemathesis_mock.py --examples 200          # every operation, both modes
    .venv/bin/python bench/schemathesis_mock.py --cli --max-time 300    # `st run`: all its phases too

The suite runs the same driver briefly (tests/mock_server/test_mock_schemathesis.py); this is the long run.
"""

from __future__ import annotations

import argparse
import collections
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import httpx
import hypothesis
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.generation import GenerationMode

from motionctl.mock_server import MockConfig, serve_in_thread

SPEC = Path(__file__).resolve().parents[1] / "specs" / "nemo-api.yaml"
HEADERS = {"X-Skill-Source": "image-to-video-motion-control", "X-Skill-Version": "bench",
           "X-Skill-Platform": "unknown"}


@dataclass
class Tally:
    cases: int = 0
    statuses: collections.Counter[int] = field(default_factory=collections.Counter)
    server_errors: list[str] = field(default_factory=list)  # "METHOD /path → 500: body…"


def new_token(url: str) -> str:
    answer = httpx.post(f"{url}/api/auth/anonymous-token",
                        headers={**HEADERS, "X-Client-Id": str(uuid.uuid4())})
    return str(answer.json()["data"]["token"])


def fuzz(url: str, token: str, examples: int, seed: int = 0) -> Tally:
    """Send ``examples`` positive and ``examples`` negative cases per operation; tally the answers."""
    schema = schemathesis.openapi.from_path(SPEC)
    tally = Tally()
    for result in schema.get_all_operations():
        operation = cast(Any, result).ok()  # an invalid operation would raise here: the spec is ours
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            _sender(operation, mode, url, token, tally, examples, seed)()
    return tally


def _sender(operation: Any, mode: GenerationMode, url: str, token: str, tally: Tally, examples: int,
            seed: int) -> Callable[[], None]:
    @hypothesis.seed(seed)
    @settings(max_examples=examples, deadline=None, database=None, suppress_health_check=list(HealthCheck),
              phases=[hypothesis.Phase.generate])
    @hypothesis.given(case=operation.as_strategy(generation_mode=mode))
    def send(case: Any) -> None:
        # A real caller's credentials, so the cases reach the handlers rather than the auth check.
        case.headers = {**(case.headers or {}), **HEADERS, "Authorization": f"Bearer {token}"}
        tally.cases += 1
        try:
            response = case.call(base_url=url, timeout=30)
        except Exception as exc:  # a dropped connection counts as a server error
            tally.server_errors.append(f"{operation.label} → {type(exc).__name__}: {exc}")
            return
        tally.statuses[response.status_code] += 1
        if response.status_code >= 500:
            tally.server_errors.append(f"{operation.label} → {response.status_code}: {response.text[:200]}")

    return send


def run_cli(url: str, token: str, max_time: int) -> int:
    """Schemathesis's own runner (examples, coverage, fuzzing, stateful) with the 5xx check only."""
    headers = [arg for name, value in {**HEADERS, "Authorization": f"Bearer {token}"}.items()
               for arg in ("-H", f"{name}: {value}")]
    command = [sys.executable, "-m", "schemathesis.cli", "run", str(SPEC), "--url", url, *headers,
               "--checks", "not_a_server_error", "--max-time", str(max_time), "--no-color", "--seed", "1"]
    env = {**os.environ, "SCHEMATHESIS_TELEMETRY": "false"}
    return subprocess.run(command, check=False, env=env).returncode


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=200, help="cases per operation and mode")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--cli", action="store_true", help="run `st run` (all phases) instead of the driver")
    parser.add_argument("--max-time", type=int, default=300, help="with --cli: the time budget in seconds")
    args = parser.parse_args(argv)
    config = MockConfig(work_delay=0.0, heartbeat_interval=0.01, initial_credits=10**9)
    with serve_in_thread(config) as mock:
        token = new_token(mock.url)
        if args.cli:
            return run_cli(mock.url, token, args.max_time)
        started = time.perf_counter()
        tally = fuzz(mock.url, token, args.examples, args.seed)
        wall = time.perf_counter() - started
    statuses = ", ".join(f"{code}: {n}" for code, n in sorted(tally.statuses.items()))
    print(f"cases: {tally.cases}  5xx or dropped: {len(tally.server_errors)}  wall: {wall:.1f} s")
    print(f"statuses: {statuses}")
    for line in tally.server_errors[:20]:
        print("server error:", line)
    return 1 if tally.server_errors else 0


if __name__ == "__main__":
    sys.exit(main())
