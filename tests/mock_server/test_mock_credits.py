"""Credits: what ``motionctl plan`` estimates is what the mock charges, for every workflow, run for real
through the runner against a served mock with a fresh anonymous token (specs/instructions.md, "Credits")."""

from __future__ import annotations

import uuid
from pathlib import Path

import httpx
import pytest

from motionctl.mock_server import MockConfig, serve_in_thread
from motionctl.runner.cli import main
from motionctl.runner.golden import recipes_among
from motionctl.runner.recipe import load_plan
from motionctl.runner.recipe.planner import estimate
from tests.mock_server.conftest import ATTRIBUTION

WORKFLOWS = Path(__file__).resolve().parents[2] / "workflows"
RECIPES = sorted(recipes_among(WORKFLOWS.glob("*.yaml")))
NEW_TOKEN_CREDITS = MockConfig().initial_credits  # what `motionctl mock serve` gives a new token, too


def planned_credits(recipe: Path) -> list[int]:
    return [estimate(job).credits for job in load_plan(recipe, preview=True).jobs]


@pytest.mark.parametrize("recipe", RECIPES, ids=[p.stem for p in RECIPES])
def test_the_plan_estimate_is_what_the_mock_charges(recipe: Path, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    # `motionctl mock serve`'s defaults (a new token's 100 credits), only faster: each workflow must fit.
    with serve_in_thread(MockConfig(work_delay=0.0, heartbeat_interval=0.01)) as mock:
        answer = httpx.post(f"{mock.url}/api/auth/anonymous-token",
                            headers={**ATTRIBUTION, "X-Client-Id": str(uuid.uuid4())}).json()["data"]
        monkeypatch.chdir(tmp_path)
        monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
        monkeypatch.setenv("NEMO_TOKEN", answer["token"])
        code = main(["run", str(recipe), "--base-url", mock.url, "--preview", "--out", str(tmp_path / "out"),
                     "--runs-dir", str(tmp_path / "runs")])
        assert code == 0
        auth = {**ATTRIBUTION, "Authorization": f"Bearer {answer['token']}"}
        balance = httpx.get(f"{mock.url}/api/credits/balance/simple", headers=auth).json()["data"]
    assert balance["frozen"] == 0
    assert answer["credits"] - balance["available"] == sum(planned_credits(recipe))


@pytest.mark.parametrize("recipe", RECIPES, ids=[p.stem for p in RECIPES])
def test_every_workflow_fits_a_new_tokens_credits(recipe: Path) -> None:
    assert sum(planned_credits(recipe)) <= NEW_TOKEN_CREDITS
