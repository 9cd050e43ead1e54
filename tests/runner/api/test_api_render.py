"""Render: submit, both status shapes, polling policy, failure, cancel, download."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import httpx
import pytest
import respx

from motionctl.runner.api import ClientConfig, NemoClient, RenderStatus
from motionctl.runner.errors import ApiError, DuplicateRenderId, ExportNotAllowed, PollTimeout, RenderFailed
from tests.contract import ContractChecker, validate_schema
from tests.runner.api.helpers import TOKEN, FakeClock

pytestmark = pytest.mark.anyio

DRAFT = {"t": [{"tt": 0, "sg": [{"st": 0, "d": 6000, "src": "https://cdn.test/shoe.png"}]}], "d": 6000}
MP4 = b"\x00\x00\x00\x18ftypisom" + b"\x01" * 5000


def _names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name != "config")


def shape1(status: str, progress: int, url: str | None = None, error: str | None = None) -> httpx.Response:
    data: dict[str, object] = {"id": "render_1", "status": status, "progress": progress}
    if url:
        data["outputUrl"] = url
    if error:
        data["error"] = error
    body = {"success": True, "data": data}
    validate_schema(body, "RenderAnswer")
    return httpx.Response(200, json=body)


def shape2(status: str, progress: int, url: str | None = None, error: str | None = None) -> httpx.Response:
    body: dict[str, object] = {"taskId": "render_1", "status": status, "progress": progress}
    if url:
        body["output"] = {"url": url, "duration": 6.0, "size": 5012}
    if error:
        body["error"] = error
    validate_schema(body, "RenderAnswer")
    return httpx.Response(200, json=body)


async def test_submit_sends_unique_render_id_session_draft_and_output(
    client: NemoClient, api: respx.MockRouter
) -> None:
    route = api.post("/api/render/proxy/lambda").mock(return_value=shape1("pending", 5))
    job = await client.submit_render("sid1", DRAFT, output={"format": "mp4", "quality": "high"})
    again = await client.submit_render("sid1", DRAFT)
    first, second = (json.loads(c.request.content) for c in route.calls)
    assert re.fullmatch(r"render_\d{13}", first["id"]) and first["id"] != second["id"]
    assert first["sessionId"] == "sid1" and first["draft"] == DRAFT
    assert first["output"] == second["output"] == {"format": "mp4", "quality": "high"}
    assert job == RenderStatus(id="render_1", status="pending", progress=5.0)
    assert again.status == "pending"


async def test_duplicate_id_is_retried_with_a_new_id(client: NemoClient, api: respx.MockRouter) -> None:
    route = api.post("/api/render/proxy/lambda").mock(
        side_effect=[
            httpx.Response(409, json={"success": False, "error": "duplicate id: render already exists"}),
            shape1("pending", 5),
        ]
    )
    job = await client.submit_render("sid1", DRAFT)
    ids = [json.loads(c.request.content)["id"] for c in route.calls]
    assert len(ids) == 2 and ids[0] != ids[1] and job.status == "pending"


async def test_duplicate_id_gives_up_after_three_ids(client: NemoClient, api: respx.MockRouter) -> None:
    api.post("/api/render/proxy/lambda").mock(
        return_value=httpx.Response(200, json={"success": False, "error": "Duplicate ID"})
    )
    with pytest.raises(DuplicateRenderId, match="render id already used"):
        await client.submit_render("sid1", DRAFT)
    assert api.routes[1].call_count == 3


@pytest.mark.parametrize("shape", [shape1, shape2], ids=["shape1", "shape2"])
async def test_wait_render_polls_until_completed_in_both_shapes(
    shape: object, client: NemoClient, api: respx.MockRouter, clock: FakeClock
) -> None:
    make = shape  # type: ignore[assignment]
    api.get("/api/render/proxy/lambda/render_1").mock(
        side_effect=[
            make("pending", 5),
            make("processing", 40),
            make("processing", 80),  # type: ignore[operator]
            make("completed", 100, url="https://static.test/render-result/render_1.mp4"),  # type: ignore[operator]
        ]
    )
    seen: list[float | None] = []
    final = await client.wait_render("render_1", interval=7.0, on_progress=lambda s: seen.append(s.progress))
    assert (
        final.status == "completed" and final.output_url == "https://static.test/render-result/render_1.mp4"
    )
    assert seen == [5, 40, 80, 100]
    # Each poll waits 1.5x longer than the one before, but the third comes when the job should be done
    # at the pace it went from 40 % to 80 % (5.25 s on), not the backoff's 15.75 s (never sooner than 7 s).
    assert clock.sleeps == [7.0, 10.5, 7.0]


async def test_wait_render_polls_again_when_the_job_should_be_done(
    client: NemoClient, api: respx.MockRouter, clock: FakeClock
) -> None:
    # A job at 10 % a second: the backoff alone (1, 1.5, 2.25, 3.4, 5.1 s) would fetch the clip 4 s after
    # it was done; following the progress, the last poll comes 1 s (the interval) after the predicted end.
    pace = iter([10.0, 20.0, 35.0, 57.5, 91.25])
    api.get("/api/render/proxy/lambda/render_1").mock(
        side_effect=lambda request: shape1("processing", next(pace, 100.0)) if clock.now < 9
        else shape1("completed", 100, url="https://static.test/render-result/render_1.mp4"))
    final = await client.wait_render("render_1", interval=1.0)
    assert final.status == "completed"
    assert clock.sleeps == [1.0, 1.5, 2.25, 3.375, 1.0]


async def test_shape1_with_mirrored_top_level_and_nested_output_url(
    config: ClientConfig, api: respx.MockRouter, clock: FakeClock, off_contract: None
) -> None:
    # No source shows this mix (S2: "`status` and `outputUrl` are inside `data`, NOT top-level"), so the
    # spec admits it no more; the client still reads it, as it reads every variant it may meet.
    body = {
        "success": True,
        "status": "completed",
        "output": {"url": "https://static.test/a.mp4"},
        "data": {
            "id": "render_1",
            "status": "completed",
            "progress": 100,
            "output": {"url": "https://static.test/a.mp4"},
        },
    }
    with pytest.raises(AssertionError, match="RenderAnswer"):
        validate_schema(body, "RenderAnswer")
    api.get("/api/render/proxy/lambda/render_1").mock(return_value=httpx.Response(200, json=body))
    async with NemoClient(config, sleep=clock.sleep, clock=clock) as client:  # no contract checker
        status = await client.render_status("render_1")
    assert (status.status, status.output_url) == ("completed", "https://static.test/a.mp4")


@pytest.mark.parametrize("shape", [shape1, shape2], ids=["shape1", "shape2"])
async def test_failed_render_raises_with_the_api_reason(
    shape: object, client: NemoClient, api: respx.MockRouter
) -> None:
    api.get("/api/render/proxy/lambda/render_1").mock(
        side_effect=[
            shape("processing", 30),
            shape("failed", 30, error="codec exploded"),  # type: ignore[operator]
        ]
    )
    with pytest.raises(RenderFailed, match="render render_1 failed: codec exploded"):
        await client.wait_render("render_1", interval=1.0)


async def test_poll_deadline_raises_poll_timeout(
    client: NemoClient, api: respx.MockRouter, clock: FakeClock
) -> None:
    route = api.get("/api/render/proxy/lambda/render_1").mock(side_effect=lambda r: shape1("processing", 50))
    with pytest.raises(PollTimeout, match=r"not finished after 25 s \(last status processing, 50%\)"):
        await client.wait_render("render_1", interval=10.0, deadline=25.0)
    assert clock.sleeps == [10.0, 15.0] and route.call_count == 3  # the last wait ends at the deadline


async def test_default_poll_interval_and_deadline_come_from_config(
    client: NemoClient, api: respx.MockRouter, clock: FakeClock
) -> None:
    api.get("/api/render/proxy/lambda/render_1").mock(side_effect=lambda r: shape2("pending", 0))
    with pytest.raises(PollTimeout):
        await client.wait_render("render_1")
    # config: first wait 10, then 1.5x each, deadline 60
    assert clock.sleeps == [10.0, 15.0, 22.5, 12.5] and clock.now == 60.0


async def test_poll_waits_grow_to_poll_interval_max_and_stay_there(
    config: ClientConfig, checker: ContractChecker, api: respx.MockRouter, clock: FakeClock
) -> None:
    api.get("/api/render/proxy/lambda/render_1").mock(side_effect=lambda r: shape2("processing", 50))
    capped = replace(config, poll_interval=2.0, poll_interval_max=5.0, poll_deadline=20.0)
    async with NemoClient(capped, event_hooks=checker.event_hooks(), sleep=clock.sleep,
                          clock=clock) as client:
        with pytest.raises(PollTimeout):
            await client.wait_render("render_1")
    assert clock.sleeps == [2.0, 3.0, 4.5, 5.0, 5.0, 0.5]


async def test_cancel(client: NemoClient, api: respx.MockRouter, checker: ContractChecker) -> None:
    route = api.post("/api/render/proxy/lambda/render_1/cancel").mock(
        return_value=httpx.Response(
            200, json={"success": True, "data": {"id": "render_1", "status": "cancelled"}}
        )
    )
    await client.cancel_render("render_1")
    assert route.called and route.calls.last.request.content == b""
    assert "cancelRender" in checker.operations_seen


async def test_402_on_export_is_not_retried_and_says_plan_tier(
    client: NemoClient, api: respx.MockRouter
) -> None:
    route = api.post("/api/render/proxy/lambda").mock(
        return_value=httpx.Response(402, json={"code": 402, "message": "free plan cannot export"})
    )
    with pytest.raises(ExportNotAllowed, match="plan tier, not credits") as info:
        await client.submit_render("sid1", DRAFT)
    assert route.call_count == 1 and info.value.http_status == 402


async def test_download_from_cdn_sends_no_token(
    client: NemoClient, api: respx.MockRouter, tmp_path: Path
) -> None:
    cdn = api.get("https://static.test/render-result/render_1.mp4").mock(
        return_value=httpx.Response(200, content=MP4, headers={"content-type": "video/mp4"})
    )
    status = RenderStatus("render_1", "completed", 100, "https://static.test/render-result/render_1.mp4")
    dest = tmp_path / "out" / "shoe.mp4"
    path = await client.download(status, dest)
    assert path == dest and dest.read_bytes() == MP4
    assert list(dest.parent.iterdir()) == [dest]  # the temp file was renamed, not left behind
    headers = cdn.calls.last.request.headers
    assert "authorization" not in headers and "x-client-id" not in headers
    assert TOKEN not in str(headers)


async def test_download_via_api_proxy_path_carries_token(
    client: NemoClient, api: respx.MockRouter, checker: ContractChecker, tmp_path: Path
) -> None:
    route = api.get("/api/render/proxy/render_1/download").mock(
        return_value=httpx.Response(200, content=MP4, headers={"content-type": "video/mp4"})
    )
    dest = tmp_path / "a.mp4"
    await client.download(RenderStatus("render_1", "completed"), dest)
    assert dest.read_bytes() == MP4
    assert route.calls.last.request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert "downloadRender" in checker.operations_seen


async def test_relative_output_url_is_resolved_against_the_api(
    client: NemoClient, api: respx.MockRouter, tmp_path: Path
) -> None:
    route = api.get("/api/render/proxy/render_1/download").mock(
        return_value=httpx.Response(200, content=MP4, headers={"content-type": "video/mp4"})
    )
    await client.download(
        RenderStatus("render_1", "completed", 100, "/api/render/proxy/render_1/download"), tmp_path / "a.mp4"
    )
    assert route.calls.last.request.headers["Authorization"] == f"Bearer {TOKEN}"


async def test_failed_download_leaves_no_file(
    client: NemoClient, api: respx.MockRouter, tmp_path: Path
) -> None:
    api.get("https://static.test/x.mp4").mock(return_value=httpx.Response(403))
    dest = tmp_path / "x.mp4"
    dest.write_bytes(b"old")
    with pytest.raises(ApiError, match="HTTP 403"):
        await client.download(RenderStatus("render_1", "completed", 100, "https://static.test/x.mp4"), dest)
    assert dest.read_bytes() == b"old" and _names(tmp_path) == ["x.mp4"]


async def test_download_broken_mid_body_keeps_destination_untouched(
    client: NemoClient, api: respx.MockRouter, tmp_path: Path
) -> None:
    async def broken() -> object:
        yield MP4[:100]
        raise httpx.ReadError("connection reset")

    api.get("https://static.test/x.mp4").mock(
        return_value=httpx.Response(200, stream=broken(), headers={"content-type": "video/mp4"})
    )  # type: ignore[arg-type]
    with pytest.raises(Exception, match="broke off"):
        await client.download(
            RenderStatus("render_1", "completed", 100, "https://static.test/x.mp4"), tmp_path / "x.mp4"
        )
    assert not (tmp_path / "x.mp4").exists()
    assert _names(tmp_path) == []


async def test_cdn_redirect_is_followed_without_the_token(
    client: NemoClient, api: respx.MockRouter, tmp_path: Path
) -> None:
    api.get("/api/render/proxy/render_1/download").mock(
        return_value=httpx.Response(302, headers={"location": "https://static.test/signed/render_1.mp4"})
    )
    cdn = api.get("https://static.test/signed/render_1.mp4").mock(
        return_value=httpx.Response(200, content=MP4, headers={"content-type": "video/mp4"})
    )
    await client.download(RenderStatus("render_1", "completed"), tmp_path / "a.mp4")
    assert (tmp_path / "a.mp4").read_bytes() == MP4
    assert "authorization" not in cdn.calls.last.request.headers
