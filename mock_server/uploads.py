"""Receiving uploads: type by content (magic bytes), size checked while streaming, media probed on disk.

The request body is never held in memory: each chunk is sniffed (first bytes), counted and written to the
upload's file; once a file passes the limit the mock stops reading and deletes what it wrote.
"""

from __future__ import annotations

import hashlib
import re
import shutil
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header

from ..units import format_size
from .envelopes import FILE_TOO_LARGE, UNSUPPORTED_FILE_TYPE, ApiFailure, bad_body

FileKind = Literal["video", "image", "audio"]

ALLOWED = ("mp4", "mov", "avi", "webm", "mkv", "jpg", "png", "gif", "webp", "mp3", "wav", "m4a", "aac",
           "heic")
KIND_OF: dict[str, FileKind] = {
    **dict.fromkeys(("mp4", "mov", "avi", "webm", "mkv"), "video"),
    **dict.fromkeys(("jpg", "png", "gif", "webp", "heic"), "image"),
    **dict.fromkeys(("mp3", "wav", "m4a", "aac"), "audio"),
}
SNIFF_BYTES = 64
MAX_FILES = 20  # files per multipart upload: each becomes an upload folder, so the count is bounded too
_HEIC_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1"}


def sniff(head: bytes) -> str | None:
    """The allowed type (``mp4``, ``png`` …) the first bytes of a file show, or ``None``. Pure."""
    if head.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if head[:4] == b"RIFF" and len(head) >= 12:
        return {b"WEBP": "webp", b"WAVE": "wav", b"AVI ": "avi"}.get(head[8:12])
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in _HEIC_BRANDS:
            return "heic"
        if brand == b"qt  ":
            return "mov"
        if brand in (b"M4A ", b"M4B "):
            return "m4a"
        return None if brand in (b"avif", b"avis", b"crx ") else "mp4"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "webm" if b"webm" in head[:64] else "mkv"
    if head.startswith(b"ID3"):
        return "mp3"
    if len(head) >= 2 and head[0] == 0xFF:
        if head[1] & 0xF6 == 0xF0:  # ADTS sync word, layer 0
            return "aac"
        if head[1] & 0xE0 == 0xE0:  # MPEG audio frame sync
            return "mp3"
    return None


def unsupported(filename: str) -> ApiFailure:
    return ApiFailure(UNSUPPORTED_FILE_TYPE,
                      f"unsupported file type: {filename}; accepted formats: {', '.join(ALLOWED)}")


def too_large(filename: str, limit: int) -> ApiFailure:
    return ApiFailure(FILE_TOO_LARGE, f"file too large: {filename} is over {format_size(limit)}; "
                                      "compress or trim it and upload again")


def safe_name(filename: str) -> str:
    """A file name with no directory part and only harmless characters."""
    name = re.sub(r"[^\w.\-]+", "_", Path(filename.replace("\\", "/")).name).strip("._")
    return name or "upload"


@dataclass(frozen=True)
class ReceivedFile:
    """A file safely on disk: its sniffed type and content hash."""

    filename: str
    path: Path
    size: int
    sha256: str
    ext: str

    @property
    def kind(self) -> FileKind:
        return KIND_OF[self.ext]


class FileSink:
    """Writes one incoming file chunk by chunk: sniffs its head, enforces the limit, hashes it."""

    def __init__(self, filename: str, path: Path, limit: int) -> None:
        self.filename = filename
        self.path = path
        self.limit = limit
        self.size = 0
        self._head = b""
        self._ext: str | None = None
        self._hash = hashlib.sha256()
        path.parent.mkdir(parents=True, exist_ok=True)
        self._fh = path.open("wb")

    def write(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self.size > self.limit:
            raise too_large(self.filename, self.limit)
        if self._ext is None and len(self._head) < SNIFF_BYTES:
            self._head += chunk[: SNIFF_BYTES - len(self._head)]
            if len(self._head) >= SNIFF_BYTES:
                self._decide()
        self._hash.update(chunk)
        self._fh.write(chunk)

    def _decide(self) -> None:
        ext = sniff(self._head)
        if ext is None:
            raise unsupported(self.filename)
        self._ext = ext

    def finish(self) -> ReceivedFile:
        self._fh.close()
        if self._ext is None:
            self._decide()
        assert self._ext is not None
        return ReceivedFile(self.filename, self.path, self.size, self._hash.hexdigest(), self._ext)

    def discard(self) -> None:
        self._fh.close()
        self.path.unlink(missing_ok=True)


async def receive_multipart(content_type: str, body: AsyncIterator[bytes],
                            new_path: Callable[[str], Path], limit: int) -> list[ReceivedFile]:
    """Stream a multipart body's ``files`` fields to disk; other fields are ignored.

    ``new_path(filename)`` says where a file goes. On any failure every file of this request is deleted.
    A file of an unsupported type is reported (4001) once the whole body has been read, so a body that is
    malformed too (a 21st file, a broken part) is refused as malformed first, whatever its files hold.
    """
    ctype, params = parse_options_header(content_type)
    boundary = params.get(b"boundary")
    if ctype != b"multipart/form-data" or not boundary:
        raise unsupported("request body (expected multipart/form-data with a boundary)")

    done: list[ReceivedFile] = []
    sinks: list[FileSink] = []
    state: dict[str, Any] = {"field": b"", "value": b"", "headers": {}, "sink": None, "unsupported": None}

    def sink_do(action: Callable[[FileSink], Any]) -> Any:
        try:
            return action(state["sink"])
        except ApiFailure as exc:
            if exc.code != UNSUPPORTED_FILE_TYPE:
                raise
            state["unsupported"] = state["unsupported"] or exc
            state["sink"].discard()
            state["sink"] = None
            return None

    def on_part_begin() -> None:
        state["headers"] = {}
        state["sink"] = None

    def on_header_field(data: bytes, start: int, end: int) -> None:
        state["field"] += data[start:end]

    def on_header_value(data: bytes, start: int, end: int) -> None:
        state["value"] += data[start:end]

    def on_header_end() -> None:
        state["headers"][state["field"].lower()] = state["value"]
        state["field"], state["value"] = b"", b""

    def on_headers_finished() -> None:
        _, disp = parse_options_header(state["headers"].get(b"content-disposition", b""))
        if disp.get(b"name") == b"files":  # a file, whatever it holds; "upload" when it has no filename
            if len(sinks) >= MAX_FILES:
                raise bad_body(f"too many files: at most {MAX_FILES} per upload; upload the rest separately")
            filename = safe_name(disp.get(b"filename", b"").decode("utf-8", "replace"))
            sink = FileSink(filename, new_path(filename), limit)
            sinks.append(sink)
            state["sink"] = sink

    def on_part_data(data: bytes, start: int, end: int) -> None:
        if state["sink"] is not None:
            sink_do(lambda sink: sink.write(data[start:end]))

    def on_part_end() -> None:
        if state["sink"] is not None and (received := sink_do(FileSink.finish)) is not None:
            done.append(received)
        state["sink"] = None

    callbacks: Any = {
        "on_part_begin": on_part_begin, "on_header_field": on_header_field,
        "on_header_value": on_header_value, "on_header_end": on_header_end,
        "on_headers_finished": on_headers_finished, "on_part_data": on_part_data, "on_part_end": on_part_end,
    }
    parser = MultipartParser(boundary, callbacks)
    try:
        try:
            async for chunk in body:
                parser.write(chunk)
            parser.finalize()
        except MultipartParseError as exc:
            raise bad_body(f"malformed multipart body: {exc}") from None
        if state["sink"] is not None:  # the parser does not mind a body that stops mid-part
            raise bad_body(f"malformed multipart body: it ended inside the file {state['sink'].filename}")
        if state["unsupported"] is not None:
            raise state["unsupported"]
    except BaseException:
        for sink in sinks:
            sink.discard()
        raise
    if not done:  # the spec's multipart schema requires files
        raise bad_body("body has no part named 'files': send each file as a multipart part named 'files' "
                       "(required: ['files']; specs/nemo-api.yaml, upload)")
    return done


def copy_local(source: Path, filename: str, dest: Path, limit: int) -> ReceivedFile:
    """Copy a file the mock already holds (one of its own /cdn/ uploads), with the same checks."""
    sink = FileSink(filename, dest, limit)
    try:
        with source.open("rb") as fh:
            while chunk := fh.read(1 << 16):
                sink.write(chunk)
        return sink.finish()
    except BaseException:
        sink.discard()
        raise


def remove_tree(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)


@dataclass(frozen=True)
class MediaInfo:
    width: int
    height: int
    duration: float
    fps: float


def probe(path: Path, ext: str) -> MediaInfo:
    """Width, height, duration (s) and fps of a received file; images have duration 0 and fps 0.

    Raises:
        ApiFailure: 4001 when the content cannot be read as the type its magic bytes claim.
    """
    try:
        if KIND_OF[ext] == "image":
            return _probe_image(path, ext)
        return _probe_av(path)
    except ApiFailure:
        raise
    except Exception:  # any decoder error means the bytes are not the media they claim to be
        raise ApiFailure(UNSUPPORTED_FILE_TYPE,
                         f"unsupported file type: {path.name} is not a readable {ext} file") from None


def _probe_image(path: Path, ext: str) -> MediaInfo:
    from PIL import Image

    if ext == "heic":
        import pillow_heif

        pillow_heif.register_heif_opener()
    with Image.open(path) as im:
        return MediaInfo(int(im.width), int(im.height), 0.0, 0.0)


def _probe_av(path: Path) -> MediaInfo:
    import av

    with av.open(str(path)) as container:
        duration = float(container.duration) / 1_000_000 if container.duration else 0.0
        width = height = 0
        fps = 0.0
        if container.streams.video:
            vs = container.streams.video[0]
            width, height = int(vs.codec_context.width), int(vs.codec_context.height)
            fps = float(vs.average_rate) if vs.average_rate else 0.0
        elif not container.streams.audio:
            raise ValueError("no audio or video stream")
        return MediaInfo(width, height, round(duration, 3), round(fps, 3))
