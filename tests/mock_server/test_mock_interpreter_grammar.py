"""The camera grammar's promises beyond the corpus: replies in plain words (and through the mock's tool
result), partial understanding reported, the vocabulary table documented, and `motionctl explain` (that only
it reads the mock's interpreter on the runner's side is an import contract: tests/test_architecture.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from motionctl.mock_server import MockConfig, drafts
from motionctl.mock_server.interpreter import interpret, read_camera
from motionctl.mock_server.interpreter.vocabulary import VOCABULARY
from motionctl.runner.cli import main
from tests.mock_server.conftest import OpenApi

ROOT = Path(__file__).parents[2]
IMG = "http://mock/cdn/u1/photo.png"


def base() -> dict[str, Any]:
    return drafts.set_source(drafts.new_draft(), IMG, "photo.png", keep_motion=False)


def motion(draft: dict[str, Any]) -> Any:
    segment = drafts.video_segment(draft)
    assert segment is not None
    return segment["motion"]


@pytest.mark.parametrize(("text", "reply"), [
    ("Pan the camera slowly to the right", "Done. Panned right 5%, slowly (ease-in-out)."),
    ("zoom in 20% while panning left", "Done. Zoomed in 20% and panned left 10% (ease-in-out)."),
    ("slow push in, then a fast tilt up",
     "Done. Zoomed in 10% slowly and tilted up 20% quickly (ease-in-out)."),
    ("rotate 10 degrees counterclockwise over 2 seconds",
     "Done. Rolled counterclockwise 10 degrees, over 2s (ease-in-out)."),
    ("zoom toward the top left, linear", "Done. Zoomed in 20%, centred at 25% 25% (linear)."),
    ("static shot", "Done. Kept the camera still: no camera motion."),
])
def test_the_reply_says_what_was_done_in_plain_words(text: str, reply: str) -> None:
    assert interpret(text, base(), []).reply == reply


def test_a_partly_understood_instruction_is_applied_and_the_reply_names_what_was_left_out() -> None:
    it = interpret("A lighthouse at dusk, waves rolling below. Slow push in, with some handheld shake.",
                   base(), [])
    assert it.understood and motion(it.draft) == {"zoom": [1.0, 1.1], "easing": "ease-in-out"}
    assert it.reply.startswith("Done. Zoomed in 10%, slowly (ease-in-out). Note: ")
    assert '"rolling" describes the subject, not the camera' in it.reply
    assert '"handheld" (handheld wobble) is not a move the renderer can make' in it.reply
    assert 'ignored "a lighthouse at dusk"' in it.reply


def test_a_conflict_is_resolved_by_the_first_move_and_said_so() -> None:
    it = interpret("pan left, pan right", base(), [])
    assert motion(it.draft)["pan"] == [-0.1, 0.0]
    assert "kept pan left; ignored pan right" in it.reply


@pytest.mark.parametrize("text", ["waves rolling onto the beach", "人物向左走", "make it pop"])
def test_an_instruction_with_no_camera_move_is_refused_with_a_suggestion(text: str) -> None:
    d = base()
    it = interpret(text, d, [])
    assert not it.understood and it.draft == d
    assert it.reply.startswith(f'I didn\'t understand "{text}". Try for example: ')


def test_reading_is_pure_and_repeatable() -> None:
    text = "Slow dolly in, then a gentle pan right; no rotation"
    assert read_camera(text) == read_camera(text)


def test_both_phrase_tables_look_up_lengths_by_first_word_one_way() -> None:
    from motionctl.mock_server.interpreter import clauses, lexicon
    assert lexicon.lengths_by_first_word([("tilt", "up"), ("tilt",), ("ken", "burns", "effect")]) == {
        "tilt": (2, 1), "ken": (3,)}
    assert clauses._lengths()["tilt"][-1] == 1 and max(clauses._lengths()["ken"]) == 3
    assert lexicon._lengths("degree")["a"] == (3, 2)  # "a little bit"; "a bit", "a little", "a lot" …


def test_a_reading_is_the_callers_own_to_change() -> None:
    text = "slow zoom in and pan left"
    first = read_camera(text).motion
    assert first is not None
    first["zoom"][1], first["easing"] = 9.0, "linear"
    assert read_camera(text).motion == {"zoom": [1.0, 1.1], "pan": [-0.05, 0.0], "easing": "ease-in-out"}
    draft = drafts.set_motion(base(), read_camera(text).motion)  # a draft holding a reading holds its own
    drafts.video_segment(draft)["motion"]["pan"][0] = 0.5
    assert read_camera(text).motion == {"zoom": [1.0, 1.1], "pan": [-0.05, 0.0], "easing": "ease-in-out"}


def test_every_vocabulary_row_is_documented_in_the_spec() -> None:
    spec = (ROOT / "specs" / "instructions.md").read_text(encoding="utf-8")
    section = spec.split("## Camera vocabulary", 1)[1].split("\n## ", 1)[0]
    missing = [phrase for phrase, kind, _ in VOCABULARY if kind != "filler" and f"`{phrase}`" not in section]
    assert not missing, f"add these words to specs/instructions.md's vocabulary: {missing}"


def test_vocabulary_rows_are_unique_and_lower_case() -> None:
    phrases = [phrase for phrase, _, _ in VOCABULARY]
    assert len(phrases) == len(set(phrases))
    assert all(p == p.lower().strip() for p in phrases)


def test_explain_prints_the_motion_the_parts_and_the_ignored_words(
        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", "Waves rolling onto the beach, pan the camera slowly to the right"]) == 0
    out = capsys.readouterr().out
    assert 'motion:     {"pan": [0.05, 0.0], "easing": "ease-in-out"}' in out
    assert "'pan camera slowly to the right' -> pan right, slow" in out
    assert "ignored:    'waves', 'rolling', 'beach'" in out
    assert 'note:       "rolling" describes the subject, not the camera' in out


def test_explain_json_and_the_exit_code_of_an_unreadable_instruction(
        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", "--json", "镜头缓缓推进"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["motion"] == {"zoom": [1.0, 1.1], "easing": "ease-in-out"}
    assert result["parts"] == [{"words": "镜头 缓缓 推进", "meaning": "zoom in, slow"}]
    assert main(["explain", "--json", "make it pop"]) == 1
    result = json.loads(capsys.readouterr().out)
    assert not result["understood"] and result["reply"].startswith("I didn't understand")
    assert main(["explain", "Set the aspect ratio to 9:16."]) == 0
    assert "canonical sentence" in capsys.readouterr().out


@pytest.mark.anyio
async def test_the_mock_puts_the_reply_in_the_tool_result(open_api: OpenApi) -> None:
    async with open_api(MockConfig(no_text_ratio=0.0, work_delay=0.0)) as api:
        sid = await api.session_with_image()
        _, ev = await api.say(sid, "Pan the camera slowly to the right")
        results = [p["functionResponse"] for e in ev.data for p in e["content"]["parts"]
                   if "functionResponse" in p]
        assert [r["response"]["summary"] for r in results] == ["Done. Panned right 5%, slowly (ease-in-out)."]
        assert (await api.state(sid))["draft"]["t"][0]["sg"][0]["motion"]["pan"] == [0.05, 0.0]


@pytest.mark.parametrize(("text", "field", "value", "note"), [
    ("pan left 150%", "pan", [-0.1, 0.0], '"150%" is more than a pan can do'),
    ("rotate 720 degrees", "roll", [0.0, 6.0], '"720 degrees" is more than a roll can do'),
])
def test_an_impossible_amount_falls_back_to_the_usual_one_and_says_so(text: str, field: str,
                                                                     value: list[float], note: str) -> None:
    it = interpret(text, base(), [])
    assert motion(it.draft)[field] == value and note in it.reply


def test_a_huge_instruction_is_read_up_to_the_prompt_limit_only() -> None:
    text = "slow zoom in. " + "waves rolling onto the beach, " * 2000 + "pan right."
    it = interpret(text, base(), [])
    assert motion(it.draft) == {"zoom": [1.0, 1.1], "easing": "ease-in-out"}  # the late pan is past the limit
    assert "read only the first 2500 characters" in it.reply


def test_removing_one_move_keeps_the_others_asked_for() -> None:
    d = interpret("Animate the image with camera motion: zoom in.", base(), []).draft
    assert motion(interpret("remove the zoom and pan left", d, []).draft) == {"pan": [-0.1, 0.0],
                                                                            "easing": "ease-in-out"}
    assert motion(interpret("remove the camera motion please", d, []).draft) is None
    assert motion(interpret("去掉旋转,镜头缓缓推进", d, []).draft) == {"zoom": [1.0, 1.1],
                                                                   "easing": "ease-in-out"}
