"""/run_sse over a streamed respx response: both dialects, heartbeats, errors, idle and total budgets."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import replace

import anyio
import httpx
import pytest
import respx

from motionctl.runner.api import ClientConfig, NemoClient, StreamEvent
from motionctl.runner.errors import SessionNotFound, StreamError
from tests.contract import ContractChecker, validate_sse_event
from tests.runner.api.helpers import FakeClock, fail, token_answer

pytestmark = pytest.mark.anyio

SSE = {"content-type": "text/event-stream"}


def frames(*payloads: object) -> list[bytes]:
    out = []
    for payload in payloads:
        if isinstance(payload, bytes):
            out.append(payload)
        else:
            validate_sse_event(payload)
            out.append(f"data: {json.dumps(payload)}\n\n".encode())
    return out


async def stream(
    chunks: list[bytes], *, pause: float = 0.0, stall_after: int | None = None, drop_after: int | None = None
) -> AsyncIterator[bytes]:
    for index, chunk in enumerate(chunks):
        if stall_after is not None and index == stall_after:
            await anyio.sleep(10)
        if drop_after is not None and index == drop_after:
            raise httpx.RemoteProtocolError("peer closed connection without sending complete message body")
        if pause:
            await anyio.sleep(pause)
        yield chunk


ADK = frames(
    {
        "content": {
            "parts": [{"functionCall": {"id": "adk-1", "name": "edit_multitrack", "args": {"zoom": "in"}}}],
            "role": "model",
        },
        "author": "nemo_agent",
    },
    b": ping\n\n",
    b"data:\n\n",
    {
        "content": {
            "parts": [
                {"functionResponse": {"id": "adk-1", "name": "edit_multitrack", "response": {"status": "ok"}}}
            ],
            "role": "user",
        },
        "author": "nemo_agent",
    },
    {"content": {"parts": [{"text": "Added a slow "}], "role": "model"}, "partial": True},
    {"content": {"parts": [{"text": "zoom-in."}], "role": "model"}, "partial": True},
    {"content": {"parts": [{"text": "Added a slow zoom-in."}], "role": "model"}, "author": "nemo_agent"},
)
TYPED = frames(
    {"type": "tool_call", "name": "generate_video_with_seedance", "args": {"prompt": "zoom"}},
    {"type": "heartbeat"},
    {"type": "tool_result", "name": "generate_video_with_seedance", "result": {"ok": True}},
    {"type": "text", "content": "Your clip is ready."},
    {"type": "text", "content": "I encountered a temporary issue."},
)


@pytest.mark.parametrize(
    ("chunks", "text", "tool"),
    [
        (ADK, "Added a slow zoom-in.", "edit_multitrack"),
        (TYPED, "Your clip is ready.", "generate_video_with_seedance"),
    ],
    ids=["adk", "typed"],
)
async def test_both_dialects(
    chunks: list[bytes],
    text: str,
    tool: str,
    client: NemoClient,
    api: respx.MockRouter,
    checker: ContractChecker,
) -> None:
    route = api.post("/run_sse").mock(
        side_effect=lambda r: httpx.Response(200, headers=SSE, stream=stream(chunks))
    )
    seen: list[StreamEvent] = []

    async def on_event(event: StreamEvent) -> None:
        seen.append(event)

    result = await client.send_message("sid1", "animate with a slow zoom-in", on_event=on_event)
    assert result.text == text and not result.no_text
    assert [e.name for e in result.tool_calls] == [tool]
    assert [e.kind for e in result.events] == [e.kind for e in seen]
    assert "heartbeat" in [e.kind for e in seen]
    request = route.calls.last.request
    assert json.loads(request.content) == {
        "app_name": "nemo_agent",
        "user_id": "me",
        "session_id": "sid1",
        "new_message": {"parts": [{"text": "animate with a slow zoom-in"}]},
    }
    assert request.headers["Accept"] == "text/event-stream"
    assert "runSse" in checker.operations_seen


async def test_stream_with_only_tool_events_reports_no_text(
    client: NemoClient, api: respx.MockRouter
) -> None:
    chunks = frames(
        {"type": "tool_call", "name": "edit_multitrack", "args": {}},
        {"type": "tool_result", "name": "edit_multitrack", "result": {}},
    )
    api.post("/run_sse").mock(return_value=httpx.Response(200, headers=SSE, stream=stream(chunks)))
    result = await client.send_message("sid1", "add a light leak", on_event=lambda e: None)
    assert result.no_text and result.text == "" and len(result.tool_results) == 1


async def test_error_event_raises_stream_error(client: NemoClient, api: respx.MockRouter) -> None:
    chunks = frames({"type": "heartbeat"}, {"error": "model overloaded"})
    api.post("/run_sse").mock(return_value=httpx.Response(200, headers=SSE, stream=stream(chunks)))
    with pytest.raises(StreamError, match="error mid-stream: model overloaded"):
        await client.send_message("sid1", "hi")


async def test_idle_stream_raises_after_the_idle_budget(client: NemoClient, api: respx.MockRouter) -> None:
    chunks = frames({"type": "heartbeat"}, {"type": "text", "content": "never"})
    api.post("/run_sse").mock(
        return_value=httpx.Response(200, headers=SSE, stream=stream(chunks, stall_after=1))
    )
    with anyio.fail_after(30):
        with pytest.raises(StreamError, match=r"no bytes for 0.3 s"):
            await client.send_message("sid1", "hi")


async def test_comments_keep_a_slow_stream_alive(client: NemoClient, api: respx.MockRouter) -> None:
    # Each gap (0.2 s) is under the idle budget (0.3 s) though the whole stream takes longer.
    chunks = [b": ping\n\n"] * 3 + frames({"type": "text", "content": "ok"})
    api.post("/run_sse").mock(return_value=httpx.Response(200, headers=SSE, stream=stream(chunks, pause=0.2)))
    result = await client.send_message("sid1", "hi")
    assert result.text == "ok"


async def test_total_budget_bounds_a_stream_that_never_ends(
    config: ClientConfig, api: respx.MockRouter, clock: FakeClock
) -> None:
    chunks = frames(*[{"type": "heartbeat"}] * 50)
    api.post("/run_sse").mock(
        return_value=httpx.Response(200, headers=SSE, stream=stream(chunks, pause=0.05))
    )
    tight = replace(config, sse_total_budget=0.4, sse_idle_budget=1.0)
    async with NemoClient(tight, sleep=clock.sleep) as client:
        with pytest.raises(StreamError, match=r"no end after 0.4 s"):
            await client.send_message("sid1", "hi")


async def test_dropped_stream_is_a_stream_error_and_not_resent(
    client: NemoClient, api: respx.MockRouter
) -> None:
    chunks = frames({"type": "tool_call", "name": "edit_multitrack", "args": {}}, {"type": "heartbeat"})
    route = api.post("/run_sse").mock(
        side_effect=lambda r: httpx.Response(200, headers=SSE, stream=stream(chunks, drop_after=1))
    )
    with pytest.raises(StreamError, match="broke off after 1 events"):
        await client.send_message("sid1", "hi")
    assert route.call_count == 1  # the edit may have been applied: never sent twice


async def test_connection_refused_is_retried(
    client: NemoClient, api: respx.MockRouter, clock: FakeClock
) -> None:
    chunks = frames({"type": "text", "content": "ok"})
    route = api.post("/run_sse").mock(
        side_effect=[httpx.ConnectError("refused"), httpx.Response(200, headers=SSE, stream=stream(chunks))]
    )
    assert (await client.send_message("sid1", "hi")).text == "ok"
    assert route.call_count == 2 and clock.sleeps == [1.0]


async def test_read_timeout_before_headers_is_not_retried(client: NemoClient, api: respx.MockRouter) -> None:
    route = api.post("/run_sse").mock(side_effect=httpx.ReadTimeout("slow"))
    with pytest.raises(Exception, match="connection failed"):
        await client.send_message("sid1", "hi")
    assert route.call_count == 1


@pytest.mark.parametrize(
    "response",
    [
        httpx.Response(404, json={"detail": "Session not found: sid1"}),
        fail(1002, "session not found"),
        fail(1002, "session not found", status=404),
    ],
    ids=["adk-404", "envelope-200", "envelope-404"],
)
async def test_unknown_session_before_the_stream(
    response: httpx.Response, client: NemoClient, api: respx.MockRouter
) -> None:
    route = api.post("/run_sse").mock(return_value=response)
    with pytest.raises(SessionNotFound, match=r"POST /run_sse: session not found \(1002\)"):
        await client.send_message("sid1", "hi")
    assert route.call_count == 1


async def test_1001_and_503_before_the_stream_are_retried(
    client: NemoClient, api: respx.MockRouter, clock: FakeClock
) -> None:
    api["token"].mock(side_effect=[token_answer("nmv_usr_SECRET_a"), token_answer("nmv_usr_SECRET_b")])
    chunks = frames({"type": "text", "content": "ok"})
    route = api.post("/run_sse").mock(
        side_effect=[
            fail(1001, "expired", status=401),
            httpx.Response(503),
            httpx.Response(200, headers=SSE, stream=stream(chunks)),
        ]
    )
    assert (await client.send_message("sid1", "hi")).text == "ok"
    assert [c.request.headers["Authorization"] for c in route.calls] == [
        "Bearer nmv_usr_SECRET_a",
        "Bearer nmv_usr_SECRET_b",
        "Bearer nmv_usr_SECRET_b",
    ]
    assert clock.sleeps == [1.0]
