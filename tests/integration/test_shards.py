"""A campaign split with --shard over several processes gives what one run gives (issue 12).

Each shard is its own `motionctl run` process with its own run directory, as on N CI runners; `motionctl
report` merges them. The merged result must equal a single run's: the same jobs, each with the same status,
steps and sentences, every clip made once; and each shard's `--check` against the whole campaign's golden
passes without calling the other shards' jobs unused.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from motionctl.runner.reporting.runs import load_report

ROOT = Path(__file__).resolve().parents[2]
IMAGES = ROOT / "workflows" / "images"
RECIPE = """\
version: 1
name: shards
defaults: {duration: 1s}
matrix:
  image: [images/sneaker.jpg, images/bag.jpg]
  platform: [tiktok, youtube, instagram-feed]
steps:
  - upload: "{{ image }}"
  - motion: {zoom: in, pan: left, speed: slow}
  - export: {to: "{{ image | stem }}-{{ platform }}.mp4"}
"""
SHARDS = 3


def _motionctl(*args: str, cwd: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "XDG_CONFIG_HOME": str(cwd / "config")}
    return subprocess.Popen([sys.executable, "-m", "motionctl", *args], cwd=cwd, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _finish(proc: subprocess.Popen[str]) -> str:
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    return out


def _view(run_dirs: list[Path]) -> list[tuple[str, str, list[str]]]:
    report = load_report(run_dirs)
    # An export's "sent" is its destination, under each run's own --out: compare the file names.
    return sorted((job.job, job.status, [Path(s.sent).name if s.sent.endswith(".mp4") else s.sent
                                         for s in job.steps]) for job in report.jobs)


def test_shards_as_processes_merge_into_what_one_run_gives(tmp_path: Path) -> None:
    shutil.copytree(IMAGES, tmp_path / "images")
    (tmp_path / "shards.yaml").write_text(RECIPE, encoding="utf-8")
    common = ("run", "shards.yaml", "--preview", "-q")

    _finish(_motionctl(*common, "--update", "--out", "out-single", "--runs-dir", "runs-single", cwd=tmp_path))
    (single,) = (tmp_path / "runs-single").iterdir()

    # N processes at once, as N CI runners would start them (each checks the whole campaign's golden).
    procs = [_motionctl(*common, "--check", "--shard", f"{i}/{SHARDS}", "--out", "out-shards",
                        "--runs-dir", f"runs-shard-{i}", cwd=tmp_path) for i in range(1, SHARDS + 1)]
    outputs = [_finish(p) for p in procs]
    shard_dirs = [d for i in range(1, SHARDS + 1) for d in (tmp_path / f"runs-shard-{i}").iterdir()]

    assert _view(shard_dirs) == _view([single])
    assert len(_view([single])) == 6
    clips = sorted(line for out in outputs for line in out.splitlines() if line.endswith(".mp4"))
    assert len(clips) == len(set(clips)) == 6  # every clip made by exactly one shard
    assert sorted(p.name for p in (tmp_path / "out-shards").glob("*.mp4")) == \
        sorted(p.name for p in (tmp_path / "out-single").glob("*.mp4"))

    _finish(_motionctl("report", *(str(d) for d in shard_dirs), "--json", "merged.json", cwd=tmp_path))
    doc = json.loads((tmp_path / "merged.json").read_text(encoding="utf-8"))
    assert doc["counts"]["total"] == 6 and doc["counts"]["passed"] == 6
