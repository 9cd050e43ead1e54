"""Scopes: tests that share one mock, each with ``X-Mock-Scope``, get their own fault plan, counters,
request log and reset; several run at once with different plans and each sees only its own; reset says
what it clears and clears each item on its own."""

from __future__ import annotations

import json
from typing import Any

import anyio
import httpx
import pytest

from motionctl.mock_server import MockConfig, parse_fault_plan
from tests.mock_server.conftest import Api, OpenApi, job_of, png_bytes, stream_lines

pytestmark = pytest.mark.anyio
MOTION = "Animate the image with camera motion: zoom in."


class Scoped:
    """One test's view of a shared mock: its own token, every call with its X-Mock-Scope."""

    def __init__(self, api: Api, scope: str) -> None:
        self.api, self.scope, self.token = api, scope, ""
        self.admin = api.mock.admin.scoped(scope)

    def headers(self, **extra: str) -> dict[str, str]:
        auth = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        return {"X-Skill-Source": "t", "X-Skill-Version": "1", "X-Skill-Platform": "unknown",
                "X-Mock-Scope": self.scope, **auth, **extra}

    async def call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = self.headers(**kwargs.pop("headers", {}))
        return await self.api.raw.request(method, path, headers=headers, **kwargs)

    async def begin(self) -> str:
        r = await self.call("POST", "/api/auth/anonymous-token", headers={"X-Client-Id": self.scope})
        self.token = r.json()["data"]["token"]
        r = await self.call("POST", "/api/tasks/me/with-session/nemo_agent",
                            json={"task_name": self.scope, "language": "en"})
        sid = str(r.json()["data"]["session_id"])
        await self.call("POST", f"/api/upload-video/nemo_agent/me/{sid}",
                        files=[("files", ("p.png", png_bytes(), "image/png"))])
        return sid

    async def say(self, sid: str, text: str) -> tuple[list[str], Exception | None]:
        return await stream_lines(self.api.url, self.headers(), sid, text)


async def test_scopes_with_different_fault_plans_run_at_once_on_one_mock(open_api: OpenApi) -> None:
    async with open_api(MockConfig(work_delay=0.05, no_text_ratio=0.0)) as api:
        flaky, cut, clean = Scoped(api, "test-flaky"), Scoped(api, "test-cut"), Scoped(api, "test-clean")
        flaky.admin.set_faults({"faults": [{"route": "GET /api/credits/*", "nth": 1,
                                            "respond": {"status": 503}}]})
        cut.admin.set_faults({"faults": [{"route": "POST /run_sse", "nth": 1, "stream": {"drop_after": 1}}]})
        results: dict[str, Any] = {}
        turn = [anyio.Event() for _ in range(3)]  # the three interleave: each step waits for the others

        async def run(test: Scoped, index: int) -> None:
            sid = await test.begin()
            turn[index].set()
            for event in turn:
                await event.wait()
            credits = [(await test.call("GET", "/api/credits/balance/simple")).status_code for _ in range(2)]
            lines, error = await test.say(sid, MOTION)
            results[test.scope] = (credits, [json.loads(line) for line in lines], error)

        async with anyio.create_task_group() as tg:
            for index, test in enumerate((flaky, cut, clean)):
                tg.start_soon(run, test, index)

        assert results["test-flaky"][0] == [503, 200] and results["test-flaky"][2] is None
        assert results["test-cut"][0] == [200, 200] and isinstance(results["test-cut"][2], httpx.HTTPError)
        assert len(results["test-cut"][1]) == 1  # cut after the tool call, as its plan says
        assert results["test-clean"][0] == [200, 200] and results["test-clean"][2] is None
        assert len(results["test-clean"][1]) == 3  # tool call, tool result, text
        for test, faults in ((flaky, ["respond"]), (cut, ["stream"]), (clean, [])):
            log = test.admin.requests()
            assert {e["scope"] for e in log} == {test.scope} and {e["caller"] for e in log} == {test.scope}
            assert len(log) == 6  # token, session, upload, credits x2, run_sse: its own only
            assert [e["fault"] for e in log if e["fault"]] == faults
        # The mock-wide view has all of them.
        assert api.mock.admin.count() == 18


async def test_reset_says_what_it_clears_and_clears_each_item(open_api: OpenApi) -> None:
    async with open_api() as api:
        mine, theirs = Scoped(api, "mine"), Scoped(api, "theirs")
        sid = await mine.begin()
        await theirs.begin()
        mine.admin.set_faults({"faults": [{"route": "GET /api/credits/*", "nth": 1,
                                           "respond": {"status": 503}}]})

        async def credits() -> int:
            return (await mine.call("GET", "/api/credits/balance/simple")).status_code

        assert [await credits(), await credits()] == [503, 200]
        assert mine.admin.reset("log") == ["log"]
        assert mine.admin.requests() == [] and theirs.admin.count() == 3  # only this scope's log
        assert await credits() == 200  # plan and counters kept: nth 1 has fired
        assert mine.admin.reset("counters") == ["counters"]
        assert await credits() == 503  # counting starts again
        assert mine.admin.reset("faults") == ["faults"]
        assert await credits() == 200 and mine.admin.set_faults(None)["rules"] == 0
        assert mine.admin.reset("state") == ["state"]
        r = await mine.call("GET", f"/api/state/nemo_agent/me/{sid}/latest")
        assert (r.status_code, r.json()["code"]) == (401, 1001)  # its token is forgotten …
        r = await theirs.call("GET", "/api/credits/balance/simple")
        assert r.status_code == 200 and r.json()["code"] == 0  # … and nobody else's
        assert mine.admin.reset() == ["state", "faults", "counters", "log"]
        r = await api.raw.post("/__mock/reset", headers=mine.admin.headers, json={"clear": ["sessions"]})
        assert r.status_code == 422 and "it clears state, faults, counters, log" in r.json()["error"]


async def test_a_reset_clears_the_fault_plan_so_an_nth_1_fault_does_not_fire_in_the_next_test(
        open_api: OpenApi) -> None:
    # Issue 25: reset kept the plan and restarted its counters, so the fault fired again after it.
    plan = {"faults": [{"route": "GET /api/credits/*", "nth": 1, "respond": {"status": 500}}]}
    async with open_api() as api:
        api.mock.admin.set_faults(plan)
        await api.new_token()
        assert (await api.raw.get("/api/credits/balance/simple", headers=api.headers())).status_code == 500
        assert api.mock.admin.reset() == ["state", "faults", "counters", "log"]
        await api.new_token()  # "the next test"
        assert (await api.raw.get("/api/credits/balance/simple", headers=api.headers())).status_code == 200
        assert (await api.raw.get("/__mock/faults", headers=api.admin_headers)).json()["rules"] == 0


async def test_a_fault_rule_can_be_limited_to_one_caller(open_api: OpenApi) -> None:
    plan = parse_fault_plan({"faults": [
        {"route": "GET /api/credits/*", "caller": "caller-2", "respond": {"status": 503}},
        {"route": "GET /api/credits/*", "caller": "test-7", "nth": 2, "respond": {"status": 502}}]})
    async with open_api(MockConfig(faults=plan)) as api:
        first = await api.new_token()
        second = await api.new_token()
        for token, status in ((first, 200), (second, 503), (first, 200), (second, 503)):
            r = await api.raw.get("/api/credits/balance/simple", headers=api.headers(token))
            assert r.status_code == status
        scoped = {**api.headers(first), "X-Mock-Scope": "test-7"}  # a scope is its own caller
        assert [(await api.raw.get("/api/credits/balance/simple", headers=scoped)).status_code
                for _ in range(3)] == [200, 502, 200]
        assert [e["fault"] for e in api.mock.admin.requests(caller="caller-2", path="/api/credits/*")] == [
            "respond", "respond"]


async def test_a_scopes_render_and_its_shape_are_its_own(open_api: OpenApi) -> None:
    async with open_api(MockConfig(render_workers=1)) as api:
        mine = Scoped(api, "render-scope")
        sid = await mine.begin()
        state = (await mine.call("GET", f"/api/state/nemo_agent/me/{sid}/latest")).json()
        draft = state["data"]["state"]["draft"]
        mine.admin.set_faults({"faults": [{"route": "POST /api/render/proxy/lambda", "render": "fail"}]})
        r = await mine.call("POST", "/api/render/proxy/lambda",
                            json={"id": "render_1", "sessionId": sid, "draft": draft})
        assert r.status_code == 200
        with anyio.fail_after(30):
            job = job_of(r.json())
            while job["status"] not in ("completed", "failed"):
                await anyio.sleep(0.02)
                job = job_of((await mine.call("GET", "/api/render/proxy/lambda/render_1")).json())
        assert job["status"] == "failed" and "injected" in job["error"]
        assert mine.admin.count(fault="render") == 1 and api.mock.admin.scoped("other").count() == 0
