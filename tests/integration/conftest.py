"""Fixtures for end-to-end runs: the CLI in-process, a tmp working dir, a copy of the workflows."""

from __future__ import annotations

import json
import shutil
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from motionctl.mock_server.admin import admin_for
from motionctl.runner.cli import main

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
    """The request log (``GET /__mock/requests``) of a mock this process serves: the one place these tests
    read it, with the admin key the mock was started with."""
    return admin_for(url).requests()


def mock_token(url: str) -> str:
    """A new anonymous token from the mock at ``url``, asked for as the API requires (attribution headers)."""
    answer = httpx.post(f"{url}/api/auth/anonymous-token",
                        headers={"X-Client-Id": str(uuid.uuid4()), "X-Skill-Source": "test",
                                 "X-Skill-Version": "0", "X-Skill-Platform": "unknown"}, timeout=10)
    answer.raise_for_status()
    return str(answer.json()["data"]["token"])


def mock_admin(url: str, path: str, body: object = None) -> httpx.Response:
    """``POST /__mock/<path>`` (``faults``, ``reset``), through the same one place as ``mock_requests``."""
    admin = admin_for(url)
    answer = httpx.post(f"{admin.url}/__mock/{path}", json=body if body is not None else {},
                        headers=admin.headers, timeout=10)
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
