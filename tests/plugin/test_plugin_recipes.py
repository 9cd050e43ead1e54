"""Recipes as pytest tests: collection, passing, a golden diff, a failed step, the update list, -k, xdist."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.plugin.conftest import ONE


def test_each_job_is_an_item_named_by_its_job_id(pytester: pytest.Pytester, recipes: Path) -> None:
    result = pytester.runpytest("--collect-only", "-q", "recipes/one.yaml", "recipes/pair.yaml")
    result.stdout.fnmatch_lines(["recipes/one.yaml::one", "recipes/pair.yaml::pair-tiktok",
                                 "recipes/pair.yaml::pair-youtube", "*3 tests collected*"])


def test_a_folder_contributes_recipes_with_goldens_and_testpaths_none(pytester: pytest.Pytester,
                                                                      recipes: Path) -> None:
    # pair.yaml has a golden, one.yaml has none: pointing pytest at the folder collects pair's jobs, and
    # one item for one.yaml that says it has no golden yet (see the next test).
    (recipes / "pair.golden.yaml").write_text("recipe: pair\njobs:\n", encoding="utf-8")
    result = pytester.runpytest("--collect-only", "-q", "recipes")
    result.stdout.fnmatch_lines(["recipes/one.yaml::no golden", "recipes/pair.yaml::pair-tiktok",
                                 "recipes/pair.yaml::pair-youtube", "*3 tests collected*"])
    # A project whose testpaths hold recipes (fixtures of its own tests) collects none of them.
    pytester.makeini("[pytest]\ntestpaths = recipes\n")
    assert "no tests collected" in str(pytester.runpytest("--collect-only", "-q").stdout)
    # Unless it asks for them with the ini globs.
    pytester.makeini("[pytest]\ntestpaths = recipes\nmotionctl_recipes = recipes/*.yaml\n")
    pytester.runpytest("--collect-only", "-q").stdout.fnmatch_lines(["*3 tests collected*"])


def test_update_lists_created_then_unchanged_and_the_check_passes(pytester: pytest.Pytester,
                                                                  recipes: Path) -> None:
    first = pytester.runpytest("recipes/one.yaml", "--motionctl-update")
    first.assert_outcomes(passed=1)
    first.stdout.fnmatch_lines(["*motionctl goldens*", "1 created", "  created: *one.golden.yaml::one"])
    golden = (recipes / "one.golden.yaml").read_text(encoding="utf-8")
    assert "say: 'Animate the image with camera motion: slow zoom in.'" in golden
    second = pytester.runpytest("recipes/one.yaml", "--motionctl-update")
    second.stdout.fnmatch_lines(["1 unchanged"])
    assert (recipes / "one.golden.yaml").read_text(encoding="utf-8") == golden
    pytester.runpytest("recipes/one.yaml").assert_outcomes(passed=1)


def test_a_changed_golden_fails_with_the_diff(pytester: pytest.Pytester, recipes: Path) -> None:
    pytester.runpytest("recipes/one.yaml", "--motionctl-update").assert_outcomes(passed=1)
    path = recipes / "one.golden.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("slow zoom in", "fast zoom in"), encoding="utf-8")
    result = pytester.runpytest("recipes/one.yaml", "--motionctl-report-html", "html",
                                "--motionctl-report-junit", "junit.xml")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        "*golden *one.golden.yaml differs for job one; if the change is intended, run `pytest *",
        "*--- *one.golden.yaml (golden, job one)",
        "-    say: 'Animate the image with camera motion: fast zoom in.'",
        "+    say: 'Animate the image with camera motion: slow zoom in.'",
    ])
    assert "Traceback" not in str(result.stdout)
    # The reports say so too: the page shows the diff, the JUnit file has a failing "golden" case.
    page = (pytester.path / "html" / "index.html").read_text(encoding="utf-8")
    assert "one.golden.yaml differs from this run" in page and "fast zoom in" in page
    junit = (pytester.path / "junit.xml").read_text(encoding="utf-8")
    assert '<testcase name="golden"' in junit and 'type="GoldenMismatch"' in junit


def test_a_recipe_in_a_folder_without_a_golden_is_skipped_with_the_command_that_writes_it(
        pytester: pytest.Pytester, recipes: Path) -> None:
    # Issue 18: `pytest recipes/` said nothing about recipes without a golden. Skipped, not failed: a
    # folder may hold drafts or other tests' fixtures; listed with -rs, in JUnit, and in the counts.
    (recipes / "pair.golden.yaml").unlink(missing_ok=True)
    result = pytester.runpytest("recipes", "-rs", "--junitxml", "junit.xml")
    result.assert_outcomes(skipped=2)
    result.stdout.fnmatch_lines([
        "SKIPPED [[]1[]] recipes/one.yaml: one.yaml has no golden file yet: `pytest recipes/one.yaml "
        "--motionctl-update` writes it (commit it beside the recipe); from then on its jobs are checked here",
        "SKIPPED [[]1[]] recipes/pair.yaml: pair.yaml has no golden file yet: *"])
    junit = (pytester.path / "junit.xml").read_text(encoding="utf-8")
    assert junit.count("<skipped ") == 2 and "pytest recipes/one.yaml --motionctl-update" in junit
    # Written, the golden turns the item into the recipe's jobs, checked.
    pytester.runpytest("recipes/one.yaml", "--motionctl-update").assert_outcomes(passed=1)
    pytester.runpytest("recipes", "-k", "one").assert_outcomes(passed=1, deselected=1)


def test_a_missing_golden_says_how_to_write_it(pytester: pytest.Pytester, recipes: Path) -> None:
    result = pytester.runpytest("recipes/one.yaml")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*golden *one.golden.yaml does not exist; write it with `pytest *one.yaml "
                                 "--motionctl-update` and commit it*"])


def test_a_failed_step_names_file_line_and_the_reason(pytester: pytest.Pytester, recipes: Path) -> None:
    (recipes / "one.yaml").write_text(ONE.replace("duration: 2s}\n  - export", "duration: 9s}\n  - export"),
                                      encoding="utf-8")
    result = pytester.runpytest("recipes/one.yaml")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["job one failed at *recipes/one.yaml:7:5, step 3 (expect):",
                                 "*the expectation did not hold*"])


def test_a_broken_recipe_is_a_one_line_collection_error(pytester: pytest.Pytester, recipes: Path) -> None:
    (recipes / "one.yaml").write_text(ONE.replace("zoom: in", "zoom: inn"), encoding="utf-8")
    result = pytester.runpytest("recipes/one.yaml")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*one.yaml:6:*zoom*"])
    assert "Traceback" not in str(result.stdout)


def test_k_runs_only_the_selected_job(pytester: pytest.Pytester, recipes: Path) -> None:
    result = pytester.runpytest("recipes/pair.yaml", "--motionctl-update", "-k", "tiktok",
                                "--motionctl-report-json", "report.json")
    result.assert_outcomes(passed=1, deselected=1)
    report = json.loads((pytester.path / "report.json").read_text(encoding="utf-8"))
    assert [j["job"] for j in report["jobs"]] == ["pair-tiktok"]  # the other job never ran
    golden = (recipes / "pair.golden.yaml").read_text(encoding="utf-8")
    assert "  pair-tiktok:\n" in golden and "pair-youtube" not in golden


def test_unused_entries_are_listed_and_deleted_on_update(pytester: pytest.Pytester, recipes: Path) -> None:
    pytester.runpytest("recipes/one.yaml", "--motionctl-update").assert_outcomes(passed=1)
    path = recipes / "one.golden.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "  one-gone:\n  - step: step 1 (upload)\n",
                    encoding="utf-8")
    check = pytester.runpytest("recipes/one.yaml")
    check.assert_outcomes(passed=1)
    check.stdout.fnmatch_lines(["1 unused",
                                "  unused (delete with --motionctl-update): *one.golden.yaml::one-gone"])
    update = pytester.runpytest("recipes/one.yaml", "--motionctl-update")
    update.stdout.fnmatch_lines(["1 unchanged, 1 deleted", "  deleted: *one.golden.yaml::one-gone"])
    assert "one-gone" not in path.read_text(encoding="utf-8")


def test_xdist_spreads_jobs_and_both_land_in_one_golden(pytester: pytest.Pytester, recipes: Path) -> None:
    # Other plugins of this venv stay out of the workers: each worker is a new interpreter to start.
    quiet = ["-p", "no:benchmark", "-p", "no:schemathesis", "-p", "no:hypothesispytest"]
    update = pytester.runpytest(*quiet, "-n", "2", "recipes/pair.yaml", "--motionctl-update",
                                "--motionctl-report-html", "html")
    update.assert_outcomes(passed=2)
    update.stdout.fnmatch_lines(["*2 created*"])
    golden = (recipes / "pair.golden.yaml").read_text(encoding="utf-8")
    assert golden.index("  pair-tiktok:\n") < golden.index("  pair-youtube:\n")  # plan order, whoever won
    page = (pytester.path / "html" / "index.html").read_text(encoding="utf-8")
    assert 'data-job="pair-tiktok"' in page and 'data-job="pair-youtube"' in page
    # Both workers' entries are in the file: a check in this process (another hash seed) passes for both.
    pytester.runpytest("recipes/pair.yaml").assert_outcomes(passed=2)
