"""One small campaign run on the embedded mock (one job fails its expectation), shared by the report tests."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from motionctl.runner.run import RunConfig, RunResult, run_recipe

IMAGE = Path(__file__).parents[3] / "workflows" / "images" / "sneaker.jpg"

CAMPAIGN = """\
version: 1
name: shots
defaults: {duration: 2s}
matrix:
  platform: [tiktok, reels, youtube]
steps:
  - upload: images/sneaker.jpg
  - motion: {zoom: in, pan: left, speed: slow}
  - expect: {aspect: "9:16"}
  - export: {to: "shots/{{ platform }}.mp4"}
"""


@dataclass(frozen=True)
class Runs:
    recipe: Path
    whole: RunResult  # every job: youtube fails its expectation (16:9, not 9:16)
    shards: tuple[RunResult, RunResult]  # the same jobs, split over two runs


@pytest.fixture(scope="package")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Runs:
    root = tmp_path_factory.mktemp("report-runs")
    (root / "images").mkdir()
    shutil.copyfile(IMAGE, root / "images" / "sneaker.jpg")
    recipe = root / "shots.yaml"
    recipe.write_text(CAMPAIGN, encoding="utf-8")

    def run(runs_dir: str, jobs: tuple[str, ...] | None = None) -> RunResult:
        return run_recipe(RunConfig(recipe=recipe, out_dir=root / "out", runs_dir=root / runs_dir,
                                    preview=True, concurrency=2, jobs=jobs))

    whole = run("runs")
    shards = (run("shard-1", ("shots-tiktok",)), run("shard-2", ("shots-reels", "shots-youtube")))
    return Runs(recipe, whole, shards)
