"""Fuzzed hostile recipe texts through `motionctl validate` (issue 10.6).

Exit 0, 1 or 2, never "internal error", each in bounded time, and the process's memory stays bounded.
The long run is bench/fuzz_recipes.py.
"""

from __future__ import annotations

import resource
import shutil
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings

from motionctl.runner.cli import main
from tests.runner.recipe.hostile import any_recipe
from tests.runner.recipe.recipes import FIXTURES, MEDIA


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("hostile")
    for name in MEDIA:
        shutil.copy(FIXTURES / name, path / name)
    return path


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@pytest.fixture(scope="module")
def memory_floor() -> float:
    return _peak_mib()


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
          derandomize=True)
@given(any_recipe)
@example("a0: &a0 x\nversion: 1\nname: demo\nsteps:\n  - say: " + "[" * 5000 + "]" * 5000 + "\n")
@example("version: 1\nname: demo\nsteps:\n  - upload: shoe.png\n  - say: \"{{ 'a' * 1000000000 }}\"\n")
# The four causes of issue 19's "internal error"s: braces, a self-holding alias, ±1e308, a NUL byte.
@example("version: 1\nname: demo\nsteps:\n  - upload: shoe.png\n  - say: \"" + "{" * 300 + "\"\n")
@example("version: 1\nname: demo\nvars: &v {me: *v}\nsteps:\n  - upload: shoe.png\n")
@example("version: 1\nname: demo\ndefaults: {duration: -1.0e+308}\nsteps:\n  - upload: shoe.png\n")
@example("version: 1\nname: demo\nsteps:\n  - upload: shoe.png\n  - say: zoom\0in\n")
def test_hostile_recipes_end_in_an_exit_code_not_a_crash(
        folder: Path, memory_floor: float, capsys: pytest.CaptureFixture[str], text: str) -> None:
    recipe = folder / "fuzz.yaml"
    recipe.write_text(text, encoding="utf-8")
    start = time.perf_counter()
    code = main(["validate", str(recipe), "--out", str(folder / "out")])
    elapsed = time.perf_counter() - start
    captured = capsys.readouterr()
    assert code in (0, 1, 2), captured.err
    assert "internal error" not in captured.err and "Traceback" not in captured.err
    if code == 2:
        assert captured.err.strip(), "exit 2 says why"
        for line in captured.err.splitlines():
            assert line.startswith(str(recipe)), line  # every problem is located in the file
    # A hang guard, not a speed target (bench/fuzz_recipes.py reports the slowest recipe).
    assert elapsed < 20.0, f"{elapsed:.1f}s for {text[:200]!r}"
    assert _peak_mib() - memory_floor < 400, "memory grew past 400 MiB"
