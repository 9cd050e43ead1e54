"""The mock's rules for callers, exactly as README states them: the three attribution headers on every call
(a render submit without them is 402, any other call 1001 with HTTP 401), and an ``X-Client-Id``, where sent,
of 1 to 64 characters (else 400)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.mock_server.conftest import ATTRIBUTION, Api, OpenApi
from tests.mock_server.test_mock_security import Victim, calls, outcome, victim

pytestmark = pytest.mark.anyio
TOKEN_FOR = ("POST", "/api/auth/anonymous-token", None)


def every_call(a: Victim) -> dict[str, tuple[str, str, dict[str, Any] | None]]:
    """Every API route that takes attribution, aimed at A's objects (the CDN's capability URLs take none)."""
    return {**calls(a), "credits": ("GET", "/api/credits/balance/simple", None),
            "create_session": ("POST", "/api/tasks/me/with-session/nemo_agent",
                               {"task_name": "p", "language": "en"}),
            "anonymous_token": TOKEN_FOR}


async def send(api: Api, call: tuple[str, str, dict[str, Any] | None], headers: dict[str, str]) -> Any:
    method, path, body = call
    return await api.raw.request(method, path, json=body, headers=headers)


@pytest.mark.parametrize("missing", list(ATTRIBUTION))
async def test_a_call_without_an_attribution_header_is_401_1001_and_a_render_submit_402(
        open_api: OpenApi, missing: str) -> None:
    async with open_api() as api:
        a = await victim(api)
        for name, call in every_call(a).items():
            for value in (None, ""):  # left out, or empty
                headers = {**api.headers(a.token), "X-Client-Id": a.client_id}
                del headers[missing]
                if value is not None:
                    headers[missing] = value
                answer = await send(api, call, headers)
                expected = (402, 402) if name == "submit" else (401, 1001)
                assert outcome(answer) == expected, (name, value)
                assert missing in answer.text, name


async def test_with_all_three_headers_every_call_gets_past_attribution(open_api: OpenApi) -> None:
    async with open_api() as api:
        a = await victim(api)
        for name, call in every_call(a).items():
            answer = await send(api, call, {**api.headers(a.token), "X-Client-Id": a.client_id})
            assert outcome(answer)[1] not in (400, 402, 1001), name


@pytest.mark.parametrize(("client_id", "accepted"), [
    ("a", True), ("a" * 64, True), ("5aca04b4-ad48-489d-a839-5138fe3969b8", True),
    ("", False), ("a" * 65, False),
], ids=["1-char", "64-chars", "uuid", "empty", "65-chars"])
async def test_x_client_id_is_1_to_64_characters_wherever_it_is_sent(
        open_api: OpenApi, client_id: str, accepted: bool) -> None:
    async with open_api() as api:
        token = await api.new_token()
        fresh = await send(api, TOKEN_FOR, {**ATTRIBUTION, "X-Client-Id": client_id})
        credits = await send(api, ("GET", "/api/credits/balance/simple", None),
                             {**api.headers(token), "X-Client-Id": client_id})
        if accepted:
            assert outcome(fresh) == (200, 0) and fresh.json()["data"]["token"].startswith("nmv_usr_")
            assert outcome(credits) == (200, 0)
        else:
            assert outcome(fresh) == outcome(credits) == (400, 400)
            assert "X-Client-Id" in fresh.json()["message"] and "64" in fresh.json()["message"]


async def test_a_token_request_without_a_client_id_is_400(open_api: OpenApi) -> None:
    async with open_api() as api:
        answer = await send(api, TOKEN_FOR, ATTRIBUTION)
        assert outcome(answer) == (400, 400)
        assert "X-Client-Id" in answer.json()["message"]
