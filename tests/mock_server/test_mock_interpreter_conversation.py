"""Conversations with the mock: each message read against the session's draft and history, the draft
checked after every turn. The rules are specs/instructions.md's "Conversations"; the corpus
(conversation_corpus.txt) holds hundreds of dialogues, these tests pin the rules one by one."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from motionctl.mock_server import MockConfig, drafts
from motionctl.mock_server.interpreter import UNDO_DEPTH, History, Interpretation, interpret
from motionctl.mock_server.interpreter.edit_words import EDIT_WORDS
from motionctl.mock_server.interpreter.explain import changes
from motionctl.runner.cli import main
from tests.mock_server.conftest import OpenApi, png_bytes
from tests.mock_server.conversation_corpus import LIBRARY, accuracy, load, start

ROOT = Path(__file__).parents[2]
FAMILIES = ("relative camera", "undo", "references", "music", "titles", "clip", "chinese", "mixed")


def talk(*messages: str, draft: dict[str, Any] | None = None) -> list[Interpretation]:
    """Each message's reading, in turn, from ``draft`` (one image by default)."""
    current, history, out = draft or start(), History(), []
    for message in messages:
        it = interpret(message, current, LIBRARY, history)
        out.append(it)
        current, history = it.draft, it.history
    return out


def last(*messages: str) -> dict[str, Any]:
    return talk(*messages)[-1].draft


def motion(draft: dict[str, Any]) -> Any:
    segment = drafts.video_segment(draft)
    assert segment is not None
    return segment["motion"]


def segment(draft: dict[str, Any], tt: int, index: int = 0) -> dict[str, Any]:
    track = drafts.track(draft, tt)
    assert track is not None
    sg: dict[str, Any] = track["sg"][index]
    return sg


# --- the corpus ----------------------------------------------------------------------------------------

def test_the_corpus_is_large_and_covers_every_family() -> None:
    dialogues = load()
    families = {d.family for d in dialogues}
    assert families == set(FAMILIES)
    assert len(dialogues) >= 300 and sum(len(d.turns) for d in dialogues) >= 800
    assert all(sum(d.family == f for d in dialogues) >= 5 for f in FAMILIES)


def test_corpus_accuracy_per_family(capsys: pytest.CaptureFixture[str]) -> None:
    per, misses = accuracy(load())
    right, total = sum(r for r, _ in per.values()), sum(t for _, t in per.values())
    with capsys.disabled():
        print("\nconversation corpus accuracy (dialogues right, every turn's checks held):")
        for family in FAMILIES:
            r, t = per[family]
            print(f"  {family:<16} {r:>3}/{t:<3} {100 * r / t:5.1f}%")
        print(f"  {'overall':<16} {right:>3}/{total:<3} {100 * right / total:5.1f}%")
        for miss in misses:
            print("  miss:", miss)
    # It measures 100% (508 dialogues); the bound sits two dialogues under, so a wording change that
    # breaks a third fails here with the misses listed.
    assert right >= total - 2, "\n".join(misses)


# --- relative edits: one parameter each, every other setting kept ---------------------------------------

_MUSIC = ["add lo-fi music at 30%", "fade it out"]
_TITLE = ['add the title "Sale" at the top']


@pytest.mark.parametrize(("setup", "message", "paths", "check"), [
    (["slow zoom in and pan left", "make it linear"], "make it a bit faster",
     {"/t/0/sg/0/motion/zoom", "/t/0/sg/0/motion/pan"},
     lambda d: motion(d) == {"zoom": [1.0, 1.15], "pan": [-0.075, 0.0], "easing": "linear"}),
    (["zoom in and pan left"], "make the pan slower", {"/t/0/sg/0/motion/pan"},
     lambda d: motion(d)["pan"] == [-0.05, 0.0] and motion(d)["zoom"] == [1.0, 1.2]),
    (["pan left", "over 3 seconds"], "now pan the other way", {"/t/0/sg/0/motion/pan"},
     lambda d: motion(d)["pan"] == [0.1, 0.0] and motion(d)["d"] == 3000),
    (["zoom in, linear"], "smoother", {"/t/0/sg/0/motion/easing"},
     lambda d: motion(d)["easing"] == "ease-in-out"),
    (["zoom in, linear"], "slower and smoother", {"/t/0/sg/0/motion/zoom", "/t/0/sg/0/motion/easing"},
     lambda d: motion(d) == {"zoom": [1.0, 1.1], "easing": "ease-in-out"}),
    (["zoom in, linear"], "smoother and slower", {"/t/0/sg/0/motion/zoom", "/t/0/sg/0/motion/easing"},
     lambda d: motion(d) == {"zoom": [1.0, 1.1], "easing": "ease-in-out"}),
    (["zoom in"], "slower and smoother", {"/t/0/sg/0/motion/zoom"},  # already eased: slower once
     lambda d: motion(d) == {"zoom": [1.0, 1.1], "easing": "ease-in-out"}),
    (["zoom in"], "make the zoom stop at 2 seconds", {"/t/0/sg/0/motion/d"},
     lambda d: motion(d)["d"] == 2000),
    (["pan right", *_MUSIC], "make the clip longer",
     {"/d", "/t/0/sg/0/d", "/t/1/sg/0/d"}, lambda d: d["d"] == 7000 and motion(d)["pan"] == [0.1, 0.0]),
    (_MUSIC, "make the music quieter", {"/t/1/sg/0/vol"},
     lambda d: segment(d, 1) | {"vol": 0} == segment(last(*_MUSIC), 1) | {"vol": 0}),
    (_MUSIC, "make it more upbeat", {"/t/1/sg/0/src", "/t/1/sg/0/name"},
     lambda d: segment(d, 1)["vol"] == 30 and segment(d, 1)["fo"] == 2000),
    (["add lo-fi music"], "fade the music in over 1 second", {"/t/1/sg/0/fi"},
     lambda d: segment(d, 1)["fi"] == 1000),
    (_TITLE, "make it bigger", {"/t/1/sg/0/size"}, lambda d: segment(d, 7)["size"] == 80),
    (_TITLE, "move it down a bit", {"/t/1/sg/0/pos"}, lambda d: isinstance(segment(d, 7)["pos"], list)),
    (_TITLE, "make it appear at 1s instead", {"/t/1/sg/0/st"},
     lambda d: (segment(d, 7)["st"], segment(d, 7)["d"]) == (1000, 3000)),
    (_TITLE, "keep it on screen longer", {"/t/1/sg/0/d"}, lambda d: segment(d, 7)["d"] == 4000),
    (_TITLE, "make it red", {"/t/1/sg/0/color"}, lambda d: segment(d, 7)["color"] == "#FF0000"),
    (_TITLE, 'change the title to "Big Sale"', {"/t/1/sg/0/text"},
     lambda d: drafts.texts(d) == ["Big Sale"]),
    (["zoom in"], "make it square", {"/m/aspect", "/m/height"}, lambda d: d["m"]["aspect"] == "1:1"),
    (["make it square"], "go back to vertical", {"/m/aspect", "/m/height"},
     lambda d: d["m"]["aspect"] == "9:16"),
])
def test_a_relative_edit_changes_its_parameter_and_nothing_else(setup: list[str], message: str,
                                                               paths: set[str], check: Any) -> None:
    *_, before, after = talk(*setup, message)
    assert after.understood, after.reply
    assert {c["path"] for c in changes(before.draft, after.draft)} == paths, after.reply
    assert check(after.draft), after.draft


@pytest.mark.parametrize(("setup", "phrasing", "value"), [
    (["slow pan left"], "make the pan {} faster", lambda d: -motion(d)["pan"][0]),
    (["add music at 50%"], "make the music {} quieter", lambda d: -segment(d, 1)["vol"]),
    (["zoom in"], "make the clip {} longer", lambda d: d["d"]),
    (_TITLE, "make the title {} bigger", lambda d: segment(d, 7)["size"]),
    (['add the title "Sale" from 1s'], "show the title {} later", lambda d: segment(d, 7)["st"]),
    (['add the title "Sale" at the center'], "move the title {} down", lambda d: segment(d, 7)["pos"][1]),
])
def test_a_bit_is_less_than_plain_and_much_is_more(setup: list[str], phrasing: str, value: Any) -> None:
    steps = [value(last(*setup, " ".join(phrasing.format(degree).split())))
             for degree in ("a bit", "", "much")]
    assert steps[0] < steps[1] < steps[2], steps


def test_more_takes_another_step_of_the_last_relative_edit_only_of_the_size_said_now() -> None:
    its = talk("add music at 50%", 'add the title "Sale" and make the music quieter', "a bit more", "more",
               "much more")
    assert [segment(it.draft, 1)["vol"] for it in its[1:]] == [40, 35, 25, 12.5]  # half at most in one step
    assert all(drafts.texts(it.draft) == ["Sale"] for it in its[1:])  # the title is not added again
    said = 'add the title "Sale" and make the music quieter'
    assert [s.message for s in its[-1].history.done] == ["add music at 50%", said, said, said, said]
    its = talk("crane up", "more", "more", "more")  # "more" after "more": no endless re-reading
    assert [motion(it.draft)["pan"][1] for it in its] == [-0.1, -0.2, -0.4, -0.8]


def test_the_reply_says_what_changed_from_what() -> None:
    replies = [it.reply for it in talk("slow pan left", "make the pan faster", "add music", "quieter",
                                       'add the title "Sale"', "make it bigger", "undo")]
    assert replies[1] == "Done. Made the pan faster: 5% → 10% over 5 s."
    assert replies[3] == "Done. Made the music quieter: 35% → 25%."
    assert replies[5] == 'Done. Made "Sale" bigger: 64 px → 80 px.'
    assert replies[6] == 'Done. Undid the last change: made "Sale" bigger: 64 px → 80 px.'


# --- undo and redo --------------------------------------------------------------------------------------

def test_undo_and_redo_restore_each_draft_exactly() -> None:
    messages = ["slow zoom in and pan left", "make it square", "add calm music at 20%",
                'add the title "Sale" in red at the top', "make the pan faster", "fade the music out"]
    its = talk(*messages)
    drafts_after = [start(), *(it.draft for it in its)]
    history, draft = its[-1].history, its[-1].draft
    for expected in reversed(drafts_after[:-1]):  # undo, one level at a time, back to the start
        it = interpret("undo", draft, LIBRARY, history)
        assert it.understood and it.draft == expected, it.reply
        draft, history = it.draft, it.history
    it = interpret("undo", draft, LIBRARY, history)
    assert not it.understood and it.kind == "answer" and "nothing" in it.reply and it.draft == draft
    for expected in drafts_after[1:]:  # and redo forward again
        it = interpret("redo", draft, LIBRARY, history)
        assert it.understood and it.draft == expected, it.reply
        draft, history = it.draft, it.history


def test_several_undos_at_once_and_a_new_change_drops_the_redo() -> None:
    its = talk("zoom in", "pan left", "tilt up", "undo the last two changes")
    assert its[-1].draft == its[0].draft
    its = talk("zoom in", "pan left", "undo", "rotate clockwise", "redo")
    assert its[-1].kind == "answer" and its[-1].draft == its[-2].draft
    its = talk("zoom in", "make it faster", "go back", "put it back")  # restore after an undo is a redo
    assert its[-1].draft == its[1].draft


@pytest.mark.parametrize("title", ["Wait, undo", "Oops, never mind", "Undo, then zoom in", "OK, redo"])
def test_quoted_words_are_never_a_command(title: str) -> None:
    # The corpus's undo family holds these too; here each must add its title and keep the earlier change.
    zoomed, it = talk("zoom in", f'add the title "{title}"')
    assert it.understood and drafts.texts(it.draft) == [title], it.reply
    assert motion(it.draft) == motion(zoomed.draft) and len(it.history.done) == 2


@pytest.mark.parametrize("message", ["undo", "undo that", "go back", "revert the last change", "put it back",
                                     "撤销", "恢复", "撤銷", "redo", "重做"])
def test_undo_or_redo_with_nothing_to_take_back_says_so_and_changes_nothing(message: str) -> None:
    it = talk(message)[-1]
    assert not it.understood and it.kind == "answer" and it.draft == start()
    assert it.reply.startswith("There is nothing")


def test_the_history_keeps_the_last_undo_depth_levels() -> None:
    sizes = [f"make the clip {seconds} seconds" for seconds in range(2, 2 + UNDO_DEPTH + 5)]
    its = talk(*sizes)
    assert all(len(it.history.done) <= UNDO_DEPTH for it in its)
    back = interpret("undo everything", its[-1].draft, LIBRARY, its[-1].history)
    assert back.draft == its[4].draft  # the 5 oldest levels are gone: back to after the 5th change
    assert "the last 20 changes" in back.reply


# --- references -----------------------------------------------------------------------------------------

def test_an_ambiguous_reference_gets_a_question_and_changes_nothing() -> None:
    *_, two, it = talk('add the title "Sale" at the top', 'add the text "Today only" at the bottom',
                       "make the title red")
    assert it.kind == "answer" and not it.understood and it.draft == two.draft
    assert it.reply == 'Which title: "Sale" or "Today only"?'


@pytest.mark.parametrize(("message", "colour_of"), [
    ("make the second title yellow", "Today only"),
    ("make the first one yellow", "Sale"),
    ("make the top title yellow", "Sale"),
    ("make that text yellow", "Today only"),
    ("make it yellow", "Today only"),
    ("make the other one yellow", "Sale"),
    ("make Sale yellow", "Sale"),
    ('make "Today only" yellow', "Today only"),
    ("把第二个标题改成黄色", "Today only"),
])
def test_references_resolve_against_the_draft_and_the_last_change(message: str, colour_of: str) -> None:
    draft = last('add the title "Sale" at the top', 'add the text "Today only" at the bottom', message)
    coloured = [sg["text"] for sg in drafts.track(draft, 7)["sg"] if sg.get("color") == "#FFD400"]
    assert coloured == [colour_of]


def test_it_is_what_the_last_change_touched_if_the_edit_applies_to_it() -> None:
    # The last change touched the title; "faster" applies to the camera, the only thing that can be faster.
    draft = last("slow zoom in", "add music", 'add the title "Hi"', "make it faster")
    assert motion(draft)["zoom"] == [1.0, 1.2] and segment(draft, 7).get("size") is None
    # "Bigger" applies to the title and to the zoom: the one touched last decides.
    assert segment(last("zoom in", 'add the title "Hi"', "make it bigger"), 7)["size"] == 80
    assert motion(last('add the title "Hi"', "zoom in", "make it bigger"))["zoom"] == [1.0, 1.4]


# --- Chinese --------------------------------------------------------------------------------------------

def test_a_chinese_conversation_simplified_and_traditional() -> None:
    its = talk("镜头缓缓推进并向左摇", "再快一点", "添加背景音乐", "音乐小声一点", "加个标题“限时优惠”",
               "把标题改成红色", "標題放大一點", "撤銷", "改成橫屏")
    assert motion(its[1].draft) == {"zoom": [1.0, 1.15], "pan": [-0.075, 0.0], "easing": "ease-in-out"}
    assert segment(its[3].draft, 1)["vol"] == 30
    assert segment(its[5].draft, 7)["color"] == "#FF0000"
    assert segment(its[6].draft, 7)["size"] == 72
    assert its[7].draft == its[5].draft
    assert its[8].draft["m"]["aspect"] == "16:9"


# --- purity ---------------------------------------------------------------------------------------------

def test_interpreting_changes_neither_the_draft_nor_the_history_given() -> None:
    its = talk("zoom in", 'add the title "Sale"', "add music")
    draft, history = its[-1].draft, its[-1].history
    saved = copy.deepcopy(draft), copy.deepcopy(history)
    for message in ("faster", "undo", "make it red", "remove the music", "zoom out"):
        interpret(message, draft, LIBRARY, history)
    assert (draft, history) == saved


# --- through the mock -----------------------------------------------------------------------------------

def _summaries(events: Any) -> list[str]:
    return [p["functionResponse"]["response"]["summary"] for e in events.data
            for p in e.get("content", {}).get("parts", []) if "functionResponse" in p]


@pytest.mark.anyio
async def test_the_mock_keeps_one_history_per_session(open_api: OpenApi) -> None:
    async with open_api(MockConfig(no_text_ratio=0.0, work_delay=0.0)) as api:
        one, two = await api.session_with_image(), await api.session_with_image()
        await api.say(one, "slow pan left")
        _, events = await api.say(one, "make the pan faster")
        assert _summaries(events) == ["Done. Made the pan faster: 5% → 10% over 5 s."]
        await api.say(two, "undo that")  # the other session's one change is its upload
        assert (await api.state(two))["draft"]["t"] == []
        assert (await api.state(one))["draft"]["t"][0]["sg"][0]["motion"]["pan"] == [-0.1, 0.0]
        await api.say(one, "undo")
        assert (await api.state(one))["draft"]["t"][0]["sg"][0]["motion"]["pan"] == [-0.05, 0.0]


@pytest.mark.anyio
async def test_a_question_is_a_reply_without_an_edit_and_costs_nothing(open_api: OpenApi) -> None:
    async with open_api(MockConfig(no_text_ratio=0.0, work_delay=0.0)) as api:
        sid = await api.session_with_image()
        before_credits = await api.credits()
        before = await api.state(sid)
        _, events = await api.say(sid, "make the music quieter")
        assert not _summaries(events) and events.texts()[-1].startswith("There is no music")
        assert await api.state(sid) == before and await api.credits() == before_credits


@pytest.mark.anyio
async def test_an_upload_that_replaces_the_image_is_an_undo_level(open_api: OpenApi) -> None:
    async with open_api(MockConfig(no_text_ratio=0.0, work_delay=0.0)) as api:
        sid = await api.session_with_image("first.png")
        await api.say(sid, "zoom in")
        await api.upload(sid, ("second.png", png_bytes(seed=1)))
        assert (await api.state(sid))["draft"]["t"][0]["sg"][0]["name"] == "second.png"
        _, events = await api.say(sid, "undo")
        video = (await api.state(sid))["draft"]["t"][0]["sg"][0]
        assert video["name"] == "first.png" and video["motion"]["zoom"] == [1.0, 1.2]
        assert _summaries(events) == ['Done. Undid the last change: uploaded "second.png" as the image.']


# --- the words, documented ------------------------------------------------------------------------------

def test_every_editing_word_is_documented_in_the_spec() -> None:
    spec = (ROOT / "specs" / "instructions.md").read_text(encoding="utf-8")
    section = spec.split("## Editing vocabulary", 1)[1].split("\n## ", 1)[0]
    missing = [phrase for phrase, _, _ in EDIT_WORDS if f"`{phrase}`" not in section]
    assert not missing, f"add these words to specs/instructions.md's editing vocabulary: {missing}"


def test_editing_rows_are_unique_and_lower_case() -> None:
    rows = [(phrase, kind) for phrase, kind, _ in EDIT_WORDS]
    assert len(rows) == len(set(rows))
    assert all(p == p.lower().strip() for p, _ in rows)


def test_the_default_title_size_is_the_renderers() -> None:
    from motionctl.mock_server.interpreter.adjust_media import DEFAULT_TEXT_SIZE
    from motionctl.mock_server.render.typeset import DEFAULT_SIZE
    assert DEFAULT_TEXT_SIZE == DEFAULT_SIZE


# --- motionctl explain in a conversation ----------------------------------------------------------------

def test_explain_reads_the_last_message_after_the_earlier_turns(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", "--before", "slow zoom in and pan left", "make the pan a bit faster"]) == 0
    out = capsys.readouterr().out
    assert "reply:      Done. Made the pan faster: 5% → 7.5% over 5 s." in out
    assert "/t/0/sg/0/motion/pan: [-0.05, 0.0] -> [-0.075, 0.0]" in out
    assert main(["explain", "--json", "--before", 'add the title "A"', "--before", 'add the title "B"',
                 "make the title red"]) == 1
    result = json.loads(capsys.readouterr().out)
    assert result["reply"] == 'Which title: "A" or "B"?' and result["changes"] == []
    assert [t["message"] for t in result["before"]] == ['add the title "A"', 'add the title "B"']


def test_explain_starts_from_a_draft_or_a_sessions_state(tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    draft = last("pan right", "add music at 40%")
    state = {"session_id": "1", "state": {"draft": draft, "video_infos": LIBRARY}}  # `motionctl state --json`
    for i, value in enumerate((draft, state["state"], state)):
        path = tmp_path / f"{i}.json"
        path.write_text(json.dumps(value))
        assert main(["explain", "--json", "--draft", str(path), "turn the music down to 10%"]) == 0
        assert json.loads(capsys.readouterr().out)["changes"] == [
            {"path": "/t/1/sg/0/vol", "from": 40.0, "to": 10.0}]
    (tmp_path / "bad.json").write_text("[1, 2]")
    assert main(["explain", "--draft", str(tmp_path / "bad.json"), "faster"]) == 2
    assert "expected a JSON object" in capsys.readouterr().err
    (tmp_path / "none.json").write_text('{"a": 1}')
    assert main(["explain", "--draft", str(tmp_path / "none.json"), "faster"]) == 2
    assert "holds no draft" in capsys.readouterr().err
