"""The architecture's arrows are import-linter contracts (pyproject.toml, run by .ci/run): each one holds
on the code as it is, and each one fails when a forbidden import is planted in a copy of the sources."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CONTRACTS = {c["id"]: c["name"] for c in
             tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]}

# One forbidden import per contract: (contract id, module file, the line planted at its end).
PLANTS = [
    ("client-knows-no-recipes", "runner/api/client.py", "from ..recipe import load_plan"),
    ("mock-knows-no-runner", "mock_server/store.py", "from ..runner import errors"),
    ("renderer-needs-no-server", "mock_server/render/text.py", "from ..store import Store"),
    ("interpreter-is-pure", "mock_server/interpreter/normalise.py", "import httpx"),
    ("shared-helpers-take-no-side", "motionctl/units.py", "from .mock_server import drafts"),
    ("runner-reads-the-interpreter-only-to-explain", "runner/engine.py",
     "from ..mock_server.interpreter import interpret"),
    ("runner-measures-with-the-renderer-only-here", "runner/recipe/planner.py",
     "from ...mock_server.render.measure import text_problem"),
    ("cassette-knows-no-recipes", "runner/cassette/match.py", "from ..recipe import load_plan"),
    ("only-drift-starts-the-mock", "runner/cassette/replay.py", "from ...mock_server import MockConfig"),
    ("engine-knows-no-cassette", "runner/engine.py", "from .cassette import ReplayTransport"),
    ("runner-spine", "runner/journal.py", "from .run import RunConfig"),
    ("clip-qc-knows-no-runner", "runner/qc/motion.py", "from ..engine import Engine"),
    ("renderer-floors", "mock_server/render/geometry.py", "from .frames import FrameBuffer"),
]


def _sources(tmp: Path) -> Path:
    """A copy of what the contracts read: motionctl/ with real folders where the repository has links."""
    package = tmp / "motionctl"
    ignore = shutil.ignore_patterns("__pycache__", "fonts")
    shutil.copytree(ROOT / "motionctl", package, symlinks=True, ignore=ignore)
    for room in ("runner", "mock_server", "specs"):
        (package / room).unlink(missing_ok=True)  # a link, or a text file where links are off
        shutil.copytree(ROOT / room, package / room, ignore=ignore)
    shutil.copy(ROOT / "pyproject.toml", tmp / "pyproject.toml")
    return tmp


def _lint(tmp: Path) -> tuple[int, dict[str, str]]:
    """lint-imports over the copy: its exit code and each contract's verdict by name."""
    env = {**os.environ, "PYTHONPATH": str(tmp)}
    run = subprocess.run([sys.executable, "-c", "from importlinter.cli import lint_imports_command; "
                          "lint_imports_command()", "--no-cache"],
                         cwd=tmp, env=env, capture_output=True, text=True, timeout=300)
    flat = re.sub(r"\s+", " ", run.stdout)
    verdicts = {}
    for cid, name in CONTRACTS.items():
        found = re.search(re.escape(name) + r" (KEPT|BROKEN)", flat)
        assert found, f"no verdict for {cid!r} in:\n{run.stdout}{run.stderr}"
        verdicts[cid] = found.group(1)
    return run.returncode, verdicts


def test_every_contract_holds_on_the_code_as_it_is(tmp_path: Path) -> None:
    code, verdicts = _lint(_sources(tmp_path))
    assert verdicts == dict.fromkeys(CONTRACTS, "KEPT")
    assert code == 0


def test_every_contract_has_a_planted_import_below() -> None:
    assert {cid for cid, _, _ in PLANTS} == set(CONTRACTS)


@pytest.mark.parametrize(("contract", "module", "line"), PLANTS, ids=[p[0] for p in PLANTS])
def test_a_planted_forbidden_import_breaks_its_contract(tmp_path: Path, contract: str, module: str,
                                                        line: str) -> None:
    tmp = _sources(tmp_path)
    target = tmp / "motionctl" / module.removeprefix("motionctl/")
    target.write_text(target.read_text() + f"\n{line}  # planted by tests/test_architecture.py\n")
    code, verdicts = _lint(tmp)
    assert code == 1
    assert verdicts[contract] == "BROKEN", verdicts
