"""Saving a response body to a file atomically: a temp file beside the destination, then a rename."""

from __future__ import annotations

from pathlib import Path

import httpx

from ..confined import replacing
from ..errors import ApiError, TransportError


async def save_response(response: httpx.Response, dest: Path, *, what: str, root: Path | None = None) -> int:
    """Stream ``response``'s body into ``dest`` inside ``root`` (runner/confined.py); returns the byte count.

    ``dest`` appears whole or not at all: on any failure the temp file is removed and an existing
    ``dest`` is left as it was.

    Raises:
        TransportError: the body broke off.
        ApiError: the body was empty.
        OutsideFolder: ``dest``'s folder leads out of ``root`` through a link.
    """
    with replacing(root or dest.parent, dest) as handle:
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
    return size
