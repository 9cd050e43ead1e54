"""State diffs in words, and expect: steps against a draft."""

from __future__ import annotations

from typing import Any

from motionctl.runner.actions import Expectation
from motionctl.runner.expectations import check
from motionctl.runner.state import describe, diff, snapshot


def state(**draft: object) -> dict[str, object]:
    return snapshot({"session_id": "1", "state": {"draft": draft, "video_infos": []}})


VIDEO: dict[str, Any] = {"tt": 0, "sg": [{"st": 0, "d": 6000, "src": "http://h/shoe.png", "name": "shoe.png",
                          "motion": {"zoom": [1.0, 1.1], "pan": [-0.05, 0], "easing": "ease-in-out"}}]}


def test_snapshot_is_the_state_object_and_a_copy() -> None:
    data = {"session_id": "1", "state": {"draft": {"t": []}}}
    snap = snapshot(data)
    snap["draft"]["t"].append(1)
    assert data["state"] == {"draft": {"t": []}}


def test_diff_is_an_rfc6902_patch() -> None:
    before = state(t=[{"tt": 0, "sg": [{"st": 0, "d": 6000, "src": "s", "motion": None}]}])
    after = state(t=[{"tt": 0, "sg": [{"st": 0, "d": 6000, "src": "s", "motion": {"zoom": [1.0, 1.2]}}]}])
    assert diff(before, after) == [{"op": "replace", "path": "/draft/t/0/sg/0/motion",
                                    "value": {"zoom": [1.0, 1.2]}}]
    assert diff(after, after) == []


def test_describe_says_what_changed_like_a_person() -> None:
    before = state(d=5000, t=[{"tt": 0, "sg": [{**VIDEO["sg"][0], "motion": None}]}])
    text = {"tt": 7, "sg": [{"st": 0, "d": 2000, "text": "Sale"}]}
    music = {"tt": 1, "sg": [{"st": 0, "d": 6000, "src": "mood:lo-fi", "vol": 35}]}
    after = state(d=6000, m={"aspect": "9:16"}, t=[VIDEO, text, music])
    assert describe(before, after) == ('motion zoom in 10%, pan left 5%, ease-in-out; '
                                       'duration 5s→6s; aspect ?→9:16; text added "Sale"; '
                                       "music lo-fi mood at 35%")
    # Issue 18: a platform added to the same ratio read "1 change under /draft".
    tiktok = state(d=6000, m={"aspect": "9:16", "platform": "tiktok"}, t=[VIDEO, text, music])
    assert describe(after, tiktok) == "aspect 9:16 for tiktok"
    odd = state(d=6000, m={"aspect": "9:16", "fps": 25}, t=[VIDEO, text, music])
    assert describe(after, odd) == "changed /draft/m/fps"
    assert describe(after, after) == "nothing changed"


def test_expectations_hold_or_name_each_mismatch() -> None:
    s = state(d=6000, m={"aspect": "9:16"}, t=[VIDEO, {"tt": 7, "sg": [{"st": 2000, "d": 1000, "text": "B"},
                                                                      {"st": 0, "d": 1000, "text": "A"}]}])
    ok = Expectation(tracks={"video": 1, "text": 2, "audio": 0}, duration_ms=6000, texts=("A", "B"),
                     aspect="9:16", motion={"zoom": [1.0, 1.1], "easing": "ease-in-out"})
    assert check(ok, s) == []
    bad = Expectation(tracks={"text": 1}, duration_ms=5000, texts=("B", "A"), aspect="1:1", volume=35,
                      motion={"pan": [0.05, 0]})
    assert [str(m) for m in check(bad, s)] == [
        "tracks.text: expected 1, got 2",
        "duration: expected 5000ms, got 6000ms",
        'texts (in timeline order): expected ["B", "A"], got ["A", "B"]',
        "aspect: expected 1:1, got 9:16",
        "volume: expected 35%, got no music",
        "motion.pan: expected [0.05, 0], got [-0.05, 0]",
    ]
