"""URL uploads: the mock fetches http(s) URLs only, from this machine only, with size and time limits.

The real service fetches any public URL; the mock is offline by design (nothing leaves the machine), so it
fetches from loopback addresses (a test's own file server, another local mock) and refuses the rest
without a connection attempt. ``file://``, ``data:`` and every other scheme are refused without looking at
the path, so no answer tells whether a file exists on the mock's machine.
"""

from __future__ import annotations

import ipaddress
import urllib.parse
from pathlib import Path

import anyio
import httpx

from .envelopes import UNSUPPORTED_FILE_TYPE, ApiFailure
from .uploads import FileSink, ReceivedFile, safe_name, too_large

MAX_URL_CHARS = 2048
MAX_REDIRECTS = 3


def refuse(url: str, why: str) -> ApiFailure:
    shown = url[:100] + ("…" if len(url) > 100 else "")
    return ApiFailure(UNSUPPORTED_FILE_TYPE, f"cannot fetch {shown}: {why}; "
                      "upload the file itself (multipart) or give an http(s) URL the mock can reach")


def _loopback(host: str) -> bool:
    if host.lower() in ("localhost", "localhost."):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_url(url: str) -> urllib.parse.SplitResult:
    """The parsed URL if the mock may fetch it. Pure.

    Raises:
        ApiFailure: 4001 for another scheme, a non-loopback host or an over-long URL.
    """
    if len(url) > MAX_URL_CHARS:
        raise refuse(url, f"the URL is longer than {MAX_URL_CHARS} characters")
    try:
        parts = urllib.parse.urlsplit(url)
        host = parts.hostname or ""
    except ValueError:
        raise refuse(url, "not a valid URL") from None
    if parts.scheme not in ("http", "https"):
        raise refuse(url, "only http(s) URLs are fetched")
    if not _loopback(host):
        raise refuse(url, "the mock does not fetch from the internet (only from this machine)")
    return parts


def url_file_name(parts: urllib.parse.SplitResult) -> str:
    return safe_name(urllib.parse.unquote(parts.path.rsplit("/", 1)[-1]))


async def fetch(url: str, dest: Path, limit: int, seconds: float) -> ReceivedFile:
    """Stream ``url`` into ``dest`` (sniffed, hashed, at most ``limit`` bytes) within ``seconds``.

    Raises:
        ApiFailure: 4001 when the URL is refused or the fetch fails, 4002 past ``limit``.
    """
    parts = check_url(url)
    name = dest.name
    sink = FileSink(name, dest, limit)
    try:
        with anyio.fail_after(seconds):
            async with httpx.AsyncClient(follow_redirects=True, max_redirects=MAX_REDIRECTS,
                                         timeout=seconds, trust_env=False) as http, \
                    http.stream("GET", parts.geturl()) as response:
                for hop in [*response.history, response]:
                    check_url(str(hop.url))  # a redirect must not leave this machine either
                if response.status_code != 200:
                    raise refuse(url, f"it answered HTTP {response.status_code}")
                length = response.headers.get("content-length", "")
                if length.isdigit() and int(length) > limit:
                    raise too_large(name, limit)
                async for chunk in response.aiter_bytes():  # decoded: the limit holds for gzip bombs too
                    sink.write(chunk)
        return sink.finish()
    except TimeoutError:
        sink.discard()
        raise refuse(url, f"no complete answer within {seconds:g} s") from None
    except httpx.HTTPError as exc:
        sink.discard()
        raise refuse(url, f"the fetch failed ({type(exc).__name__})") from None
    except BaseException:
        sink.discard()
        raise
