"""Bodies as they stream past: binary bodies into files named by their hash, multipart bodies into parts,
event streams into frames. Each reads chunk by chunk, so a 50 MiB upload is never held in memory.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header

from .har import Frame, Part

_EXTENSIONS = {"video/mp4": ".mp4", "video/webm": ".webm", "video/quicktime": ".mov", "image/gif": ".gif",
               "image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp", "image/heic": ".heic",
               "audio/mpeg": ".mp3", "audio/wav": ".wav", "audio/x-wav": ".wav", "audio/mp4": ".m4a"}
# Bodies kept inline as text; anything else goes to a sidecar file.
_TEXT_TYPES = ("application/json", "text/", "application/problem+json", "application/xml",
               "application/x-www-form-urlencoded")


def is_text(media_type: str) -> bool:
    media_type = media_type.split(";")[0].strip().lower()
    return not media_type or media_type.startswith(_TEXT_TYPES) or media_type.endswith("+json")


@dataclass(frozen=True)
class Blob:
    name: str  # <sha256><ext>, a file in the Blobs folder
    sha256: str
    size: int


class BlobWriter:
    """One binary body being written: hashed as it comes, named by its hash when it is complete."""

    def __init__(self, folder: Path, ext: str) -> None:
        self._folder = folder
        self._ext = ext
        self._temp = folder / f".{uuid.uuid4().hex}.part"
        self._file = self._temp.open("wb")
        self._hash = hashlib.sha256()
        self.size = 0

    def write(self, chunk: bytes) -> None:
        self._file.write(chunk)
        self._hash.update(chunk)
        self.size += len(chunk)

    def close(self) -> Blob:
        self._file.close()
        digest = self._hash.hexdigest()
        name = f"{digest}{self._ext}"
        target = self._folder / name
        if target.exists():  # the same image uploaded twice: one file
            self._temp.unlink()
        else:
            self._temp.replace(target)
        return Blob(name, digest, self.size)

    def discard(self) -> None:
        self._file.close()
        self._temp.unlink(missing_ok=True)


def extension(media_type: str) -> str:
    return _EXTENSIONS.get(media_type.split(";")[0].strip().lower(), ".bin")


class _Hasher:
    """A ``BlobWriter`` that keeps nothing: replay only needs to know which bytes were sent."""

    def __init__(self) -> None:
        self._hash = hashlib.sha256()
        self.size = 0

    def write(self, chunk: bytes) -> None:
        self._hash.update(chunk)
        self.size += len(chunk)

    def close(self) -> Blob:
        return Blob("", self._hash.hexdigest(), self.size)

    def discard(self) -> None:
        pass


class PartsReader:
    """A multipart/form-data body, fed chunk by chunk, read into ``Part``s (the boundary forgotten).

    File parts are hashed, and written to ``folder`` when one is given (recording); text fields are kept
    as their value.

    Raises:
        ValueError: the body is not multipart/form-data with a boundary, or is malformed.
    """

    def __init__(self, content_type: str, folder: Path | None = None) -> None:
        ctype, params = parse_options_header(content_type)
        boundary = params.get(b"boundary")
        if ctype != b"multipart/form-data" or not boundary:
            raise ValueError(f"not multipart/form-data with a boundary: {content_type!r}")
        self._folder = folder
        self.parts: list[Part] = []
        self._headers: dict[bytes, bytes] = {}
        self._field = self._value = b""
        self._writer: BlobWriter | _Hasher | None = None
        self._text = bytearray()
        callbacks: Any = {
            "on_part_begin": self._begin, "on_header_field": self._header_field,
            "on_header_value": self._header_value, "on_header_end": self._header_end,
            "on_headers_finished": self._headers_done, "on_part_data": self._data, "on_part_end": self._end,
        }
        self._parser = MultipartParser(boundary, callbacks)

    def _begin(self) -> None:
        self._headers, self._writer, self._text = {}, None, bytearray()

    def _header_field(self, data: bytes, start: int, end: int) -> None:
        self._field += data[start:end]

    def _header_value(self, data: bytes, start: int, end: int) -> None:
        self._value += data[start:end]

    def _header_end(self) -> None:
        self._headers[self._field.lower()] = self._value
        self._field = self._value = b""

    def _headers_done(self) -> None:
        _, disposition = parse_options_header(self._headers.get(b"content-disposition", b""))
        content_type = self._headers.get(b"content-type", b"").decode("latin-1") or None
        name = disposition.get(b"name", b"").decode("utf-8", "replace")
        filename = disposition.get(b"filename")
        part = Part(name=name, content_type=content_type,
                    filename=filename.decode("utf-8", "replace") if filename is not None else None)
        self.parts.append(part)
        if filename is not None:
            folder = self._folder
            self._writer = BlobWriter(folder, extension(content_type or "")) if folder else _Hasher()

    def _data(self, data: bytes, start: int, end: int) -> None:
        if self._writer is not None:
            self._writer.write(data[start:end])
        else:
            self._text += data[start:end]

    def _end(self) -> None:
        part = self.parts[-1]
        if self._writer is not None:
            blob = self._writer.close()
            part.sha256, part.size, part.file = blob.sha256, blob.size, blob.name or None
            self._writer = None
        else:
            part.value = self._text.decode("utf-8", "replace")
            part.size = len(self._text)

    def feed(self, chunk: bytes) -> None:
        try:
            self._parser.write(chunk)
        except MultipartParseError as exc:
            raise ValueError(f"malformed multipart body: {exc}") from None

    def finish(self) -> list[Part]:
        self._parser.finalize()
        if self._writer is not None:  # the body stopped inside a file
            self._writer.discard()
            raise ValueError("malformed multipart body: it ended inside a file")
        return self.parts

    def discard(self) -> None:
        if self._writer is not None:
            self._writer.discard()


class SseSplitter:
    """An event stream's text, fed as it arrives, cut into frames stamped with when each was complete."""

    def __init__(self) -> None:
        self._buffer = ""
        self._cr = ""  # a chunk's last "\r", held: it may be the first half of a "\r\n" split across chunks
        self.frames: list[Frame] = []

    def feed(self, text: str, t: float) -> None:
        text, self._cr = self._cr + text, ""
        if text.endswith("\r"):  # one line end, not two, if the next chunk starts with "\n" (as httpx-sse)
            text, self._cr = text[:-1], "\r"
        self._buffer += text.replace("\r\n", "\n").replace("\r", "\n")
        while "\n\n" in self._buffer:
            block, self._buffer = self._buffer.split("\n\n", 1)
            self.frames.extend(parse_block(block, t))

    def finish(self, t: float) -> list[Frame]:
        """The frames; a last block cut off without its blank line still counts (the stream ended)."""
        self._buffer += "\n" * bool(self._cr)
        self._cr = ""
        if self._buffer.strip():
            self.frames.extend(parse_block(self._buffer, t))
        self._buffer = ""
        return self.frames


def parse_block(block: str, t: float) -> list[Frame]:
    """One blank-line-separated block (WHATWG SSE): comments become comment frames, fields one frame."""
    frames: list[Frame] = []
    fields: dict[str, str] = {}
    data: list[str] = []
    for line in block.split("\n"):
        if not line:
            continue
        if line.startswith(":"):
            frames.append(Frame(t=t, comment=line[1:].removeprefix(" ")))
            continue
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if name == "data":
            data.append(value)
        elif name in ("event", "id", "retry"):
            fields[name] = value
    if data or fields:
        retry = fields.get("retry")
        frames.append(Frame(t=t, data="\n".join(data) if data else None, event=fields.get("event"),
                            id=fields.get("id"), retry=int(retry) if retry and retry.isdigit() else None))
    return frames
