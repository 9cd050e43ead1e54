"""Tokens, sessions, credits, state and the error codes, over HTTP against the mock under uvicorn. Every
request and response here is checked against specs/nemo-api.yaml by the ``open_api`` fixture."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import anyio
import pytest

from motionctl.mock_server import ManualClock, MockConfig, request_log
from tests.mock_server.conftest import ATTRIBUTION, OpenApi, png_bytes

pytestmark = pytest.mark.anyio


async def test_missing_client_id_is_400_as_status_and_code(open_api: OpenApi) -> None:
    async with open_api() as api:
        r = await api.raw.post("/api/auth/anonymous-token", headers=ATTRIBUTION)
        assert r.status_code == 400 and r.json()["code"] == 400
        assert "X-Client-Id" in r.json()["message"]


async def test_same_client_id_gets_the_same_token_only_by_showing_it_until_it_expires(
        open_api: OpenApi) -> None:
    clock = ManualClock()
    async with open_api(clock=clock) as api:
        client = str(uuid.uuid4())
        first = await api.new_token(client)
        r = await api.http.post("/api/auth/anonymous-token", headers={**ATTRIBUTION, "X-Client-Id": client,
                                                                      "Authorization": f"Bearer {first}"})
        data = r.json()["data"]
        assert data["token"] == first and data["credits"] == 100
        # The client id alone (it is no secret) never hands out the token issued for it.
        r = await api.http.post("/api/auth/anonymous-token", headers={**ATTRIBUTION, "X-Client-Id": client})
        assert r.json()["code"] == 0 and r.json()["data"]["token"] != first
        assert data["expires_at"] == "2026-01-08T00:00:00Z"  # ManualClock starts 2026-01-01: 7 days
        assert (await api.new_token()) != first  # another client, another token

        api.token = first
        assert (await api.credits())["available"] == 100
        clock.advance(7 * 86400 - 1)
        assert (await api.credits())["available"] == 100  # one second left
        clock.advance(1)
        r = await api.http.get("/api/credits/balance/simple", headers=api.headers())
        assert r.status_code == 200 and r.json()["code"] == 1001 and "expired" in r.json()["message"]
        renewed = await api.new_token(client)
        assert renewed != first


async def test_new_tokens_per_ip_are_limited_over_7_days_when_configured(open_api: OpenApi) -> None:
    clock = ManualClock()
    async with open_api(MockConfig(tokens_per_ip=3), clock=clock) as api:
        first = str(uuid.uuid4())
        first_token = await api.new_token(first)
        clock.advance(3600)
        await api.new_token()
        await api.new_token()
        r = await api.raw.post("/api/auth/anonymous-token", headers={**ATTRIBUTION, "X-Client-Id": "4th"})
        assert (r.status_code, r.json()["code"]) == (429, 429)
        assert r.headers["retry-after"] == str(7 * 86400 - 3600)  # when the first of the three ages out
        assert "3 anonymous tokens in 7 days" in r.json()["message"]
        again = await api.http.post("/api/auth/anonymous-token",
                                    headers={**ATTRIBUTION, "X-Client-Id": first,
                                             "Authorization": f"Bearer {first_token}"})
        assert again.json()["code"] == 0  # a client's valid token is handed out again, not counted
        clock.advance(7 * 86400 - 3600)
        r = await api.http.post("/api/auth/anonymous-token", headers={**ATTRIBUTION, "X-Client-Id": "4th"})
        assert r.json()["code"] == 0 and r.json()["data"]["token"].startswith("nmv_usr_")


async def test_tokens_per_ip_are_unlimited_by_default(open_api: OpenApi) -> None:
    async with open_api() as api:
        assert MockConfig().tokens_per_ip is None
        for _ in range(12):
            await api.new_token()  # the conftest helper fails on an error envelope's missing data


async def test_bad_or_missing_bearer_is_1001_with_401(open_api: OpenApi) -> None:
    async with open_api() as api:
        r = await api.raw.get("/api/credits/balance/simple", headers=ATTRIBUTION)
        assert (r.status_code, r.json()["code"]) == (401, 1001)
        r = await api.http.get("/api/credits/balance/simple", headers=api.headers("nmv_usr_forged"))
        assert (r.status_code, r.json()["code"]) == (401, 1001)
        assert "nmv_usr_forged" not in r.text  # never echo a token


async def test_unknown_and_foreign_sessions_are_1002(open_api: OpenApi) -> None:
    async with open_api() as api:
        sid = await api.session()
        r = await api.http.get("/api/state/nemo_agent/me/123/latest", headers=api.headers())
        assert r.json()["code"] == 1002
        await api.new_token()  # another user
        r = await api.http.get(f"/api/state/nemo_agent/me/{sid}/latest", headers=api.headers())
        assert r.json()["code"] == 1002
        body = {"app_name": "nemo_agent", "user_id": "me", "session_id": sid,
                "new_message": {"parts": [{"text": "zoom in"}]}}
        headers = {**api.headers(), "Accept": "text/event-stream"}
        r = await api.http.post("/run_sse", json=body, headers=headers)
        assert r.headers["content-type"].startswith("application/json") and r.json()["code"] == 1002


async def test_new_session_state_has_the_default_draft(open_api: OpenApi) -> None:
    async with open_api() as api:
        sid = await api.session()
        assert sid.isdigit()
        state = await api.state(sid)
        assert state["draft"] == {"t": [], "d": 5000, "m": {"title": "project", "width": 1080, "height": 1920,
                                                             "aspect": "9:16", "fps": 30}}
        assert state["canvas_config"] == {"width": 1080, "height": 1920, "aspect_ratio": "9:16"}
        assert state["video_infos"] == [] and state["generated_media"] == []


async def test_upload_makes_the_image_the_video_segment_and_resets_motion(open_api: OpenApi) -> None:
    async with open_api() as api:
        sid = await api.session_with_image("first.png")
        await api.say(sid, "Animate the image with camera motion: zoom in.")
        body = await api.upload(sid, ("second.png", png_bytes(seed=2)))
        info = body["data"]["files"][0]
        assert info["filename"] == "second.png" and info["file_type"] == "image"
        assert (info["width"], info["height"]) == (96, 64) and len(info["hash"]) == 64
        state = await api.state(sid)
        seg = state["draft"]["t"][0]["sg"][0]
        assert (seg["src"], seg["name"], seg["motion"]) == (info["cdn_url"], "second.png", None)
        assert [i["filename"] for i in state["video_infos"]] == ["first.png", "second.png"]


async def test_credits_50_per_session_frozen_while_streaming_nothing_else_costs(open_api: OpenApi) -> None:
    config = MockConfig(initial_credits=120, work_delay=0.3, heartbeat_interval=0.05)
    async with open_api(config) as api:
        sid = await api.session_with_image()
        assert await api.credits() == {"available": 120, "frozen": 0, "total": 120}
        await api.say(sid, "what is this")  # not understood: free, and the session has not paid yet
        assert (await api.credits())["available"] == 120

        async with api.stream(sid, "Animate the image with camera motion: zoom in.") as r:
            lines = r.aiter_lines()
            async for line in lines:
                if line.startswith("data:"):
                    break  # the tool call: the work is under way
            assert await api.credits() == {"available": 70, "frozen": 50, "total": 120}
            async for _ in lines:
                pass
        assert await api.credits() == {"available": 70, "frozen": 0, "total": 70}

        await api.say(sid, "Set the duration to 6s.")
        await api.say(sid, "Set the aspect ratio to 1:1.")
        await api.say(sid, "Animate the image with camera motion: zoom out.")
        assert (await api.credits())["available"] == 70  # 50 once per session, whatever it edits

        sid2 = await api.session_with_image()
        await api.say(sid2, "Set the duration to 4s.")  # a new session pays its editing again
        assert (await api.credits())["available"] == 20
        sid3 = await api.session_with_image()
        r, _ = await api.say(sid3, "Animate the image with camera motion: pan left.")
        assert r.json()["code"] == 2001 and "this needs 50, 20 available" in r.json()["message"]
        assert (await api.state(sid3))["draft"]["t"][0]["sg"][0]["motion"] is None


async def test_export_without_attribution_headers_is_402(open_api: OpenApi) -> None:
    async with open_api() as api:
        sid = await api.session_with_image()
        draft = (await api.state(sid))["draft"]
        body = {"id": "render_1", "sessionId": sid, "draft": draft}
        for missing in ATTRIBUTION:
            headers = {k: v for k, v in api.headers().items() if k != missing}
            r = await api.raw.post("/api/render/proxy/lambda", json=body, headers=headers)
            assert r.status_code == 402 and r.json()["code"] == 402
            assert missing in r.json()["error"] and "not credits" in r.json()["error"]


async def test_claim_token(open_api: OpenApi) -> None:
    async with open_api() as api:
        sid = await api.session()
        r = await api.http.post("/api/auth/claim-token", headers=api.headers(),
                                json={"task_id": "task_x", "session_id": sid})
        data = r.json()["data"]
        assert data["claim_token"].startswith("clm_") and data["expires_in"] == 604800


async def test_malformed_json_body_is_422_not_an_api_code(open_api: OpenApi) -> None:
    async with open_api() as api:
        await api.new_token()
        r = await api.raw.post("/api/tasks/me/with-session/nemo_agent", content=b"{nope",
                               headers={**api.headers(), "Content-Type": "application/json"})
        assert r.status_code == 422 and r.json()["code"] == 422
        sid = await api.session()
        for message in ({"parts": None}, "zoom in", None):  # was a 500 for parts: null
            r = await api.raw.post("/run_sse", headers={**api.headers(), "Accept": "text/event-stream"},
                                   json={"app_name": "nemo_agent", "user_id": "me", "session_id": sid,
                                         "new_message": message})
            # ADK's /run_sse is a FastAPI route: its 422 names the field in FastAPI's form.
            assert r.status_code == 422 and r.json()["detail"][0]["loc"][:2] == ["body", "new_message"]


async def test_the_log_reads_a_big_body_off_the_event_loop(open_api: OpenApi,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    # Parsing, redacting and serialising an 844 KB draft for the log took ~90 ms on the loop, which every
    # other connection waited for; a body over 16 KiB is read for the log in a worker thread.
    on_loop: dict[int, bool] = {}
    original = request_log.BodyTap.body

    def recorded(self: request_log.BodyTap) -> Any:
        try:
            asyncio.get_running_loop()
            on_loop[self.size] = True
        except RuntimeError:
            on_loop[self.size] = False
        return original(self)

    monkeypatch.setattr(request_log.BodyTap, "body", recorded)
    async with open_api() as api:
        await api.new_token()
        small = await api.raw.post("/api/tasks/me/with-session/nemo_agent", headers=api.headers(),
                                   json={"task_name": "small", "language": "en"})
        big = await api.raw.post("/api/tasks/me/with-session/nemo_agent", headers=api.headers(),
                                 json={"task_name": "big", "language": "en", "notes": ["x" * 100] * 400})
        log = (await api.raw.get("/__mock/requests", headers=api.admin_headers,
                                 params={"path": "/api/tasks/*"})).json()["requests"]
    assert small.status_code == 200 and big.status_code < 500
    small_size, big_size = sorted(size for size in on_loop if size)  # the token call sent no body
    assert big_size > request_log.INLINE_BODY_BYTES >= small_size
    assert (on_loop[small_size], on_loop[big_size]) == (True, False)  # a small one stays on the loop
    assert [e["body"]["task_name"] for e in log] == ["small", "big"]  # the log shows both as before


async def test_request_log_masks_tokens_and_reset_forgets_everything(open_api: OpenApi) -> None:
    async with open_api() as api:
        sid = await api.session()
        log = (await api.raw.get("/__mock/requests", headers=api.admin_headers)).json()["requests"]
        assert [e["path"] for e in log] == ["/api/auth/anonymous-token",
                                            "/api/tasks/me/with-session/nemo_agent"]
        assert log[1]["status"] == 200
        assert api.token not in str(log) and log[1]["headers"]["authorization"] == "Bearer nmv_usr_***"
        assert log[0]["headers"]["x-client-id"] == "***"  # a client id is as good as its token
        await api.raw.post("/__mock/reset", headers=api.admin_headers)
        assert (await api.raw.get("/__mock/requests", headers=api.admin_headers)).json()["requests"] == []
        r = await api.http.get(f"/api/state/nemo_agent/me/{sid}/latest", headers=api.headers())
        assert r.json()["code"] == 1001  # the token is gone too


async def test_create_app_also_runs_in_process_over_asgi_transport() -> None:
    import httpx

    from motionctl.mock_server import create_app

    app = create_app(MockConfig(seed=3))
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://mock") as http:
            r = await http.post("/api/auth/anonymous-token", headers={**ATTRIBUTION, "X-Client-Id": "abc"})
            token = r.json()["data"]["token"]
            r = await http.post("/api/tasks/me/with-session/nemo_agent",
                                headers={**ATTRIBUTION, "Authorization": f"Bearer {token}"},
                                json={"task_name": "t", "language": "en"})
            assert r.json()["code"] == 0 and r.json()["data"]["session_id"].isdigit()
            # ... rendering included, though nothing ran the app's lifespan (which starts render workers).
            sid, auth = r.json()["data"]["session_id"], {**ATTRIBUTION, "Authorization": f"Bearer {token}"}
            await http.post(f"/api/upload-video/nemo_agent/me/{sid}", headers=auth,
                            files=[("files", ("p.png", png_bytes(), "image/png"))])
            body = {"app_name": "nemo_agent", "user_id": "me", "session_id": sid,
                    "new_message": {"role": "user", "parts": [{"text": "Set the duration to 1s."}]}}
            await http.post("/run_sse", headers=auth, json=body)
            draft = (await http.get(f"/api/state/nemo_agent/me/{sid}/latest", headers=auth)).json()["data"]
            r = await http.post("/api/render/proxy/lambda", headers=auth,
                                json={"id": "render_1", "sessionId": sid, "draft": draft["state"]["draft"],
                                      "output": {"format": "mp4", "quality": "low", "resolution": "540p"}})
            assert r.json()["success"] is True, r.json()
            async def status() -> str:
                r = await http.get("/api/render/proxy/lambda/render_1", headers=auth)
                return str(r.json()["data"]["status"])

            with anyio.fail_after(60):
                while await status() in ("pending", "processing"):  # noqa: ASYNC110 (polling HTTP)
                    await anyio.sleep(0.05)
            assert await status() == "completed"
    finally:
        await app.state.jobs.aclose()
        app.state.store.close()


async def test_served_on_ipv6_loopback_the_url_works() -> None:
    import httpx

    from motionctl.mock_server import serve_in_thread

    with serve_in_thread(host="::1") as mock:
        assert mock.url.startswith("http://[::1]:")
        async with httpx.AsyncClient(base_url=mock.url) as http:
            r = await http.post("/api/auth/anonymous-token", headers={**ATTRIBUTION, "X-Client-Id": "v6"})
            assert r.json()["code"] == 0
