"""The mock keeps callers apart as the real service would: every data route tried with another caller's
token and with none, the CDN's unguessable URLs, ids and tokens that a seed does not predict, and admin
routes that need the key and show no secrets."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from motionctl.mock_server import MockConfig, serve_in_thread
from motionctl.mock_server.admin import ADMIN_HEADER
from tests.mock_server.conftest import ATTRIBUTION, SMALL, Api, OpenApi, png_bytes

pytestmark = pytest.mark.anyio


@dataclass
class Victim:
    """Caller A's objects: what another caller must not reach."""

    token: str
    client_id: str
    sid: str
    cdn_url: str
    render_id: str
    output_url: str


async def victim(api: Api) -> Victim:
    client_id = str(uuid.uuid4())
    token = await api.new_token(client_id)
    sid = await api.session()
    upload = await api.upload(sid, ("secret photo.png", png_bytes()))
    await api.say(sid, "Set the duration to 1s.")
    draft = (await api.state(sid))["draft"]
    await api.submit(sid, draft, "render_1700000000000")
    final = (await api.wait("render_1700000000000"))[-1]
    assert final["status"] == "completed"
    return Victim(token, client_id, sid, upload["data"]["files"][0]["cdn_url"], "render_1700000000000",
                  final["data"]["outputUrl"])


def calls(a: Victim) -> dict[str, tuple[str, str, dict[str, Any] | None]]:
    """Every data route, aimed at A's objects: name → (method, path, JSON body)."""
    sse = {"app_name": "nemo_agent", "user_id": "me", "session_id": a.sid,
           "new_message": {"parts": [{"text": "Set the duration to 2s."}]}}
    return {
        "state": ("GET", f"/api/state/nemo_agent/me/{a.sid}/latest", None),
        "run_sse": ("POST", "/run_sse", sse),
        "upload": ("POST", f"/api/upload-video/nemo_agent/me/{a.sid}", {"urls": [a.cdn_url],
                                                                       "source_type": "url"}),
        "claim": ("POST", "/api/auth/claim-token", {"task_id": "t", "session_id": a.sid}),
        "submit": ("POST", "/api/render/proxy/lambda", {"id": "render_1", "sessionId": a.sid,
                                                        "draft": {"t": []}, "output": SMALL}),
        "status": ("GET", f"/api/render/proxy/lambda/{a.render_id}", None),
        "cancel": ("POST", f"/api/render/proxy/lambda/{a.render_id}/cancel", None),
        "download": ("GET", f"/api/render/proxy/{a.render_id}/download", None),
    }


def same(text: str, a: Victim) -> str:
    """``text`` with the ids a test chose replaced, so two answers compare by what they reveal."""
    for ident in (a.sid, a.render_id, "5000000000000000001", "render_1"):
        text = text.replace(ident, "X")
    return text


def outcome(r: httpx.Response) -> tuple[int, Any]:
    body = r.json() if r.headers.get("content-type", "").startswith("application/json") else None
    code = body.get("code") if isinstance(body, dict) else None
    return r.status_code, code


async def test_every_data_route_refuses_another_callers_token_and_none(open_api: OpenApi) -> None:
    async with open_api() as api:
        a = await victim(api)
        b = await api.new_token()
        expected_other = {"state": (200, 1002), "run_sse": (200, 1002), "upload": (200, 1002),
                          "claim": (200, 1002), "submit": (200, 1002), "status": (404, None),
                          "cancel": (404, None), "download": (404, None)}
        for name, (method, path, body) in calls(a).items():
            as_b = await api.raw.request(method, path, json=body, headers=api.headers(b))
            assert outcome(as_b) == expected_other[name], name
            assert a.token not in as_b.text and "secret" not in as_b.text, name
            nobody = await api.raw.request(method, path, json=body, headers=ATTRIBUTION)
            # No token is 1001, which travels with HTTP 200 (the mock's mapping), but on a download, where a
            # downloader may look at the status alone, with 401.
            assert outcome(nobody) == ((401, 1001) if name == "download" else (200, 1001)), name

        # No existence oracle: A's objects answer B exactly as objects that do not exist.
        for name, (method, path, body) in calls(a).items():
            ghost_path = path.replace(a.sid, "5000000000000000001").replace(a.render_id, "render_1")
            ghost_body = json.loads(json.dumps(body).replace(a.sid, "5000000000000000001")) if body else None
            real = await api.raw.request(method, path, json=body, headers=api.headers(b))
            ghost = await api.raw.request(method, ghost_path, json=ghost_body, headers=api.headers(b))
            assert (real.status_code, same(real.text, a)) == (ghost.status_code, same(ghost.text, a)), name

        # A still sees all of it, unchanged by B's attempts.
        api.token = a.token
        assert (await api.status(a.render_id))["data"]["status"] == "completed"
        assert [i["filename"] for i in (await api.state(a.sid))["video_infos"]] == ["secret_photo.png"]


async def test_cdn_urls_are_capabilities_and_refuse_a_wrong_token(open_api: OpenApi) -> None:
    async with open_api() as api:
        a = await victim(api)
        b = await api.new_token()
        for url in (a.output_url, a.cdn_url):
            assert (await api.raw.get(url)).status_code == 200  # a signed URL: no token needed
            assert (await api.raw.get(url, headers=api.headers(a.token))).status_code == 200
            assert (await api.raw.get(url, headers=api.headers(b))).status_code == 404
            assert (await api.raw.get(url, headers=api.headers("nmv_usr_forged"))).status_code == 404
        name = a.output_url.rsplit("/", 1)[1]
        for guess in (f"/cdn/renders/{name}", f"/cdn/renders/{'0' * 32}/{name}",
                      a.cdn_url.replace(a.cdn_url.split("/")[4], "u" + "0" * 32)):
            assert (await api.raw.get(guess)).status_code == 404, guess
        # Another caller cannot render A's upload by naming its URL in a draft of its own either.
        sid_b = await api.session()
        draft = (await api.state(sid_b))["draft"]
        draft["t"] = [{"tt": 0, "sg": [{"src": a.cdn_url, "st": 0, "d": 1000}]}]
        r = await api.submit(sid_b, draft, "render_2")
        assert r.status_code == 422 and "not a file uploaded" in r.json()["error"]


async def test_render_ids_belong_to_their_caller(open_api: OpenApi) -> None:
    async with open_api() as api:
        a = await victim(api)
        await api.new_token()
        sid_b = await api.session_with_image()
        await api.say(sid_b, "Set the duration to 1s.")
        draft = (await api.state(sid_b))["draft"]
        r = await api.submit(sid_b, draft, a.render_id)  # A's id is free for B: nothing says it is taken
        assert r.status_code == 200 and r.json()["data"]["status"] == "pending"
        again = await api.submit(sid_b, draft, a.render_id)  # B's own id, taken: as the API answers
        assert again.status_code == 409 and "duplicate id" in again.json()["error"]
        for bad in ("render_abc", "render_" + "1" * 41, "../../etc", "draft-cli-1"):
            r = await api.raw.post("/api/render/proxy/lambda", headers=api.headers(),
                                   json={"id": bad, "sessionId": sid_b, "draft": draft, "output": SMALL})
            assert r.status_code == 422 and "render_<ms timestamp>" in r.json()["error"], bad
        api.token = a.token
        assert (await api.status(a.render_id))["data"]["outputUrl"] == a.output_url


async def test_a_client_id_alone_never_returns_its_token(open_api: OpenApi) -> None:
    async with open_api() as api:
        a = await victim(api)
        r = await api.raw.post("/api/auth/anonymous-token",
                               headers={**ATTRIBUTION, "X-Client-Id": a.client_id})
        assert r.json()["code"] == 0 and r.json()["data"]["token"] != a.token
        own = await api.raw.post("/api/tasks/me/with-session/nemo_agent", headers=api.headers(a.token),
                                 json={})
        assert r.json()["data"]["user_id"] != own.json()["data"]["user_id"]


async def test_admin_routes_need_the_key_and_show_no_token_or_client_id(open_api: OpenApi) -> None:
    async with open_api() as api:
        a = await victim(api)
        for method, path in (("GET", "/__mock/requests"), ("POST", "/__mock/reset"),
                             ("GET", "/__mock/faults"), ("POST", "/__mock/faults")):
            assert (await api.raw.request(method, path)).status_code == 401
            wrong = await api.raw.request(method, path, headers={ADMIN_HEADER: "adm_wrong"})
            assert wrong.status_code == 401 and api.mock.admin_key not in wrong.text
        log = api.mock.admin.requests()
        shown = json.dumps(log)
        assert a.token not in shown and a.client_id not in shown
        assert a.token[8:16] not in shown  # not even a piece of it
        upload_id = a.cdn_url.split("/")[4]
        key = a.output_url.split("/")[5]
        assert upload_id not in shown and key not in shown  # CDN capabilities are masked too
        assert any(e["path"] == "/api/render/proxy/lambda" for e in log)


def test_tokens_and_capability_ids_are_random_under_a_fixed_seed() -> None:
    seen: list[tuple[str, str, str]] = []
    for _ in range(2):
        with serve_in_thread(MockConfig(seed=0)) as mock:
            r = httpx.post(f"{mock.url}/api/auth/anonymous-token",
                           headers={**ATTRIBUTION, "X-Client-Id": "same-client"}).json()["data"]
            auth = {**ATTRIBUTION, "Authorization": f"Bearer {r['token']}"}
            sid = httpx.post(f"{mock.url}/api/tasks/me/with-session/nemo_agent", headers=auth,
                             json={}).json()["data"]["session_id"]
            files = httpx.post(f"{mock.url}/api/upload-video/nemo_agent/me/{sid}", headers=auth,
                               files={"files": ("p.png", png_bytes())}).json()["data"]["files"]
            seen.append((r["token"], mock.admin_key, files[0]["cdn_url"].split("/")[4]))
            session_ids = sid
    assert all(len(set(kind)) == 2 for kind in zip(*seen, strict=True))
    assert session_ids.isdigit()  # the seed still governs behaviour: session ids, replies, no-text choices
