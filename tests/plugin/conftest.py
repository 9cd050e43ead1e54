"""The plugin's own tests run pytest inside pytest (pytester) on small recipes made per test."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

# pytester's in-process runs drop the modules they imported when they end; imported here first, the
# runner, the mock and its renderer stay loaded once for all of them (a mock re-imported under a live one
# left its renders pending forever). The packages load their modules lazily, so the ones that bring NumPy,
# OpenCV and PyAV are named: NumPy refuses a second load in one process ("cannot load module more than
# once"), and these tests run alone failed when no earlier test had loaded it.
import motionctl.mock_server.render.measure
import motionctl.mock_server.render.renderer
import motionctl.runner.cassette.drift
import motionctl.runner.qc.clip
import motionctl.runner.reporting.reports
import motionctl.runner.run  # noqa: F401
from motionctl.mock_server import MockConfig, serve_in_thread  # noqa: F401
from motionctl.runner.recipe import load_plan  # noqa: F401

# pytester itself is enabled in pyproject's addopts: pytest_plugins may only be set in the rootdir's conftest.
IMAGE = Path(__file__).parents[2] / "workflows" / "images" / "sneaker.jpg"

ONE = """\
version: 1
name: one
defaults: {aspect: "16:9", duration: 2s}
steps:
  - upload: images/sneaker.jpg
  - motion: {zoom: in, speed: slow}
  - expect: {tracks: {video: 1}, duration: 2s}
  - export: {to: one.mp4}
"""

PAIR = """\
version: 1
name: pair
defaults: {duration: 2s}
matrix:
  platform: [tiktok, youtube]
steps:
  - upload: images/sneaker.jpg
  - motion: {zoom: in, speed: slow}
  - export: {to: "pair-{{ platform }}.mp4"}
"""


@pytest.fixture
def recipes(pytester: pytest.Pytester) -> Path:
    """``recipes/`` with one.yaml (one job) and pair.yaml (two jobs) and the image they upload."""
    folder = pytester.path / "recipes"
    (folder / "images").mkdir(parents=True)
    shutil.copyfile(IMAGE, folder / "images" / "sneaker.jpg")
    (folder / "one.yaml").write_text(ONE, encoding="utf-8")
    (folder / "pair.yaml").write_text(PAIR, encoding="utf-8")
    return folder
