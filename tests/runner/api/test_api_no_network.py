"""No network: one token fetch per run, one clear message, and the waits before it bounded (issue 13).

A campaign used to fetch a token per job, one after another, each through its own retries: 12 copies of
the same connection error over 42 s for 6 jobs. Now the client remembers that the token endpoint could
not be reached, and the run gets its token once, before the jobs.
"""

from __future__ import annotations

import json
import socket
from dataclasses import replace
from pathlib import Path

import anyio
import httpx
import pytest
import respx

from motionctl.runner.api import ClientConfig, NemoClient
from motionctl.runner.cli import main
from motionctl.runner.errors import TransportError
from tests.runner.api.helpers import BASE, FakeClock, ok

ROOT = Path(__file__).resolve().parents[3]
CAMPAIGN = ROOT / "workflows" / "campaign.yaml"


def test_concurrent_jobs_share_one_failed_token_fetch(config: ClientConfig) -> None:
    clock = FakeClock()

    async def main_() -> tuple[int, list[str]]:
        errors: list[str] = []

        async def job() -> None:
            try:
                await client.credits()
            except TransportError as exc:
                errors.append(str(exc))

        with respx.mock(base_url=BASE, assert_all_called=False) as router:
            token = router.post("/api/auth/anonymous-token").mock(side_effect=httpx.ConnectError("refused"))
            balance = router.get("/api/credits/balance/simple").mock(return_value=ok({"available": 1}))
            async with NemoClient(config, sleep=clock.sleep, clock=clock) as client, \
                    anyio.create_task_group() as tg:
                for _ in range(6):
                    tg.start_soon(job)
            assert not balance.called
            return token.call_count, errors

    calls, errors = anyio.run(main_)
    assert calls == 4  # one fetch: the first try and its 3 retries, then every other job is told at once
    assert clock.sleeps == [1.0, 2.0, 4.0] and sum(clock.sleeps) <= 10
    assert len(errors) == 6 and len(set(errors)) == 1
    assert "POST /api/auth/anonymous-token: connection failed (ConnectError) after 3 retries" in errors[0]


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _no_sleep(seconds: float) -> None:
    return None


def test_a_live_campaign_with_nothing_listening_is_one_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("NEMO_TOKEN", raising=False)
    monkeypatch.delenv("NEMO_BASE_URL", raising=False)
    # The waits are counted, not slept.
    monkeypatch.setattr("motionctl.runner.api.client.anyio.sleep", _no_sleep)
    url = f"http://127.0.0.1:{_closed_port()}"
    code = main(["run", str(CAMPAIGN), "--backend", "live", "--base-url", url,
                 "--runs-dir", str(tmp_path / "runs"), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 1
    failures = [line for line in err.splitlines() if "error:" in line]
    assert failures == [
        "motionctl: error: POST /api/auth/anonymous-token: connection failed (ConnectError) after 3 retries "
        f"(nothing answers at {url}: start `motionctl mock serve` there, or fix --base-url)"], err
    assert "FAILED" not in err  # no per-job copies of it
    # The retries are shown as the run's own waits while they happen, not as some job's.
    assert [line for line in err.splitlines() if line.startswith("waiting ")] == [
        f"waiting {s}s: POST /api/auth/anonymous-token: connection failed (ConnectError), retry {n} of 3"
        for n, s in ((1, 1), (2, 2), (3, 4))]
    # The run's own record: the three retry waits, announced for the display, 7 s in all (within 10 s).
    (run_dir,) = (tmp_path / "runs").iterdir()
    events = [json.loads(line) for line in (run_dir / "events.jsonl").read_text().splitlines()]
    waits = [e for e in events if e.get("event") == "Waiting"]
    assert [w["seconds"] for w in waits] == [1.0, 2.0, 4.0], events
    assert all("connection failed (ConnectError), retry" in w["reason"] for w in waits)


@pytest.mark.parametrize(("connect_timeout", "attempts"), [(15.0, [10.0]), (3.0, [3.0, 3.0, 1.0])])
def test_a_black_holed_network_is_reported_within_the_connect_budget(
    config: ClientConfig, connect_timeout: float, attempts: list[float]
) -> None:
    # Packets dropped, not refused: each attempt lasts its whole connect timeout. All of them, with the
    # backoffs between, end within connect_budget (10 s), however long one connect timeout is.
    clock = FakeClock()
    seen: list[float] = []

    def black_hole(request: httpx.Request) -> httpx.Response:
        timeout = request.extensions["timeout"]["connect"]
        seen.append(timeout)
        clock.now += timeout
        raise httpx.ConnectTimeout("timed out", request=request)

    async def main_() -> None:
        with respx.mock(base_url=BASE) as router:
            router.post("/api/auth/anonymous-token").mock(side_effect=black_hole)
            async with NemoClient(replace(config, connect_timeout=connect_timeout), sleep=clock.sleep,
                                  clock=clock) as client:
                with pytest.raises(TransportError, match=r"connection failed \(ConnectTimeout\)"):
                    await client.ensure_token()

    anyio.run(main_)
    assert seen == attempts and clock.now <= 10.0
    assert ClientConfig().connect_budget == 10.0
