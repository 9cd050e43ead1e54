"""The request log behind ``/__mock/requests``: what each caller sent and got, with every secret replaced.

An entry holds the method, the path (CDN capabilities masked), the query, the headers and the body with
secrets replaced but their shape kept, the HTTP status, the envelope ``code``, the fault that fired, the
test's scope (``X-Mock-Scope``) and a stable caller label: the scope when the request has one, else the
label of the identity that sent it (``caller-1``, ``caller-2`` … in the order the mock issued their tokens).
Tokens, client ids, claim tokens and capability URLs never reach an entry, so the log can be printed,
stored with a test report or compared.

The log keeps the latest ``LOG_LIMIT`` requests of all scopes together. Bodies are read as they stream
past (``BodyTap``): JSON is kept up to the mock's body limit, a multipart upload as its parts' names,
file names and sizes; an entry's body is bounded (``BODY_LIMIT``) by leaving out its largest fields.
"""

from __future__ import annotations

import fnmatch
import json
import math
import re
from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import anyio
import anyio.to_thread
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header

from .bodies import MAX_JSON_BYTES, MAX_JSON_DEPTH, depth
from .envelopes import bad_body

LOG_LIMIT = 10_000
BODY_LIMIT = 16 * 1024  # characters of JSON an entry's body may take
# Bodies bigger than this are parsed, redacted and serialised for the log off the event loop (an 844 KB
# render draft takes ~90 ms: every other connection would wait), as app.py checks big bodies.
INLINE_BODY_BYTES = 16 * 1024
RESPONSE_PEEK = 256 * 1024  # bytes of a JSON answer read for its envelope code
SCOPE_HEADER = "X-Mock-Scope"
MAX_SCOPE_CHARS = 100

SECRET_HEADERS = frozenset({"authorization", "x-client-id", "x-mock-admin-key", "cookie", "set-cookie"})
# Body or query fields whose values are secrets whatever they look like.
SECRET_FIELDS = re.compile(r"token|secret|password|authorization|client_?id|api_?key|admin_?key|^ct$", re.I)
_TOKENS = re.compile(r"\b(nmv_usr_|clm_|adm_)[A-Za-z0-9_\-]+")
_CDN = re.compile(r"/cdn/(renders/)?[^/?#\s\"]+/")


def mask_text(text: str) -> str:
    """``text`` with tokens and the capability part of CDN URLs replaced. Pure."""
    text = _TOKENS.sub(lambda m: f"{m.group(1)}***", text)
    return _CDN.sub(lambda m: f"/cdn/{m.group(1) or ''}***/", text)


def _valid(text: str) -> str:
    """``text`` with lone surrogates (JSON's ``"\\ud800"`` parses to one) as U+FFFD: the log is served
    as UTF-8, which cannot carry them."""
    return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def redact(value: Any, key: str = "") -> Any:
    """A JSON value with every secret replaced and its shape kept, as valid JSON (Unicode without lone
    surrogates, no NaN). Pure."""
    if isinstance(value, Mapping):
        return {_valid(str(k)): redact(v, str(k)) for k, v in value.items()}
    if isinstance(value, list):
        return [redact(v, key) for v in value]
    if isinstance(value, str):
        return "***" if SECRET_FIELDS.search(key) else mask_text(_valid(value))
    if isinstance(value, float) and not math.isfinite(value):  # Python's JSON reads NaN; JSON has none
        return json.dumps(value)
    return value


def bounded(body: Any, limit: int = BODY_LIMIT) -> Any:
    """``body`` as is when its JSON takes at most ``limit`` characters; else an object's biggest fields are
    replaced by ``"<N characters left out>"`` until it fits (the small ones, ids and names, stay
    matchable). Pure."""
    size = len(json.dumps(body, ensure_ascii=False))
    if size <= limit:
        return body
    if not isinstance(body, Mapping):
        return f"<{size:,} characters left out>"
    sizes = {k: len(json.dumps(v, ensure_ascii=False)) for k, v in body.items()}
    out = dict(body)
    for k in sorted(sizes, key=sizes.__getitem__, reverse=True):
        if size <= limit:
            break
        out[k] = f"<{sizes[k]:,} characters left out>"
        size -= sizes[k]
    return out


def mask_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """Headers safe to show: a token keeps its scheme and public ``nmv_usr_`` prefix, so a log shows that
    one was sent, never which; client ids (which fetch a token) and admin keys are masked whole."""
    out = {}
    for name, value in headers.items():
        if name.lower() in SECRET_HEADERS:
            scheme, _, token = value.partition(" ")
            if name.lower() == "authorization" and token:
                value = f"{scheme} {'nmv_usr_' if token.startswith('nmv_usr_') else ''}***"
            else:
                value = "***"
        out[name] = value
    return out


def mask_query(query: str) -> str:
    """The query string with secret-named parameters' values replaced."""
    parts = []
    for pair in query.split("&") if query else []:
        name, eq, value = pair.partition("=")
        parts.append(f"{name}{eq}{'***' if SECRET_FIELDS.search(name) else mask_text(value)}")
    return "&".join(parts)


def scope_name(headers: Mapping[str, str], query_scope: str | None = None) -> str | None:
    """The scope a request names (``X-Mock-Scope``, or ``?scope=`` on admin routes), or ``None``.

    Raises:
        ApiFailure: 422 for a blank, over-long or control-character name.
    """
    name = query_scope if query_scope is not None else headers.get(SCOPE_HEADER.lower())
    if name is None:
        return None
    if not name.strip() or len(name) > MAX_SCOPE_CHARS or any(ord(c) < 32 or ord(c) == 127 for c in name):
        raise bad_body(f"{SCOPE_HEADER} must be 1 to {MAX_SCOPE_CHARS} printable characters")
    return name


class BodyTap:
    """Reads a request body as the app receives it: JSON up to the mock's limit, multipart as its parts."""

    def __init__(self, content_type: str) -> None:
        media, params = parse_options_header(content_type)
        self._json = bytearray()
        self._keep_json = media in (b"application/json", b"") or media.endswith(b"+json")
        self.parts: list[dict[str, Any]] = []
        self._parser: MultipartParser | None = None
        self.size = 0
        if media == b"multipart/form-data" and params.get(b"boundary"):
            self._parser = MultipartParser(params[b"boundary"], self._callbacks())

    def _callbacks(self) -> Any:
        header: dict[str, bytes] = {"field": b"", "value": b""}
        disposition: dict[bytes, bytes] = {}

        def on_header_field(data: bytes, start: int, end: int) -> None:
            header["field"] += data[start:end]

        def on_header_value(data: bytes, start: int, end: int) -> None:
            header["value"] += data[start:end]

        def on_header_end() -> None:
            if header["field"].lower() == b"content-disposition":
                disposition.clear()
                disposition.update(parse_options_header(header["value"])[1])
            header["field"], header["value"] = b"", b""

        def on_headers_finished() -> None:
            part: dict[str, Any] = {"name": disposition.get(b"name", b"").decode("utf-8", "replace")}
            if b"filename" in disposition:
                part["filename"] = disposition[b"filename"].decode("utf-8", "replace")
            part["bytes"] = 0
            self.parts.append(part)

        def on_part_data(data: bytes, start: int, end: int) -> None:
            if self.parts:
                self.parts[-1]["bytes"] += end - start

        return {"on_header_field": on_header_field, "on_header_value": on_header_value,
                "on_header_end": on_header_end, "on_headers_finished": on_headers_finished,
                "on_part_data": on_part_data}

    def feed(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self._keep_json and len(self._json) <= MAX_JSON_BYTES:
            self._json += chunk[: MAX_JSON_BYTES + 1 - len(self._json)]
        if self._parser is not None:
            try:
                self._parser.write(chunk)
            except MultipartParseError:  # the app answers that; the log keeps the parts seen so far
                self._parser = None

    async def shown(self) -> Any:
        """``body()``, computed off the event loop for a body over ``INLINE_BODY_BYTES``."""
        if self.size <= INLINE_BODY_BYTES:
            return self.body()
        with anyio.CancelScope(shield=True):  # a cancelled request's entry still gets its body
            return await anyio.to_thread.run_sync(self.body)

    def body(self) -> Any:
        """What the log shows of the body: redacted JSON, the multipart parts, or ``None``."""
        if self.parts or self._parser is not None:
            grouped: dict[str, list[dict[str, Any]]] = {}
            for part in self.parts:
                grouped.setdefault(part["name"], []).append({k: v for k, v in part.items() if k != "name"})
            return bounded(redact(grouped))
        if not self._json:
            return None
        if len(self._json) > MAX_JSON_BYTES:
            return f"<over {MAX_JSON_BYTES:,} bytes>"
        try:
            parsed = json.loads(self._json.decode("utf-8"))
        except (ValueError, RecursionError):
            return f"<{len(self._json):,} bytes that are not JSON>"
        if depth(parsed) > MAX_JSON_DEPTH:  # the app refuses it (422); redact() recurses, so never reach it
            return f"<nests deeper than {MAX_JSON_DEPTH} levels>"
        return bounded(redact(parsed))


class ResponseTap:
    """Reads a JSON answer's envelope ``code`` as it is sent."""

    def __init__(self) -> None:
        self.json = False
        self._body = bytearray()

    def start(self, headers: Iterable[tuple[bytes, bytes]]) -> None:
        ctype = dict(headers).get(b"content-type", b"")
        self.json = ctype.startswith(b"application/json")

    def feed(self, chunk: bytes) -> None:
        if self.json and len(self._body) < RESPONSE_PEEK:
            self._body += chunk

    def code(self) -> int | None:
        """``code`` of Envelope A, or of Envelope B's failure; ``None`` when the answer has none."""
        if not self.json:
            return None
        try:
            answer = json.loads(self._body)
        except ValueError:
            return None
        code = answer.get("code") if isinstance(answer, dict) else None
        return code if isinstance(code, int) and not isinstance(code, bool) else None


@dataclass
class RequestLog:
    """The latest requests of every scope, oldest first."""

    limit: int = LOG_LIMIT
    entries: deque[dict[str, Any]] = field(default_factory=deque)
    _seq: int = 0

    def start(self, entry: dict[str, Any]) -> dict[str, Any]:
        """Add ``entry`` (completed in place as the request goes on) and give it its sequence number."""
        self._seq += 1
        entry["seq"] = self._seq
        self.entries.append(entry)
        if len(self.entries) > self.limit:
            self.entries.popleft()
        return entry

    def clear(self, scope: str | None = None) -> None:
        """Forget every entry, or those of one scope."""
        if scope is None:
            self.entries.clear()
        else:
            self.entries = deque(e for e in self.entries if e["scope"] != scope)

    def select(self, criteria: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
        """The entries that meet every criterion (see ``matches``), oldest first."""
        return (e for e in list(self.entries) if matches(e, criteria))


# The criteria ``/__mock/requests`` and ``/__mock/requests/find`` take: entry field → how it is compared.
CRITERIA = ("method", "path", "status", "code", "caller", "scope", "fault", "body")


def matches(entry: Mapping[str, Any], criteria: Mapping[str, Any]) -> bool:
    """Whether ``entry`` meets every criterion. Pure.

    ``path`` is a glob (``/api/render/*``); ``status`` an integer or a class (``"4xx"``); ``fault`` a kind
    that fired (``"respond"``); ``body`` a JSON object every field of which the entry's body has (objects
    compared field by field, lists item by item in any order, as WireMock's ``equalToJson`` with extra
    fields ignored); the rest compare equal, ``method`` in any case.
    """
    for name, want in criteria.items():
        if want is None:
            continue
        got = entry.get(name)
        if name == "method":
            ok = str(got).upper() == str(want).upper()
        elif name == "path":
            ok = fnmatch.fnmatchcase(str(got), str(want))
        elif name == "status":
            ok = _status_matches(got, want)
        elif name == "fault":
            ok = str(want) in str(got or "").split(",")
        elif name == "body":
            ok = contains(got, want)
        else:
            ok = got == want or str(got) == str(want)
        if not ok:
            return False
    return True


def _status_matches(got: Any, want: Any) -> bool:
    text = str(want).lower()
    if len(text) == 3 and text.endswith("xx") and text[0].isdigit():
        return isinstance(got, int) and got // 100 == int(text[0])
    return str(got) == text


def contains(got: Any, want: Any) -> bool:
    """Whether ``got`` has everything ``want`` has (see ``matches``). Pure."""
    if isinstance(want, Mapping):
        return isinstance(got, Mapping) and all(k in got and contains(got[k], v) for k, v in want.items())
    if isinstance(want, list):
        return isinstance(got, list) and all(any(contains(g, w) for g in got) for w in want)
    return bool(got == want and type(got) is type(want)) or (
        isinstance(got, int | float) and isinstance(want, int | float) and not isinstance(got, bool)
        and not isinstance(want, bool) and got == want)
