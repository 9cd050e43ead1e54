"""The pure SSE decoder: both dialects, heartbeats, errors, partial aggregation, the noise line."""

from __future__ import annotations

import json

import pytest

from motionctl.runner.api.models import StreamEvent
from motionctl.runner.api.sse import StreamCollector, decode_data, decode_event, strip_noise
from motionctl.runner.errors import StreamError
from tests.contract import validate_sse_event

ADK_CALL = {
    "content": {
        "parts": [{"functionCall": {"id": "adk-1", "name": "edit_multitrack", "args": {"zoom": "in"}}}],
        "role": "model",
    },
    "invocationId": "e-1",
    "author": "nemo_agent",
    "id": "ptcjaZBa",
    "timestamp": 1743712255.3,
    "actions": {"stateDelta": {}, "artifactDelta": {}, "requestedAuthConfigs": {}},
    "longRunningToolIds": [],
}
ADK_RESULT = {
    "content": {
        "parts": [{"functionResponse": {"id": "adk-1", "name": "edit_multitrack", "response": {"ok": True}}}],
        "role": "user",
    },
    "author": "nemo_agent",
    "id": "abcdefgh",
    "timestamp": 1743712256.0,
}
ADK_TEXT = {
    "content": {"parts": [{"text": "Added a slow zoom-in."}], "role": "model"},
    "author": "nemo_agent",
}


@pytest.mark.parametrize(
    "payload",
    [
        ADK_CALL,
        ADK_RESULT,
        ADK_TEXT,
        {"type": "heartbeat"},
        {"type": "text", "content": "hi"},
        {"type": "tool_call", "name": "generate_video_with_seedance", "args": {}},
        {"type": "tool_result", "name": "x", "result": {"a": 1}},
        {"error": "boom"},
    ],
)
def test_fixtures_are_valid_sse_events_per_the_spec(payload: dict[str, object]) -> None:
    validate_sse_event(payload)


def test_adk_parts_decode_to_call_result_and_text() -> None:
    assert decode_event(ADK_CALL) == [StreamEvent("tool_call", name="edit_multitrack", args={"zoom": "in"})]
    [result] = decode_event(ADK_RESULT)
    assert (result.kind, result.name, result.result) == ("tool_result", "edit_multitrack", {"ok": True})
    assert decode_event(ADK_TEXT) == [StreamEvent("text", text="Added a slow zoom-in.")]


def test_typed_dialect() -> None:
    assert decode_data(json.dumps({"type": "text", "content": "Done."})) == [
        StreamEvent("text", text="Done.")
    ]
    [call] = decode_data(
        json.dumps({"type": "tool_call", "name": "generate_video_with_seedance", "args": {"prompt": "zoom"}})
    )
    assert (call.kind, call.name, call.args) == (
        "tool_call",
        "generate_video_with_seedance",
        {"prompt": "zoom"},
    )
    [res] = decode_data(json.dumps({"type": "tool_result", "name": "n", "result": {"url": "u"}}))
    assert (res.kind, res.result) == ("tool_result", {"url": "u"})
    assert [e.kind for e in decode_data('{"type": "heartbeat"}')] == ["heartbeat"]
    assert decode_data('{"type": "usage", "tokens": 3}') == []


def test_empty_data_is_a_heartbeat_and_non_json_is_text() -> None:
    assert [e.kind for e in decode_data("")] == ["heartbeat"]
    assert decode_data("plain words") == [StreamEvent("text", text="plain words")]


@pytest.mark.parametrize(
    "payload",
    [
        {"error": "quota exploded"},
        {"errorCode": "500", "errorMessage": "quota exploded"},
        {"type": "error", "message": "quota exploded"},
    ],
)
def test_error_events_raise_stream_error(payload: dict[str, object]) -> None:
    with pytest.raises(StreamError, match="quota exploded"):
        decode_event(payload)


def test_adk_partial_chunks_are_replaced_by_the_final_event() -> None:
    collector = StreamCollector()
    for chunk in ("Added ", "a slow ", "zoom."):
        for event in decode_event({"content": {"parts": [{"text": chunk}]}, "partial": True}):
            collector.add(event)
    for event in decode_event({"content": {"parts": [{"text": "Added a slow zoom."}]}}):
        collector.add(event)
    result = collector.result()
    assert result.text == "Added a slow zoom." and len(result.events) == 4


def test_partials_without_a_final_event_are_joined() -> None:
    collector = StreamCollector()
    for chunk in ("Half ", "done"):
        collector.add(StreamEvent("text", text=chunk, partial=True))
    assert collector.result().text == "Half done"


def test_temporary_issue_line_is_ignored_and_no_text_is_reported() -> None:
    collector = StreamCollector()
    for payload in (
        ADK_CALL,
        ADK_RESULT,
        {"type": "text", "content": "I encountered a temporary issue. Retry?"},
    ):
        for event in decode_event(payload):
            collector.add(event)
    result = collector.result()
    assert result.text == "" and result.no_text
    assert [e.name for e in result.tool_calls] == ["edit_multitrack"]
    assert strip_noise("Zoom added.\nI encountered a temporary issue, please retry") == "Zoom added."
