"""Recording: an httpx transport wrapped around the real one, and the recorder that writes the cassette.

``RecordingTransport`` passes every request through to the transport it wraps and watches both bodies go
by, so the client above it (and the engine above that) works exactly as without it. Bodies are read as
they stream: JSON and text into memory, event streams frame by frame with their timing, binary bodies and
uploaded files straight into files named by their sha256. Nothing is written to the cassette until the
run ends; ``Recorder.save`` then scrubs every secret (scrub.py) and writes the HAR file and its sidecars.
"""

from __future__ import annotations

import codecs
import re
import shutil
import tempfile
import time
import zlib
from collections.abc import AsyncIterator, Callable, Iterable
from datetime import UTC, datetime
from http import HTTPStatus
from pathlib import Path

import httpx

from .._version import __version__
from ..api.waits import current_subject
from ..confined import folder_inside
from . import har
from .har import Body, Cassette, CassetteInfo, Exchange
from .scrub import Scrubber
from .streams import BlobWriter, PartsReader, SseSplitter, extension, is_text


class _TeeRequest(httpx.AsyncByteStream):
    """A request body passed on unchanged, each chunk also shown to ``feed``."""

    def __init__(self, inner: httpx.AsyncByteStream, feed: Callable[[bytes], None]) -> None:
        self._inner = inner
        self._feed = feed

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._inner:
            self._feed(chunk)
            yield chunk


class _TeeResponse(httpx.AsyncByteStream):
    """A response body passed on unchanged; ``done`` hears the end (or the break-off) exactly once."""

    def __init__(self, inner: httpx.AsyncByteStream, feed: Callable[[bytes], None],
                 done: Callable[[str | None], None]) -> None:
        self._inner = inner
        self._feed = feed
        self._done = done
        self._finished = False

    def _finish(self, error: str | None) -> None:
        if not self._finished:
            self._finished = True
            self._done(error)

    async def __aiter__(self) -> AsyncIterator[bytes]:
        try:
            async for chunk in self._inner:
                self._feed(chunk)
                yield chunk
        except httpx.TransportError as exc:
            self._finish(type(exc).__name__)
            raise
        self._finish(None)

    async def aclose(self) -> None:
        try:
            await self._inner.aclose()
        finally:
            self._finish(None)


class _ResponseSink:
    """Where one answer's body goes while it streams: memory (text), frames (SSE) or a blob file."""

    def __init__(self, ex: Exchange, media_type: str, encoding: str, folder: Path, t0: float) -> None:
        self._ex = ex
        self._t0 = t0
        self._mime = media_type
        # We ask for identity; a server that compresses anyway is decoded here, so the cassette holds bodies.
        self._decoder = zlib.decompressobj(wbits=zlib.MAX_WBITS | 32) if encoding in ("gzip", "deflate") \
            else None
        self._sse = SseSplitter() if media_type.startswith("text/event-stream") else None
        self._utf8 = codecs.getincrementaldecoder("utf-8")("replace")  # a character may span two chunks
        self._blob = None if is_text(media_type) else BlobWriter(folder, extension(media_type))
        self._text = bytearray()

    def feed(self, chunk: bytes) -> None:
        data = self._decoder.decompress(chunk) if self._decoder is not None else chunk
        if self._blob is not None:
            self._blob.write(data)
            return
        self._text += data
        if self._sse is not None:
            self._sse.feed(self._utf8.decode(data), _ms(self._t0))

    def done(self, error: str | None) -> None:
        ex = self._ex
        ex.time_ms = _ms(self._t0)
        if error is not None:
            ex.error = f"{error} (the answer broke off)"
        if self._blob is not None:
            blob = self._blob.close()
            ex.response_body = Body(mime=self._mime, file=blob.name, sha256=blob.sha256, size=blob.size)
            return
        ex.response_body = Body(mime=self._mime, text=self._text.decode("utf-8", "replace"),
                                size=len(self._text))
        if self._sse is not None:
            ex.frames = self._sse.finish(ex.time_ms)


def _ms(t0: float) -> float:
    return (time.monotonic() - t0) * 1000


class RecordingTransport(httpx.AsyncBaseTransport):
    """Sends through ``inner`` and records each exchange into ``recorder`` (see the module docstring)."""

    def __init__(self, inner: httpx.AsyncBaseTransport, recorder: Recorder) -> None:
        self._inner = inner
        self._recorder = recorder

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        t0 = time.monotonic()
        # Readable bodies in the cassette: ask for them uncompressed (servers that ignore it are decoded).
        request.headers["Accept-Encoding"] = "identity"
        ex = Exchange(method=request.method, url=str(request.url),
                      request_headers=list(request.headers.multi_items()),
                      started=datetime.now(UTC).isoformat(timespec="milliseconds"), subject=current_subject())
        self._recorder.exchanges.append(ex)  # in the order the requests were sent
        folder = self._recorder.blobs
        content_type = request.headers.get("content-type", "")
        parts: PartsReader | None = None
        if content_type.startswith("multipart/"):
            parts = PartsReader(content_type, folder)
            request.stream = _TeeRequest(request.stream, parts.feed)  # type: ignore[arg-type]
        else:
            content = await request.aread()
            if content:
                ex.request_body = _request_body(content_type, content, folder)
        try:
            response = await self._inner.handle_async_request(request)
        except httpx.TransportError as exc:
            ex.error, ex.time_ms = type(exc).__name__, _ms(t0)
            raise
        finally:
            if parts is not None:
                ex.request_body = _parts_body(parts)
        ex.wait_ms = _ms(t0)
        ex.status = response.status_code
        reason = response.extensions.get("reason_phrase", b"")
        has_reason = isinstance(reason, bytes) and reason
        ex.status_text = reason.decode("latin-1") if has_reason else _phrase(ex.status)
        ex.response_headers = [(k, v) for k, v in response.headers.multi_items()
                               if k.lower() not in har.WIRE_HEADERS]
        media_type = response.headers.get("content-type", "")
        sink = _ResponseSink(ex, media_type, response.headers.get("content-encoding", "").lower(), folder, t0)
        response.stream = _TeeResponse(response.stream, sink.feed, sink.done)  # type: ignore[arg-type]
        return response

    async def aclose(self) -> None:
        await self._inner.aclose()


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def _request_body(content_type: str, content: bytes, folder: Path) -> Body:
    mime = content_type or "application/octet-stream"
    if is_text(mime):
        try:
            return Body(mime=mime, text=content.decode("utf-8"), size=len(content))
        except UnicodeDecodeError:
            pass
    writer = BlobWriter(folder, extension(mime))
    writer.write(content)
    blob = writer.close()
    return Body(mime=mime, file=blob.name, sha256=blob.sha256, size=blob.size)


def _parts_body(reader: PartsReader) -> Body:
    try:
        parts = reader.finish()
    except ValueError:  # the server answered before reading the whole body: keep the parts it got
        reader.discard()
        parts = reader.parts
    return Body(mime="multipart/form-data", parts=parts, size=sum(p.size for p in parts))


# What BlobWriter names a body: its SHA-256 and an extension.
_SIDECAR = re.compile(r"[0-9a-f]{64}\.[A-Za-z0-9]+")


class Recorder:
    """Collects a run's exchanges and writes them as a cassette at ``path`` when asked.

    Args:
        path: the HAR file to write; its sidecar folder is ``<name>.bodies/`` beside it.
        secrets: ``(kind, value)`` pairs known to be secret before any answer says so (``NEMO_TOKEN``).
    """

    def __init__(self, path: Path, secrets: Iterable[tuple[str, str | None]] = ()) -> None:
        self.path = path
        self.exchanges: list[Exchange] = []
        self._secrets = list(secrets)
        path.parent.mkdir(parents=True, exist_ok=True)
        # Blobs are written during the run beside the cassette (a rename away from their place), and only
        # move into the sidecar folder when the cassette is saved: a run that fails leaves the old one whole.
        self.blobs = Path(tempfile.mkdtemp(prefix=f".{path.stem}.recording-", dir=path.parent))

    def transport(self, inner: httpx.AsyncBaseTransport) -> RecordingTransport:
        return RecordingTransport(inner, self)

    def save(self, info: CassetteInfo) -> Cassette:
        """Scrub every exchange, move the sidecars into place and write the HAR file; returns the cassette."""
        scrubber = Scrubber(self._secrets)
        scrubber.learn(self.exchanges)
        for ex in self.exchanges:
            scrubber.scrub(ex)
        info.scrubbed = scrubber.counts
        cassette = Cassette(self.path, info, self.exchanges)
        # The sidecar folder may come with someone else's repository: a link there would have us delete and
        # write files wherever it points, so it must lie inside the cassette's own folder.
        folder = folder_inside(self.path.parent, har.bodies_dir(self.path))
        used = set()
        for name in cassette.sidecars():
            (self.blobs / name).replace(folder / name)
            used.add(name)
        for ex in self.exchanges:
            _relocate(ex, har.bodies_dir(self.path).name)
        for stale in folder.iterdir():  # bodies of an earlier recording that this one no longer has
            if stale.name not in used and _SIDECAR.fullmatch(stale.name):  # never a file we did not write
                stale.unlink()
        har.save(cassette, __version__)
        self.discard()
        return cassette

    def discard(self) -> None:
        shutil.rmtree(self.blobs, ignore_errors=True)


def _relocate(ex: Exchange, folder: str) -> None:
    for body in (ex.request_body, ex.response_body):
        if body is None:
            continue
        if body.file:
            body.file = f"{folder}/{body.file}"
        for part in body.parts or []:
            if part.file:
                part.file = f"{folder}/{part.file}"
