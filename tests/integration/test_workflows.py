"""Every recipe in workflows/ runs against the embedded mock and matches its golden diffs."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from motionctl.runner.golden import recipes_among
from motionctl.runner.run import RunConfig, run_recipe
from tests.integration.conftest import WORKFLOWS, CliResult

RECIPES = sorted(recipes_among(WORKFLOWS.glob("*.yaml")))


def test_there_are_the_six_documented_workflows_each_with_a_golden() -> None:
    names = {p.stem for p in RECIPES}
    assert {"quickstart", "batch", "iterative", "campaign", "promo", "freetext"} <= names
    assert all((WORKFLOWS / f"{n}.golden.yaml").is_file() for n in names)
    assert all(p.stat().st_size < 300_000 for p in (WORKFLOWS / "images").glob("*.*"))


@pytest.mark.parametrize("recipe", RECIPES, ids=[p.stem for p in RECIPES])
def test_workflow_matches_its_golden(recipe: Path, cli: Callable[..., CliResult], tmp_path: Path) -> None:
    # --preview: small renders; the goldens record state diffs, which do not depend on output size.
    result = cli("run", recipe, "--check", "--preview", "--out", tmp_path / "out",
                 "--runs-dir", tmp_path / "runs", "--concurrency", "4")
    assert result.code == 0, result.err + result.out
    outputs = [Path(line) for line in result.out.splitlines() if line.endswith(".mp4")]
    assert outputs and all(p.is_file() and p.stat().st_size > 1000 for p in outputs)
    assert all(p.is_relative_to(tmp_path / "out") for p in outputs)
    if recipe.stem == "freetext":  # this stream closes without text: the state diff says what happened
        assert "step 3 (say) ok: aspect 9:16→16:9 (the agent sent no text)" in result.err


def test_validate_and_plan_skip_the_goldens_a_glob_matches_as_run_does(cli: Callable[..., CliResult]) -> None:
    everything = sorted(WORKFLOWS.glob("*.yaml"))  # what the shell gives for `workflows/*.yaml`
    result = cli("validate", *everything)
    assert result.code == 0, result.err
    assert [line.split(":")[0] for line in result.out.splitlines()] == [str(p) for p in RECIPES]

    golden = WORKFLOWS / "quickstart.golden.yaml"
    for command in ("validate", "plan", "run"):
        alone = cli(command, golden)
        assert alone.code == 2
        assert alone.err == (f"motionctl: error: {golden}: a golden file, not a recipe "
                             f"(pass {WORKFLOWS / 'quickstart.yaml'} instead)\n")


# Seeds change which replies carry text (and the events' ids); dialects change the stream's shape. The
# goldens record what the recipe determines, so neither may change them.
BACKENDS = [(7, "nemo"), (3, "adk")]


@pytest.mark.parametrize(("recipe", "seed", "dialect"),
                         [(r, s, d) for s, d in BACKENDS for r in RECIPES],
                         ids=[f"{r.stem}-seed{s}-{d}" for s, d in BACKENDS for r in RECIPES])
def test_workflow_goldens_hold_under_other_mock_seeds_and_sse_dialects(
        recipe: Path, seed: int, dialect: str, tmp_path: Path) -> None:
    result = run_recipe(RunConfig(recipe=recipe, preview=True, check=True, runs_dir=tmp_path / "runs",
                                  out_dir=tmp_path / "out",
                                  mock_overrides={"seed": seed, "sse_dialect": dialect}))
    assert result.golden is not None
    assert [j.error for j in result.failed] == []
    assert result.golden.outcome == "matches", result.golden.diff
