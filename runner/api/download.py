"""Saving a response body to a file atomically: a temp file beside the destination, then a rename."""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import httpx

from ..errors import ApiError, TransportError


@contextlib.contextmanager
def _open_new(path: Path) -> Iterator[BinaryIO]:
    # O_EXCL: never write through a file someone else created; 0o666 & umask like any new file.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    with os.fdopen(fd, "wb") as handle:
        yield handle


async def save_response(response: httpx.Response, dest: Path, *, what: str) -> int:
    """Stream ``response``'s body into ``dest``; returns the byte count.

    ``dest`` appears whole or not at all: on any failure the temp file is removed and an existing
    ``dest`` is left as it was.

    Raises:
        TransportError: the body broke off.
        ApiError: the body was empty.
    """
    dest.parent.mkdir(parents=True, exist_ok=True)
    temp = dest.with_name(f".{dest.name}.{uuid.uuid4().hex}.part")
    try:
        with _open_new(temp) as handle:
            try:
                async for chunk in response.aiter_bytes():
                    handle.write(chunk)
            except httpx.TransportError as exc:
                raise TransportError(f"{what}: the download broke off ({type(exc).__name__})",
                                     hint="the connection dropped: run again (the render is done; "
                                     "--resume continues a run)") from exc
            size = handle.tell()
        if size == 0:
            raise ApiError(f"{what}: the download was empty",
                           hint="the output may not be ready yet: run again in a minute "
                           "(--resume continues a run)")
        os.replace(temp, dest)
        return size
    finally:
        temp.unlink(missing_ok=True)
