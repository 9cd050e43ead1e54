"""Every error code → its exception, and the retry policy's exact counts."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import httpx
import pytest
import respx
from PIL import Image

from motionctl.runner.api import ClientConfig, NemoClient
from motionctl.runner.errors import (
    ApiError,
    AuthError,
    ExportNotAllowed,
    FileTooLarge,
    InsufficientCredits,
    MissingClientId,
    RateLimited,
    ServerError,
    SessionNotFound,
    TransportError,
    UnsupportedFileType,
)
from tests.contract import ContractChecker
from tests.runner.api.helpers import TOKEN, USER_TOKEN, FakeClock, fail, ok, token_answer

pytestmark = pytest.mark.anyio

CREDITS = "/api/credits/balance/simple"
BALANCE = ok({"available": 5, "frozen": 0, "total": 5})


@pytest.mark.parametrize(
    ("response", "error", "words"),
    [
        (fail(1002, "no such session"), SessionNotFound, "session not found (1002)"),
        (fail(1002, "no such session", status=404), SessionNotFound, "check the session id"),
        (fail(2001, "insufficient credits"), InsufficientCredits, "out of credits (2001)"),
        (
            fail(2001, "insufficient credits", status=403),
            InsufficientCredits,
            "register at https://nemovideo.com",
        ),
        # A route that sends no file: its file-type codes get no advice about files (issue 19.7).
        (fail(4001, "bad type"), ApiError, "answered 4001 (unsupported file type) to a request that cannot"),
        (fail(4001, "bad type", status=415), ApiError, "check --base-url or NEMO_BASE_URL"),
        (fail(4002, "too big"), ApiError, "answered 4002 (file too large) to a request that cannot cause it"),
        (httpx.Response(413), ApiError, "nothing in the recipe or its files can change this answer"),
        (fail(402, "free plan", status=402), ApiError, "402 (export not allowed on this plan) to a request"),
        (fail(9999, "strange"), ApiError, "error 9999: strange"),
    ],
)
async def test_error_codes_map_to_classes_and_are_never_retried(
    response: httpx.Response, error: type[ApiError], words: str, client: NemoClient, api: respx.MockRouter
) -> None:
    route = api.get(CREDITS).mock(return_value=response)
    with pytest.raises(error) as info:
        await client.credits()
    assert words in str(info.value) and str(info.value).startswith(f"GET {CREDITS}: ")
    assert route.call_count == 1
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(("response", "error", "words"), [
    (fail(4001, "bad type"), UnsupportedFileType, "use one of mp4, mov"),
    (fail(4001, "bad type", status=415), UnsupportedFileType, "unsupported file type (4001)"),
    (fail(4002, "too big"), FileTooLarge, "compress or trim it"),
    (httpx.Response(413), FileTooLarge, "file too large (4002)"),
])
async def test_file_type_and_size_codes_advise_about_the_file_on_the_upload_route(
    response: httpx.Response, error: type[ApiError], words: str, client: NemoClient, api: respx.MockRouter,
    tmp_path: Path,
) -> None:
    image = tmp_path / "a.png"
    Image.new("RGB", (8, 8)).save(image)
    route = api.post(url__regex=r"/api/upload-video/").mock(return_value=response)
    with pytest.raises(error) as info:
        await client.upload_files("s1", [image])
    assert words in str(info.value) and route.call_count == 1


async def test_4001_on_the_token_route_advises_no_file_type(client: NemoClient,
                                                            api: respx.MockRouter) -> None:
    api["token"].mock(return_value=fail(4001, "unsupported file type"))
    with pytest.raises(ApiError) as info:
        await client.credits()
    hint = info.value.hint or ""
    assert "to a request that cannot cause it" in str(info.value) and "NEMO_BASE_URL" in hint
    assert not any(kind in hint for kind in ("mp4", "jpg", "convert", "compress")), hint


async def test_1001_gets_one_fresh_anonymous_token_then_succeeds(
    client: NemoClient, api: respx.MockRouter, config: ClientConfig
) -> None:
    api["token"].mock(
        side_effect=[token_answer("nmv_usr_SECRET_first"), token_answer("nmv_usr_SECRET_second")]
    )
    route = api.get(CREDITS).mock(side_effect=[fail(1001, "token expired", status=401), BALANCE])
    assert (await client.credits()).available == 5
    assert [c.request.headers["Authorization"] for c in route.calls] == [
        "Bearer nmv_usr_SECRET_first",
        "Bearer nmv_usr_SECRET_second",
    ]
    assert api["token"].call_count == 2
    cached = json.loads((config.config_dir / "credentials.json").read_text())["apis"][config.base_url]
    assert cached["token"] == "nmv_usr_SECRET_second"


async def test_1001_twice_gives_up_after_one_renewal(client: NemoClient, api: respx.MockRouter) -> None:
    route = api.get(CREDITS).mock(return_value=fail(1001, "token expired"))
    with pytest.raises(AuthError, match="a fresh anonymous token was rejected too"):
        await client.credits()
    assert route.call_count == 2 and api["token"].call_count == 2


async def test_1001_with_nemo_token_is_not_retried_and_says_so(
    config: ClientConfig, api: respx.MockRouter, checker: ContractChecker
) -> None:
    route = api.get(CREDITS).mock(return_value=fail(1001, "token expired"))
    async with NemoClient(replace(config, token=USER_TOKEN), event_hooks=checker.event_hooks()) as client:
        with pytest.raises(AuthError, match="set a fresh token in NEMO_TOKEN, or unset it") as info:
            await client.credits()
    assert route.call_count == 1 and not api["token"].called
    assert USER_TOKEN not in str(info.value) and USER_TOKEN not in repr(info.value)


async def test_400_gets_exactly_one_new_client_id(client: NemoClient, api: respx.MockRouter) -> None:
    api["token"].mock(
        side_effect=[
            httpx.Response(400, json={"code": 400, "message": "missing X-Client-Id"}),
            token_answer(),
        ]
    )
    route = api.get(CREDITS).mock(return_value=BALANCE)
    await client.credits()
    first, second = (c.request.headers["X-Client-Id"] for c in api["token"].calls)
    assert first != second and route.calls.last.request.headers["X-Client-Id"] == second == client.client_id


async def test_400_twice_is_raised(client: NemoClient, api: respx.MockRouter) -> None:
    api["token"].mock(return_value=httpx.Response(400))
    with pytest.raises(MissingClientId, match=r"X-Client-Id \(400\)"):
        await client.credits()
    assert api["token"].call_count == 2


async def test_429_waits_retry_after_and_retries_once(
    client: NemoClient, api: respx.MockRouter, clock: FakeClock
) -> None:
    route = api.get(CREDITS).mock(
        side_effect=[fail(429, "slow down", status=429, **{"Retry-After": "12"}), BALANCE]
    )
    await client.credits()
    assert route.call_count == 2 and clock.sleeps == [12.0]


async def test_429_without_retry_after_waits_rate_limit_wait(
    config: ClientConfig, api: respx.MockRouter, clock: FakeClock
) -> None:
    assert ClientConfig().rate_limit_wait == 30.0  # the live default
    route = api.get(CREDITS).mock(return_value=httpx.Response(429))
    async with NemoClient(replace(config, rate_limit_wait=7.5), sleep=clock.sleep, clock=clock) as client:
        with pytest.raises(RateLimited, match=r"waited 8 s and retried once, still refused: run fewer jobs "
                           r"at once \(--concurrency\)") as info:
            await client.credits()
    assert route.call_count == 2 and clock.sleeps == [7.5] and info.value.http_status == 429


async def test_2001_and_402_are_never_retried(
    client: NemoClient, api: respx.MockRouter, clock: FakeClock
) -> None:
    credits = api.get(CREDITS).mock(return_value=fail(2001, "insufficient credits"))
    render = api.post("/api/render/proxy/lambda").mock(return_value=httpx.Response(402))
    with pytest.raises(InsufficientCredits):
        await client.credits()
    with pytest.raises(ExportNotAllowed):
        await client.submit_render("s", {"t": [{"tt": 0, "sg": [{"st": 0, "d": 1000, "src": "https://c.test/a.png"}]}]})
    assert (credits.call_count, render.call_count, clock.sleeps) == (1, 1, [])


async def test_5xx_is_retried_with_backoff_then_succeeds(
    client: NemoClient, api: respx.MockRouter, clock: FakeClock
) -> None:
    route = api.get(CREDITS).mock(side_effect=[httpx.Response(502), httpx.Response(503), BALANCE])
    await client.credits()
    assert route.call_count == 3 and clock.sleeps == [1.0, 2.0]


async def test_5xx_retries_are_bounded(client: NemoClient, api: respx.MockRouter, clock: FakeClock) -> None:
    route = api.get(CREDITS).mock(return_value=httpx.Response(500))
    with pytest.raises(ServerError, match="HTTP 500") as info:
        await client.credits()
    assert route.call_count == 4 and clock.sleeps == [1.0, 2.0, 4.0]  # max_retries = 3
    assert info.value.http_status == 500


@pytest.mark.parametrize(
    "exc", [httpx.ConnectError("refused"), httpx.ReadTimeout("slow"), httpx.RemoteProtocolError("dropped")]
)
async def test_dropped_connections_and_timeouts_are_retried_bounded(
    exc: Exception, client: NemoClient, api: respx.MockRouter, clock: FakeClock
) -> None:
    route = api.get(CREDITS).mock(side_effect=exc)
    with pytest.raises(TransportError, match=f"connection failed \\({type(exc).__name__}\\) after 3 retries"):
        await client.credits()
    assert route.call_count == 4 and len(clock.sleeps) == 3


async def test_transient_then_success(client: NemoClient, api: respx.MockRouter) -> None:
    route = api.get(CREDITS).mock(side_effect=[httpx.ReadTimeout("slow"), BALANCE])
    assert (await client.credits()).total == 5 and route.call_count == 2


async def test_upload_retry_resends_the_whole_file(
    client: NemoClient, api: respx.MockRouter, tmp_path: Path
) -> None:
    image = tmp_path / "a.png"
    image.write_bytes(b"\x89PNG\r\n\x1a\n" + b"z" * 1000)
    route = api.post("/api/upload-video/nemo_agent/me/s1").mock(
        side_effect=[
            httpx.Response(503),
            ok({"files": [{"filename": "a.png", "cdn_url": "https://cdn/a.png"}]}),
        ]
    )
    files = await client.upload_files("s1", [image])
    assert files[0].cdn_url == "https://cdn/a.png"
    bodies = [c.request.read() for c in route.calls]
    assert bodies[0].count(b"z" * 1000) == bodies[1].count(b"z" * 1000) == 1


async def test_error_envelope_with_http_200_on_the_token_endpoint(
    client: NemoClient, api: respx.MockRouter
) -> None:
    api["token"].mock(return_value=fail(429, "too many tokens for this IP"))
    with pytest.raises(RateLimited, match="too many tokens for this IP"):
        await client.credits()
    assert api["token"].call_count == 2


async def test_server_message_echoing_the_token_is_scrubbed(
    client: NemoClient, api: respx.MockRouter
) -> None:
    api.get(CREDITS).mock(return_value=fail(2001, f"token {TOKEN} has no credits"))
    with pytest.raises(InsufficientCredits) as info:
        await client.credits()
    assert TOKEN not in str(info.value) and "***" in str(info.value)


async def test_off_contract_answers_are_still_clear_errors(
    config: ClientConfig, api: respx.MockRouter, clock: FakeClock, off_contract: None
) -> None:
    # A wrong base URL or a proxy in the way answers things the spec does not describe; no contract
    # checker here on purpose: the point is that the client stays liberal in what it accepts.
    api.get(CREDITS).mock(
        side_effect=[
            httpx.Response(404, text="<html>not here</html>"),
            httpx.Response(200, text="<html>login</html>"),
        ]
    )
    async with NemoClient(config, sleep=clock.sleep, clock=clock) as client:
        with pytest.raises(ApiError, match=r"the API answered HTTP 404 \(check the base URL"):
            await client.credits()
        with pytest.raises(ApiError, match=r"not JSON \(check the base URL \(NEMO_BASE_URL\)\)"):
            await client.credits()
