"""Record the client against a live-like API scripted with respx (signed CDN URLs on another host, a cookie,
a user id echoed in the stream), then replay it: every secret became a placeholder in both directions
and in SSE data, the stream kept its events and their timing, and the replay gives the same answers and
the same downloaded bytes without the network."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
import respx

from motionctl.runner.api import ClientConfig, NemoClient
from motionctl.runner.api.auth import CredentialStore
from motionctl.runner.cassette import CassetteInfo, Recorder, ReplayTransport, load
from tests.runner.cassette.helpers import WORKFLOWS, block_network

BASE = "https://api.test"
TOKEN = "nmv_usr_SECRET_anon_0123456789"
USER = "anon_7f3a9c2b1d"
COOKIE = "s3cr3tSessionValue42"
CLAIM = "clm_0a1b2c3d4e5f6a7b8c9d0e1f"
UPLOAD_KEY, UPLOAD_SIG = "9f8e7d6c5b4a39281706f5e4d3c2b1a0", "abcdef0123456789abcdef"
RENDER_KEY, RENDER_SIG = "3b1f0e9d8c7b6a5f4e3d2c1b0a998877", "fedcba9876543210fedcba"
CREDENTIAL = "AKIAEXAMPLE1234"
CDN_UPLOAD = f"https://cdn.test/u/{UPLOAD_KEY}/sneaker.jpg?X-Amz-Signature={UPLOAD_SIG}&X-Amz-Expires=300"
CDN_RENDER = (f"https://cdn.test/renders/{RENDER_KEY}/out.mp4?X-Amz-Signature={RENDER_SIG}"
              f"&X-Amz-Credential={CREDENTIAL}%2F20261206")
SESSION = "5123456789012345678"
MP4 = b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 40
IMAGE = WORKFLOWS / "images" / "sneaker.jpg"
DRAFT = {"t": [{"tt": 0, "sg": [{"id": "v1", "st": 0, "d": 4000, "src": CDN_UPLOAD, "name": "sneaker.jpg"}]}],
         "d": 4000, "m": {"width": 1920, "height": 1080, "aspect": "16:9", "fps": 30}}
PAUSE = 0.05  # between the stream's events, so their timing shows in the cassette


def ok(data: object, **headers: str) -> httpx.Response:
    return httpx.Response(200, json={"code": 0, "message": "success", "data": data}, headers=headers)


class _Events(httpx.AsyncByteStream):
    """The chat's answer: a tool call, a heartbeat, the tool's result (with the user id and a signed URL)
    and text, with a pause before each of the last three."""

    async def __aiter__(self) -> AsyncIterator[bytes]:
        yield b'id: 1\nevent: message\ndata: {"type":"tool_call","name":"edit_multitrack","args":{}}\n\n'
        for frame in (b": ping\n\n",
                      b'data: {"type":"tool_result","name":"edit_multitrack","result":{"status":"success",'
                      + f'"user_id":"{USER}","draft":{json.dumps(DRAFT)}'.encode() + b"}}\n\n",
                      b'data: {"type":"text","content":"Done. Zoomed in slowly."}\n\n'):
            await anyio.sleep(PAUSE)
            yield frame


def _script(router: respx.MockRouter) -> None:
    router.post(f"{BASE}/api/auth/anonymous-token").mock(return_value=ok(
        {"token": TOKEN, "user_id": USER, "expires_at": "2099-01-01T00:00:00Z", "credits": 100},
        **{"Set-Cookie": f"session={COOKIE}; Path=/; HttpOnly"}))
    router.post(f"{BASE}/api/tasks/me/with-session/nemo_agent").mock(return_value=ok(
        {"task_id": "task_1", "session_id": SESSION, "user_id": USER}))
    router.post(f"{BASE}/api/upload-video/nemo_agent/me/{SESSION}").mock(return_value=ok(
        {"files": [{"filename": "sneaker.jpg", "file_type": "image", "cdn_url": CDN_UPLOAD}]}))
    router.post(f"{BASE}/run_sse").mock(return_value=httpx.Response(
        200, headers={"content-type": "text/event-stream"}, stream=_Events()))
    router.get(f"{BASE}/api/state/nemo_agent/me/{SESSION}/latest").mock(return_value=ok(
        {"session_id": SESSION, "state": {"draft": DRAFT, "video_infos": [{"cdn_url": CDN_UPLOAD}]}}))
    router.post(f"{BASE}/api/auth/claim-token").mock(return_value=ok({"claim_token": CLAIM,
                                                                       "expires_in": 604800}))
    router.post(f"{BASE}/api/render/proxy/lambda").mock(side_effect=lambda request: httpx.Response(
        200, json={"success": True, "data": {"id": json.loads(request.content)["id"], "status": "pending"}}))
    router.get(url__regex=rf"{BASE}/api/render/proxy/lambda/render_\d+").mock(side_effect=[
        httpx.Response(200, json={"success": True, "data": {"status": s, "progress": p,
                                                            **({"outputUrl": CDN_RENDER} if s == "completed"
                                                               else {})}})
        for s, p in (("pending", 0), ("processing", 50), ("completed", 100))])
    router.get(url__startswith=f"https://cdn.test/renders/{RENDER_KEY}/").mock(
        return_value=httpx.Response(200, headers={"content-type": "video/mp4"}, content=MP4))


@dataclass
class Conversation:
    session: str
    uploaded: list[str]
    said: str
    tools: list[str]
    draft: Any
    claim: str
    statuses: list[str]
    clip: bytes


async def _converse(client: NemoClient, out: Path) -> Conversation:
    session = await client.create_session()
    uploaded = await client.upload_files(session.session_id, [IMAGE])
    reply = await client.send_message(session.session_id, "zoom in slowly")
    state = await client.get_state(session.session_id)
    claim = await client.claim_token(session.task_id, session.session_id)
    submitted = await client.submit_render(session.session_id, state["state"]["draft"])
    statuses: list[str] = []
    final = await client.wait_render(submitted.id, interval=0.0,
                                     on_progress=lambda s: statuses.append(s.status))
    await client.download(final, out)
    clip = await anyio.Path(out).read_bytes()
    return Conversation(session.session_id, [u.cdn_url for u in uploaded], reply.text,
                        [str(e.name) for e in reply.tool_calls], state["state"]["draft"], claim.token,
                        statuses, clip)


def _config(folder: Path) -> ClientConfig:
    return ClientConfig(base_url=BASE, config_dir=folder, poll_interval=0.0, poll_interval_max=0.0)


@pytest.fixture
def recorded(tmp_path: Path) -> tuple[Path, Conversation, str]:
    """The conversation recorded against respx: the cassette, what the client saw, its client id."""
    cassette = tmp_path / "cassettes" / "live.har"
    recorder = Recorder(cassette)

    async def main() -> Conversation:
        with respx.mock(assert_all_called=True) as router:
            _script(router)
            transport = recorder.transport(httpx.AsyncHTTPTransport())
            async with NemoClient(_config(tmp_path / "rec"), transport) as client:
                return await _converse(client, tmp_path / "recorded.mp4")

    seen = anyio.run(main)
    recorder.save(CassetteInfo(datetime.now(UTC), BASE, "live", "test"))
    client_id = CredentialStore(tmp_path / "rec").load(BASE)
    assert client_id is not None
    return cassette, seen, client_id.client_id


def test_every_secret_is_a_placeholder_in_both_directions_and_in_sse_data(
        recorded: tuple[Path, Conversation, str]) -> None:
    cassette, seen, client_id = recorded
    assert seen.claim == CLAIM and seen.statuses == ["pending", "processing", "completed"]
    files = [cassette, *cassette.with_name("live.bodies").iterdir()]
    secrets = [TOKEN, USER, COOKIE, CLAIM, UPLOAD_KEY, UPLOAD_SIG, RENDER_KEY, RENDER_SIG, CREDENTIAL,
               client_id]
    leaked = [(s, f.name) for f in files for s in secrets if s.encode() in f.read_bytes()]
    assert leaked == []
    text = cassette.read_text(encoding="utf-8")
    for placeholder in ("Bearer <token-1>", "<client-id-1>", "<user-id-1>", "session=<cookie-1>",
                        "https://cdn.test/u/<capability-1>/sneaker.jpg?X-Amz-Signature=<signature-1>",
                        "<token-2>"):
        assert placeholder in text, placeholder
    meta = json.loads(text)["log"]["_motionctl"]
    assert meta["scrubbed"] == {"token": 2, "client-id": 1, "user-id": 1, "cookie": 1, "capability": 2,
                                "signature": 3}
    chat = next(e for e in load(cassette).exchanges if e.url.endswith("/run_sse"))
    assert chat.frames is not None
    kinds = [(f.event, f.id, f.comment, json.loads(f.data)["type"] if f.data else None) for f in chat.frames]
    assert kinds == [("message", "1", None, "tool_call"), (None, None, "ping", None),
                     (None, None, None, "tool_result"), (None, None, None, "text")]
    assert '"user_id":"<user-id-1>"' in (chat.frames[2].data or "")
    assert chat.frames[3].t - chat.frames[0].t >= 3 * PAUSE * 1000 * 0.9  # the pauses, in ms


def test_the_replay_answers_alike_without_the_network(recorded: tuple[Path, Conversation, str],
                                                     tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cassette, seen, _ = recorded
    attempts = block_network(monkeypatch)

    async def main() -> Conversation:
        async with NemoClient(_config(tmp_path / "replay"), ReplayTransport(load(cassette))) as client:
            return await _converse(client, tmp_path / "replayed.mp4")

    again = anyio.run(main)
    assert attempts == []
    assert again.clip == seen.clip == MP4
    assert (again.session, again.said, again.tools, again.statuses) == \
        (seen.session, seen.said, seen.tools, seen.statuses)
    # What the recording saw as secrets, the replay sees as their placeholders; the rest is the same.
    assert again.uploaded == ["https://cdn.test/u/<capability-1>/sneaker.jpg?X-Amz-Signature=<signature-1>"
                              "&X-Amz-Expires=300"]
    assert again.claim == "<token-2>"
    assert again.draft["t"][0]["sg"][0]["src"] == again.uploaded[0]


def test_a_capability_key_with_few_digits_is_scrubbed_from_a_recorded_url(tmp_path: Path) -> None:
    # The journal hid such a key and the cassette kept it: one rule now (runner/capability.py).
    key = "Xk9aQpLrTzWmBvNcYh2dEf"
    cassette = tmp_path / "cassettes" / "key.har"
    recorder = Recorder(cassette)

    async def fetch() -> None:
        with respx.mock(assert_all_called=True) as router:
            router.get(f"https://cdn.test/k/{key}/a.png").mock(return_value=httpx.Response(
                200, json={"cdn_url": f"https://cdn.test/k/{key}/a.png"}))
            async with httpx.AsyncClient(transport=recorder.transport(httpx.AsyncHTTPTransport())) as client:
                (await client.get(f"https://cdn.test/k/{key}/a.png")).raise_for_status()

    anyio.run(fetch)
    recorder.save(CassetteInfo(datetime.now(UTC), "https://cdn.test", "live", "test"))
    text = cassette.read_text(encoding="utf-8")
    assert key not in text
    assert "https://cdn.test/k/<capability-1>/a.png" in text
