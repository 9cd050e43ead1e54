"""The state diff: valid RFC 6902 that turns one state into the other, and the same ops on every machine."""

from __future__ import annotations

import json
from typing import Any

import jsonpatch
from hypothesis import given, settings
from hypothesis import strategies as st

from motionctl.runner.state import diff

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
