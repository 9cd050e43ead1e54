"""``motionctl qc CLIP --recipe RECIPE``: exit 0 when the clip is what the job asks, 1 with one line per
failed check, 2 for bad input."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from motionctl.runner.qc import ocr
from tests.integration.conftest import WORKFLOWS, CliResult
from tests.qc import clips

RECIPE = """\
version: 1
name: promo
defaults: {aspect: tiktok, duration: 2s}
matrix:
  take: [a, b]
steps:
  - upload: images/watch.jpg
  - motion: {zoom: in, pan: left, amount: {zoom: 20%, pan: 10%}}
  - text: {content: "Timeless.", at: 0.5s, for: 1s, position: bottom}
  - music: {mood: lo-fi, volume: 40%}
  - export: "{{ take }}.mp4"
  - say: make the music calm
  - export: "{{ take }}-calm.mp4"
"""


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A recipe, and the clip its job ``promo-a`` asks for at step 5 (rendered as the recipe says)."""
    tmp = tmp_path_factory.mktemp("qc-command")
    shutil.copytree(WORKFLOWS / "images", tmp / "images", ignore=shutil.ignore_patterns("*.py"))
    recipe = tmp / "promo.yaml"
    recipe.write_text(RECIPE)
    asked = clips.asked_clip()  # what step 5 asks, at --preview size
    return recipe, clips.render(asked, tmp / "a.mp4").path


def test_a_right_clip_exits_0_and_lists_what_was_not_checked(made: tuple[Path, Path],
                                                            cli: Callable[..., CliResult]) -> None:
    recipe, clip = made
    result = cli("qc", clip, "--recipe", recipe, "--job", "promo-a", "--preview")
    assert result.code == 0, result.out + result.err
    assert result.out.splitlines() == ["text.spelling: not checked (read at the full level: run --qc full, "
                                       "or qc --level full)"]
    assert "ok against" in result.err and "step 5 (export) of job promo-a" in result.err


def test_a_wrong_clip_exits_1_with_one_line_per_failed_check(made: tuple[Path, Path], tmp_path: Path,
                                                             cli: Callable[..., CliResult]) -> None:
    recipe, clip = made
    good = clips.Clip(clip, clips.asked_clip())
    mirrored = clips.defect(good, tmp_path / "a.mp4", clips.mirror)
    result = cli("qc", mirrored.path, "--recipe", recipe, "--job", "promo-a", "--preview")
    assert result.code == 1
    failed = [line for line in result.out.splitlines() if "not checked" not in line]
    assert failed and all(": measured " in line and ", asked " in line for line in failed)
    assert failed[0].startswith("motion.pan: measured 10.0% right, asked 10.0% left")
    as_json = json.loads(cli("qc", mirrored.path, "--recipe", recipe, "--job", "promo-a", "--preview",
                             "--json").out)
    assert as_json["ok"] is False and as_json["job"] == "promo-a"
    assert {c["name"] for c in as_json["checks"] if c["status"] == "failed"} >= {"motion.pan"}


def test_bad_input_exits_2_naming_the_fix(made: tuple[Path, Path], tmp_path: Path,
                                          cli: Callable[..., CliResult]) -> None:
    recipe, clip = made
    several = cli("qc", clip, "--recipe", recipe, "--preview")
    assert several.code == 2
    assert "has 2 jobs; say which one made the clip with --job" in several.err
    assert "its jobs: promo-a, promo-b" in several.err
    exports = cli("qc", clip, "--recipe", recipe, "--job", "promo-a",
                  "--step", "3")
    assert exports.code == 2 and "step 3 of job promo-a is not an export" in exports.err
    assert "its export steps: 5, 7" in exports.err
    missing = cli("qc", tmp_path / "nothing.mp4", "--recipe", recipe)
    assert missing.code == 2 and "does not exist" in missing.err
    broken = tmp_path / "broken.yaml"
    broken.write_text("version: 1\nname: x\nsteps:\n  - motion: {zoom: sideways}\n")
    assert cli("qc", clip, "--recipe", broken).code == 2


def test_a_say_steps_part_is_not_checked_without_its_run(made: tuple[Path, Path],
                                                         cli: Callable[..., CliResult]) -> None:
    recipe, clip = made
    result = cli("qc", clip, "--recipe", recipe, "--job", "promo-a", "--step", "7", "--preview")
    assert "audio: not checked (asked by step 6 (say), whose outcome only its run knows: pass --run)" \
        in result.out.splitlines()


def test_without_the_ocr_extra_every_output_says_spelling_was_not_checked_and_how_to_install_it(
        made: tuple[Path, Path], cli: Callable[..., CliResult], monkeypatch: pytest.MonkeyPatch) -> None:
    recipe, clip = made
    monkeypatch.setattr(ocr, "available", lambda: False)
    for level in ("fast", "full"):
        result = cli("qc", clip, "--recipe", recipe, "--job", "promo-a", "--preview", "--level", level)
        assert result.code == 0
        assert any(line.startswith("text.spelling: not checked (reading needs the OCR extra: pip install "
                                   "'motionctl[ocr]'") for line in result.out.splitlines()), result.out
