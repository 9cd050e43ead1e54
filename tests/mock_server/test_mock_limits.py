"""Input limits: every malformed, oversized or too-deep body is a 4xx envelope with a message, never a 500
or a dropped connection, and nothing oversized is stored."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from motionctl.mock_server.bodies import MAX_JSON_BYTES
from tests.mock_server.conftest import Api, OpenApi

pytestmark = pytest.mark.anyio

DEEP = b"[" * 100_000 + b"]" * 100_000
HUGE_INT = b'{"task_name": ' + b"9" * 100_000 + b"}"
BAD_UTF8 = b'{"task_name": "\xff\xfe"}'
NOT_AN_OBJECT = [DEEP, HUGE_INT, BAD_UTF8, b"", b"null", b"[]", b'"text"', b"12", b"{", b'{"a": }',
                 b"\x00\x01", b"NaN"]
MALFORMED: list[bytes] = [
    *NOT_AN_OBJECT, b'{"session_id": {"nested": true}}', b'{"session_id": [1, 2]}',
    b'{"task_name": {"x": 1}}',
    b'{"new_message": {"parts": "zoom"}}', b'{"new_message": {"parts": [{"text": 5}]}}',
    b'{"urls": "http://x"}', b'{"urls": [1]}', b'{"id": 5, "sessionId": 1}', b'{"draft": []}',
    b'{"output": "mp4", "id": "render_1"}', b'{"x": Infinity}', b'{"language": true}',
    b'{"d": ' + b"1" * 5000 + b"}",
]


def json_routes(sid: str) -> list[tuple[str, str]]:
    return [("POST", "/api/tasks/me/with-session/nemo_agent"), ("POST", "/api/auth/claim-token"),
            ("POST", "/run_sse"), ("POST", f"/api/upload-video/nemo_agent/me/{sid}"),
            ("POST", "/api/render/proxy/lambda")]


def message_of(r: httpx.Response) -> str:
    """The envelope's message, a render failure's error, or FastAPI's detail (/run_sse)."""
    body: Any = r.json()
    detail = body.get("detail")
    if isinstance(detail, list):
        detail = "; ".join(item["msg"] for item in detail)
    return str(body.get("message") or body.get("error") or detail or "")


async def test_every_malformed_body_on_every_json_route_is_a_4xx_with_a_message(open_api: OpenApi) -> None:
    async with open_api() as api:
        sid = await api.session_with_image()
        for method, path in json_routes(sid):
            for raw in MALFORMED:
                r = await api.raw.request(method, path, content=raw,
                                          headers={**api.headers(), "Content-Type": "application/json",
                                                   "Accept": "text/event-stream"})
                assert r.status_code < 500, (path, raw[:40], r.text)
                answer = r.json()
                failed = r.status_code >= 400 or answer.get("code", 0) != 0 or answer.get("success") is False
                if failed:
                    assert message_of(r), (path, raw[:40], r.text)
                if raw in NOT_AN_OBJECT:
                    assert r.status_code == 422, (path, raw[:40])
        deep = await api.raw.post("/api/tasks/me/with-session/nemo_agent", content=DEEP,
                                  headers={**api.headers(), "Content-Type": "application/json"})
        assert deep.status_code == 422 and "deeper than 64 levels" in deep.json()["message"]
        digits = await api.raw.post("/api/tasks/me/with-session/nemo_agent", content=HUGE_INT,
                                    headers={**api.headers(), "Content-Type": "application/json"})
        assert digits.status_code == 422 and "not valid JSON" in digits.json()["message"]
        utf8 = await api.raw.post("/api/tasks/me/with-session/nemo_agent", content=BAD_UTF8,
                                  headers={**api.headers(), "Content-Type": "application/json"})
        assert utf8.status_code == 422 and "not valid UTF-8" in utf8.json()["message"]


async def test_bodies_past_the_size_limit_are_413_and_long_fields_422(open_api: OpenApi) -> None:
    async with open_api() as api:
        sid = await api.session_with_image()
        big_name = {"task_name": "x" * (MAX_JSON_BYTES + 1), "language": "en"}
        r = await api.raw.post("/api/tasks/me/with-session/nemo_agent", json=big_name, headers=api.headers())
        assert r.status_code == 413 and "larger than 1,048,576 bytes" in r.json()["message"]
        r = await api.raw.post("/api/tasks/me/with-session/nemo_agent", headers=api.headers(),
                               json={"task_name": "x" * 300, "language": "en"})
        assert r.status_code == 422 and "/task_name" in r.json()["message"] and "256" in r.json()["message"]
        body = {"app_name": "nemo_agent", "user_id": "me", "session_id": sid,
                "new_message": {"parts": [{"text": "zoom in " * 2000}]}}
        r = await api.raw.post("/run_sse", json=body,
                               headers={**api.headers(), "Accept": "text/event-stream"})
        assert r.status_code == 422 and "10000" in message_of(r)
        assert r.json()["detail"][0]["loc"] == ["body", "new_message", "parts", 0, "text"]
        r = await api.raw.post("/api/render/proxy/lambda", headers=api.headers(),
                               json={"id": "render_1", "sessionId": sid,
                                     "draft": {"t": [], "pad": "x" * 2**21}})
        assert r.status_code == 413 and r.json()["success"] is False


async def test_the_fault_api_reads_its_body_within_the_same_limits(open_api: OpenApi) -> None:
    async with open_api() as api:
        for raw, says in ((BAD_UTF8, "not valid UTF-8"), (DEEP, "deeper than 64"),
                          (HUGE_INT, "not valid JSON"), (b"{" * 10, "not valid JSON")):
            r = await api.raw.post("/__mock/faults", content=raw, headers=api.admin_headers)
            assert r.status_code == 422 and says in r.json()["error"]
        r = await api.raw.post("/__mock/faults", headers=api.admin_headers,
                               json={"faults": [{"route": "POST /run-sse", "respond": {"status": 503}}]})
        assert r.status_code == 400 and "POST /run_sse" in r.json()["error"]


async def session_count(api: Api) -> int:
    return len(api.mock.app.state.store.sessions)


async def test_nothing_oversized_is_stored(open_api: OpenApi) -> None:
    async with open_api() as api:
        await api.session()
        before = await session_count(api)
        await api.raw.post("/api/tasks/me/with-session/nemo_agent", headers=api.headers(),
                           json={"task_name": "x" * 100_000, "language": "en"})
        assert await session_count(api) == before


async def test_a_multipart_upload_has_at_most_twenty_files(open_api: OpenApi) -> None:
    from tests.mock_server.conftest import png_bytes

    async with open_api() as api:
        sid = await api.session()
        files = [("files", (f"p{n}.png", png_bytes(8, 8), "image/png")) for n in range(21)]
        r = await api.raw.post(f"/api/upload-video/nemo_agent/me/{sid}", headers=api.headers(), files=files)
        assert r.status_code == 422 and "at most 20 per upload" in r.json()["message"]
        assert (await api.state(sid))["video_infos"] == []


async def test_a_body_nested_past_the_limit_but_within_pythons_is_a_422_and_the_log_still_answers(
        open_api: OpenApi) -> None:
    # ~500 levels: json.loads reads it, so the log's tap must not recurse into it (it once raised
    # RecursionError there: a 500 and a reset connection in place of the 422).
    nested = b'{"task_name": ' + b"[" * 500 + b"]" * 500 + b"}"
    async with open_api() as api:
        await api.new_token()
        r = await api.raw.post("/api/tasks/me/with-session/nemo_agent", content=nested,
                               headers={**api.headers(), "Content-Type": "application/json"})
        assert r.status_code == 422 and "deeper than 64 levels" in r.json()["message"]
        log = await api.raw.get("/__mock/requests", headers=api.admin_headers,
                                params={"path": "/api/tasks/me/with-session/nemo_agent"})
        assert log.status_code == 200
        entry = log.json()["requests"][-1]
        assert entry["status"] == 422 and "deeper than 64 levels" in entry["body"]
