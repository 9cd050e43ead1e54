"""Advice that can work: every error's hint fits its cause. Transient failures say run again; a refused
value says which value to change and never "try again later"; a damaged file says it is damaged and how to
check, never "export again" or "use another type"."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import respx
from PIL import Image

from motionctl.mock_server import MockConfig, RunningMock, serve_in_thread
from motionctl.runner.api import ClientConfig, NemoClient
from motionctl.runner.api.advice import draft_field, render_failure_hint
from motionctl.runner.api.envelope import error_for
from motionctl.runner.api.sse import decode_event
from motionctl.runner.errors import ApiError, RenderFailed, StreamError, UnsupportedFileType

pytestmark = pytest.mark.anyio

# Phrases that cannot help the case they would be said about.
FUTILE_FOR_REFUSALS = ("try again later", "wait a minute", "retried", "run again in a few minutes")
FUTILE_FOR_DAMAGE = ("export again", "re-render", "use one of")


@pytest.fixture(scope="module")
def mock() -> Iterator[RunningMock]:
    with serve_in_thread(MockConfig()) as server:
        yield server


def _image(path: Path, *, cut: bool = False) -> Path:
    buffer = io.BytesIO()
    Image.new("RGB", (200, 120), (200, 10, 10)).save(buffer, "JPEG")
    data = buffer.getvalue()
    path.write_bytes(data[: len(data) // 2] if cut else data)
    return path


async def test_a_draft_value_the_api_refuses_names_the_value_to_change(
    mock: RunningMock, tmp_path: Path
) -> None:
    async with NemoClient(ClientConfig(base_url=mock.url, config_dir=tmp_path / "c")) as client:
        session = await client.create_session()
        await client.upload_files(session.session_id, [_image(tmp_path / "shoe.jpg")])
        draft = (await client.get_state(session.session_id))["state"]["draft"]
        loud = {**draft, "t": [*draft["t"], {"tt": 1, "sg": [{"st": 0, "d": 1000, "src": "mood:lo-fi",
                                                              "vol": 300}]}]}
        with pytest.raises(ApiError) as info:
            await client.submit_render(session.session_id, loud)
    text = str(info.value)
    assert "greater than the maximum of 200" in text  # the API's own words stay
    assert "the music (audio) track's volume in percent (/t/1/sg/0/vol)" in text
    assert "retrying cannot help: change the recipe value that sets it" in text
    assert not any(p in text for p in FUTILE_FOR_REFUSALS), text


async def test_a_damaged_upload_says_damaged_not_use_another_type(mock: RunningMock, tmp_path: Path) -> None:
    async with NemoClient(ClientConfig(base_url=mock.url, config_dir=tmp_path / "c")) as client:
        session = await client.create_session()
        with pytest.raises(UnsupportedFileType) as info:
            await client.upload_files(session.session_id, [_image(tmp_path / "cut.jpg", cut=True)])
    text = str(info.value)
    assert "damaged or cut short" in text and "ffprobe -v error FILE" in text
    assert not any(p in text for p in FUTILE_FOR_DAMAGE), text


async def test_a_render_that_fails_on_a_damaged_file_says_so(tmp_path: Path) -> None:
    # The mock renderer's words for an image that stopped decoding half-way.
    reason = ("render failed: image shoe.jpg: not a readable JPEG/PNG/WEBP/HEIC file (image file is "
              "truncated (42 bytes not processed)); re-export it")
    body = {"success": True, "data": {"id": "render_1", "status": "failed", "progress": 40, "error": reason}}
    with respx.mock(base_url="https://api.test") as router:
        router.get("/api/render/proxy/lambda/render_1").mock(return_value=httpx.Response(200, json=body))
        config = ClientConfig(base_url="https://api.test", token="nmv_usr_SECRET_user", config_dir=tmp_path)
        async with NemoClient(config) as client:
            with pytest.raises(RenderFailed) as info:
                await client.wait_render("render_1")
    hint = info.value.hint or ""
    assert hint.startswith("the image file shoe.jpg is damaged or cut short, so re-rendering cannot help")
    assert "export again" not in hint and "check the draft" not in hint


@pytest.mark.parametrize(("reason", "expected"), [
    ("render failed: music tone.wav: not a decodable audio file (Invalid data); re-export it",
     "the music file tone.wav is damaged or cut short"),
    ("render failed: music tone.wav: the file has no audio stream; upload an mp3/wav/m4a",
     "the music file tone.wav is damaged or cut short"),
    ("render failed: the render node reported an error (injected fault)",
     "probably a passing failure of the render service: run again"),
    ("cancelled", "cancelled on the server; run again"),
    ("render failed: image big.jpg: 61.0 MB is over the 50 MB limit; use a smaller file",
     "use a smaller file"),
    ("draft invalid at /t/0/sg/0/motion/zoom: [1, 99] is too long",
     "zoom [start, end] (/t/0/sg/0/motion/zoom)"),
])
def test_render_failure_hints_fit_their_cause(reason: str, expected: str) -> None:
    assert expected in render_failure_hint(reason)


def test_draft_fields_are_named_in_words() -> None:
    draft = {"t": [{"tt": 0, "sg": []}, {"tt": 7, "sg": []}]}
    assert draft_field("/t/1/sg/0/size", draft) == "the text track's font size in px (/t/1/sg/0/size)"
    assert draft_field("/t/5/sg/0/vol") == "track 5's volume in percent (/t/5/sg/0/vol)"
    assert draft_field("/m/fps") == "frame rate (/m/fps)"


REFUSALS = [
    (422, {"success": False,
           "error": "draft invalid at /t/1/sg/0/vol: 300 is greater than the maximum of 200"}),
    (422, {"success": False, "error": "output.format 'avi' is not supported; use one of mp4, webm"}),
    (404, {"success": False, "error": "render render_9 not found"}),
    (200, {"code": 4001, "message": "unsupported file type: a.bmp"}),
    (200, {"code": 4002, "message": "too big"}),
    (200, {"code": 2001, "message": "insufficient credits"}),
    (402, {"code": 402, "message": "free plan"}),
    (404, {"code": 1002, "message": "session not found"}),
    (401, {"code": 1001, "message": "bad token"}),
    (400, {"code": 400, "message": "missing client id"}),
    (404, None),
]
TRANSIENT = [
    (503, None), (500, {"code": 500, "message": "boom"}),
    (200, {"success": False, "error": "internal hiccup"}),
    (429, {"code": 429, "message": "slow down"}),
]


@pytest.mark.parametrize(("status", "body"), REFUSALS)
def test_no_refusal_is_told_to_wait_or_retry(status: int, body: object) -> None:
    error = error_for(status, body, endpoint="POST /api/x", user_token=False)
    assert error is not None and error.hint
    assert not any(p in error.hint for p in FUTILE_FOR_REFUSALS), error.hint


@pytest.mark.parametrize(("status", "body"), TRANSIENT)
def test_transient_failures_say_run_again(status: int, body: object) -> None:
    error = error_for(status, body, endpoint="POST /api/x", user_token=False)
    assert error is not None and error.hint and "run again" in error.hint, error and error.hint


@pytest.mark.parametrize("payload", [{"error": "agent crashed"}, {"type": "error", "message": "tool failed"},
                                     {"errorCode": "INTERNAL", "errorMessage": "boom"}])
def test_an_agent_error_mid_stream_says_run_again_in_runner_terms(payload: dict[str, str]) -> None:
    with pytest.raises(StreamError) as info:
        decode_event(payload)
    hint = info.value.hint or ""
    assert "run again" in hint and "--resume" in hint and "send the message" not in hint
