"""/run_sse: real streaming with heartbeats, both dialects, no-text closes, refusals. Every data payload
is validated against the spec's SseEvent."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest

from motionctl.mock_server import ManualClock, MockConfig
from motionctl.mock_server.app import TEMPORARY_ISSUE_TEXT
from motionctl.mock_server.store import Session, Store
from tests.mock_server.conftest import OpenApi, SseEvents, parse_sse

pytestmark = pytest.mark.anyio
MOTION = "Animate the image with camera motion: slow zoom in, pan left."


def adk_parts(events: list[dict[str, Any]]) -> list[str]:
    return [next(iter(p)) for ev in events for p in ev["content"]["parts"]]


async def test_adk_dialect_tool_call_heartbeats_tool_result_then_text(open_api: OpenApi) -> None:
    async with open_api(MockConfig(no_text_ratio=0.0, work_delay=0.12, heartbeat_interval=0.03)) as api:
        sid = await api.session_with_image()
        r, ev = await api.say(sid, MOTION)
        assert r.headers["content-type"].startswith("text/event-stream")
        assert adk_parts(ev.data) == ["functionCall", "functionResponse", "text"]
        assert ev.frames[0] == "data" and ev.frames[-2:] == ["data", "data"] and ev.comments >= 3
        call, result, text = ev.data
        assert {e["author"] for e in ev.data} == {"nemo_agent"}
        assert len({e["invocationId"] for e in ev.data}) == 1 and ev.data[0]["invocationId"].startswith("e-")
        assert all(len(e["id"]) == 8 and e["id"].isalnum() for e in ev.data)
        fc = call["content"]["parts"][0]["functionCall"]
        fr = result["content"]["parts"][0]["functionResponse"]
        assert fc["name"] == fr["name"] == "generate_video_with_seedance" and fc["id"] == fr["id"]
        assert (call["content"]["role"], result["content"]["role"], text["content"]["role"]) == \
            ("model", "user", "model")
        delta = result["actions"]["stateDelta"]["draft"]
        assert delta == (await api.state(sid))["draft"]
        assert delta["t"][0]["sg"][0]["motion"]["zoom"] == [1.0, 1.1]
        assert text["content"]["parts"][0]["text"].startswith("Done.")
        assert not any(e.get("type") == "done" for e in ev.data)  # no done event: the stream just ends


async def test_nemo_dialect(open_api: OpenApi) -> None:
    config = MockConfig(sse_dialect="nemo", no_text_ratio=0.0, work_delay=0.1, heartbeat_interval=0.03)
    async with open_api(config) as api:
        sid = await api.session_with_image()
        _, ev = await api.say(sid, "Set the duration to 6s.")
        types = [e["type"] for e in ev.data]
        assert types[0] == "tool_call" and types[-2:] == ["tool_result", "text"]
        assert set(types[1:-2]) == {"heartbeat"} and len(types) >= 5
        assert ev.data[0]["name"] == "edit_multitrack" and ev.data[-2]["result"]["draft"]["d"] == 6000
        assert ev.comments == 0


async def test_heartbeats_flow_while_working(open_api: OpenApi) -> None:
    async with open_api(MockConfig(work_delay=0.6, heartbeat_interval=0.1)) as api:
        sid = await api.session_with_image()
        arrivals: list[float] = []
        async with api.stream(sid, MOTION) as r:
            async for line in r.aiter_lines():
                if line.startswith(":"):
                    arrivals.append(time.monotonic())
        assert len(arrivals) >= 5
        # Spread over the 0.6 s of work as they happen; a stream buffered to the end delivers them at once.
        assert arrivals[-1] - arrivals[0] >= 0.4


def test_no_text_share_is_about_30_percent_and_a_function_of_the_seed(tmp_path: Path) -> None:
    store = Store(MockConfig(seed=7, data_dir=tmp_path), ManualClock())
    session = Session("1", "t", "project", "en", "u", {"t": []})
    closes = []
    for i in range(1000):
        session.messages = i
        closes.append(store.no_text(session, "Set the duration to 3s."))
    assert 0.26 < sum(closes) / 1000 < 0.34
    other = Store(MockConfig(seed=8, data_dir=tmp_path), ManualClock())
    assert [other.no_text(session, f"x{i}") for i in range(50)] != [store.no_text(session, f"x{i}")
                                                                    for i in range(50)]


async def test_edits_close_without_text_as_the_seed_says_run_after_run(open_api: OpenApi) -> None:
    async def outcomes() -> list[bool]:
        async with open_api(MockConfig(seed=7, work_delay=0.0)) as api:
            sid = await api.session_with_image()
            out = []
            for i in range(16):
                _, ev = await api.say(sid, f"Set the duration to {i % 9 + 2}s.")
                assert adk_parts(ev.data)[:2] == ["functionCall", "functionResponse"]
                out.append(not ev.texts())
            return out

    first = await outcomes()
    assert any(first) and not all(first)
    assert await outcomes() == first  # same seed, same closes, whatever the ids


async def test_no_text_close_still_changes_the_state(open_api: OpenApi) -> None:
    async with open_api(MockConfig(no_text_ratio=1.0)) as api:
        sid = await api.session_with_image()
        _, ev = await api.say(sid, "Set the aspect ratio to 16:9.")
        assert ev.texts() == [] and adk_parts(ev.data) == ["functionCall", "functionResponse"]
        assert (await api.state(sid))["draft"]["m"]["aspect"] == "16:9"


@pytest.mark.parametrize("dialect", ["adk", "nemo"])
@pytest.mark.parametrize("no_text", [False, True])
async def test_a_trailing_temporary_issue_line_when_configured(open_api: OpenApi, dialect: str,
                                                              no_text: bool) -> None:
    config = MockConfig(sse_dialect=dialect, no_text_ratio=float(no_text),  # type: ignore[arg-type]
                        temporary_issue_ratio=1.0, work_delay=0.0)
    async with open_api(config) as api:
        sid = await api.session_with_image()
        _, ev = await api.say(sid, "Set the duration to 3s.")
        expected = [] if no_text else ["Done. Set the duration to 3s."]
        assert ev.texts() == [*expected, TEMPORARY_ISSUE_TEXT]
        assert SseEvents(data=ev.data[-1:]).texts() == [TEMPORARY_ISSUE_TEXT]  # the last event
        assert TEMPORARY_ISSUE_TEXT.startswith("I encountered a temporary issue")  # what clients ignore
        _, ev = await api.say(sid, "sing me something")  # only after real work
        assert len(ev.texts()) == 1 and ev.texts()[0].startswith("I didn't understand")


def test_the_temporary_issue_line_is_off_by_default_and_drawn_apart_from_no_text(tmp_path: Path) -> None:
    session = Session("1", "t", "project", "en", "u", {"t": []})
    assert not any(Store(MockConfig(data_dir=tmp_path), ManualClock()).temporary_issue(session, f"x{i}")
                   for i in range(200))
    store = Store(MockConfig(seed=7, data_dir=tmp_path, temporary_issue_ratio=0.3), ManualClock())
    issues, closes = [], []
    for i in range(1000):
        session.messages = i
        issues.append(store.temporary_issue(session, "Set the duration to 3s."))
        closes.append(store.no_text(session, "Set the duration to 3s."))
    assert 0.26 < sum(issues) / 1000 < 0.34 and issues != closes


@pytest.mark.parametrize("dialect", ["adk", "nemo"])
async def test_streaming_requests_get_partial_text_chunks_then_the_whole(open_api: OpenApi,
                                                                         dialect: str) -> None:
    config = MockConfig(sse_dialect=dialect, no_text_ratio=0.0, work_delay=0.0)  # type: ignore[arg-type]
    async with open_api(config) as api:
        sid = await api.session_with_image()
        async with api.stream(sid, "Set the duration to 3s.", streaming=True) as r:
            ev = parse_sse((await r.aread()).decode())
        texts = ev.texts()
        partial = [e for e in ev.data if e.get("partial")]
        assert len(partial) == len(texts) - 1 >= 2 and not ev.data[-1].get("partial")
        assert "".join(texts[:-1]) == texts[-1] and texts[-1].startswith("Done.")


@pytest.mark.parametrize("dialect", ["adk", "nemo"])
async def test_not_understood_replies_and_changes_nothing(open_api: OpenApi, dialect: str) -> None:
    async with open_api(MockConfig(sse_dialect=dialect)) as api:  # type: ignore[arg-type]
        sid = await api.session_with_image()
        before = await api.state(sid), await api.credits()
        _, ev = await api.say(sid, "sing me something about clouds")
        assert len(ev.texts()) == 1 and ev.texts()[0].startswith("I didn't understand")
        assert not any("functionCall" in str(e) or e.get("type") == "tool_call" for e in ev.data)
        assert (await api.state(sid), await api.credits()) == before


async def test_a_client_that_leaves_mid_generation_is_refunded(open_api: OpenApi) -> None:
    async with open_api(MockConfig(work_delay=1.0, heartbeat_interval=0.05)) as api:
        sid = await api.session_with_image()
        body = {"app_name": "nemo_agent", "user_id": "me", "session_id": sid,
                "new_message": {"parts": [{"text": MOTION}]}}
        headers = {**api.headers(), "Accept": "text/event-stream"}
        async with httpx.AsyncClient(base_url=api.url) as quitter, \
                quitter.stream("POST", "/run_sse", json=body, headers=headers) as r:
            async for line in r.aiter_lines():
                if line.startswith("data:"):
                    break
        for _ in range(100):
            if (await api.credits())["frozen"] == 0:
                break
            await anyio.sleep(0.05)
        assert await api.credits() == {"available": 100, "frozen": 0, "total": 100}
        assert (await api.state(sid))["draft"]["t"][0]["sg"][0]["motion"] is None


def test_parse_sse_helper_rejects_payloads_outside_the_spec() -> None:
    from tests.contract import ContractViolation

    with pytest.raises(ContractViolation):
        parse_sse('data: {"type": "nonsense"}\n\n')
