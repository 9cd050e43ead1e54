"""The verification API: ``/__mock/requests`` shows what each caller sent (redacted bodies, statuses,
envelope codes, faults, stable caller labels), filtered by scope, path and status, and ``find``/``count``
match requests by body field, caller, path and method; nothing secret ever shows."""

from __future__ import annotations

import json

import pytest

from motionctl.mock_server import parse_fault_plan
from tests.mock_server.conftest import SMALL, Api, OpenApi, png_bytes

pytestmark = pytest.mark.anyio


async def two_callers(api: Api) -> dict[str, str]:
    """Caller 1 makes a session with an image and renders it; caller 2 makes a session and asks about a
    session that is not its own. Returns the secrets and ids involved, to look for in the log."""
    first = await api.new_token("client-of-caller-1")
    sid = await api.session_with_image("photo.png")
    await api.say(sid, "Set the duration to 1s.")
    draft = (await api.state(sid))["draft"]
    await api.submit(sid, draft, "render_1700000000001")
    await api.wait("render_1700000000001")
    second = await api.new_token("client-of-caller-2")
    other = await api.session()
    r = await api.http.get(f"/api/state/nemo_agent/me/{sid}/latest", headers=api.headers())
    assert r.json()["code"] == 1002
    claim = await api.http.post("/api/auth/claim-token", headers=api.headers(),
                                json={"task_id": "t", "session_id": other})
    return {"first": first, "second": second, "sid": sid, "other": other,
            "cdn": draft["t"][0]["sg"][0]["src"], "claim": claim.json()["data"]["claim_token"]}


async def test_the_log_shows_what_each_caller_sent_and_got_with_secrets_replaced(open_api: OpenApi) -> None:
    async with open_api() as api:
        seen = await two_callers(api)
        log = api.mock.admin.requests()
        callers = [(e["method"], e["path"].split("/")[2] if e["path"].startswith("/api/") else e["path"],
                    e["caller"]) for e in log]
        assert {c for _, _, c in callers} == {"caller-1", "caller-2"}
        assert [c for _, _, c in callers[:1]] == ["caller-1"]  # its token call is its own, too
        submit = next(e for e in log if e["path"] == "/api/render/proxy/lambda")
        assert (submit["status"], submit["code"], submit["fault"], submit["caller"]) == (200, None, None,
                                                                                         "caller-1")
        # The body as sent, its shape kept; the capability part of the CDN URL replaced.
        assert submit["body"]["id"] == "render_1700000000001" and submit["body"]["sessionId"] == seen["sid"]
        assert submit["body"]["output"] == SMALL
        assert submit["body"]["draft"]["t"][0]["sg"][0]["src"].split("/")[-3:] == ["cdn", "***", "photo.png"]
        upload = next(e for e in log if e["path"].startswith("/api/upload-video/"))
        assert upload["body"] == {"files": [{"filename": "photo.png", "bytes": len(png_bytes())}]}
        message = next(e for e in log if e["path"] == "/run_sse")
        assert message["body"]["new_message"] == {"parts": [{"text": "Set the duration to 1s."}]}
        assert message["status"] == 200 and message["code"] is None  # a stream, no envelope
        lost = next(e for e in log if e["path"] == f"/api/state/nemo_agent/me/{seen['sid']}/latest"
                    and e["caller"] == "caller-2")
        assert (lost["status"], lost["code"]) == (200, 1002)  # the envelope code an HTTP 200 carried
        token_calls = [e for e in log if e["path"] == "/api/auth/anonymous-token"]
        assert [e["headers"]["x-client-id"] for e in token_calls] == ["***", "***"]
        shown = json.dumps(log)
        for secret in (seen["first"], seen["second"], "client-of-caller-1", "client-of-caller-2",
                       seen["cdn"].split("/")[-2], seen["claim"], api.mock.admin_key):
            assert secret not in shown


async def test_filters_and_find_and_count(open_api: OpenApi) -> None:
    async with open_api() as api:
        seen = await two_callers(api)
        admin = api.mock.admin
        assert {e["path"] for e in admin.requests(path="/api/render/*")} == {
            "/api/render/proxy/lambda", "/api/render/proxy/lambda/render_1700000000001"}
        assert [e["code"] for e in admin.requests(code=1002)] == [1002]
        assert {e["caller"] for e in admin.requests(caller="caller-2")} == {"caller-2"}
        assert all(e["status"] // 100 == 2 for e in admin.requests(status="2xx"))
        assert admin.requests(status="4xx") == []
        assert len(admin.requests(method="post", path="/api/tasks/*")) == 2
        # WireMock's /__admin/requests/find: by a field of the body, and by caller.
        found = admin.find(body={"sessionId": seen["sid"]}, caller="caller-1")
        assert [e["body"]["id"] for e in found] == ["render_1700000000001"]
        assert admin.find(body={"sessionId": seen["sid"]}, caller="caller-2") == []
        assert admin.count(method="POST", path="/api/render/proxy/lambda") == 1  # one render for the job
        assert admin.count(body={"new_message": {"parts": [{"text": "Set the duration to 1s."}]}}) == 1
        assert admin.count(body={"session_id": seen["other"]}, path="/api/auth/claim-token") == 1
        r = await api.raw.post("/__mock/requests/find", headers=api.admin_headers, json={"bodyy": {}})
        assert r.status_code == 400 and "match by method, path, status" in r.json()["error"]
        r = await api.raw.get("/__mock/requests?state=1", headers=api.admin_headers)
        assert r.status_code == 400 and "filter by" in r.json()["error"]


async def test_a_fault_that_fired_shows_on_its_request(open_api: OpenApi) -> None:
    from motionctl.mock_server import MockConfig

    plan = parse_fault_plan({"faults": [{"route": "GET /api/credits/*", "nth": 1,
                                         "respond": {"status": 503}}]})
    async with open_api(MockConfig(faults=plan)) as api:
        await api.new_token()
        for _ in range(2):
            await api.raw.get("/api/credits/balance/simple", headers=api.headers())
        assert [(e["status"], e["fault"]) for e in api.mock.admin.requests(path="/api/credits/*")] == [
            (503, "respond"), (200, None)]
        assert api.mock.admin.count(fault="respond") == 1


async def test_a_scope_names_its_caller_and_sees_only_its_own_requests(open_api: OpenApi) -> None:
    async with open_api() as api:
        await api.new_token()
        await api.session()  # outside any scope
        scoped = {**api.headers(), "X-Mock-Scope": "test-42"}
        await api.http.post("/api/tasks/me/with-session/nemo_agent", headers=scoped,
                            json={"task_name": "mine", "language": "ja"})
        mine = api.mock.admin.scoped("test-42")
        assert [(e["caller"], e["scope"], e["body"]) for e in mine.requests()] == [
            ("test-42", "test-42", {"task_name": "mine", "language": "ja"})]
        assert mine.count() == 1 and api.mock.admin.count() == 3
        assert api.mock.admin.count(scope="test-42", body={"language": "ja"}) == 1


async def test_a_body_python_reads_but_json_cannot_carry_is_logged_as_valid_json(open_api: OpenApi) -> None:
    async with open_api() as api:
        await api.new_token()
        await api.raw.post("/api/tasks/me/with-session/nemo_agent", content=b'{"task_name": "\\ud800x", '
                           b'"language": "en", "\\udc00k": 1, "n": NaN, "i": -Infinity}',
                           headers={**api.headers(), "Content-Type": "application/json"})
        r = await api.raw.get("/__mock/requests", headers=api.admin_headers)  # was a 500
        assert r.status_code == 200
        assert r.json()["requests"][-1]["body"] == {"task_name": "\ufffdx", "language": "en", "\ufffdk": 1,
                                                    "n": "NaN", "i": "-Infinity"}
