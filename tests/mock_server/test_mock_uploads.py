"""Uploads: type by content, size checked while streaming, URL sources without the internet, downloads."""

from __future__ import annotations

import base64
import hashlib
import http.server
import io
import threading
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import anyio
import av
import numpy as np
import pytest

from motionctl.mock_server import MockConfig
from motionctl.mock_server.uploads import sniff
from tests.mock_server.conftest import Api, OpenApi, png_bytes

pytestmark = pytest.mark.anyio


def jpeg_bytes() -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (40, 30), (10, 200, 30)).save(buf, "JPEG")
    return buf.getvalue()


def wav_bytes(seconds: float = 0.5) -> bytes:
    buf = io.BytesIO()
    with av.open(buf, "w", format="wav") as out:
        stream = out.add_stream("pcm_s16le", rate=8000, layout="mono")
        samples = np.zeros((1, int(8000 * seconds)), dtype=np.int16)
        frame = av.AudioFrame.from_ndarray(samples, format="s16", layout="mono")
        frame.sample_rate = 8000
        for packet in stream.encode(frame):
            out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return buf.getvalue()


@pytest.mark.parametrize(("head", "ext"), [
    (b"\xff\xd8\xff\xe0" + bytes(60), "jpg"), (b"\x89PNG\r\n\x1a\n" + bytes(56), "png"),
    (b"GIF89a" + bytes(58), "gif"), (b"RIFF\0\0\0\0WEBPVP8 " + bytes(48), "webp"),
    (b"RIFF\0\0\0\0WAVEfmt " + bytes(48), "wav"), (b"RIFF\0\0\0\0AVI LIST" + bytes(48), "avi"),
    (b"\0\0\0\x18ftypisom" + bytes(52), "mp4"), (b"\0\0\0\x14ftypqt  " + bytes(52), "mov"),
    (b"\0\0\0\x18ftypheic" + bytes(52), "heic"), (b"\0\0\0\x18ftypM4A " + bytes(52), "m4a"),
    (b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x84webm" + bytes(48), "webm"),
    (b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x88matroska" + bytes(44), "mkv"),
    (b"ID3\x04" + bytes(60), "mp3"), (b"\xff\xfb\x90\x00" + bytes(60), "mp3"),
    (b"\xff\xf1\x50\x80" + bytes(60), "aac"),
    (b"%PDF-1.7" + bytes(56), None), (b"\0\0\0\x18ftypavif" + bytes(52), None), (b"hello world", None),
])
def test_sniff_by_magic_bytes(head: bytes, ext: str | None) -> None:
    assert sniff(head) == ext


async def test_every_allowed_kind_is_accepted_and_downloadable(open_api: OpenApi) -> None:
    async with open_api() as api:
        sid = await api.session()
        png, jpg, wav = png_bytes(), jpeg_bytes(), wav_bytes()
        body = await api.upload(sid, ("a.png", png), ("b.jpg", jpg), ("c.wav", wav))
        files = body["data"]["files"]
        assert [(f["filename"], f["file_type"]) for f in files] == [
            ("a.png", "image"), ("b.jpg", "image"), ("c.wav", "audio")]
        assert files[2]["duration"] == pytest.approx(0.5, abs=0.05)
        for f, raw in zip(files, (png, jpg, wav), strict=True):
            assert f["hash"] == hashlib.sha256(raw).hexdigest()
            r = await api.raw.get(f["cdn_url"])
            assert r.status_code == 200 and r.content == raw
        seg = (await api.state(sid))["draft"]["t"][0]["sg"][0]
        assert seg["name"] == "b.jpg"  # the last image uploaded is the source; audio is only a library entry


async def test_heic_is_accepted_as_an_image(open_api: OpenApi) -> None:
    import pillow_heif
    from PIL import Image

    pillow_heif.register_heif_opener()
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 100, 50)).save(buf, "HEIF")
    async with open_api() as api:
        sid = await api.session()
        info = (await api.upload(sid, ("bag.heic", buf.getvalue())))["data"]["files"][0]
        assert (info["file_type"], info["width"], info["height"]) == ("image", 64, 48)


async def test_content_not_extension_decides_the_type(open_api: OpenApi) -> None:
    async with open_api() as api:
        sid = await api.session()
        body = await api.upload(sid, ("photo.png", b"%PDF-1.7 definitely not an image" * 4))
        assert body["code"] == 4001 and "photo.png" in body["message"] and "png" in body["message"]
        body = await api.upload(sid, ("named-wrong.txt", png_bytes()))  # a PNG whatever it is called
        assert body["code"] == 0 and body["data"]["files"][0]["file_type"] == "image"
        body = await api.upload(sid, ("fake.png", b"\x89PNG\r\n\x1a\n" + b"garbage" * 20))
        assert body["code"] == 4001 and "not a readable png" in body["message"]


async def test_over_the_limit_is_4002_and_nothing_is_kept(open_api: OpenApi, tmp_path: Path) -> None:
    config = MockConfig(max_upload_bytes=200_000, data_dir=tmp_path)
    async with open_api(config) as api:
        sid = await api.session()
        big = png_bytes() + bytes(300_000)

        async def chunks() -> AsyncIterator[bytes]:
            # A streamed multipart body, so the mock sees it arrive in pieces.
            yield b"--b\r\nContent-Disposition: form-data; name=\"files\"; filename=\"big.png\"\r\n\r\n"
            for i in range(0, len(big), 16384):
                yield big[i:i + 16384]
            yield b"\r\n--b--\r\n"

        r = await api.http.post(f"/api/upload-video/nemo_agent/me/{sid}", content=chunks(),
                                headers={**api.headers(), "Content-Type": "multipart/form-data; boundary=b"})
        assert r.json()["code"] == 4002 and "big.png" in r.json()["message"]
        assert list((tmp_path / "uploads").iterdir()) == []  # the partial file was deleted
        assert (await api.state(sid))["video_infos"] == []


async def test_a_caller_hanging_up_mid_upload_is_no_server_error_and_leaves_nothing(
        open_api: OpenApi, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    async with open_api(MockConfig(data_dir=tmp_path)) as api:
        sid = await api.session()
        host, port = api.url.removeprefix("http://").split(":")
        head = (f"POST /api/upload-video/nemo_agent/me/{sid} HTTP/1.1\r\nHost: {host}\r\n"
                f"Authorization: Bearer {api.token}\r\nX-Skill-Source: t\r\nX-Skill-Version: 0\r\n"
                "X-Skill-Platform: unknown\r\nContent-Type: multipart/form-data; boundary=b\r\n"
                "Content-Length: 1000000\r\n\r\n"
                "--b\r\nContent-Disposition: form-data; name=\"files\"; filename=\"cut.png\"\r\n\r\n")
        async with await anyio.connect_tcp(host, int(port)) as conn:  # a run stopped mid-upload
            await conn.send(head.encode() + png_bytes() + bytes(50_000))
        def logged() -> dict[str, Any] | None:
            return next((r for r in api.mock.admin.requests() if r["path"].startswith("/api/upload-video")),
                        None)

        with anyio.fail_after(60):
            while (upload := logged()) is None or upload["status"] is None:  # noqa: ASYNC110 (polling HTTP)
                await anyio.sleep(0.02)
        assert upload["status"] == 499  # "client closed request", not a 500
        assert list((tmp_path / "uploads").iterdir()) == []  # the partial file was deleted
        assert (await api.state(sid))["video_infos"] == []  # and the mock goes on serving
    assert not [r for r in caplog.records if r.levelname == "ERROR"], caplog.text  # no traceback logged


async def test_real_50_mb_limit_by_default(open_api: OpenApi) -> None:
    async with open_api() as api:
        sid = await api.session()
        body = await api.upload(sid, ("huge.png", png_bytes() + bytes(50 * 1024 * 1024)))
        assert body["code"] == 4002 and "over 50 MiB;" in body["message"]


@pytest.fixture
def file_server() -> Iterator[str]:
    """A plain HTTP server on 127.0.0.1: /photo.png, /big.png (past a small limit), /slow.png (stalls)."""
    photo = png_bytes(seed=3)
    released = threading.Event()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path == "/slow.png":
                released.wait(60)  # until the test is over: only the mock's own time limit ends the wait
            body = photo + bytes(4096) if self.path == "/big.png" else photo
            if self.path not in ("/photo.png", "/big.png", "/slow.png"):
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        released.set()
        server.shutdown()
        server.server_close()


async def url_upload(api: Api, sid: str, *urls: str, token: str | None = None) -> dict[str, Any]:
    r = await api.http.post(f"/api/upload-video/nemo_agent/me/{sid}", headers=api.headers(token),
                            json={"urls": list(urls), "source_type": "url"})
    body: dict[str, Any] = r.json()
    return body


async def test_url_sources_are_fetched_over_http_and_own_cdn_urls_copied(open_api: OpenApi,
                                                                         file_server: str) -> None:
    async with open_api() as api:
        sid = await api.session()
        body = await url_upload(api, sid, f"{file_server}/photo.png")
        files = body["data"]["files"]
        assert files[0]["file_type"] == "image" and files[0]["filename"] == "photo.png"
        assert files[0]["hash"] == hashlib.sha256(png_bytes(seed=3)).hexdigest()
        again = await url_upload(api, sid, files[0]["cdn_url"])
        assert again["data"]["files"][0]["hash"] == files[0]["hash"]

        other = await api.new_token()  # another caller cannot copy this caller's upload by its URL
        other_sid = await api.session()
        stolen = await url_upload(api, other_sid, files[0]["cdn_url"], token=other)
        assert stolen["code"] == 4001 and "HTTP 404" in stolen["message"]


async def test_url_fetch_has_size_and_time_limits(open_api: OpenApi, file_server: str) -> None:
    async with open_api(MockConfig(max_upload_bytes=2048, url_fetch_timeout=0.5)) as api:
        sid = await api.session()
        assert (await url_upload(api, sid, f"{file_server}/big.png"))["code"] == 4002
        started = time.monotonic()
        slow = await url_upload(api, sid, f"{file_server}/slow.png")
        assert slow["code"] == 4001 and "within 0.5 s" in slow["message"]
        assert time.monotonic() - started < 10  # the 0.5 s limit, with room for a loaded machine
        missing = await url_upload(api, sid, f"{file_server}/nothing.png")
        assert missing["code"] == 4001 and "HTTP 404" in missing["message"]


async def test_local_paths_are_never_read_and_errors_do_not_tell_whether_they_exist(
        open_api: OpenApi, tmp_path: Path) -> None:
    async with open_api() as api:
        sid = await api.session()
        real = tmp_path / "private.png"
        real.write_bytes(png_bytes())
        ghost = tmp_path / "ghost.png"
        answers = [await url_upload(api, sid, url) for url in (real.as_uri(), ghost.as_uri())]
        assert [a["code"] for a in answers] == [4001, 4001]
        messages = [a["message"].replace(str(tmp_path), "") for a in answers]
        assert messages[0].replace("private", "ghost") == messages[1]
        assert "only http(s)" in messages[0]
        data_url = "data:image/png;base64," + base64.b64encode(png_bytes()).decode()
        assert (await url_upload(api, sid, data_url))["code"] == 4001
        assert (await api.state(sid))["video_infos"] == []


@pytest.mark.parametrize(("url", "says"), [
    ("https://example.com/cat.png", "does not fetch from the internet"),
    ("http://10.0.0.1/cdn/u1/x.png", "does not fetch from the internet"),
    ("ftp://example.com/x.png", "only http(s)"),
])
async def test_internet_urls_are_refused_without_being_fetched(open_api: OpenApi, url: str,
                                                               says: str) -> None:
    async with open_api() as api:
        sid = await api.session()
        body = await url_upload(api, sid, url)
        assert body["code"] == 4001 and says in body["message"]


@pytest.mark.parametrize(("body", "says"), [
    (b"not multipart at all", "Expected boundary"),
    (b'--b\r\nContent-Disposition: form-data; name="files"; filename="cut.png"\r\n\r\n\x89PNG\r\n\x1a\n',
     "ended inside the file cut.png"),
])
async def test_a_malformed_multipart_body_is_422_and_nothing_is_kept(open_api: OpenApi, tmp_path: Path,
                                                                     body: bytes, says: str) -> None:
    async with open_api(MockConfig(data_dir=tmp_path)) as api:
        sid = await api.session()
        r = await api.raw.post(f"/api/upload-video/nemo_agent/me/{sid}", content=body,
                               headers={**api.headers(), "Content-Type": "multipart/form-data; boundary=b"})
        assert r.status_code == 422 and "malformed multipart body" in r.json()["message"]
        assert says in r.json()["message"]  # was a 500, and a misleading 4001 for a cut-off file
        assert list((tmp_path / "uploads").iterdir()) == []


async def test_upload_to_an_unknown_session_is_1002(open_api: OpenApi) -> None:
    async with open_api() as api:
        await api.new_token()
        body = await api.upload("999", ("a.png", png_bytes()))
        assert body["code"] == 1002
