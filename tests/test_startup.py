"""Start-up stays light: `motionctl --help` and `validate` load none of the heavy libraries a run needs.

Each command is run as a user runs it, in a fresh interpreter, and Python's own import log
(``-X importtime``) says which modules it loaded. Timings are bench/one_clip.py's business; this guards
what makes them: NumPy, OpenCV and PyAV (the renderer), the HTTP client, the mock's server, the engine.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
RENDERER = {"numpy", "cv2", "av"}
RUN_ONLY = {"httpx", "anyio", "starlette", "uvicorn", "rich", "jsonpatch", "motionctl.mock_server.app",
            "motionctl.mock_server.render.renderer", "motionctl.runner.engine", "motionctl.runner.run"}
RECIPES = {"yaml", "jsonschema", "jinja2", "PIL", "motionctl.runner.recipe.planner"}


def loaded_modules(*args: str) -> set[str]:
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "motionctl", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return {line.rsplit("|", 1)[1].strip() for line in done.stderr.splitlines()
            if line.startswith("import time:") and "|" in line}


@pytest.mark.parametrize(("args", "heavy"), [
    (["--help"], RENDERER | RUN_ONLY | RECIPES),
    # validate works out how much each picture is enlarged with the renderer's own camera model (NumPy),
    # and whether each text fits with its fonts (Pillow); the decoder and the warp (PyAV, OpenCV) stay out.
    (["validate", "workflows/quickstart.yaml"], RENDERER - {"numpy"} | RUN_ONLY),
    (["validate", "workflows/promo.yaml"], RENDERER - {"numpy"} | RUN_ONLY),
    (["explain", "slow zoom in"], RENDERER | RUN_ONLY),
], ids=["help", "validate", "validate-text", "explain"])
def test_a_command_loads_only_what_it_uses(args: list[str], heavy: set[str]) -> None:
    modules = loaded_modules(*args)
    assert "click" in modules  # the log was read
    assert modules & heavy == set()
