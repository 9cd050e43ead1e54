"""A resume takes a clip the stopped run downloaded as its own only when it is still that file."""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Callable
from pathlib import Path

from motionctl.mock_server import MockConfig, parse_fault_plan, serve_in_thread
from tests.integration.conftest import WORKFLOWS, CliResult, count, journal_records, mock_requests

RECIPE = """\
version: 1
name: kept
defaults: {aspect: tiktok, duration: 1s}
steps:
  - upload: images/watch.jpg
  - motion: {zoom: in, amount: {zoom: 20%}}
  - export: kept.mp4
"""


def test_a_clip_replaced_since_the_run_stopped_is_fetched_again_not_rendered_again(
    tmp_path: Path, cli: Callable[..., CliResult]
) -> None:
    shutil.copytree(WORKFLOWS / "images", tmp_path / "images", ignore=shutil.ignore_patterns("*.py"))
    path = tmp_path / "kept.yaml"
    path.write_text(RECIPE)
    # The first render plays backwards: the clip check stops the run with the clip kept.
    plan = parse_fault_plan({"faults": [{"route": "POST /api/render/proxy/lambda", "nth": 1,
                                         "render": "reversed"}]})
    out = tmp_path / "out"
    with serve_in_thread(MockConfig(seed=0, initial_credits=10_000, faults=plan)) as mock:
        first = cli("run", path, "--base-url", mock.url, "--preview", "--runs-dir", tmp_path / "runs",
                    "--out", out)
        assert first.code == 1 and "clip check failed" in first.err
        run_dir = next((tmp_path / "runs").iterdir())
        clip = out / "kept.mp4"
        downloaded = hashlib.sha256(clip.read_bytes()).hexdigest()
        clip.write_bytes(b"another file written here since")
        accepted = cli("run", path, "--resume", run_dir, "--qc", "off")
        assert accepted.code == 0, accepted.err
        log = mock_requests(mock.url)
        assert count(log, "POST", "/api/render/proxy/lambda") == 1  # never rendered twice
        assert count(log, "GET", "/cdn/renders/") == 2  # the journaled render, fetched again
    assert hashlib.sha256(clip.read_bytes()).hexdigest() == downloaded
    outputs = [r for r in journal_records(run_dir) if r["type"] == "output"]
    assert [r["bytes"] for r in outputs] == [clip.stat().st_size] * 2
