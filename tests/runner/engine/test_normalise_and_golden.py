"""Volatile values become placeholders; goldens are stable, readable and diffable."""

from __future__ import annotations

from pathlib import Path

import pytest

from motionctl.runner import golden
from motionctl.runner.errors import UsageError
from motionctl.runner.normalise import Placeholders, normalise, normalise_patch


def test_ids_urls_tokens_and_clocks_become_placeholders() -> None:
    names = Placeholders()
    names.register("5529798706024415232", "session")
    value = {
        "session_id": "5529798706024415232",
        "src": "http://127.0.0.1:53121/cdn/5529798706024415232/shoe.png?sig=abc",
        "render": "render_1773423613616", "again": "render_1773423613616",
        "other": "render_1773423699999",
        "createdAt": 1773423613616, "expires_at": "2026-03-18T00:00:00Z",
        "note": "token nmv_usr_s3cr3t in text", "hash": "9f86d081884c7d65",
        "output": {"url": "https://cdn/x/r.mp4", "size": 15728640}, "text": {"size": 48},
        "zoom": [1.0, 1.1],
    }
    assert normalise(value, names) == {
        "session_id": "<session-1>", "src": "<url:shoe.png>",
        "render": "<render-1>", "again": "<render-1>", "other": "<render-2>",
        "createdAt": "<timestamp>", "expires_at": "<timestamp>",
        "note": "token <token> in text", "hash": "<hash>",
        "output": {"url": "<url:r.mp4>", "size": "<size>"}, "text": {"size": 48},  # a font size stays
        "zoom": [1.0, 1.1],
    }


def test_patch_paths_are_normalised_too() -> None:
    names = Placeholders()
    ops = [{"op": "add", "path": "/video_analyses/5529798706024415233", "value": {"ok": True}}]
    assert normalise_patch(ops, names) == [{"op": "add", "path": "/video_analyses/<session-1>",
                                            "value": {"ok": True}}]


def records(session: str, zoom: float) -> list[dict[str, object]]:
    return [
        {"type": "session", "job": "b", "session_id": "222222222222222", "task_id": "task_b"},
        {"type": "session", "job": "a", "session_id": session, "task_id": "task_a"},
        {"type": "step", "job": "a", "index": 1, "kind": "upload", "label": "step 1 (upload)",
         "files": ["shoe.png"], "patch": [{"op": "add", "path": "/video_infos/0",
                                          "value": {"cdn_url": f"http://127.0.0.1:1/{session}/shoe.png"}}]},
        {"type": "step", "job": "a", "index": 2, "kind": "say", "label": "step 2 (motion)", "sent": "Zoom.",
         "no_text": True, "text": "", "patch": [{"op": "replace", "path": "/draft/t/0/sg/0/motion",
                                                 "value": {"zoom": [1.0, zoom]}}]},
    ]


def test_golden_is_the_same_for_runs_that_differ_only_in_volatile_values() -> None:
    one = golden.build("r", ["a", "b"], records("111111111111111", 1.1))
    two = golden.build("r", ["a", "b"], records("999999999999999", 1.1))
    assert one == two
    assert "    - {op: replace, path: /draft/t/0/sg/0/motion, value: {zoom: [1.0, 1.1]}}\n" in one
    assert "    acted: true\n" in one
    assert "reply" not in one  # whether the agent's reply had text is the backend's mood, not the recipe's
    assert "  b: []\n" in one


def test_the_golden_does_not_depend_on_whether_the_reply_had_text() -> None:
    silent = records("111111111111111", 1.1)
    talkative = [dict(r, no_text=False, text="Done: zoomed.") if r.get("kind") == "say" else r
                 for r in silent]
    assert golden.build("r", ["a", "b"], silent) == golden.build("r", ["a", "b"], talkative)


def test_golden_patches_are_in_one_order_whatever_order_the_diff_came_in() -> None:
    ops = [{"op": "replace", "path": "/draft/t/0/sg/0/d", "value": 3000},
           {"op": "replace", "path": "/draft/d", "value": 3000},
           {"op": "add", "path": "/video_infos/10", "value": {}},
           {"op": "add", "path": "/video_infos/9", "value": {}}]
    def built(patch: list[dict[str, object]]) -> str:
        return golden.build("r", ["a"], [{"type": "step", "job": "a", "index": 1, "kind": "say",
                                          "label": "s", "sent": "x", "patch": patch}])

    assert built(ops) == built(list(reversed(ops))) == built(ops[1:] + ops[:1])
    text = built(ops)
    assert text.index("/draft/d") < text.index("/draft/t/0") < text.index("/video_infos/9") \
        < text.index("/video_infos/10")  # array indexes compare as numbers


def test_the_golden_records_whether_a_step_acted_and_the_tool_summary() -> None:
    text = golden.build("r", ["a"], [
        {"type": "step", "job": "a", "index": 1, "kind": "say", "label": "step 1 (say)", "sent": "x",
         "acted": False, "patch": []},
        {"type": "step", "job": "a", "index": 2, "kind": "say", "label": "step 2 (text)", "sent": "y",
         "acted": True, "result": "Added the text \"Sale\".",
         "patch": [{"op": "add", "path": "/a", "value": 1}]},
    ])
    assert "    acted: false\n    patch: []\n" in text
    assert "    result: Added the text \"Sale\".\n    acted: true\n" in text


def test_compare_shows_a_unified_diff_and_write_says_what_it_did(tmp_path: Path) -> None:
    path = tmp_path / "r.golden.yaml"
    text = golden.build("r", ["a"], records("111111111111111", 1.1))
    assert golden.write(path, text) == "created"
    assert golden.write(path, text) == "unchanged"
    assert golden.compare(path, text) is None
    changed = golden.build("r", ["a"], records("111111111111111", 1.2))
    diff = golden.compare(path, changed)
    assert diff is not None
    assert "-    - {op: replace, path: /draft/t/0/sg/0/motion, value: {zoom: [1.0, 1.1]}}" in diff
    assert "+    - {op: replace, path: /draft/t/0/sg/0/motion, value: {zoom: [1.0, 1.2]}}" in diff
    assert golden.write(path, changed) == "updated"


def test_a_golden_text_is_exactly_this_for_a_small_journal() -> None:
    # Two jobs in plan order (b ran first; c never ran a step), every step kind, ids the session made
    # known as placeholders, non-ASCII text kept as it is and a long line not wrapped.
    records = [
        {"type": "session", "job": "b", "session_id": "5844", "task_id": "task_77"},
        {"type": "step", "job": "b", "index": 1, "label": "step 1 (upload)", "kind": "upload",
         "files": ["/tmp/x/photo é.jpg"],
         "patch": [{"op": "add", "path": "/video_infos/0", "value": "5844"}]},
        {"type": "step", "job": "b", "index": 2, "label": "step 2 (text)", "kind": "say", "acted": False,
         "sent": "Add the text \"Été — " + "x" * 120 + "\" from 0s for 2s at the bottom.",
         "result": "in task_77", "patch": []},
        {"type": "step", "job": "b", "index": 3, "label": "step 3 (expect)", "kind": "expect", "patch": []},
        {"type": "step", "job": "b", "index": 4, "label": "step 4 (export)", "kind": "export",
         "dest_name": "b.mp4", "patch": []},
        {"type": "step", "job": 7, "index": 1, "kind": "say"},  # not a job's record: ignored
        {"type": "session", "job": "a", "session_id": "9911"},
        {"type": "step", "job": "a", "index": 5, "kind": "say", "sent": "9911 5844", "patch": []},
    ]
    text = golden.build("demo", ["a", "b", "c"], records)
    assert text == (
        "# Golden state diffs of recipe 'demo': per job, per step, what it sent and what it\n"
        "# changed in the session state (volatile values as <placeholders>).\n"
        "# Written by `motionctl run --update`; checked by `motionctl run --check`.\n"
        "recipe: demo\n"
        "jobs:\n"
        "  a:\n"
        "  - step: step 5\n"
        "    say: <session-1> 5844\n"
        "    acted: false\n"
        "    patch: []\n"
        "  b:\n"
        "  - step: step 1 (upload)\n"
        "    upload: [photo é.jpg]\n"
        "    acted: true\n"
        "    patch:\n"
        "    - {op: add, path: /video_infos/0, value: <session-1>}\n"
        "  - step: step 2 (text)\n"
        "    say: Add the text \"Été — " + "x" * 120 + "\" from 0s for 2s at the bottom.\n"
        "    result: in <task-1>\n"
        "    acted: false\n"
        "    patch: []\n"
        "  - step: step 3 (expect)\n"
        "    expect: held\n"
        "    patch: []\n"
        "  - step: step 4 (export)\n"
        "    export: b.mp4\n"
        "    patch: []\n"
        "  c: []\n")


def test_golden_files_among_the_arguments_are_left_out_and_only_goldens_is_an_error(tmp_path: Path) -> None:
    recipe, its_golden = tmp_path / "promo.yaml", tmp_path / "promo.golden.yaml"
    assert golden.golden_path(recipe) == its_golden
    assert golden.recipes_among([its_golden, recipe]) == [recipe]
    assert golden.recipes_among([]) == []
    with pytest.raises(UsageError) as info:
        golden.recipes_among([its_golden, tmp_path / "other.golden.yaml"])
    assert str(info.value) == f"{its_golden}: a golden file, not a recipe (pass {recipe} instead)"


def test_a_diff_names_both_sides_and_ends_every_line() -> None:
    path = Path("w/r.golden.yaml")
    assert golden.diff_texts(path, "a\nb\n", "a\nb\n") is None
    diff = golden.diff_texts(path, "a\nb\nc\nd\ne\nf", "a\nb\nc\nd\ne\ng")
    assert diff == ("--- w/r.golden.yaml (golden)\n+++ w/r.golden.yaml (this run)\n@@ -3,4 +3,4 @@\n"
                    " c\n d\n e\n-f\n+g\n")
