"""Volatile values become placeholders; goldens are stable, readable and diffable."""

from __future__ import annotations

from pathlib import Path

from runner import golden
from runner.normalise import Placeholders, normalise, normalise_patch


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
    assert "    reply: no text\n" in one
    assert "  b: []\n" in one


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
