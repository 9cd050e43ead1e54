"""No false positives: clips made right pass the check, over a varied set of recipes run end to end on the
embedded mock — every axis and direction, every easing, focus points, every platform, Latin, Chinese,
Japanese and emoji titles, every mood and an uploaded track, say: steps, preview and full size.
(Every workflow in workflows/ runs with the check on in tests/integration/test_workflows.py.)"""

from __future__ import annotations

import shutil
import wave
from pathlib import Path

import numpy as np
import pytest

from motionctl.runner.run import RunConfig, run_recipe
from tests.integration.conftest import WORKFLOWS, journal_records

VARIED = """\
version: 1
name: varied
defaults: {duration: 1.5s}
matrix:
  include:
    - {case: 1, platform: tiktok, image: watch.jpg, zoom: in, pan: left, tilt: up, roll: clockwise,
       easing: linear, focus: center, title: "Summer Sale", position: bottom, mood: lo-fi}
    - {case: 2, platform: reels, image: bag.jpg, zoom: out, pan: right, tilt: down, roll: counterclockwise,
       easing: ease-in, focus: top-left, title: "夏季大促销 全场五折", position: top, mood: upbeat}
    - {case: 3, platform: shorts, image: sneaker.jpg, zoom: in, pan: right, tilt: up, roll: counterclockwise,
       easing: ease-out, focus: bottom-right, title: "夏のセール、はじまる", position: center, mood: calm}
    - {case: 4, platform: instagram-feed, image: bottle.png, zoom: out, pan: left, tilt: down,
       roll: clockwise, easing: ease-in-out, focus: right, title: "New in 👟✨", position: bottom,
       mood: cinematic}
    - {case: 5, platform: instagram-square, image: watch.jpg, zoom: in, pan: left, tilt: down,
       roll: clockwise, easing: ease-in-out, focus: top, title: "Café crème — 30% off", position: top,
       mood: lo-fi}
    - {case: 6, platform: youtube, image: sneaker.jpg, zoom: out, pan: right, tilt: up,
       roll: counterclockwise, easing: linear, focus: left, title: "Limited drop · 限定", position: center,
       mood: calm}
steps:
  - upload: "images/{{ image }}"
  - motion: {zoom: "{{ zoom }}", pan: "{{ pan }}", tilt: "{{ tilt }}", roll: "{{ roll }}", speed: slow,
             easing: "{{ easing }}", focus: "{{ focus }}"}
  - text: {content: "{{ title }}", at: 0.4s, for: 0.8s, position: "{{ position }}"}
  - music: {mood: "{{ mood }}", volume: 45%}
  - export: "{{ case }}-{{ platform }}.mp4"
"""

SINGLE_AXES = """\
version: 1
name: axes
defaults: {duration: 1.5s, aspect: "9:16"}
steps:
  - upload: images/bag.jpg
  - text: {content: "Whole clip", for: 1.5s, position: {x: 50%, y: 40%}}
  - motion: {zoom: in}
  - export: zoom-in.mp4
  - motion: {zoom: out, speed: medium}
  - export: zoom-out.mp4
  - motion: {pan: left}
  - export: pan-left.mp4
  - motion: {tilt: down, speed: fast}
  - export: tilt-down.mp4
  - motion: {roll: clockwise, easing: ease-out}
  - export: roll.mp4
  - motion: {zoom: in, amount: 30%, focus: {x: 20%, y: 70%}, duration: 0.8s}
  - export: focus-and-hold.mp4
"""

SAID = """\
version: 1
name: said
steps:
  - upload: [images/sneaker.jpg, tone.wav]
  - duration: 2s
  - say: animate this image with a slow zoom-in and leftward pan
  - say: make it 16:9 for YouTube
  - music: {file: tone.wav, volume: 70%}
  - say: add the title "Drop 04" at the top
    allow_noop: true
  - export: said.mp4
"""


def tone(path: Path) -> Path:
    """A 1.5 s chord with a beat, mono, at 44.1 kHz: an uploaded track (looped in a 2 s clip)."""
    t = np.arange(int(1.5 * 44_100)) / 44_100
    beat = 0.6 + 0.4 * (np.sin(2 * np.pi * 2 * t) > 0)
    signal = sum(np.sin(2 * np.pi * f * t) for f in (220, 277, 330)) / 3 * beat
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(44_100)
        out.writeframes((signal * 0.5 * 32767).astype(np.int16).tobytes())
    return path


def run(tmp_path: Path, name: str, text: str, *, preview: bool = True) -> None:
    shutil.copytree(WORKFLOWS / "images", tmp_path / "images", ignore=shutil.ignore_patterns("*.py"),
                    dirs_exist_ok=True)
    tone(tmp_path / "tone.wav")
    recipe = tmp_path / f"{name}.yaml"
    recipe.write_text(text)
    result = run_recipe(RunConfig(recipe=recipe, preview=preview, runs_dir=tmp_path / "runs",
                                  out_dir=tmp_path / "out", credit_check=False))
    assert [j.error for j in result.jobs if not j.ok] == []
    checks = [r for r in journal_records(result.run_dir) if r["type"] == "clip_check"]
    assert len(checks) == len(result.outputs) and all(r["ok"] for r in checks)
    for r in checks:
        # ok alone stays true if a check quietly became "not checked" (a blank clip did): every check must
        # have been judged and passed, but the reading that is left for the full level.
        left = {(c["name"], c["status"]) for c in r["checks"] if c["status"] != "passed"}
        assert left == LEFT_AT_FAST, (r["path"], left)
        assert not JUDGED_ALWAYS - {c["name"] for c in r["checks"]}, r["path"]


# What a fast check leaves for the full level on these recipes (each one shows a title) ...
LEFT_AT_FAST = {("text.spelling", "not_checked")}
# ... and what it judges on every clip, so a check that vanished from the verdict is noticed too.
JUDGED_ALWAYS = {"format.container", "format.size", "format.decodes", "format.frames", "picture.blank",
                 "picture.black", "picture.frozen", "picture.bars", "picture.edges", "motion.zoom",
                 "motion.pan", "motion.tilt", "motion.roll", "motion.easing", "motion.path", "text.shown",
                 "text.position"}


@pytest.mark.parametrize(("name", "text"), [("varied", VARIED), ("axes", SINGLE_AXES), ("said", SAID)])
def test_clips_made_right_pass_every_check(tmp_path: Path, name: str, text: str) -> None:
    run(tmp_path, name, text)


FULL_SIZE = """\
version: 1
name: full
defaults: {aspect: tiktok, duration: 2s}
steps:
  - upload: images/watch.jpg
  - motion: {zoom: in, tilt: up, speed: slow}
  - text: {content: "Timeless.", at: 0.5s, for: 1s, position: center}
  - text: {content: "Acme Chrono — 30% off this week", at: 1.5s, for: 0.5s}
  - music: {mood: lo-fi, volume: 30%}
  - export: full.mp4
"""


@pytest.mark.slow
def test_a_full_size_clip_passes_every_check(tmp_path: Path) -> None:
    run(tmp_path, "full", FULL_SIZE, preview=False)
