"""Turn an API answer into data or the right ``ApiError``, whatever envelope and HTTP status it uses.

Pure: takes the HTTP status, the parsed body and a few facts; returns the error to raise (or ``None``).
The client decides about retries. Every message says what to do and never contains a token.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..errors import (
    ApiError,
    AuthError,
    DuplicateRenderId,
    ExportNotAllowed,
    FileTooLarge,
    InsufficientCredits,
    MissingClientId,
    RateLimited,
    ServerError,
    SessionNotFound,
    UnsupportedFileType,
)
from .advice import damaged_file_hint, is_damaged_media, refused_request_hint

ACCEPTED_TYPES = "mp4, mov, avi, webm, mkv, jpg, png, gif, webp, heic, mp3, wav, m4a, aac"
_DETAIL_LIMIT = 200


def _detail(text: object) -> str:
    """The server's own words, one line and short, for the end of a message."""
    line = " ".join(str(text).split())
    return line[:_DETAIL_LIMIT] + ("…" if len(line) > _DETAIL_LIMIT else "")


def _code_of(status: int, body: object) -> int | None:
    if isinstance(body, Mapping):
        code = body.get("code")
        if isinstance(code, int) and not isinstance(code, bool) and code != 0:
            return code
        if isinstance(code, str) and code.isdigit() and int(code) != 0:
            return int(code)
    # Our documented choice: 400/402/429 arrive as the HTTP status; other codes in the envelope.
    by_status = {400: 400, 402: 402, 429: 429, 401: 1001, 413: 4002, 415: 4001}
    if status in by_status:
        return by_status[status]
    if status == 404 and isinstance(body, Mapping) and "session" in str(body.get("detail", "")).lower():
        return 1002
    return None


# Codes that only some routes can cause: what sends a file (an upload; a render, whose draft names them) or
# exports (a render).
_ROUTES_OF_CODE = {4001: ("/upload", "/render/"), 4002: ("/upload", "/render/"), 402: ("/render/",)}
_CODE_WORDS = {4001: "unsupported file type", 4002: "file too large", 402: "export not allowed on this plan"}


def error_for(
    status: int,
    body: object,
    *,
    endpoint: str,
    user_token: bool,
    retry_after: float | None = None,
) -> ApiError | None:
    """The error an answer carries, or ``None`` if it is a success.

    Args:
        status: the HTTP status.
        body: the parsed JSON body (``None`` if there was none or it was not JSON).
        endpoint: ``"POST /api/…"`` for messages.
        user_token: the token came from ``NEMO_TOKEN`` (changes the 1001 advice).
        retry_after: the ``Retry-After`` seconds, kept on ``RateLimited``.
    """
    code = _code_of(status, body)
    message = body.get("message") if isinstance(body, Mapping) else None
    failure = body.get("error") if isinstance(body, Mapping) and body.get("success") is False else None
    said = _detail(message or failure or "") or None
    suffix = f": {said}" if said else ""
    common: dict[str, Any] = {"http_status": status, "endpoint": endpoint}

    if (failure is not None and "duplicate" in str(failure).lower()) or (
        code is not None and "duplicate" in str(message or "").lower() and "/render/" in endpoint
    ):
        return DuplicateRenderId(f"{endpoint}: render id already used{suffix}",
                                 hint="three fresh render ids were refused as taken: run again", **common)
    if code == 1001:
        hint = ("NEMO_TOKEN is invalid or expired: set a fresh token in NEMO_TOKEN, or unset it to use "
                "an anonymous token" if user_token else
                "a fresh anonymous token was rejected too: check that --base-url / NEMO_BASE_URL is the Nemo "
                "API, or set NEMO_TOKEN")
        return AuthError(f"{endpoint}: the API rejected the token (1001){suffix}", hint=hint, **common)
    if code == 1002:
        return SessionNotFound(f"{endpoint}: session not found (1002){suffix}",
                               hint="check the session id and that it was made with this token and base URL "
                                    "(sessions of an embedded-mock run end with the run)", **common)
    if code == 2001:
        return InsufficientCredits(
            f"{endpoint}: out of credits (2001){suffix}",
            hint="register at https://nemovideo.com (anonymous tokens get 100 credits) or top up; "
                 "finished work is kept and the run can be resumed", **common)
    if code in _ROUTES_OF_CODE and not any(part in endpoint for part in _ROUTES_OF_CODE[code]):
        # A file's type or size, or the plan's export tier, is no cure where no file is sent and nothing is
        # exported (the token route, state, the chat): advice about them sends the user the wrong way.
        return ApiError(f"{endpoint}: the API answered {code} ({_CODE_WORDS[code]}) to a request that cannot "
                        f"cause it{suffix}", code=code,
                        hint="nothing in the recipe or its files can change this answer: the server at "
                             "the base URL does not answer as the Nemo API does; check --base-url or "
                             "NEMO_BASE_URL", **common)
    if code == 4001:
        # 4001 also comes for a file of a good type that will not decode: then its type is not the cure.
        hint = (damaged_file_hint("the file", "converting it to another type") if is_damaged_media(said or "")
                else f"use one of {ACCEPTED_TYPES}")
        return UnsupportedFileType(f"{endpoint}: unsupported file type (4001){suffix}", hint=hint, **common)
    if code == 4002:
        return FileTooLarge(f"{endpoint}: file too large (4002){suffix}",
                            hint="compress or trim it (images up to 50 MiB)", **common)
    if code == 400:
        return MissingClientId(f"{endpoint}: the API wants an X-Client-Id (400){suffix}",
                               hint="a new client id was refused too: check that --base-url / NEMO_BASE_URL "
                                    "is the Nemo API", **common)
    if code == 402:
        return ExportNotAllowed(
            f"{endpoint}: export is blocked on the free plan (402); this is the plan tier, not credits"
            f"{suffix}", hint="upgrade the plan at https://nemovideo.com, or export against the mock",
            **common)
    if code == 429:
        return RateLimited(f"{endpoint}: rate limited (429){suffix}", retry_after=retry_after,
                           hint="the API limits how often it may be called: run again with fewer jobs "
                                "at once (--concurrency)",
                           **common)
    if status >= 500:
        return ServerError(f"{endpoint}: the API failed with HTTP {status}{suffix}",
                           hint="a failure on the API's side, retried with backoff: run again in a few "
                                "minutes (finished work is kept)", **common)
    if code is not None:
        return ApiError(f"{endpoint}: the API answered error {code}{suffix}", code=code,
                        hint="see the Nemo API error codes", **common)
    if failure is not None and 400 <= status < 500:
        return ApiError(f"{endpoint}: the API refused the request (HTTP {status}){suffix}",
                        hint=refused_request_hint(str(failure)), **common)
    if failure is not None:
        return ApiError(f"{endpoint}: the API reported a failure{suffix}",
                        hint="run again; if it fails the same way, change what its message names", **common)
    if status >= 400:
        return ApiError(f"{endpoint}: the API answered HTTP {status}{suffix}",
                        hint="check the base URL and the request", **common)
    return None


def unwrap(body: object, *, endpoint: str) -> dict[str, Any]:
    """The ``data`` of a successful envelope (``{}`` when absent).

    Raises:
        ApiError: the body is not a JSON object.
    """
    if not isinstance(body, Mapping):
        raise ApiError(f"{endpoint}: the API answered something that is not a JSON object",
                       hint="check the base URL (NEMO_BASE_URL)", endpoint=endpoint)
    data = body.get("data")
    return dict(data) if isinstance(data, Mapping) else {}
