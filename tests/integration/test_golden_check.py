"""--check catches a changed recipe with a readable diff; --update says what it created/updated/kept."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tests.integration.conftest import CliResult


def test_check_fails_on_a_changed_step_and_shows_a_unified_diff(
        cli: Callable[..., CliResult], workflows_copy: Path) -> None:
    recipe = workflows_copy / "quickstart.yaml"
    recipe.write_text(recipe.read_text().replace("speed: slow}", "speed: slow, easing: linear}"))
    result = cli("run", recipe, "--check", "--preview")

    assert result.code == 1
    assert f"--- {workflows_copy / 'quickstart.golden.yaml'} (golden)" in result.out
    assert "-    say: 'Animate the image with camera motion: slow zoom in, slow pan left.'" in result.out
    assert ("+    say: 'Animate the image with camera motion: slow zoom in, slow pan left, easing linear.'"
            in result.out)
    new_op = ("+    - {op: replace, path: /draft/t/0/sg/0/motion, "
              "value: {zoom: [1.0, 1.1], pan: [-0.05, 0.0], easing: linear}}")
    assert new_op in result.out  # the new patch, one readable line
    assert "differs from this run" in result.err and "--update" in result.err


def test_a_missing_golden_fails_with_a_hint_to_update(cli: Callable[..., CliResult],
                                                     workflows_copy: Path) -> None:
    (workflows_copy / "freetext.golden.yaml").unlink()
    result = cli("run", workflows_copy / "freetext.yaml", "--check", "--preview")
    assert result.code == 1
    assert "freetext.golden.yaml does not exist" in result.err
    assert f"motionctl run {workflows_copy / 'freetext.yaml'} --update" in result.err


def test_update_lists_created_updated_unchanged_and_goldens_are_stable(
        cli: Callable[..., CliResult], workflows_copy: Path) -> None:
    quick, free = workflows_copy / "quickstart.yaml", workflows_copy / "freetext.yaml"
    (workflows_copy / "freetext.golden.yaml").unlink()
    quick.write_text(quick.read_text().replace("speed: slow}", "speed: slow, easing: ease-in}"))

    first = cli("run", quick, free, "--update", "--preview")
    assert first.code == 0, first.err
    assert f"updated: {workflows_copy / 'quickstart.golden.yaml'}" in first.out
    assert f"created: {workflows_copy / 'freetext.golden.yaml'}" in first.out
    # A second run of the same recipes gives byte-identical goldens (new ids, ports, timestamps).
    second = cli("run", quick, free, "--update", "--preview")
    assert f"unchanged: {workflows_copy / 'quickstart.golden.yaml'}" in second.out
    assert f"unchanged: {workflows_copy / 'freetext.golden.yaml'}" in second.out


def test_update_writes_no_golden_when_a_step_is_refused(
        cli: Callable[..., CliResult], workflows_copy: Path) -> None:
    # README: a refused step fails its job "and the golden is not written": its diffs are incomplete.
    recipe, golden = workflows_copy / "quickstart.yaml", workflows_copy / "quickstart.golden.yaml"
    kept = golden.read_text()
    refused = "  - say: make it feel expensive\n  - expect:"  # free text the mock does not understand
    recipe.write_text(recipe.read_text().replace("  - expect:", refused))
    result = cli("run", recipe, "--update", "--preview")
    assert result.code == 1
    assert "step 3 (say): not done: nothing changed" in result.err
    assert golden.read_text() == kept
    assert "updated:" not in result.out and "created:" not in result.out

    golden.unlink()
    assert cli("run", recipe, "--update", "--preview").code == 1
    assert not golden.exists()
