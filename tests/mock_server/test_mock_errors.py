"""The error codes as README's table and specs/SOURCES.md ("Error codes") write them down: 1001 with its
two HTTP statuses, a new token meaning a new identity whose next call with the old session is 1002, 1002
itself, and 2001."""

from __future__ import annotations

import pytest

from motionctl.mock_server import ManualClock, MockConfig, parse_fault_plan
from tests.mock_server.conftest import ATTRIBUTION, OpenApi

pytestmark = pytest.mark.anyio
CREDITS = "/api/credits/balance/simple"
MOTION = "Animate the image with camera motion: zoom in."


async def test_1001_is_401_for_credentials_the_service_cannot_identify(open_api: OpenApi) -> None:
    async with open_api() as api:
        token = await api.new_token()
        cases = {
            "no Authorization": ATTRIBUTION,
            "not a bearer": {**ATTRIBUTION, "Authorization": f"Token {token}"},
            "a token never issued": {**ATTRIBUTION, "Authorization": "Bearer nmv_usr_forged"},
            "a missing attribution header": {"Authorization": f"Bearer {token}"},
        }
        for name, headers in cases.items():
            r = await api.raw.get(CREDITS, headers=headers)
            assert (r.status_code, r.json()["code"]) == (401, 1001), name
            assert token not in r.text and "forged" not in r.text, name


async def test_1001_is_200_for_an_issued_token_that_expired_or_was_revoked(open_api: OpenApi) -> None:
    clock = ManualClock()
    plan = parse_fault_plan({"faults": [{"route": "GET /api/credits/*", "nth": 2, "expire_token": True}]})
    async with open_api(MockConfig(faults=plan), clock=clock) as api:
        revoked = await api.new_token()
        assert (await api.raw.get(CREDITS, headers=api.headers())).json()["code"] == 0
        r = await api.raw.get(CREDITS, headers=api.headers())  # the fault revokes it before this call
        assert (r.status_code, r.json()["code"]) == (200, 1001) and "revoked" in r.json()["message"]
        expiring = await api.new_token()
        clock.advance(7 * 86400)
        r = await api.raw.get(CREDITS, headers=api.headers(expiring))
        assert (r.status_code, r.json()["code"]) == (200, 1001) and "expired" in r.json()["message"]
        assert revoked != expiring


async def test_a_new_token_is_a_new_identity_so_the_old_session_is_1002(open_api: OpenApi) -> None:
    async with open_api() as api:
        sid = await api.session_with_image()
        await api.new_token()  # the documented cure for 1001: one new token
        r = await api.raw.get(f"/api/state/nemo_agent/me/{sid}/latest", headers=api.headers())
        assert (r.status_code, r.json()["code"]) == (200, 1002)
        r, _ = await api.say(sid, "Set the duration to 2s.")
        assert r.json()["code"] == 1002
        fresh = await api.session()  # the job starts over in a session of the new identity
        assert fresh != sid and (await api.state(fresh))["video_infos"] == []


async def test_1002_is_200_for_a_session_nobody_or_somebody_else_has(open_api: OpenApi) -> None:
    async with open_api() as api:
        sid = await api.session()
        await api.new_token()
        for ghost in (sid, "5000000000000000001", "x" * 300):
            r = await api.raw.get(f"/api/state/nemo_agent/me/{ghost}/latest", headers=api.headers())
            assert (r.status_code, r.json()["code"]) == (200, 1002), ghost
            assert len(r.json()["message"]) < 150  # a long id is not echoed whole


async def test_2001_is_200_before_the_stream_and_nothing_is_charged_or_done(open_api: OpenApi) -> None:
    async with open_api(MockConfig(initial_credits=40)) as api:  # the edit costs 50
        sid = await api.session_with_image()
        before = (await api.state(sid))["draft"]
        r, _ = await api.say(sid, MOTION)
        assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
        assert r.json()["code"] == 2001 and "insufficient credits" in r.json()["message"]
        assert await api.credits() == {"available": 40, "frozen": 0, "total": 40}
        assert (await api.state(sid))["draft"] == before
