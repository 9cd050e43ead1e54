"""Fault injection: each kind at least once, from a plan value, a YAML file and POST /__mock/faults."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest

from motionctl.mock_server import FaultPlanError, ManualClock, MockConfig, load_fault_plan, parse_fault_plan
from tests.mock_server.conftest import Api, OpenApi, stream_lines

pytestmark = pytest.mark.anyio
MOTION = "Animate the image with camera motion: zoom in."


def plan(*rules: dict[str, Any], **top: Any) -> MockConfig:
    return MockConfig(faults=parse_fault_plan({"faults": list(rules), **top}), work_delay=0.1,
                      heartbeat_interval=0.02, no_text_ratio=0.0)


async def raw_stream(api: Api, sid: str, text: str) -> tuple[list[str], Exception | None]:
    """The stream's data lines, and the error that ended it; a stall past 1 s is a read timeout."""
    return await stream_lines(api.url, api.headers(), sid, text, read_timeout=1.0)


async def test_status_code_and_retry_after_on_the_nth_call(open_api: OpenApi) -> None:
    config = plan({"route": "GET /api/credits/balance/simple", "nth": [2, 3],
                   "respond": {"status": 429, "code": 429, "message": "slow down", "retry_after": 7}},
                  {"route": "GET /api/state/*", "nth": 1, "respond": {"code": 1001}},
                  {"route": "POST /api/tasks/*", "nth": 2, "respond": {"status": 503}})
    async with open_api(config) as api:
        await api.new_token()
        calls = [await api.http.get("/api/credits/balance/simple", headers=api.headers()) for _ in range(4)]
        assert [c.status_code for c in calls] == [200, 429, 429, 200]
        assert calls[1].headers["retry-after"] == "7" and calls[1].json() == {
            "code": 429, "message": "slow down", "data": None}
        sid = await api.session()
        r = await api.http.get(f"/api/state/nemo_agent/me/{sid}/latest", headers=api.headers())
        assert (r.status_code, r.json()["code"]) == (200, 1001)  # the mock's mapping: 1001 travels with 200
        r = await api.http.post("/api/tasks/me/with-session/nemo_agent", headers=api.headers(),
                                json={"task_name": "project", "language": "en"})
        assert r.status_code == 503
        log = (await api.raw.get("/__mock/requests", headers=api.admin_headers)).json()["requests"]
        assert [e["fault"] for e in log if e["path"].startswith("/api/credits")] == [
            None, "respond", "respond", None]


async def test_delay(open_api: OpenApi) -> None:
    async with open_api(plan({"route": "GET /api/credits/*", "delay": 0.4})) as api:
        await api.new_token()
        start = time.monotonic()
        await api.credits()
        assert time.monotonic() - start >= 0.4


async def test_connection_reset_without_a_response(open_api: OpenApi) -> None:
    async with open_api(plan({"route": "POST /api/tasks/me/with-session/nemo_agent", "nth": 1,
                              "reset": True})) as api:
        await api.new_token()
        with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
            await api.raw.post("/api/tasks/me/with-session/nemo_agent", headers=api.headers(),
                               json={"task_name": "project", "language": "en"})
        assert (await api.session()).isdigit()  # the next call goes through


async def test_stream_drops_after_n_events(open_api: OpenApi) -> None:
    async with open_api(plan({"route": "POST /run_sse", "stream": {"drop_after": 1}})) as api:
        sid = await api.session_with_image()
        lines, error = await raw_stream(api, sid, MOTION)
        assert len(lines) == 1 and "functionCall" in lines[0]
        assert isinstance(error, httpx.RemoteProtocolError)  # cut mid-body, not a clean end
        # As with a real network drop, the work goes on server-side: the state changes and is paid for.
        with anyio.fail_after(60):
            while (await api.credits())["frozen"]:  # noqa: ASYNC110 (polling HTTP)
                await anyio.sleep(0.05)
        assert await api.credits() == {"available": 50, "frozen": 0, "total": 50}
        assert (await api.state(sid))["draft"]["t"][0]["sg"][0]["motion"]["zoom"] == [1.0, 1.2]


async def test_stream_stalls_after_n_events(open_api: OpenApi) -> None:
    config = MockConfig(faults=parse_fault_plan({"faults": [
        {"route": "POST /run_sse", "nth": 1, "stream": {"stall_after": 1}}]}), initial_credits=300,
        no_text_ratio=0.0, work_delay=0.1)
    async with open_api(config) as api:
        sid = await api.session_with_image()
        lines, error = await raw_stream(api, sid, MOTION)  # the client's 1 s read timeout gives up
        assert len(lines) == 1 and isinstance(error, httpx.ReadTimeout)
        lines, error = await raw_stream(api, sid, "Set the duration to 3s.")  # nth: 1 only
        assert error is None and len(lines) == 3


async def test_stall_that_recovers(open_api: OpenApi) -> None:
    config = plan({"route": "POST /run_sse", "stream": {"stall_after": 2, "stall_seconds": 0.5}})
    async with open_api(config) as api:
        sid = await api.session_with_image()
        start = time.monotonic()
        lines, error = await raw_stream(api, sid, MOTION)
        assert error is None and len(lines) == 3 and time.monotonic() - start >= 0.5


async def test_malformed_event(open_api: OpenApi) -> None:
    async with open_api(plan({"route": "POST /run_sse", "stream": {"malformed_at": 2}})) as api:
        sid = await api.session_with_image()
        lines, error = await raw_stream(api, sid, MOTION)
        assert error is None and len(lines) == 3
        json.loads(lines[0])
        json.loads(lines[2])
        with pytest.raises(json.JSONDecodeError):
            json.loads(lines[1])


async def test_token_expiry_after_n_calls(open_api: OpenApi) -> None:
    async with open_api(plan({"route": "*", "nth": 3, "expire_token": True})) as api:
        sid = await api.session()  # calls 1 (token) and 2 (session)
        r = await api.http.get(f"/api/state/nemo_agent/me/{sid}/latest", headers=api.headers())
        assert r.json()["code"] == 1001
        r = await api.http.get("/api/credits/balance/simple", headers=api.headers())
        assert r.json()["code"] == 1001  # stays expired


async def test_session_loss(open_api: OpenApi) -> None:
    async with open_api(plan({"route": "POST /run_sse", "nth": 2, "lose_session": True})) as api:
        sid = await api.session_with_image()
        r, _ = await api.say(sid, "Set the duration to 3s.")
        assert r.headers["content-type"].startswith("text/event-stream")
        r, _ = await api.say(sid, "Set the duration to 4s.")
        assert r.json()["code"] == 1002
        assert (await api.session()) != sid


async def test_credits_exhausted(open_api: OpenApi) -> None:
    async with open_api(plan({"route": "POST /run_sse", "exhaust_credits": True})) as api:
        sid = await api.session_with_image()
        r, _ = await api.say(sid, MOTION)
        assert r.json()["code"] == 2001
        assert (await api.credits())["available"] == 0


async def test_render_that_fails_and_one_that_never_finishes(open_api: OpenApi) -> None:
    config = plan({"route": "POST /api/render/proxy/lambda", "nth": 1, "render": "fail"},
                  {"route": "POST /api/render/proxy/lambda", "nth": 2, "render": "hang"})
    async with open_api(config) as api:
        sid = await api.session_with_image()
        draft = (await api.state(sid))["draft"]
        await api.submit(sid, draft, "render_1")
        final = (await api.wait("render_1"))[-1]
        assert final["data"]["status"] == "failed" and "injected" in final["data"]["error"]
        await api.submit(sid, draft, "render_2")
        with pytest.raises(TimeoutError):
            await api.wait("render_2", limit=1.0)
        assert (await api.status("render_2"))["data"]["status"] == "processing"


async def test_a_render_fault_applies_to_the_submit_it_fires_on_only(open_api: OpenApi) -> None:
    config = plan({"route": "POST /api/render/proxy/lambda", "nth": 1, "render": "fail"},
                  {"route": "GET /api/state/*", "render": "hang"})
    async with open_api(config) as api:
        sid = await api.session_with_image()
        draft = (await api.state(sid))["draft"]  # a state call: no render to fault
        r = await api.raw.post("/api/render/proxy/lambda", headers=api.headers(),
                               json={"id": "render_1", "sessionId": sid, "draft": {"t": []}})
        assert r.status_code == 422  # the faulted submit is refused: nothing is left armed
        await api.submit(sid, draft, "render_2")
        assert (await api.wait("render_2"))[-1]["data"]["status"] == "completed"


async def test_probability_is_seeded(open_api: OpenApi) -> None:
    async def pattern(seed: int) -> list[int]:
        config = plan({"route": "GET /api/credits/*", "probability": 0.5, "respond": {"status": 500}},
                      seed=seed)
        async with open_api(config) as api:
            await api.new_token()
            return [(await api.raw.get("/api/credits/balance/simple", headers=api.headers())).status_code
                    for _ in range(12)]

    first = await pattern(1)
    assert set(first) == {200, 500} and await pattern(1) == first and await pattern(2) != first


async def test_times_limits_how_often_a_rule_fires(open_api: OpenApi) -> None:
    async with open_api(plan({"route": "GET /api/credits/*", "times": 2, "respond": {"status": 502}})) as api:
        await api.new_token()
        codes = [(await api.raw.get("/api/credits/balance/simple", headers=api.headers())).status_code
                 for _ in range(4)]
        assert codes == [502, 502, 200, 200]


async def test_fixed_window_rate_limit(open_api: OpenApi) -> None:
    clock = ManualClock(start=1000.0)
    async with open_api(MockConfig(rate_limit=3, rate_window=10.0), clock=clock) as api:
        await api.new_token()  # request 1 of this client id; the token then keys the window
        codes = [(await api.raw.get("/api/credits/balance/simple", headers=api.headers())).status_code
                 for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        r = await api.raw.get("/api/credits/balance/simple", headers=api.headers())
        assert r.json()["code"] == 429 and r.headers["retry-after"] == "10"
        clock.advance(10)
        assert (await api.credits())["available"] == 100  # a new window


async def test_faults_api_replaces_the_plan_and_reset_restarts_counting(open_api: OpenApi) -> None:
    async with open_api() as api:
        await api.new_token()
        r = await api.raw.post("/__mock/faults", headers=api.admin_headers,
                               json={"faults": [{"route": "GET /api/credits/*", "nth": 1,
                                                 "respond": {"status": 500}}]})
        assert r.json()["rules"] == 1
        statuses = [(await api.raw.get("/api/credits/balance/simple", headers=api.headers())).status_code
                    for _ in range(2)]
        assert statuses == [500, 200]
        r = await api.raw.post("/__mock/faults", headers=api.admin_headers, json={"faults": [{"nth": 0}]})
        assert r.status_code == 400 and "faults/0/nth" in r.json()["error"]
        await api.raw.post("/__mock/faults", headers=api.admin_headers, content=b"")
        assert (await api.raw.get("/__mock/faults", headers=api.admin_headers)).json()["rules"] == 0


def test_yaml_plan_file_and_its_errors(tmp_path: Path) -> None:
    good = tmp_path / "faults.yaml"
    good.write_text("seed: 3\nrate_limit: {requests: 5, window: 2}\nfaults:\n"
                    "  - route: POST /run_sse\n    nth: [2, 4]\n    stream: {drop_after: 3}\n"
                    "  - route: /api/*\n    after: 10\n    respond: {code: 1001}\n")
    p = load_fault_plan(good)
    assert p.seed == 3 and p.rate_limit is not None and p.rate_limit.requests == 5
    assert p.rules[0].method == "POST" and p.rules[0].nth == (2, 4) and p.rules[0].kind == "stream"
    assert p.rules[1].method == "*" and p.rules[1].matches("GET", "/api/credits/balance/simple")
    bad = tmp_path / "bad.yaml"
    bad.write_text("faults:\n  - route: /x\n    respond: {status: 99}\n")
    with pytest.raises(FaultPlanError, match=r"bad.yaml: .*faults/0/respond/status"):
        load_fault_plan(bad)
    with pytest.raises(FaultPlanError, match="wobble"):
        parse_fault_plan({"faults": [{"wobble": True}]})


async def test_stalled_stream_does_not_hold_up_shutdown(open_api: OpenApi) -> None:
    async with open_api(plan({"route": "POST /run_sse", "stream": {"stall_after": 0}})) as api:
        sid = await api.session_with_image()
        with anyio.move_on_after(0.3):
            await raw_stream(api, sid, MOTION)
        stopping = time.monotonic()
    assert time.monotonic() - stopping < 30  # not the stall's hour: a second's grace, then the mock stops


@pytest.mark.parametrize("dialect", ["adk", "nemo"])
async def test_drop_after_counts_the_same_events_in_both_dialects(open_api: OpenApi, dialect: str) -> None:
    # Heartbeats (ADK's ": ping" comments, nemo's {"type": "heartbeat"}) are not events: the cut falls
    # after the tool call and the tool result in either dialect, before the text.
    config = MockConfig(faults=parse_fault_plan({"faults": [{"route": "POST /run_sse",
                                                             "stream": {"drop_after": 2}}]}),
                        sse_dialect=dialect, work_delay=0.1, heartbeat_interval=0.02, no_text_ratio=0.0)
    async with open_api(config) as api:
        sid = await api.session_with_image()
        lines, error = await raw_stream(api, sid, MOTION)
        kinds = [kind_of(json.loads(line)) for line in lines]
        assert [k for k in kinds if k != "heartbeat"] == ["tool_call", "tool_result"]
        assert isinstance(error, httpx.RemoteProtocolError)
        if dialect == "nemo":
            assert "heartbeat" in kinds  # they went through uncounted


def kind_of(event: dict[str, Any]) -> str:
    if "type" in event:
        return str(event["type"])
    part = event["content"]["parts"][0]
    return {"functionCall": "tool_call", "functionResponse": "tool_result"}.get(next(iter(part)), "text")


@pytest.mark.parametrize("dialect", ["adk", "nemo"])
async def test_an_error_event_mid_stream_ends_it_cleanly_and_applies_nothing(open_api: OpenApi,
                                                                              dialect: str) -> None:
    plan = {"faults": [{"route": "POST /run_sse", "nth": 1,
                        "stream": {"error_after": 1, "error": "model overloaded"}}]}
    config = MockConfig(faults=parse_fault_plan(plan), sse_dialect=dialect, work_delay=0.1,
                        heartbeat_interval=0.02, no_text_ratio=0.0)
    async with open_api(config) as api:
        sid = await api.session_with_image()
        before = await api.state(sid)
        _, events = await api.say(sid, MOTION)  # every payload checked against the spec's SseEvent
        assert [kind_of(e) if "error" not in e else "error" for e in events.data
                if e.get("type") != "heartbeat"] == ["tool_call", "error"]
        assert events.data[-1] == {"error": "model overloaded"}  # ADK's form, and the stream's last
        assert await api.state(sid) == before  # the agent failed before its work was applied
        assert await api.credits() == {"available": 100, "frozen": 0, "total": 100}  # nor charged
        await api.say(sid, MOTION)  # nth 1 only: the next message goes through
        assert (await api.state(sid))["draft"]["t"][0]["sg"][0]["motion"]["zoom"] == [1.0, 1.2]


async def test_an_error_after_more_events_than_the_stream_has_leaves_it_whole(open_api: OpenApi) -> None:
    # The agent fails "in place of what it would send next": a stream that ends first has nothing next.
    plan = {"faults": [{"route": "POST /run_sse", "nth": 1,
                        "stream": {"error_after": 1000, "error": "model overloaded"}}]}
    config = MockConfig(faults=parse_fault_plan(plan), work_delay=0.1, heartbeat_interval=0.02,
                        no_text_ratio=0.0)
    async with open_api(config) as api:
        sid = await api.session_with_image()
        _, events = await api.say(sid, MOTION)
        assert not [e for e in events.data if "error" in e]
        assert (await api.state(sid))["draft"]["t"][0]["sg"][0]["motion"]["zoom"] == [1.0, 1.2]
        assert (await api.credits())["frozen"] == 0  # applied, and charged once: no error after it


async def test_a_download_redirect_lands_on_the_file(open_api: OpenApi) -> None:
    plan = {"faults": [{"route": "GET /api/render/proxy/*/download", "redirect": True}]}
    async with open_api(MockConfig(faults=parse_fault_plan(plan))) as api:
        sid = await api.session_with_image()
        await api.say(sid, "Set the duration to 1s.")
        await api.submit(sid, (await api.state(sid))["draft"], "render_1")
        done = (await api.wait("render_1"))[-1]["data"]
        r = await api.raw.get("/api/render/proxy/render_1/download", headers=api.headers())
        assert r.status_code == 302 and r.headers["location"] == done["outputUrl"]
        followed = await api.raw.get(r.headers["location"])  # a capability URL: no token needed
        assert followed.status_code == 200 and followed.content[4:8] == b"ftyp"
        logged = api.mock.admin.requests(path="/api/render/proxy/*/download")
        assert [(e["status"], e["fault"]) for e in logged] == [(302, "redirect")]
        assert done["outputUrl"].split("/")[-2] not in str(logged)  # the capability stays out of the log
