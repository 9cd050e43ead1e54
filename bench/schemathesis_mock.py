"""Schemathesis against the mock: cases generated from specs/nemo-api.yaml (valid and invalid), sent to a
served mock as a caller with a token, every answer run through schemathesis's checks (server errors,
status codes, content types, response schemas, valid data accepted and invalid refused, required headers,
auth enforced …); counts the cases, the 5xx and the findings, and fails on any.

    .venv/bin/python bench/schemathesis_mock.py                         # `st run`, all phases, ~20,000 cases
    .venv/bin/python bench/schemathesis_mock.py --driver --examples 60  # hypothesis, both modes

A finding names a disagreement between the mock and the spec: fix one or the other, or, where the mock is
right and the spec cannot say it, list it in the spec as a known, sourced behaviour. The suite runs the
driver briefly (tests/mock_server/test_mock_schemathesis.py); this is the long run.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import subprocess
import sys
import tempfile
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
from schemathesis.config import SchemathesisConfig
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.generation import GenerationMode

from motionctl.mock_server import MockConfig, serve_in_thread

SPEC = Path(__file__).resolve().parents[1] / "specs" / "nemo-api.yaml"
CONFIG = Path(__file__).resolve().parent / "schemathesis.toml"  # the spec's known, sourced behaviours
HEADERS = {"X-Skill-Source": "image-to-video-motion-control", "X-Skill-Version": "bench",
           "X-Skill-Platform": "unknown"}
# A time budget is the bench's to keep, not the mock's to meet on a loaded machine (`st run` leaves it
# out unless asked; the driver's default set has it).
EXCLUDED_CHECKS = "max_response_time"


@dataclass
class Tally:
    cases: int = 0
    statuses: collections.Counter[int] = field(default_factory=collections.Counter)
    server_errors: list[str] = field(default_factory=list)  # "METHOD /path → 500: body…"
    findings: collections.Counter[str] = field(default_factory=collections.Counter)  # "label: title" → n


def new_token(url: str) -> str:
    answer = httpx.post(f"{url}/api/auth/anonymous-token",
                        headers={**HEADERS, "X-Client-Id": str(uuid.uuid4())})
    return str(answer.json()["data"]["token"])


def fuzz(url: str, token: str, examples: int, seed: int = 0) -> Tally:
    """Send ``examples`` positive and ``examples`` negative cases per operation, each answer checked."""
    schema = schemathesis.openapi.from_path(SPEC, config=SchemathesisConfig.from_path(CONFIG))
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
        # A real caller's credentials, given as explicit auth (schemathesis then also checks that the
        # mock refuses the same call without them), so the cases reach the handlers.
        auth = {"Authorization": f"Bearer {token}"}
        tally.cases += 1
        try:
            response = case.call(base_url=url, headers=auth, timeout=30)
        except Exception as exc:  # a dropped connection counts as a server error
            tally.server_errors.append(f"{operation.label} → {type(exc).__name__}: {exc}")
            return
        tally.statuses[response.status_code] += 1
        if response.status_code >= 500:
            tally.server_errors.append(f"{operation.label} → {response.status_code}: {response.text[:200]}")
        try:
            case.validate_response(response, headers=auth, excluded_checks=_excluded(),
                                   transport_kwargs={"base_url": url, "headers": auth, "timeout": 30})
        except (Failure, FailureGroup) as exc:  # one finding per failed check
            for failure in exc.exceptions if isinstance(exc, FailureGroup) else [exc]:
                tally.findings[f"{operation.label}: {failure.title}"] += 1

    return send


def _excluded() -> list[Any]:
    from schemathesis.checks import CHECKS

    return [check for check in CHECKS.get_all() if check.__name__ in EXCLUDED_CHECKS.split(",")]


def run_cli(url: str, token: str, max_examples: int, seed: int) -> Tally:
    """Schemathesis's own runner (examples, coverage, fuzzing, stateful) with every check."""
    headers = ["-H", f"Authorization: Bearer {token}"]  # the attribution headers are the cases' own
    with tempfile.TemporaryDirectory(prefix="st-report-") as tmp:
        report = Path(tmp) / "run.json"
        command = [sys.executable, "-m", "schemathesis.cli", "--config-file", str(CONFIG), "run", str(SPEC),
                   "--url", url, *headers,
                   "--checks", "all", "--max-examples", str(max_examples),
                   "--seed", str(seed), "--no-color", "--workers", "1", "--report", "json",
                   "--report-json-path", str(report)]
        env = {**os.environ, "SCHEMATHESIS_TELEMETRY": "false"}
        subprocess.run(command, check=False, env=env)
        return _tally_report(json.loads(report.read_text(encoding="utf-8")))


def _tally_report(report: dict[str, Any]) -> Tally:
    """Cases and findings of schemathesis's JSON run report (it keeps no statuses; the run prints each
    finding with its answer and a curl line to reproduce it)."""
    tally = Tally(cases=report["test_cases"]["generated"])
    for failure in report.get("failures", []):
        where = ", ".join(failure.get("operations", []))
        tally.findings[f"{where}: {failure['code']} {failure['title']}"] += failure.get("count", 1)
        if failure["type"] == "ServerError":
            tally.server_errors.append(f"{where}: {failure['title']}")
    return tally


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--driver", action="store_true", help="the hypothesis driver instead of `st run`")
    parser.add_argument("--examples", type=int, default=1600,
                        help="cases per operation and phase (with --driver, per mode); 1600: ~20,000 cases")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    config = MockConfig(work_delay=0.0, heartbeat_interval=0.01, initial_credits=10**9, render_workers=1)
    with serve_in_thread(config) as mock:
        token = new_token(mock.url)
        started = time.perf_counter()
        tally = (fuzz(mock.url, token, args.examples, args.seed) if args.driver
                 else run_cli(mock.url, token, args.examples, args.seed))
        wall = time.perf_counter() - started
    statuses = ", ".join(f"{code}: {n}" for code, n in sorted(tally.statuses.items()))
    print(f"cases: {tally.cases}  5xx or dropped: {len(tally.server_errors)}  "
          f"findings: {sum(tally.findings.values())}  wall: {wall:.1f} s")
    if statuses:
        print(f"statuses: {statuses}")
    for line in tally.server_errors[:20]:
        print("server error:", line)
    for finding, n in tally.findings.most_common():
        print(f"finding: {finding} (x{n})")
    return 1 if tally.server_errors or tally.findings else 0


if __name__ == "__main__":
    sys.exit(main())
