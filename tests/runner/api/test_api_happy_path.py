"""One pass through every endpoint the way the engine uses them, each call checked against the spec."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
import respx

from motionctl.runner import __version__
from motionctl.runner.api import NemoClient
from tests.contract import ContractChecker
from tests.runner.api.helpers import TOKEN, ok

pytestmark = pytest.mark.anyio

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200


async def test_session_upload_state_credits_claim(
    client: NemoClient, api: respx.MockRouter, checker: ContractChecker, tmp_path: Path
) -> None:
    session = api.post("/api/tasks/me/with-session/nemo_agent").mock(
        return_value=ok({"task_id": "task_1", "session_id": "5529798706024415232", "user_id": "anon_abc123"})
    )
    upload = api.post("/api/upload-video/nemo_agent/me/5529798706024415232").mock(
        return_value=ok(
            {
                "files": [
                    {
                        "filename": "shoe.png",
                        "file_type": "image",
                        "cdn_url": "https://cdn.test/shoe.png",
                        "width": 1080,
                        "height": 1920,
                    }
                ],
                "session_state_applied": True,
            }
        )
    )
    state = api.get("/api/state/nemo_agent/me/5529798706024415232/latest").mock(
        return_value=ok(
            {
                "session_id": "5529798706024415232",
                "task_id": "task_1",
                "state": {
                    "draft": {
                        "t": [{"tt": 0, "sg": [{"st": 0, "d": 6000, "src": "https://cdn.test/shoe.png"}]}]
                    },
                    "video_infos": [],
                    "generated_media": [],
                },
            }
        )
    )
    api.get("/api/credits/balance/simple").mock(
        return_value=ok({"available": 60, "frozen": 40, "total": 100})
    )
    api.post("/api/auth/claim-token").mock(return_value=ok({"claim_token": "clm_x", "expires_in": 604800}))
    image = tmp_path / "shoe.png"
    image.write_bytes(PNG)

    s = await client.create_session(task_name="project", language="en")
    files = await client.upload_files(s.session_id, [image])
    data = await client.get_state(s.session_id)
    credits = await client.credits()
    claim = await client.claim_token(s.task_id, s.session_id)

    assert (s.task_id, s.session_id) == ("task_1", "5529798706024415232")
    assert json.loads(session.calls.last.request.content) == {"task_name": "project", "language": "en"}
    assert [f.cdn_url for f in files] == ["https://cdn.test/shoe.png"] and files[0].width == 1080
    body = upload.calls.last.request.read()
    assert b'name="files"; filename="shoe.png"' in body and b"Content-Type: image/png" in body and PNG in body
    assert data["state"]["draft"]["t"][0]["tt"] == 0 and state.called
    assert (credits.available, credits.frozen, credits.total) == (60, 40, 100)
    assert claim.url == "https://nemovideo.com/workspace/claim?ct=clm_x" and "clm_x" not in repr(claim)
    assert checker.operations_seen == [
        "anonymousToken",
        "createSession",
        "upload",
        "state",
        "credits",
        "claimToken",
    ]


async def test_every_request_carries_attribution_client_id_and_bearer(
    client: NemoClient, api: respx.MockRouter
) -> None:
    api.get("/api/credits/balance/simple").mock(return_value=ok({"available": 1, "frozen": 0, "total": 1}))
    await client.credits()
    await client.credits()
    token_call, *calls = api.calls
    for call in api.calls:
        headers = call.request.headers
        assert headers["X-Skill-Source"] == "image-to-video-motion-control"
        assert headers["X-Skill-Version"] == "9.9.9"
        assert headers["X-Skill-Platform"] == "unknown"
        assert headers["X-Client-Id"] == client.client_id
    assert "authorization" not in token_call.request.headers
    assert [c.request.headers["Authorization"] for c in calls] == [f"Bearer {TOKEN}"] * 2
    assert api["token"].call_count == 1  # the token is fetched once and reused


async def test_default_version_header_is_the_package_version(tmp_path: Path) -> None:
    from motionctl.runner.api import ClientConfig

    config = ClientConfig(base_url="https://api.test", config_dir=tmp_path)
    assert config.skill_version == __version__
    seen: list[httpx.Request] = []
    with respx.mock(base_url="https://api.test") as router:
        router.post("/api/auth/anonymous-token").mock(
            side_effect=lambda r: seen.append(r) or ok({"token": "t", "expires_at": "2099-01-01T00:00:00Z"})
        )
        async with NemoClient(config) as client:
            await client._token()
    assert seen[0].headers["X-Skill-Version"] == __version__
