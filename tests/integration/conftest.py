"""Fixtures for end-to-end runs: the CLI in-process, a tmp working dir, a copy of the workflows."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from runner.cli import main

WORKFLOWS = Path(__file__).resolve().parents[2] / "workflows"


@dataclass(frozen=True)
class CliResult:
    code: int
    out: str
    err: str


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> Callable[..., CliResult]:
    """``motionctl`` as a user runs it, from a fresh working directory; returns code, stdout, stderr."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))  # never the developer's token cache
    monkeypatch.delenv("NEMO_TOKEN", raising=False)
    monkeypatch.delenv("NEMO_BASE_URL", raising=False)

    def run(*args: str) -> CliResult:
        capsys.readouterr()
        code = main([str(a) for a in args])
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return run


@pytest.fixture
def workflows_copy(tmp_path: Path) -> Path:
    """The workflows folder (recipes, goldens, images) copied where a test may change it."""
    dest = tmp_path / "workflows"
    shutil.copytree(WORKFLOWS, dest, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    return dest


def mock_requests(url: str) -> list[dict[str, Any]]:
    """The mock's request log (``GET /__mock/requests``): the one place tests read it, so an admin key
    the mock may come to require is added here only."""
    answer = httpx.get(f"{url}/__mock/requests", timeout=10)
    answer.raise_for_status()
    log: list[dict[str, Any]] = answer.json()["requests"]
    return log


def mock_admin(url: str, path: str, body: object = None) -> httpx.Response:
    """``POST /__mock/<path>`` (``faults``, ``reset``), through the same one place as ``mock_requests``."""
    answer = httpx.post(f"{url}/__mock/{path}", json=body if body is not None else {}, timeout=10)
    answer.raise_for_status()
    return answer


def count(log: list[dict[str, Any]], method: str, path_prefix: str, *, ok: bool = True) -> int:
    """How many logged calls match (``ok``: only those the handler itself answered 200: a fault that
    answered in its place or reset the connection does not count, a delay does)."""
    def handled(r: dict[str, Any]) -> bool:
        faults = set(str(r.get("fault") or "").split(","))
        return r.get("status") == 200 and not faults & {"respond", "reset", "rate_limit"}

    return sum(1 for r in log if r["method"] == method and r["path"].startswith(path_prefix)
               and (not ok or handled(r)))


def journal_records(run_dir: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (run_dir / "journal.jsonl").read_text().splitlines()]
