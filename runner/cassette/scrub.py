"""Secrets in exchanges: where they hide, and how a cassette loses them before it is written.

One set of detectors serves both sides: the recorder registers what they find and replaces every
occurrence with a numbered placeholder (``<token-1>``, ``<client-id-1>``, ``<user-id-1>``,
``<capability-1>``, ``<signature-1>``, ``<cookie-1>``), the same value the same placeholder everywhere, so
a replayed conversation still hangs together (the ``outputUrl`` a status answer gives is the URL the
download asks for); ``cassette verify`` runs the same detectors over a written cassette and reports any
value that is not a placeholder.

What counts as a secret, in both directions and in SSE data:

* headers: ``Authorization``, ``X-Client-Id``, cookies, and any header named like a token, key or
  signature;
* JSON fields named like tokens, user ids or client ids (``token``, ``claim_token``, ``user_id`` …);
* token-shaped text anywhere (``nmv_usr_…``, ``clm_…``, JWTs);
* the secret parts of signed and capability URLs: signature-like query parameters (``X-Amz-Signature``,
  ``sig``, ``token`` …) and random-looking path segments (the mock's ``/cdn/<id>/…``), which work like
  passwords since whoever holds the URL gets the file.

Pure: values in, values out.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, quote, urlsplit

from ..capability import unguessable
from .har import Body, Exchange, Frame

PLACEHOLDER = re.compile(r"<[a-z]+(?:-[a-z]+)*-\d+>")
# Shorter values are words ("me", "en"), not secrets; replacing them everywhere would wreck the file.
MIN_SECRET = 6

TOKEN_SHAPES = (
    re.compile(r"\b(?:nmv_usr|nmv|clm|sk|ghp|xox[abp])_[A-Za-z0-9_\-]{8,}"),
    re.compile(r"\beyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}"),  # a JWT
)
_SECRET_HEADERS = {"authorization": "token", "proxy-authorization": "token", "x-client-id": "client-id",
                   "cookie": "cookie", "set-cookie": "cookie"}
_SECRET_HEADER_NAME = re.compile(r"token|secret|api-?key|signature|session|auth", re.IGNORECASE)
_SECRET_KEYS = {
    **dict.fromkeys(("token", "access_token", "refresh_token", "id_token", "claim_token", "api_key",
                     "apikey", "secret", "password", "nemo_token", "authorization"), "token"),
    **dict.fromkeys(("user_id", "userid", "uid", "owner_id", "ownerid", "account_id", "accountid"),
                    "user-id"),
    **dict.fromkeys(("client_id", "clientid", "x-client-id"), "client-id"),
}
_SIGNATURE_PARAMS = frozenset({
    "sig", "signature", "x-amz-signature", "x-amz-credential", "x-amz-security-token", "x-goog-signature",
    "x-goog-credential", "token", "access_token", "key", "api_key", "apikey", "policy", "key-pair-id",
    "auth", "secret", "ct"})
_URL = re.compile(r"https?://[^\s\"'<>]+")
_WORD_NUMBER = re.compile(r"[A-Za-z]+[_\-]\d+")  # render_1733000000000: an id the client chose, not secret


def is_placeholder(value: str) -> bool:
    return PLACEHOLDER.fullmatch(value) is not None


def looks_random(segment: str) -> bool:
    """A URL path segment that works like a password (runner/capability.py, the journal's rule too), but not
    an id a replay must give back as it was: a bare number (a session id) or a word-number one the client
    made up (``render_1733000000000``)."""
    return unguessable(segment) and not segment.isdigit() and not _WORD_NUMBER.fullmatch(segment)


@dataclass(frozen=True)
class Found:
    """A secret value found in an exchange: its kind and where it was (for ``cassette verify``)."""

    kind: str
    value: str
    where: str


# --- detectors ---------------------------------------------------------------------------------------


def in_text(text: str, where: str) -> Iterator[Found]:
    """Token-shaped values and the secret parts of URLs inside free text."""
    for shape in TOKEN_SHAPES:
        for match in shape.finditer(text):
            yield Found("token", match.group(0), where)
    for match in _URL.finditer(text):
        yield from in_url(match.group(0), where)


def in_url(url: str, where: str) -> Iterator[Found]:
    parts = urlsplit(url)
    for segment in parts.path.split("/"):
        if looks_random(segment):
            yield Found("capability", segment, f"{where} (a path segment that works like a password)")
    for name, value in parse_qsl(parts.query, keep_blank_values=False):
        if name.lower() in _SIGNATURE_PARAMS and len(value) >= MIN_SECRET:
            yield Found("signature", value, f"{where} (query parameter {name})")


def in_header(name: str, value: str, where: str) -> Iterator[Found]:
    lower = name.lower()
    kind = _SECRET_HEADERS.get(lower)
    values = [value]
    if lower in ("authorization", "proxy-authorization"):
        scheme, _, credential = value.partition(" ")
        values = [credential.strip() if credential else scheme]
    elif lower == "cookie":  # each cookie's value, so Cookie and Set-Cookie share one placeholder
        values = [c.partition("=")[2] for c in value.split(";")]
    elif lower == "set-cookie":
        values = [value.split(";", 1)[0].partition("=")[2]]
    elif kind is None and _SECRET_HEADER_NAME.search(lower) and not lower.startswith("x-skill-"):
        kind = "secret"
    if kind is None:
        yield from in_text(value, f"{where} header {name}")
        return
    for secret in values:
        if len(secret) >= MIN_SECRET:
            yield Found(kind, secret, f"{where} header {name}")


def in_json(value: Any, where: str, path: str = "$") -> Iterator[Found]:
    if isinstance(value, dict):
        for key, item in value.items():
            child = f"{path}.{key}"
            kind = _SECRET_KEYS.get(str(key).lower())
            if kind is not None and isinstance(item, str | int) and not isinstance(item, bool) \
                    and len(str(item)) >= MIN_SECRET:
                yield Found(kind, str(item), f"{where} {child}")
            else:
                yield from in_json(item, where, child)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from in_json(item, where, f"{path}[{i}]")
    elif isinstance(value, str):
        yield from in_text(value, f"{where} {path}")


def _parse_json(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return None


def in_body(body: Body | None, where: str) -> Iterator[Found]:
    if body is None:
        return
    for part in body.parts or []:
        if part.value is not None:
            yield from in_text(part.value, f"{where} part {part.name!r}")
    if body.text is not None:
        parsed = _parse_json(body.text) if "json" in body.mime else None
        if parsed is not None:
            yield from in_json(parsed, where)
        else:
            yield from in_text(body.text, where)


def in_frames(frames: Iterable[Frame], where: str) -> Iterator[Found]:
    for i, frame in enumerate(frames):
        if frame.comment is not None:
            yield from in_text(frame.comment, f"{where} _sse[{i}].comment")
        if frame.data is not None:
            parsed = _parse_json(frame.data)
            at = f"{where} _sse[{i}].data"
            yield from in_json(parsed, at) if parsed is not None else in_text(frame.data, at)


def in_exchange(ex: Exchange, n: int) -> Iterator[Found]:
    """Every secret-looking value of one exchange, placeholders included (the caller tells them apart)."""
    # The path names the entry for `cassette verify`, which must not print the secret it reports.
    path = "/".join("…" if looks_random(part) else part for part in urlsplit(ex.url).path.split("/"))
    label = f"entry {n} ({ex.method} {path})"
    yield from in_url(ex.url, f"{label}: URL")
    for name, value in ex.request_headers:
        yield from in_header(name, value, f"{label}: request")
    for name, value in ex.response_headers:
        yield from in_header(name, value, f"{label}: response")
    yield from in_body(ex.request_body, f"{label}: request body")
    yield from in_body(ex.response_body, f"{label}: response body")
    yield from in_frames(ex.frames or [], f"{label}: response")


# --- the scrubber ------------------------------------------------------------------------------------


class Scrubber:
    """Finds the secrets of a set of exchanges, then rewrites them with placeholders.

    Two passes over everything (``learn``, then ``scrub``) so a secret is replaced wherever it appears,
    even before the answer that revealed it.
    """

    def __init__(self, known: Iterable[tuple[str, str | None]] = ()) -> None:
        self._names: dict[str, str] = {}
        self._counts: dict[str, int] = {}
        self._pattern: re.Pattern[str] | None = None
        self._forms: dict[str, str] = {}  # raw and percent-encoded secret → placeholder
        for kind, value in known:
            if value:
                self.register(kind, value)

    def register(self, kind: str, value: str) -> None:
        if len(value) < MIN_SECRET or is_placeholder(value) or value in self._names:
            return
        self._counts[kind] = self._counts.get(kind, 0) + 1
        self._names[value] = f"<{kind}-{self._counts[kind]}>"
        self._pattern = None

    @property
    def counts(self) -> dict[str, int]:
        return dict(self._counts)

    def learn(self, exchanges: Iterable[Exchange]) -> None:
        for n, ex in enumerate(exchanges, start=1):
            for found in in_exchange(ex, n):
                self.register(found.kind, found.value)

    def text(self, text: str) -> str:
        """``text`` with every known secret (raw or percent-encoded) replaced by its placeholder."""
        if not self._names:
            return text
        if self._pattern is None:
            self._forms = {**{quote(v, safe=""): p for v, p in self._names.items()}, **self._names}
            self._pattern = re.compile("|".join(re.escape(v) for v in
                                                sorted(self._forms, key=len, reverse=True)))
        return self._pattern.sub(lambda m: self._forms[m.group(0)], text)

    def _json(self, value: Any) -> Any:
        if isinstance(value, dict):
            return {k: self._json(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self._json(v) for v in value]
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, int) and not isinstance(value, bool) and str(value) in self._names:
            return self._names[str(value)]  # a numeric user id becomes a placeholder string
        return value

    def json_text(self, text: str) -> str:
        parsed = _parse_json(text)
        if parsed is None:
            return self.text(text)
        return json.dumps(self._json(parsed), ensure_ascii=False, separators=(",", ":"))

    def _body(self, body: Body | None) -> None:
        if body is None:
            return
        for part in body.parts or []:
            part.value = self.text(part.value) if part.value is not None else None
            part.filename = self.text(part.filename) if part.filename is not None else None
        if body.text is not None:
            body.text = self.json_text(body.text) if "json" in body.mime else self.text(body.text)

    def scrub(self, ex: Exchange) -> None:
        """Rewrite one exchange in place (``learn`` first)."""
        ex.url = self.text(ex.url)
        ex.request_headers = [(k, self.text(v)) for k, v in ex.request_headers]
        ex.response_headers = [(k, self.text(v)) for k, v in ex.response_headers]
        self._body(ex.request_body)
        self._body(ex.response_body)
        for frame in ex.frames or []:
            if frame.data is not None:
                frame.data = self.json_text(frame.data)
            if frame.comment is not None:
                frame.comment = self.text(frame.comment)
