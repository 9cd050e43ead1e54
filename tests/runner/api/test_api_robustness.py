"""Pure parsers never crash on odd input: they decode, ignore, or raise the documented error."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from motionctl.runner.api.models import parse_render_status, summarize_tracks
from motionctl.runner.api.sse import decode_data
from motionctl.runner.errors import StreamError
from motionctl.runner.media import sniff_bytes

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=20,
)
KEYS = st.sampled_from(
    ["type", "content", "parts", "text", "functionCall", "name", "partial", "error", "args"]
)
EVENTISH = st.recursive(JSON, lambda inner: st.dictionaries(KEYS, inner, max_size=4), max_leaves=20)


@settings(max_examples=300, deadline=None)
@given(EVENTISH)
def test_decode_data_only_ever_raises_stream_error(payload: object) -> None:
    try:
        events = decode_data(json.dumps(payload))
    except StreamError:
        return
    assert all(e.kind in ("text", "tool_call", "tool_result", "heartbeat") for e in events)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=80))
def test_sniff_bytes_never_raises(head: bytes) -> None:
    assert sniff_bytes(head) in (
        None,
        "jpg",
        "png",
        "gif",
        "webp",
        "wav",
        "avi",
        "heic",
        "heif",
        "m4a",
        "mov",
        "mp4",
        "webm",
        "mkv",
        "mp3",
        "aac",
    )


@settings(max_examples=200, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(["data", "status", "output", "outputUrl", "taskId", "progress", "error"]),
        JSON,
        max_size=5,
    )
)
def test_parse_render_status_always_gives_a_status(body: dict[str, object]) -> None:
    status = parse_render_status(body, fallback_id="render_1")
    assert isinstance(status.status, str) and status.id


def test_summaries_of_odd_drafts() -> None:
    assert summarize_tracks(None) == "Timeline (0 tracks): empty"
    assert summarize_tracks({"t": [{"tt": 3, "sg": []}]}) == "Timeline (1 track): 1. Track type 3: (empty)"
    two = {
        "t": [
            {
                "tt": 0,
                "sg": [
                    {"st": 0, "d": 2500, "src": "https://cdn/x/shoe.png"},
                    {"st": 2500, "d": 2500, "src": "https://cdn/x/bag.png"},
                ],
            }
        ]
    }
    assert summarize_tracks(two) == "Timeline (1 track): 1. Video: shoe.png (0-2.5s), bag.png (2.5-5s)"
