"""The state diff: valid RFC 6902 that turns one state into the other, and the same ops on every machine."""

from __future__ import annotations

import json
from typing import Any

import jsonpatch
from hypothesis import given, settings
from hypothesis import strategies as st

from motionctl.runner.state import AUDIO, TEXT, diff, draft_of, segments, snapshot

_keys = st.text("ab~/", max_size=3)  # "~" and "/" must be escaped in a JSON Pointer
_scalars = st.none() | st.booleans() | st.integers(-5, 5) | st.floats(-2, 2, allow_nan=False) | _keys
_json = st.recursive(_scalars, lambda inner: st.lists(inner, max_size=4)
                     | st.dictionaries(_keys, inner, max_size=4), max_leaves=20)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(_keys, _json, max_size=4),
       st.dictionaries(_keys, _json, max_size=4))
def test_the_diff_turns_before_into_after(before: dict[str, Any], after: dict[str, Any]) -> None:
    patched = jsonpatch.apply_patch(before, diff(before, after))
    assert patched == after
    assert json.dumps(patched, sort_keys=True) == json.dumps(after, sort_keys=True)  # 1 stays 1, not 1.0
    assert diff(after, after) == []


def test_an_inserted_track_is_described_by_the_rule_not_by_a_library_version() -> None:
    before = {"draft": {"t": [{"tt": 0}, {"tt": 7, "sg": [{"id": "x1"}]}]}}
    after = {"draft": {"t": [{"tt": 0}, {"tt": 1, "sg": [{"id": "a1"}]}, {"tt": 7, "sg": [{"id": "x1"}]}]}}
    assert diff(before, after) == [
        {"op": "replace", "path": "/draft/t/1/tt", "value": 1},
        {"op": "replace", "path": "/draft/t/1/sg/0/id", "value": "a1"},
        {"op": "add", "path": "/draft/t/2", "value": {"tt": 7, "sg": [{"id": "x1"}]}},
    ]


def test_the_diff_keeps_its_own_copies_of_the_values_it_adds() -> None:
    # A journal writes the patch later than the diff is taken; the state it came from may change meanwhile.
    after = {"t": [{"sg": [{"text": "Sale"}]}], "m": {"aspect": "9:16"}, "d": {"k": [1]}}
    ops = diff({"d": 5}, after)
    expected = json.loads(json.dumps(ops))
    after["t"][0]["sg"][0]["text"] = "changed"
    after["m"]["aspect"] = "16:9"
    after["d"]["k"].append(2)
    assert ops == expected


def test_a_snapshot_is_a_copy_of_the_state_or_of_a_bare_state() -> None:
    data = {"session_id": "1", "state": {"draft": {"d": 5000}}}
    taken = snapshot(data)
    data["state"]["draft"]["d"] = 1
    assert taken == {"draft": {"d": 5000}}
    assert snapshot({"draft": {"d": 2}}) == {"draft": {"d": 2}}
    assert snapshot({"state": "garbage"}) == {}


def test_segments_are_in_timeline_order_and_a_draft_that_is_no_object_has_none() -> None:
    draft = {"t": [{"tt": TEXT, "sg": [{"st": 3000, "text": "c"}, {"text": "a"}, "junk"]},
                   {"tt": AUDIO, "sg": [{"st": 0}]},
                   {"tt": TEXT, "sg": [{"st": 1000, "text": "b"}, {"st": "?", "text": "a2"}]}]}
    assert [s["text"] for s in segments(draft, TEXT)] == ["a", "a2", "b", "c"]
    assert draft_of({"draft": ["not", "an", "object"]}) == {}
    assert draft_of({"draft": {"d": 1}}) == {"d": 1}
