"""The interpreter on its own: every canonical sentence of specs/instructions.md, free text, Chinese
keywords, and refusals. Expected values come from the tables of specs/motion.md and instructions.md."""

from __future__ import annotations

from typing import Any

import pytest

from motionctl.mock_server import drafts
from motionctl.mock_server.interpreter import interpret

IMG = "http://mock/cdn/u1/photo.png"
LIB: list[dict[str, Any]] = [
    {"filename": "photo.png", "file_type": "image", "cdn_url": IMG},
    {"filename": "other.jpg", "file_type": "image", "cdn_url": "http://mock/cdn/u2/other.jpg"},
    {"filename": "song.mp3", "file_type": "audio", "cdn_url": "http://mock/cdn/u3/song.mp3"},
]


def base() -> dict[str, Any]:
    return drafts.set_source(drafts.new_draft(), IMG, "photo.png", keep_motion=False)


def motion_of(text: str, draft: dict[str, Any] | None = None) -> dict[str, Any]:
    it = interpret(text, draft or base(), LIB)
    assert it.understood, it.reply
    seg = drafts.video_segment(it.draft)
    assert seg is not None
    motion: dict[str, Any] = seg["motion"]
    return motion


@pytest.mark.parametrize(("part", "field", "value"), [
    ("zoom in", "zoom", [1.0, 1.2]),
    ("slow zoom in", "zoom", [1.0, 1.1]),
    ("fast zoom in", "zoom", [1.0, 1.35]),
    ("zoom in 15%", "zoom", [1.0, 1.15]),
    ("slow zoom in 15%", "zoom", [1.0, 1.15]),  # a number wins over the speed word
    ("zoom out", "zoom", [1.2, 1.0]),
    ("fast zoom out 30%", "zoom", [1.3, 1.0]),
    ("pan left", "pan", [-0.1, 0.0]),
    ("slow pan left", "pan", [-0.05, 0.0]),
    ("pan left 4%", "pan", [-0.04, 0.0]),
    ("pan right", "pan", [0.1, 0.0]),
    ("fast pan right", "pan", [0.2, 0.0]),
    ("tilt up", "pan", [0.0, -0.1]),
    ("tilt down 2.5%", "pan", [0.0, 0.025]),
    ("roll clockwise", "roll", [0.0, 6.0]),
    ("slow roll clockwise", "roll", [0.0, 3.0]),
    ("roll clockwise 10 degrees", "roll", [0.0, 10.0]),
    ("fast roll counterclockwise", "roll", [0.0, -12.0]),
])
def test_each_canonical_motion_part_gives_the_motion_md_value(part: str, field: str,
                                                              value: list[float]) -> None:
    motion = motion_of(f"Animate the image with camera motion: {part}.")
    assert motion[field] == pytest.approx(value)
    assert motion["easing"] == "ease-in-out"  # the documented default, written out


def test_canonical_motion_with_every_modifier() -> None:
    motion = motion_of("Animate the image with camera motion: slow zoom in, pan left, tilt down 3%, "
                       "focus at 30% 40%, easing linear, over 2.5s.")
    # "slow" also covers the later parts that have no speed word; a number wins over it.
    assert motion == {"zoom": [1.0, 1.1], "pan": [-0.05, 0.03], "focus": [0.3, 0.4], "easing": "linear",
                      "d": 2500}


def test_motion_replaces_the_previous_motion() -> None:
    first = interpret("Animate the image with camera motion: zoom in.", base(), LIB).draft
    motion = motion_of("Animate the image with camera motion: pan right.", first)
    assert "zoom" not in motion and motion["pan"] == [0.1, 0.0]


def test_canonical_non_motion_sentences() -> None:
    d = base()
    steps: list[tuple[str, Any]] = [
        ("Set the duration to 6s.", lambda x: x["d"] == 6000 and drafts.video_segment(x)["d"] == 6000),
        ("Set the aspect ratio to 16:9.",
         lambda x: (x["m"]["aspect"], x["m"]["width"], x["m"]["height"]) == ("16:9", 1920, 1080)),
        ("Set the aspect ratio to 4:5.", lambda x: (x["m"]["width"], x["m"]["height"]) == (1080, 1350)),
        ('Add the text "Acme — 30% off" from 0s for 3s at the bottom, size 64, color #FFCC00.',
         lambda x: drafts.track(x, 7)["sg"] == [{"id": "x1", "st": 0, "d": 3000, "text": "Acme — 30% off",
                                                 "pos": "bottom", "size": 64, "color": "#FFCC00"}]),
        ('Add the text "say \\"hi\\"" from 1.5s for 2s at 25% 80%.',
         lambda x: drafts.track(x, 7)["sg"][1] == {"id": "x2", "st": 1500, "d": 2000, "text": 'say "hi"',
                                                   "pos": [0.25, 0.8]}),
        ('Replace the text "say \\"hi\\"" with "bye".',
         lambda x: drafts.texts(x) == ["Acme — 30% off", "bye"]),
        ('Remove the text "Acme — 30% off".', lambda x: drafts.texts(x) == ["bye"]),
        ("Remove all text.", lambda x: drafts.track(x, 7) is None),
        ("Add background music: lo-fi mood at 35% volume.",
         lambda x: drafts.track(x, 1)["sg"] == [{"id": "a1", "st": 0, "d": 6000, "src": "mood:lo-fi",
                                                 "name": "lo-fi", "vol": 35.0}]),
        ('Add background music from the file "song.mp3" at 20% volume.',
         lambda x: [t["tt"] for t in x["t"]] == [0, 1] and
         drafts.track(x, 1)["sg"][0]["src"] == "http://mock/cdn/u3/song.mp3"),
        ("Set the music volume to 50%.", lambda x: drafts.track(x, 1)["sg"][0]["vol"] == 50.0),
        ("Remove the background music.", lambda x: drafts.track(x, 1) is None),
        ("Animate the image with camera motion: zoom in.", lambda x: drafts.video_segment(x)["motion"]),
        ('Use the image "other.jpg".', lambda x: drafts.video_segment(x)["src"].endswith("other.jpg")
         and drafts.video_segment(x)["motion"]["zoom"] == [1.0, 1.2]),  # motion kept
        ("Remove the camera motion.", lambda x: drafts.video_segment(x)["motion"] is None),
    ]
    for sentence, check in steps:
        it = interpret(sentence, d, LIB)
        assert it.understood, (sentence, it.reply)
        assert check(it.draft), (sentence, it.draft)
        assert it.kind == ("generation" if sentence.startswith("Animate") else "edit")
        d = it.draft


def test_duration_clamps_texts_and_drops_those_after_the_end() -> None:
    d = interpret('Add the text "A" from 0s for 4s at the top.', base(), LIB).draft
    d = interpret('Add the text "B" from 4s for 1s at the top.', d, LIB).draft
    d = interpret("Set the duration to 3s.", d, LIB).draft
    assert [(s["text"], s["st"], s["d"]) for s in drafts.track(d, 7)["sg"]] == [("A", 0, 3000)]


@pytest.mark.parametrize(("text", "expected"), [
    ("animate this image with a slow zoom-in and leftward pan",
     {"zoom": [1.0, 1.1], "pan": [-0.05, 0.0], "easing": "ease-in-out"}),
    ("zoom toward the top left", {"zoom": [1.0, 1.2], "focus": [0.25, 0.25], "easing": "ease-in-out"}),
    ("fast zoom out and pan to the right by 15%", {"zoom": [1.35, 1.0], "pan": [0.15, 0.0],
                                                   "easing": "ease-in-out"}),
    ("slowly tilt up, linear", {"pan": [0.0, -0.05], "easing": "linear"}),
    ("rotate counter-clockwise 8 degrees", {"roll": [0.0, -8.0], "easing": "ease-in-out"}),
    ("缓慢放大并向左", {"zoom": [1.0, 1.1], "pan": [-0.05, 0.0], "easing": "ease-in-out"}),
    ("快 缩小", {"zoom": [1.35, 1.0], "easing": "ease-in-out"}),
    ("向右", {"pan": [0.1, 0.0], "easing": "ease-in-out"}),
    ("向上", {"pan": [0.0, -0.1], "easing": "ease-in-out"}),
    ("向下 右移", {"pan": [0.1, 0.1], "easing": "ease-in-out"}),
    ("旋转", {"roll": [0.0, 6.0], "easing": "ease-in-out"}),
])
def test_free_text_motion(text: str, expected: dict[str, Any]) -> None:
    it = interpret(text, base(), LIB)
    assert it.understood and it.kind == "generation" and it.tool == "generate_video_with_seedance"
    assert drafts.video_segment(it.draft)["motion"] == expected


@pytest.mark.parametrize(("text", "check"), [
    ("make it 9:16 for TikTok", lambda d: d["m"]["aspect"] == "9:16"),
    ("make it square", lambda d: d["m"]["aspect"] == "1:1"),
    ("比例 16:9", lambda d: (d["m"]["aspect"], d["m"]["width"]) == ("16:9", 1920)),
    ("add lo-fi music at 30%", lambda d: drafts.track(d, 1)["sg"][0]["src"] == "mood:lo-fi"
     and drafts.track(d, 1)["sg"][0]["vol"] == 30.0),
    ("添加背景音乐", lambda d: drafts.track(d, 1) is not None),
    ('add the title "Hello" at the top', lambda d: drafts.track(d, 7)["sg"][0]["text"] == "Hello"
     and drafts.track(d, 7)["sg"][0]["pos"] == "top"),
    ("添加字幕“你好”", lambda d: drafts.texts(d) == ["你好"]),
    ("标题 「春季特卖」", lambda d: drafts.texts(d) == ["春季特卖"]),
    ("文字 “早安”", lambda d: drafts.texts(d) == ["早安"]),
    ("make the video 8 seconds long", lambda d: d["d"] == 8000),
    ("时长 6秒", lambda d: d["d"] == 6000),
])
def test_free_text_edits(text: str, check: Any) -> None:
    it = interpret(text, base(), LIB)
    assert it.understood and it.kind == "edit" and it.tool == "edit_multitrack", it.reply
    assert check(it.draft)


def test_a_timed_move_is_not_a_new_duration() -> None:
    it = interpret("a long slow zoom in over 3s", base(), LIB)
    assert it.draft["d"] == 5000 and drafts.video_segment(it.draft)["motion"]["d"] == 3000
    assert interpret("make it 7s long with a slow zoom in over 3s", base(), LIB).draft["d"] == 7000


@pytest.mark.parametrize(("text", "clip", "move"), [
    ("make it 4 seconds with a 4s pan left", 4000, 4000),  # the same number for both: each is read by place
    ("make it 6 seconds with a 4s pan left", 6000, 4000),
    ("a 3-second zoom in, make the video 3 seconds", 3000, 3000),
    ("zoom in over 3 seconds and make the clip 3 seconds", 3000, 3000),
])
def test_a_clip_length_equal_to_the_moves_is_still_the_clips(text: str, clip: int, move: int) -> None:
    it = interpret(text, base(), LIB)
    assert it.draft["d"] == clip and drafts.video_segment(it.draft)["motion"]["d"] == move, it.reply


def test_free_text_removals_including_chinese() -> None:
    d = interpret("Add background music: calm mood at 40% volume.", base(), LIB).draft
    d = interpret('Add the text "Sale" from 0s for 2s at the center.', d, LIB).draft
    d = interpret("Animate the image with camera motion: zoom in.", d, LIB).draft
    assert drafts.track(interpret("删除背景音乐", d, LIB).draft, 1) is None
    assert drafts.track(interpret("移除字幕", d, LIB).draft, 7) is None
    assert drafts.video_segment(interpret("remove the camera motion please", d, LIB).draft)["motion"] is None
    assert drafts.texts(interpret('delete the text "Sale"', d, LIB).draft) == []


@pytest.mark.parametrize("text", ["make it pop", "asdf qwerty", "", "tell me a joke"])
def test_not_understood_leaves_the_draft_and_says_so(text: str) -> None:
    d = base()
    it = interpret(text, d, LIB)
    assert not it.understood and it.kind == "none" and it.tool == ""
    assert it.reply.startswith("I didn't understand")
    assert it.draft == d and it.draft is not d


@pytest.mark.parametrize(("text", "reason"), [
    ('Use the image "missing.png".', "missing.png"),
    ('Add background music from the file "nope.mp3" at 20% volume.', "nope.mp3"),
    ("Set the music volume to 20%.", "no background music"),
    ('Remove the text "ghost".', "ghost"),
    ('Add the text "late" from 9s for 1s at the top.', "after the end"),
])
def test_canonical_sentences_that_cannot_apply_are_refused_with_the_reason(text: str, reason: str) -> None:
    it = interpret(text, base(), LIB)
    assert not it.understood and it.reply.startswith("I didn't understand") and reason in it.reply


def test_motion_before_any_upload_is_refused() -> None:
    it = interpret("Animate the image with camera motion: zoom in.", drafts.new_draft(), [])
    assert not it.understood and "upload" in it.reply


def test_interpret_does_not_mutate_its_inputs() -> None:
    d = base()
    before = repr(d), repr(LIB)
    interpret("Animate the image with camera motion: zoom in.", d, LIB)
    interpret("Set the duration to 9s.", d, LIB)
    assert (repr(d), repr(LIB)) == before


def quoted(content: str) -> str:
    """``content`` quoted as specs/instructions.md says: ``\\"`` is the only escape."""
    return '"' + content.replace('"', '\\"') + '"'


@pytest.mark.parametrize("content", [
    "two  spaces\nand a line", "  padded\t", 'say "hi"', "back\\slash", "ends in a backslash\\",
    'a backslash \\" then a quote', "\n",
])
def test_quoted_content_is_kept_exactly(content: str) -> None:
    d = interpret(f"Add the text {quoted(content)} from 0s for 2s at the top.", base(), LIB).draft
    assert drafts.texts(d) == [content]
    replaced = interpret(f"Replace the text {quoted(content)} with {quoted(content + ' 2')}.", d, LIB).draft
    assert drafts.texts(replaced) == [content + " 2"]
    assert drafts.texts(interpret(f"Remove the text {quoted(content)}.", d, LIB).draft) == []


def test_spacing_outside_quotes_is_normalised_inside_kept() -> None:
    d = interpret('  Add the text "a  b"\nfrom 0s  for 2s\tat the top.\n', base(), LIB).draft
    assert drafts.texts(d) == ["a  b"]
    d = interpret('add the title "x\n  y" at the   bottom', base(), LIB).draft
    assert drafts.texts(d) == ["x\n  y"] and drafts.track(d, 7)["sg"][0]["pos"] == "bottom"
    assert drafts.texts(interpret("添加字幕“你  好”", base(), LIB).draft) == ["你  好"]


def test_free_text_replace_and_remove_keep_quoted_content_exactly() -> None:
    d = interpret('Add the text "say \\"hi\\"  now" from 0s for 2s at the top.', base(), LIB).draft
    d = interpret('change the text "say \\"hi\\"  now" to "bye"', d, LIB).draft
    assert drafts.texts(d) == ["bye"]
    d = interpret('add the caption "a\\\\b" at the top', d, LIB).draft
    assert drafts.texts(d) == ["bye", "a\\\\b"]
    assert drafts.texts(interpret('delete the text "a\\\\b"', d, LIB).draft) == ["bye"]
