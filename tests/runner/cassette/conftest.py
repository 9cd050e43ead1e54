"""Fixtures of the cassette tests: the CLI in-process (the integration tests' ``cli``), and recordings made
once per session against the mock served by uvicorn on 127.0.0.1 (standing in for the live service)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from motionctl.mock_server import MockConfig, serve_in_thread
from motionctl.runner.cli import main
from tests.integration.conftest import cli  # noqa: F401  (the fixture, shared)
from tests.runner.cassette.helpers import WORKFLOWS, Recording, outputs_of


def record(recipe_name: str, base: Path) -> Recording:
    """Run a workflow (preview size) against a freshly served mock, recording it; the mock is gone after."""
    folder = base / "workflows"
    shutil.copytree(WORKFLOWS, folder, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    recipe = folder / recipe_name
    cassette = base / "cassettes" / f"{recipe.stem}.har"
    with pytest.MonkeyPatch.context() as mp, serve_in_thread(MockConfig(seed=3)) as mock:
        mp.setenv("XDG_CONFIG_HOME", str(base / "config"))
        mp.delenv("NEMO_TOKEN", raising=False)
        code = main(["run", str(recipe), "--base-url", mock.url, "--preview", "--record", str(cassette),
                     "--runs-dir", str(base / "runs"), "--out", str(base / "out"), "-q"])
    assert code == 0
    run_dir = next((base / "runs").iterdir())
    return Recording(recipe, cassette, run_dir, outputs_of(run_dir))


@pytest.fixture(scope="session")
def quickstart(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Recording]:
    """workflows/quickstart.yaml recorded once for the session (one job, one render)."""
    yield record("quickstart.yaml", tmp_path_factory.mktemp("quickstart-recording"))


@pytest.fixture(scope="session")
def campaign(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Recording]:
    """workflows/campaign.yaml recorded once for the session (two jobs at once, two renders)."""
    yield record("campaign.yaml", tmp_path_factory.mktemp("campaign-recording"))
