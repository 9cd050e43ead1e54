"""A resumed run prints every clip's path the same way, whether it made the clip or an earlier run did, and
finds the earlier clips from any working directory (issue 18: new jobs printed absolute paths, skipped ones
relative paths)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.integration.conftest import WORKFLOWS, CliResult

RECIPE = """\
version: 1
name: two
defaults: {duration: 1s}
matrix:
  platform: [tiktok, youtube]
steps:
  - upload: sneaker.jpg
  - export: "{{ platform }}.mp4"
"""


def _unfinish(run_dir: Path, job: str) -> None:
    """The journal as if the run had stopped before ``job`` exported (the other job finished)."""
    journal = run_dir / "journal.jsonl"
    records = [json.loads(line) for line in journal.read_text().splitlines()]
    exported = ("job_finished", "output", "render")
    kept = [r for r in records
            if r.get("job") != job or not (r["type"] in exported or r.get("kind") == "export")]
    journal.write_text("".join(json.dumps(r) + "\n" for r in kept))


@pytest.mark.parametrize("from_parent", [False, True], ids=["same-folder", "parent-folder"])
def test_a_resume_prints_new_and_earlier_clips_alike(cli: Callable[..., CliResult], tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch,
                                                     from_parent: bool) -> None:
    work = tmp_path / "work"
    work.mkdir()
    shutil.copy(WORKFLOWS / "images" / "sneaker.jpg", work / "sneaker.jpg")
    (work / "two.yaml").write_text(RECIPE)
    monkeypatch.chdir(work)
    first = cli("run", "two.yaml", "--preview", "-q")
    assert first.code == 0 and first.out.splitlines() == ["out/tiktok.mp4", "out/youtube.mp4"]
    (run_dir,) = (work / "runs").iterdir()
    _unfinish(run_dir, "two-youtube")
    (work / "out" / "youtube.mp4").unlink()
    prefix = "work/" if from_parent else ""
    if from_parent:
        monkeypatch.chdir(tmp_path)
    resumed = cli("run", f"{prefix}two.yaml", "--resume", f"{prefix}runs/{run_dir.name}", "-q")
    assert resumed.code == 0, resumed.err
    assert resumed.out.splitlines() == [f"{prefix}out/tiktok.mp4", f"{prefix}out/youtube.mp4"]
    assert f"  {prefix}out/youtube.mp4" in resumed.err and str(tmp_path) not in resumed.err
