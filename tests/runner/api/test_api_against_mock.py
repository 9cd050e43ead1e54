"""The client against the real mock on 127.0.0.1: both SSE dialects, both render shapes, injected faults.

respx proves the client's handling of each documented variant; this proves the client and the mock
agree with each other (and the spec) end to end, over real HTTP and real streams.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import av
import httpx
import pytest
from PIL import Image

from motionctl.mock_server import MockConfig, RunningMock, serve_in_thread
from motionctl.runner.api import ClientConfig, NemoClient
from motionctl.runner.errors import AuthError, InsufficientCredits, StreamError
from tests.contract import ContractChecker
from tests.runner.api.helpers import FakeClock

pytestmark = pytest.mark.anyio

SMALL = {"format": "mp4", "quality": "low", "resolution": "540p"}


class ApiOnlyChecker(ContractChecker):
    """The mock's /cdn/ files and /__mock/ controls are not API operations."""

    def _skipped(self, request: httpx.Request) -> bool:
        return request.url.path.startswith(("/cdn/", "/__mock/"))


@pytest.fixture
def image(tmp_path: Path) -> Path:
    path = tmp_path / "shoe.png"
    im = Image.new("RGB", (96, 64))
    im.putdata([((x * 255) // 96, (y * 255) // 64, 90) for y in range(64) for x in range(96)])
    im.save(path)
    return path


@pytest.fixture(params=[("adk", "nested"), ("nemo", "flat")], ids=["adk-nested", "nemo-flat"])
def mock(request: pytest.FixtureRequest) -> Iterator[RunningMock]:
    dialect, shape = request.param
    with serve_in_thread(MockConfig(sse_dialect=dialect, render_shape=shape, no_text_ratio=0.0)) as server:
        yield server


def _config(mock: RunningMock, tmp_path: Path) -> ClientConfig:
    return ClientConfig(
        base_url=mock.url,
        config_dir=tmp_path / "config",
        poll_interval=0.1,
        poll_deadline=60.0,
        sse_total_budget=30.0,
        sse_idle_budget=5.0,
    )


async def _mock_control(mock: RunningMock, method: str, path: str, **kwargs: Any) -> Any:
    async with httpx.AsyncClient(base_url=mock.url, headers=mock.admin.headers) as http:
        response = await http.request(method, path, **kwargs)
        response.raise_for_status()
        return response.json()


async def test_a_whole_job_against_the_mock(mock: RunningMock, image: Path, tmp_path: Path) -> None:
    checker = ApiOnlyChecker()
    async with NemoClient(_config(mock, tmp_path), event_hooks=checker.event_hooks()) as client:
        session = await client.create_session()
        [uploaded] = await client.upload_files(session.session_id, [image])
        kinds: list[str] = []
        result = await client.send_message(
            session.session_id,
            "Animate the image with camera motion: slow zoom in, pan left.",
            on_event=lambda e: kinds.append(e.kind),
        )
        state = await client.get_state(session.session_id)
        credits = await client.credits()
        job = await client.submit_render(session.session_id, state["state"]["draft"], output=SMALL)
        seen: list[str] = []
        final = await client.wait_render(job.id, on_progress=lambda s: seen.append(s.status))
        out = await client.download(final, tmp_path / "out" / "shoe.mp4")

    assert uploaded.cdn_url and "tool_call" in kinds and not result.no_text
    video = state["state"]["draft"]["t"][0]["sg"][0]
    assert video["motion"]["zoom"][1] > video["motion"]["zoom"][0] and video["motion"]["pan"][0] < 0
    assert credits.total == credits.available + credits.frozen
    assert seen[-1] == "completed" and final.output_url
    with av.open(io.BytesIO(out.read_bytes())) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264" and sum(1 for _ in container.decode(stream)) > 10
    assert not checker.violations and set(checker.operations_seen) >= {
        "anonymousToken",
        "createSession",
        "upload",
        "runSse",
        "state",
        "credits",
        "submitRender",
        "renderStatus",
    }


async def test_injected_faults_are_handled_per_policy(mock: RunningMock, tmp_path: Path) -> None:
    clock = FakeClock()
    await _mock_control(
        mock,
        "POST",
        "/__mock/faults",
        json={
            "faults": [
                {
                    "route": "GET /api/credits/balance/simple",
                    "nth": 1,
                    "respond": {"code": 1001, "message": "expired"},
                },
                {
                    "route": "GET /api/credits/balance/simple",
                    "nth": 2,
                    "respond": {"code": 429, "retry_after": 7},
                },
                {"route": "GET /api/credits/balance/simple", "nth": [3, 4], "respond": {"status": 503}},
                {"route": "GET /api/credits/balance/simple", "nth": 6, "respond": {"code": 2001}},
                {"route": "POST /run_sse", "nth": 1, "stream": {"stall_after": 1}},
            ]
        },
    )
    checker = ApiOnlyChecker()
    config = replace(_config(mock, tmp_path), sse_idle_budget=0.5)
    async with NemoClient(
        config, event_hooks=checker.event_hooks(), sleep=clock.sleep, clock=clock
    ) as client:
        credits = await client.credits()  # 1001 → new token, 429 → wait 7 s, 503 × 2 → backoff, then fine
        assert credits.available > 0 and clock.sleeps == [7.0, 1.0, 2.0]
        with pytest.raises(InsufficientCredits):
            await client.credits()
        session = await client.create_session()
        with pytest.raises(StreamError, match=r"no bytes for 0\.5 s"):
            await client.send_message(session.session_id, "Set the duration to 4s.")
    log = await _mock_control(mock, "GET", "/__mock/requests")
    tokens = [
        e
        for e in (log if isinstance(log, list) else log.get("requests", []))
        if "anonymous-token" in json.dumps(e)
    ]
    assert len(tokens) == 2  # the one fresh token after 1001
    assert not checker.violations


async def test_user_token_rejected_by_the_mock_is_not_replaced(mock: RunningMock, tmp_path: Path) -> None:
    config = replace(_config(mock, tmp_path), token="nmv_usr_not_issued_by_this_mock")
    async with NemoClient(config) as client:
        with pytest.raises(AuthError, match="NEMO_TOKEN is invalid or expired") as info:
            await client.credits()
    assert "nmv_usr_not_issued_by_this_mock" not in str(info.value)
