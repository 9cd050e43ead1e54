"""The API's response envelopes and error codes, and the one place that maps a code to an HTTP status.

Envelope A (most endpoints): ``{"code": 0, "message": "ok", "data": {...}}``; ``code != 0`` is an error.
Envelope B (render endpoints): ``{"success": true, "data": {...}}`` / ``{"success": false, "error": "..."}``
(render_jobs.py shapes the successes, nested or flat).

Our choice where the public sources are silent (specs/SOURCES.md, "Error codes"): the codes 400, 402 and 429
are also the HTTP status, and a file the API will not take says so in HTTP too: 4001 with 415 (unsupported
media type), 4002 with 413 (too large). 1001 is sent with HTTP 401 when the caller's credentials cannot be
identified (no or a malformed ``Authorization``, a token never issued, missing attribution headers; and
always on the download route, where a downloader may read only the status), as S4's gateway answers auth
failures, and with HTTP 200 when a token that was issued has expired or been revoked. 1002 and 2001 are
sent with HTTP 200, the way the documented clients read ``body.code`` first; the same holds for /run_sse
before it starts streaming. Render errors without an envelope code use plain HTTP
statuses (422 bad body or draft, 404 unknown job, 409 duplicate id); never 400, which clients read as
"missing X-Client-Id". Clients are expected to accept a code in the body whatever the HTTP status.
"""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse

OK = 0
BAD_TOKEN = 1001
SESSION_NOT_FOUND = 1002
INSUFFICIENT_CREDITS = 2001
UNSUPPORTED_FILE_TYPE = 4001
FILE_TOO_LARGE = 4002
MISSING_CLIENT_ID = 400
EXPORT_NOT_ALLOWED = 402
RATE_LIMITED = 429
BAD_BODY = 422  # a malformed request body; not an API code (400 means "missing X-Client-Id" there)
UNAUTHORIZED = 401  # the HTTP status of a 1001 for credentials the service cannot identify

# Codes sent with an HTTP status of their own; the others travel with HTTP 200 (1001 picks per case).
_HTTP_STATUS = {MISSING_CLIENT_ID: 400, EXPORT_NOT_ALLOWED: 402, RATE_LIMITED: 429,
                UNSUPPORTED_FILE_TYPE: 415, FILE_TOO_LARGE: 413}
API_CODES = {BAD_TOKEN, SESSION_NOT_FOUND, INSUFFICIENT_CREDITS, UNSUPPORTED_FILE_TYPE, FILE_TOO_LARGE,
             MISSING_CLIENT_ID, EXPORT_NOT_ALLOWED, RATE_LIMITED}


def http_status_for(code: int) -> int:
    """The HTTP status the mock sends with envelope ``code``."""
    return _HTTP_STATUS.get(code, 200)


class ApiFailure(Exception):
    """Raised by handlers to answer with an error; the app turns it into the route's envelope."""

    def __init__(self, code: int, message: str, *, http_status: int | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.http_status = http_status if http_status is not None else http_status_for(code)
        self.headers = headers or {}


def bad_body(message: str) -> ApiFailure:
    """A request body the mock cannot read (HTTP 422, as ADK's validation answers); ``message`` says why."""
    return ApiFailure(BAD_BODY, message, http_status=BAD_BODY)


def ok(data: Any, message: str = "success") -> JSONResponse:
    """Envelope A success."""
    return JSONResponse({"code": OK, "message": message, "data": data})


def error_body(code: int, message: str) -> dict[str, Any]:
    """Envelope A error body (``data`` is null)."""
    return {"code": code, "message": message, "data": None}


def error(failure: ApiFailure) -> JSONResponse:
    """Envelope A error response."""
    return JSONResponse(error_body(failure.code, failure.message), status_code=failure.http_status,
                        headers=failure.headers)


def render_error(failure: ApiFailure) -> JSONResponse:
    """Envelope B error. ``code`` is added only for the API's own codes (1001, 402 …), so a plain HTTP
    failure (422 bad draft, 404, 409 duplicate id) is never mistaken for one of them."""
    body: dict[str, Any] = {"success": False, "error": failure.message}
    if failure.code in API_CODES:
        body["code"] = failure.code
    return JSONResponse(body, status_code=failure.http_status, headers=failure.headers)
