"""Fixtures for end-to-end runs: the CLI in-process, a tmp working dir, a copy of the workflows."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

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
