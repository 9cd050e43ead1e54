"""The clip checks in the reports: every check with its measurement in the JSON and JUnit reports, and in
the HTML report the camera path against the asked one, the loudness curve and the text boxes found."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import jsonschema
import junitparser
import pytest

from motionctl import specs as motionctl_specs
from motionctl.mock_server import MockConfig, parse_fault_plan, serve_in_thread
from tests.integration.conftest import WORKFLOWS, CliResult

RECIPE = """\
version: 1
name: reported
defaults: {aspect: tiktok, duration: 2s}
matrix:
  take: [good, reversed]
steps:
  - upload: images/watch.jpg
  - motion: {zoom: in, tilt: up, roll: clockwise, speed: slow}
  - text: {content: "Take {{ take }}", at: 0.5s, for: 1s, position: top}
  - music: {mood: calm, volume: 40%}
  - export: "{{ take }}.mp4"
"""


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from motionctl.runner.run import RunConfig, run_recipe

    tmp = tmp_path_factory.mktemp("reported")
    shutil.copytree(WORKFLOWS / "images", tmp / "images", ignore=shutil.ignore_patterns("*.py"))
    (tmp / "reported.yaml").write_text(RECIPE)
    plan = parse_fault_plan({"faults": [{"route": "POST /api/render/proxy/lambda", "nth": 2,
                                         "render": "reversed"}]})
    with serve_in_thread(MockConfig(seed=0, initial_credits=10_000, faults=plan)) as mock:
        result = run_recipe(RunConfig(recipe=tmp / "reported.yaml", base_url=mock.url, preview=True,
                                      runs_dir=tmp / "runs", out_dir=tmp / "out", concurrency=1))
    assert [j.ok for j in result.jobs] == [True, False]
    return result.run_dir


def test_json_report_carries_every_check(run_dir: Path, tmp_path: Path,
                                         cli: Callable[..., CliResult]) -> None:
    cli("report", run_dir, "--json", tmp_path / "r.json", "--no-fail")
    doc = json.loads((tmp_path / "r.json").read_text())
    jsonschema.validate(doc, motionctl_specs.load("report.schema.json"))
    good, bad = ({c["name"]: c for c in job["clip_checks"][0]["checks"]} for job in doc["jobs"])
    assert good["motion.roll"]["status"] == "passed"
    assert good["motion.roll"]["measured"].endswith("clockwise") and "values" in good["motion.roll"]
    assert bad["motion.zoom"]["status"] == "failed"
    assert doc["jobs"][1]["error_type"] == "ClipCheckFailed"


def test_junit_lists_the_checks_with_their_measurements(run_dir: Path, tmp_path: Path,
                                                        cli: Callable[..., CliResult]) -> None:
    cli("report", run_dir, "--junit", tmp_path / "j.xml", "--no-fail")
    cases = {c.name: c for suite in junitparser.JUnitXml.fromfile(str(tmp_path / "j.xml")) for c in suite}
    out = cases["reported-good"].system_out or ""
    assert "clip check (fast) of good.mp4: ok" in out
    assert re.search(r"motion\.zoom: measured ×1\.100 \(zoom in 10\.0%\), asked ×1\.100", out)
    failure = cases["reported-reversed"].result[0]
    assert failure.message.endswith("clip check failed: motion.zoom: measured ×0.909 (zoom out 9.1%), "
                                    "asked ×1.100 (zoom in 10.0%) ±1%")


def test_html_report_plots_the_camera_and_loudness_and_draws_the_text_boxes(
        run_dir: Path, tmp_path: Path, cli: Callable[..., CliResult]) -> None:
    cli("report", run_dir, "--html", tmp_path / "html", "--no-fail")
    page = (tmp_path / "html" / "index.html").read_text()
    sections = re.findall(r"<div class='clip-qc' data-clip='([^']+)' data-ok='(\w+)'", page)
    assert sorted(sections) == [("good.mp4", "true"), ("reversed.mp4", "false")]
    good = page[page.index("data-clip='good.mp4'"):]
    for title in ("zoom (×)", "picture shift (% of frame)", "roll (°)", "loudness (LUFS, 400 ms)"):
        assert title in good
    assert good.count("class='qc-plot'") >= 4
    assert good.count("<polyline") >= 8  # measured and asked, per plot
    box = re.search(r"<figure class='qc-text'.*?</figure>", good, re.S)
    assert box and "stroke='#ff2d55'" in box.group() and "data:image/jpeg;base64," in box.group()
    assert "Take good at 0.98 s" in box.group()  # the middle frame of its window (15..44 at 30 fps)
