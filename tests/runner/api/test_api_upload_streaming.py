"""Uploads stream from disk: a 30 MB file never sits in memory whole, and URL uploads send JSON."""

from __future__ import annotations

import json
import tracemalloc
from pathlib import Path

import httpx
import pytest
import respx

from motionctl.runner.api import ClientConfig, NemoClient
from motionctl.runner.errors import MediaTooLarge, UnsupportedMediaType
from tests.contract import ContractChecker
from tests.runner.api.helpers import TOKEN, ok, sparse_file, token_answer

pytestmark = pytest.mark.anyio

SIZE = 30 * 1024 * 1024


class CountingTransport(httpx.AsyncBaseTransport):
    """Reads each request body chunk by chunk and keeps only the count, like a server would."""

    def __init__(self) -> None:
        self.body_bytes = 0
        self.largest_chunk = 0
        self.head = b""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("anonymous-token"):
            return token_answer()
        async for chunk in request.stream:  # type: ignore[union-attr]
            self.body_bytes += len(chunk)
            self.largest_chunk = max(self.largest_chunk, len(chunk))
            if len(self.head) < 400:
                self.head += chunk[:400]
        return ok(
            {"files": [{"filename": "big.mp4", "file_type": "video", "cdn_url": "https://cdn/big.mp4"}]}
        )


async def test_a_30_mb_upload_is_streamed_not_loaded(config: ClientConfig, tmp_path: Path) -> None:
    path = tmp_path / "big.mp4"
    sparse_file(path, b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2", SIZE)
    transport = CountingTransport()
    checker = ContractChecker()
    async with NemoClient(config, transport=transport, event_hooks=checker.event_hooks()) as client:
        tracemalloc.start()
        try:
            files = await client.upload_files("s1", [path])
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert files[0].cdn_url == "https://cdn/big.mp4"
    assert transport.body_bytes > SIZE  # the whole file plus the multipart framing went out …
    print(f"upload peak {peak / 1e6:.2f} MB")
    assert peak < 4 * 1024 * 1024, f"peak {peak / 1e6:.1f} MB while uploading 30 MB"  # … never all at once
    assert transport.largest_chunk <= 1024 * 1024
    assert b'name="files"; filename="big.mp4"' in transport.head and b"video/mp4" in transport.head
    assert checker.operations_seen == ["anonymousToken", "upload"]


async def test_several_files_use_the_repeated_files_field(
    client: NemoClient, api: respx.MockRouter, tmp_path: Path
) -> None:
    a, b = tmp_path / "a.png", tmp_path / "b.jpg"
    a.write_bytes(b"\x89PNG\r\n\x1a\n" + b"a" * 50)
    b.write_bytes(b"\xff\xd8\xff\xe0" + b"b" * 50)
    route = api.post("/api/upload-video/nemo_agent/me/s1").mock(
        return_value=ok(
            {
                "files": [
                    {"filename": "a.png", "cdn_url": "https://cdn/a.png"},
                    {"filename": "b.jpg", "cdn_url": "https://cdn/b.jpg"},
                ]
            }
        )
    )
    files = await client.upload_files("s1", [a, b])
    body = route.calls.last.request.read()
    assert body.count(b'name="files"') == 2 and b"image/jpeg" in body
    assert [f.filename for f in files] == ["a.png", "b.jpg"]
    assert route.calls.last.request.headers["Authorization"] == f"Bearer {TOKEN}"


async def test_local_checks_run_before_any_request(
    client: NemoClient, api: respx.MockRouter, tmp_path: Path
) -> None:
    good = tmp_path / "good.png"
    good.write_bytes(b"\x89PNG\r\n\x1a\n")
    bad = tmp_path / "notes.png"
    bad.write_text("just text")
    huge = tmp_path / "huge.webp"
    sparse_file(huge, b"RIFF\x00\x00\x00\x00WEBPVP8 ", 60 * 1024 * 1024)
    route = api.post("/api/upload-video/nemo_agent/me/s1")
    with pytest.raises(UnsupportedMediaType, match=r"notes\.png: unsupported file type"):
        await client.upload_files("s1", [good, bad])
    with pytest.raises(MediaTooLarge, match=r"huge\.webp: file too large"):
        await client.upload_files("s1", [huge])
    assert not route.called and not api["token"].called


async def test_upload_urls_sends_json(
    client: NemoClient, api: respx.MockRouter, checker: ContractChecker
) -> None:
    route = api.post("/api/upload-video/nemo_agent/me/s1").mock(
        return_value=ok(
            {"files": [{"filename": "x.jpg", "file_type": "image", "cdn_url": "https://cdn/x.jpg"}]}
        )
    )
    files = await client.upload_urls("s1", ["https://example.com/x.jpg"])
    assert json.loads(route.calls.last.request.content) == {
        "urls": ["https://example.com/x.jpg"],
        "source_type": "url",
    }
    assert files[0].file_type == "image" and "upload" in checker.operations_seen
