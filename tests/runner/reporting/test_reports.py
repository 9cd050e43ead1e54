"""JUnit, JSON and `motionctl report`: what CI tools and people read after a run."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import jsonschema
import junitparser
import pytest

from motionctl import specs as motionctl_specs
from motionctl.runner.cli import main
from motionctl.runner.reporting.reports import ReportTargets, write_reports
from motionctl.runner.reporting.runs import load_report
from tests.runner.reporting.conftest import Runs


def test_junit_has_a_testsuite_per_recipe_and_a_testcase_per_job(runs: Runs, tmp_path: Path) -> None:
    _, [path] = write_reports([runs.whole.run_dir], ReportTargets(junit=tmp_path / "junit.xml"))
    xml = junitparser.JUnitXml.fromfile(str(path))
    [suite] = list(xml)
    assert suite.name == "shots" and suite.tests == 3 and suite.failures == 1
    props = {p.name: p.value for p in suite.properties()}
    assert props["run_id"] == runs.whole.run_id and len(props["recipe_hash"]) == 64
    cases = {case.name: case for case in suite}
    assert set(cases) == {"shots-tiktok", "shots-reels", "shots-youtube"}
    assert cases["shots-tiktok"].is_passed
    [failure] = cases["shots-youtube"].result
    assert isinstance(failure, junitparser.Failure)
    assert "shots.yaml:9:5, step 3 (expect)" in failure.message
    assert "aspect: expected 9:16, got 16:9" in failure.message and failure.type == "ExpectationFailed"


def test_json_report_validates_against_its_schema(runs: Runs, tmp_path: Path) -> None:
    write_reports([runs.whole.run_dir], ReportTargets(json=tmp_path / "r.json"))
    doc = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    jsonschema.validate(doc, motionctl_specs.load("report.schema.json"))
    assert doc["schema_version"] == 1 and doc["ok"] is False
    assert doc["counts"] == {"total": 3, "passed": 2, "failed": 1, "skipped": 0, "not_run": 0}
    tiktok = next(j for j in doc["jobs"] if j["job"] == "shots-tiktok")
    sent = [s["sent"] for s in tiktok["steps"]]
    assert "Animate the image with camera motion: slow zoom in, slow pan left." in sent
    assert tiktok["outputs"][0].endswith("shots/tiktok.mp4")
    assert tiktok["credits"] == 50  # the session's editing, paid once (specs/instructions.md, "Credits")
    assert all(s["duration_s"] is not None for s in tiktok["steps"])


def test_reports_carry_no_token(runs: Runs, tmp_path: Path) -> None:
    write_reports([runs.whole.run_dir], ReportTargets(json=tmp_path / "r.json", junit=tmp_path / "j.xml"))
    for name in ("r.json", "j.xml"):
        assert "nmv_usr_" not in (tmp_path / name).read_text(encoding="utf-8")


def test_shards_merge_into_the_same_report_as_one_run(runs: Runs) -> None:
    whole = load_report([runs.whole.run_dir])
    merged = load_report([s.run_dir for s in runs.shards])
    assert len(merged.runs) == 2 and merged.counts() == whole.counts()
    def view(report: object) -> list[tuple[str, str, str, list[str]]]:
        return sorted((j.job, j.status, j.where, [s.sent for s in j.steps]) for j in report.jobs)  # type: ignore[attr-defined]
    assert view(merged) == view(whole)


def test_report_command_merges_runs_and_exits_1_on_failures(runs: Runs, tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["report", *(str(s.run_dir) for s in runs.shards), "--junit", str(tmp_path / "j.xml"),
                 "--json", str(tmp_path / "r.json")])
    err = capsys.readouterr().err
    assert code == 1
    assert "2 runs: 2/3 jobs passed, 1 failed" in err
    assert "job shots-youtube failed at " in err
    xml = junitparser.JUnitXml.fromfile(str(tmp_path / "j.xml"))
    [suite] = list(xml)
    run_ids = [p.value for p in suite.properties() if p.name == "run_id"]
    assert sorted(run_ids) == sorted(s.run_id for s in runs.shards)


def test_report_command_on_a_folder_that_is_no_run_is_a_usage_error(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") <= 2 and "no journal.jsonl here" in err and "Traceback" not in err


def test_unknown_records_are_ignored(runs: Runs, tmp_path: Path) -> None:
    copy = tmp_path / "run"
    shutil.copytree(runs.shards[0].run_dir, copy)
    with (copy / "journal.jsonl").open("a", encoding="utf-8") as f:
        f.write(json.dumps({"type": "intent", "job": "shots-tiktok", "index": 9, "what": "future"}) + "\n")
        f.write("{half a line")
    report = load_report([copy])
    assert [j.status for j in report.jobs] == ["passed"]


def test_run_writes_reports_from_its_flags(runs: Runs, tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["run", str(runs.recipe), "--preview", "--runs-dir", str(tmp_path / "runs"),
                 "--out", str(tmp_path / "out"), "--report-junit", str(tmp_path / "j.xml"),
                 "--report-json", str(tmp_path / "r.json")])
    assert code == 1  # a job failed its expectation; the reports are written all the same
    doc = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert doc["counts"]["failed"] == 1
    assert junitparser.JUnitXml.fromfile(str(tmp_path / "j.xml"))
    assert f"report: {tmp_path / 'j.xml'}" in capsys.readouterr().err


def test_jobs_are_reported_in_plan_order_whatever_order_they_finished_in(runs: Runs, tmp_path: Path) -> None:
    copy = tmp_path / "run"
    shutil.copytree(runs.whole.run_dir, copy)
    records = [json.loads(line) for line in (copy / "journal.jsonl").read_text().splitlines()]
    header, rest = records[0], records[1:]
    # As if the youtube job's records had all come first, then reels', then tiktok's.
    rest.sort(key=lambda r: {"shots-youtube": 0, "shots-reels": 1, "shots-tiktok": 2}.get(r.get("job"), 3))
    (copy / "journal.jsonl").write_text("".join(json.dumps(r) + "\n" for r in [header, *rest]))
    report = load_report([copy])
    assert [j.job for j in report.jobs] == ["shots-tiktok", "shots-reels", "shots-youtube"]
    assert [j.job for j in report.failures_first()] == ["shots-youtube", "shots-tiktok", "shots-reels"]
