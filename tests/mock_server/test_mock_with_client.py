"""The project's own client (runner.api.NemoClient) runs every endpoint against the mock served by uvicorn
on 127.0.0.1, streams included, with every request and response checked against specs/nemo-api.yaml."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import av
import pytest

from motionctl.mock_server import MockConfig, parse_fault_plan, serve_in_thread
from motionctl.runner.api import ClientConfig, NemoClient
from motionctl.runner.errors import (
    AuthError,
    InsufficientCredits,
    RenderFailed,
    SessionNotFound,
    StreamError,
    UnsupportedFileType,
    UnsupportedMediaType,
)
from tests.mock_server.conftest import SMALL, MockContractChecker, png_bytes

pytestmark = pytest.mark.anyio


def client_for(url: str, tmp_path: Path, checker: MockContractChecker) -> NemoClient:
    config = ClientConfig(base_url=url, config_dir=tmp_path / "cfg", poll_interval=0.05, poll_deadline=60,
                          backoff_initial=0.01, backoff_max=0.05)
    return NemoClient(config, event_hooks=checker.event_hooks())


@pytest.mark.parametrize(("dialect", "shape"), [("adk", "nested"), ("nemo", "flat")])
async def test_every_endpoint_through_the_client(tmp_path: Path, dialect: str, shape: str) -> None:
    image = tmp_path / "shoe.png"
    image.write_bytes(png_bytes())
    checker = MockContractChecker()
    config = MockConfig(sse_dialect=dialect, render_shape=shape, no_text_ratio=0.0,  # type: ignore[arg-type]
                        work_delay=0.1, heartbeat_interval=0.02, initial_credits=1000)
    with serve_in_thread(config) as mock:
        async with client_for(mock.url, tmp_path, checker) as client:
            session = await client.create_session()
            files = await client.upload_files(session.session_id, [image])
            assert files[0].filename == "shoe.png"
            again = await client.upload_urls(session.session_id, [files[0].cdn_url])
            assert again[0].filename == "shoe.png"

            heard: list[str] = []
            result = await client.send_message(session.session_id,
                                               "animate this image with a slow zoom-in and leftward pan",
                                               on_event=lambda e: heard.append(e.kind))
            assert heard[0] == "tool_call"
            if dialect == "nemo":  # ADK-dialect heartbeats are SSE comments, which are not events
                assert "heartbeat" in heard
            assert [e.name for e in result.tool_calls] == ["generate_video_with_seedance"]
            assert result.text.startswith("Done.") and not result.no_text
            await client.send_message(session.session_id, "Set the duration to 1s.")

            state = await client.get_state(session.session_id)
            draft = state["state"]["draft"]
            assert draft["t"][0]["sg"][0]["motion"]["pan"] == [-0.05, 0.0] and draft["d"] == 1000
            credits = await client.credits()
            assert (credits.available, credits.frozen, credits.total) == (950, 0, 950)  # one session: 50
            claim = await client.claim_token(session.task_id, session.session_id)
            assert claim.token.startswith("clm_")

            status = await client.submit_render(session.session_id, draft, SMALL)
            assert status.status == "pending"
            final = await client.wait_render(status.id)
            assert final.status == "completed" and final.output_url
            out = await client.download(final, tmp_path / "out.mp4")
            with av.open(str(out)) as container:
                assert container.streams.video[0].codec_context.height == 960
            # Without an output URL the client takes /api/render/proxy/<id>/download: the same bytes.
            proxied = await client.download(replace(final, output_url=None), tmp_path / "proxied.mp4")
            assert proxied.read_bytes() == out.read_bytes()

            doomed = await client.submit_render(session.session_id, draft,
                                                {"format": "mp4", "quality": "high", "resolution": "1080p"})
            await client.cancel_render(doomed.id)
            with pytest.raises(RenderFailed, match="cancelled"):
                await client.wait_render(doomed.id)
    assert checker.requests_checked >= 12 and not checker.violations
    assert set(checker.operations_seen) == {  # every operation of specs/nemo-api.yaml
        "anonymousToken", "createSession", "upload", "runSse", "state", "credits", "claimToken",
        "submitRender", "renderStatus", "cancelRender", "downloadRender"}


async def test_client_sees_the_documented_errors(tmp_path: Path) -> None:
    bad = tmp_path / "notes.png"
    bad.write_bytes(b"%PDF-1.7" + bytes(100))
    checker = MockContractChecker()
    plan = parse_fault_plan({"faults": [{"route": "GET /api/state/*", "nth": 1, "lose_session": True}]})
    with serve_in_thread(MockConfig(faults=plan, initial_credits=40)) as mock:
        async with client_for(mock.url, tmp_path, checker) as client:
            session = await client.create_session()
            with pytest.raises(UnsupportedMediaType):  # the local check mirrors 4001
                await client.upload_files(session.session_id, [bad])
            with pytest.raises(UnsupportedFileType, match="does not fetch"):
                await client.upload_urls(session.session_id, ["https://example.com/x.png"])
            with pytest.raises(SessionNotFound):
                await client.get_state(session.session_id)
            session = await client.create_session()
            good = tmp_path / "ok.png"
            good.write_bytes(png_bytes())
            await client.upload_files(session.session_id, [good])
            with pytest.raises(InsufficientCredits):
                await client.send_message(session.session_id, "Set the duration to 2s.")
        async with NemoClient(ClientConfig(base_url=mock.url, token="nmv_usr_wrong",
                                           config_dir=tmp_path / "c2")) as client:
            with pytest.raises(AuthError) as info:
                await client.credits()
            assert "nmv_usr_wrong" not in str(info.value)
    assert not checker.violations



@pytest.mark.parametrize("no_text", [False, True])
async def test_client_ignores_the_trailing_temporary_issue_line(tmp_path: Path, no_text: bool) -> None:
    image = tmp_path / "shoe.png"
    image.write_bytes(png_bytes())
    checker = MockContractChecker()
    config = MockConfig(temporary_issue_ratio=1.0, no_text_ratio=float(no_text), work_delay=0.0)
    with serve_in_thread(config) as mock:
        async with client_for(mock.url, tmp_path, checker) as client:
            session = await client.create_session()
            await client.upload_files(session.session_id, [image])
            result = await client.send_message(session.session_id, "Set the duration to 2s.")
    # The line alone still counts as "no text", so the client goes on to read the state.
    expected = ("", True) if no_text else ("Done. Set the duration to 2s.", False)
    assert (result.text, result.no_text) == expected
    assert not checker.violations


@pytest.mark.parametrize("dialect", ["adk", "nemo"])
async def test_client_reports_an_error_event_and_follows_a_download_redirect(tmp_path: Path,
                                                                             dialect: str) -> None:
    image = tmp_path / "shoe.png"
    image.write_bytes(png_bytes())
    checker = MockContractChecker()
    plan = parse_fault_plan({"faults": [
        {"route": "POST /run_sse", "nth": 1, "stream": {"error_after": 1, "error": "model overloaded"}},
        {"route": "GET /api/render/proxy/*/download", "redirect": True}]})
    config = MockConfig(faults=plan, sse_dialect=dialect, work_delay=0.05, render_workers=1)
    with serve_in_thread(config) as mock:
        async with client_for(mock.url, tmp_path, checker) as client:
            session = await client.create_session()
            await client.upload_files(session.session_id, [image])
            with pytest.raises(StreamError, match="mid-stream: model overloaded"):
                await client.send_message(session.session_id, "Set the duration to 1s.")
            await client.send_message(session.session_id, "Set the duration to 1s.")
            draft = (await client.get_state(session.session_id))["state"]["draft"]
            done = await client.wait_render((await client.submit_render(session.session_id, draft, SMALL)).id)
            # Without an output URL the client asks the download route, which answers 302 to the file.
            saved = await client.download(replace(done, output_url=None), tmp_path / "clip.mp4")
        assert [(e["status"], e["fault"]) for e in mock.admin.requests(path="/api/render/proxy/*/download")] \
            == [(302, "redirect")]
    with av.open(str(saved)) as container:
        frame = next(container.decode(video=0))
    assert (frame.width, frame.height) == (540, 960)  # the clip itself, 9:16 at 540p
    assert not checker.violations
