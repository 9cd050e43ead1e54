"""Waits are visible and bounded: every retry's wait is announced before it is slept, and a Retry-After
beyond ``max_wait`` fails at once with the wait in a person's units and advice that fits."""

from __future__ import annotations

from dataclasses import replace

import httpx
import pytest
import respx

from motionctl.runner.api import ClientConfig, NemoClient
from motionctl.runner.api.waits import current_subject, human_duration, parse_duration, waiting_for
from motionctl.runner.errors import RateLimited, TransportError
from tests.contract import ContractChecker
from tests.runner.api.helpers import FakeClock, fail, ok

pytestmark = pytest.mark.anyio

CREDITS = "/api/credits/balance/simple"
BALANCE = ok({"available": 5, "frozen": 0, "total": 5})
WEEK = "604196"  # the Retry-After: a week of the per-IP token window left


class Recorder:
    """An ``on_wait`` that records what it was told, in order with the sleeps that follow."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.told: list[tuple[float, str]] = []
        self.order: list[str] = []

    def __call__(self, seconds: float, reason: str) -> None:
        self.told.append((seconds, reason))
        # The announcement comes before the sleep it announces: the display counts down a wait to come.
        self.order.append(f"told {seconds:g} after {len(self.clock.sleeps)} sleeps")


def _client(config: ClientConfig, clock: FakeClock, checker: ContractChecker, recorder: Recorder,
            **changes: object) -> NemoClient:
    return NemoClient(replace(config, **changes), event_hooks=checker.event_hooks(),  # type: ignore[arg-type]
                      sleep=clock.sleep, clock=clock, on_wait=recorder)


async def test_a_week_long_retry_after_fails_at_once_in_days(
    client: NemoClient, api: respx.MockRouter, clock: FakeClock
) -> None:
    assert ClientConfig().max_wait == 300.0
    route = api.get(CREDITS).mock(return_value=fail(429, "slow down", status=429, **{"Retry-After": WEEK}))
    with pytest.raises(RateLimited) as info:
        await client.credits()
    assert route.call_count == 1 and clock.sleeps == []  # no 10-minute silence, no second call
    text = str(info.value)
    assert "the API asks to wait 7 days (604,196 s), longer than motionctl waits (--max-wait 5 min)" in text
    assert "run again after 20" in text and "UTC" in text and "--max-wait 7d" in text
    assert "minute" not in text.replace("5 min", "")  # never "wait a minute" about a week
    assert "\n" not in text and info.value.retry_after == 604196.0


async def test_a_long_wait_for_a_new_anonymous_token_points_at_nemo_token(
    client: NemoClient, api: respx.MockRouter, clock: FakeClock
) -> None:
    api["token"].mock(return_value=fail(429, "too many tokens for this IP", status=429,
                                        **{"Retry-After": WEEK}))
    with pytest.raises(RateLimited, match="too many tokens for this IP; the API asks to wait 7 days") as info:
        await client.credits()
    assert "set NEMO_TOKEN" in str(info.value) and clock.sleeps == []


async def test_a_wait_within_the_cap_is_announced_then_slept_then_retried(
    config: ClientConfig, api: respx.MockRouter, clock: FakeClock, checker: ContractChecker
) -> None:
    recorder = Recorder(clock)
    route = api.get(CREDITS).mock(
        side_effect=[fail(429, "slow down", status=429, **{"Retry-After": "7200"}), BALANCE])
    async with _client(config, clock, checker, recorder, max_wait=3 * 3600.0) as client:
        assert (await client.credits()).available == 5
    assert route.call_count == 2 and clock.sleeps == [7200.0]
    assert recorder.told == [(7200.0, f"GET {CREDITS}: rate limited (429)")]
    assert recorder.order == ["told 7200 after 0 sleeps"]


async def test_the_cap_is_a_config_field_a_shorter_cap_refuses_a_shorter_wait(
    config: ClientConfig, api: respx.MockRouter, clock: FakeClock, checker: ContractChecker
) -> None:
    recorder = Recorder(clock)
    route = api.get(CREDITS).mock(return_value=fail(429, "slow", status=429, **{"Retry-After": "120"}))
    async with _client(config, clock, checker, recorder, max_wait=60.0) as client:
        with pytest.raises(RateLimited, match=r"asks to wait 2 min \(120 s\).*--max-wait 60 s"):
            await client.credits()
    assert route.call_count == 1 and clock.sleeps == [] and recorder.told == []


async def test_backoffs_are_announced_with_the_retry_count(
    config: ClientConfig, api: respx.MockRouter, clock: FakeClock, checker: ContractChecker
) -> None:
    recorder = Recorder(clock)
    api.get(CREDITS).mock(side_effect=[httpx.Response(503), httpx.Response(502), BALANCE])
    async with _client(config, clock, checker, recorder) as client:
        await client.credits()
    assert recorder.told == [(1.0, f"GET {CREDITS}: server error 503, retry 1 of 3"),
                             (2.0, f"GET {CREDITS}: server error 502, retry 2 of 3")]
    assert recorder.order == ["told 1 after 0 sleeps", "told 2 after 1 sleeps"] and clock.sleeps == [1.0, 2.0]


async def test_connection_retries_are_announced_and_an_async_callback_is_awaited(
    config: ClientConfig, api: respx.MockRouter, clock: FakeClock, checker: ContractChecker
) -> None:
    told: list[tuple[float, str, str]] = []

    async def on_wait(seconds: float, reason: str) -> None:
        told.append((seconds, reason, current_subject()))

    api.get(CREDITS).mock(side_effect=httpx.ConnectError("refused"))
    async with NemoClient(replace(config, token="nmv_usr_SECRET_user"), sleep=clock.sleep, clock=clock,
                          on_wait=on_wait) as client:
        with waiting_for("job-a"), pytest.raises(TransportError, match="after 3 retries"):
            await client.credits()
    assert [(s, subject) for s, _, subject in told] == [(1.0, "job-a"), (2.0, "job-a"), (4.0, "job-a")]
    assert told[0][1] == f"GET {CREDITS}: connection failed (ConnectError), retry 1 of 3"


@pytest.mark.parametrize(("seconds", "said"), [(0, "0 s"), (45, "45 s"), (600, "10 min"), (7200, "2 h"),
                                               (86400, "24 h"), (2 * 86400, "2 days"), (604196, "7 days")])
def test_human_duration(seconds: float, said: str) -> None:
    assert human_duration(seconds) == said


def test_parse_duration_accepts_seconds_and_units_and_names_the_forms_otherwise() -> None:
    assert [parse_duration(t) for t in ("300", "90s", "10m", "10min", "2h", "1d", "1.5h")] == [
        300, 90, 600, 600, 7200, 86400, 5400]
    with pytest.raises(ValueError, match="use seconds"):
        parse_duration("a while")
