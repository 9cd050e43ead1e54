"""Which recorded request a request is: the matching rules, made for this API. Pure.

A request is reduced to a *form*, one string that keeps what identifies it and drops what does not:

* the method, the host, the path (percent-decoded) and the query (sorted);
* a JSON body as canonical JSON (keys sorted, no spacing), so key order and whitespace never matter;
* a /run_sse body as its session and the message it sends (``app_name``, ``streaming`` … do not matter);
* a multipart body as its parts: field name, file name, content type and the sha256 of the bytes; the
  boundary, which is random per request, never enters the form;
* headers not at all (tokens, client ids and the user agent change from run to run).

The ids the runner chooses itself, render ids (``render_<ms>``) and the names of the files it uploads, are
matched as ids, not as literals: ``Ids`` keeps which id of this run stands for which id of the recording,
binds a new one the first time a request with it matches, and rewrites every request into the
recording's ids (and every answer back into this run's) from then on.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from .har import Exchange, Part

RENDER_ID = re.compile(r"(?<![\w])render_\d+(?!\d)")
_ID_SEGMENT = re.compile(r"\d{6,}|render_\d+|<[a-z-]+-\d+>|[0-9a-f]{16,}|u[0-9a-f]{16,}")
_QUOTE_LIMIT = 90


@dataclass(frozen=True)
class Ask:
    """A request as matching sees it (``kind``: none, json, chat, multipart or text)."""

    method: str
    host: str
    path: str
    query: tuple[tuple[str, str], ...]
    kind: str
    payload: Any = None

    @property
    def template(self) -> str:
        """``METHOD /path`` with its ids as ``{id}``: what a route is, whatever the session or render."""
        segments = ["{id}" if _ID_SEGMENT.fullmatch(s) else RENDER_ID.sub("{id}", s)
                    for s in self.path.split("/")]
        return f"{self.method} {'/'.join(segments)}"

    def describe(self) -> str:
        """One line for a person: the request and what identifies its body."""
        where = f"{self.method} {self.path}"
        if self.kind == "chat":
            return f"{where} with the message {_quote(self.payload['message'])}"
        if self.kind == "multipart":
            files = [f"{p['filename']} ({p['content_type']}, sha256 {str(p['sha256'])[:12]}…)"
                     for p in self.payload if p.get("filename") is not None]
            return f"{where} uploading {', '.join(files) or 'form fields'}"
        if self.kind == "json":
            return f"{where} with a JSON body"
        return where


def _quote(text: str) -> str:
    text = " ".join(text.split())
    return json.dumps(text if len(text) <= _QUOTE_LIMIT else text[:_QUOTE_LIMIT - 1] + "…",
                      ensure_ascii=False)


def ask(method: str, url: str, mime: str = "", text: str | None = None,
        parts: Iterable[Part] | None = None) -> Ask:
    """The ``Ask`` of a request from its method, URL and body (inline text or multipart parts)."""
    split = urlsplit(url)
    query = tuple(sorted(parse_qsl(split.query, keep_blank_values=True)))
    base = (method.upper(), split.hostname or "", unquote(split.path) or "/", query)
    if parts is not None:
        payload = [{"name": p.name, "filename": p.filename, "content_type": p.content_type,
                    "sha256": p.sha256, "value": p.value} for p in parts]
        return Ask(*base, "multipart", payload)
    if not text:
        return Ask(*base, "none")
    if "json" in mime:
        try:
            value = json.loads(text)
        except ValueError:
            return Ask(*base, "text", text)
        message = _chat(split.path, value)
        if message is not None:
            return Ask(*base, "chat", message)
        return Ask(*base, "json", value)
    return Ask(*base, "text", text)


def ask_of(ex: Exchange) -> Ask:
    """The ``Ask`` of a recorded request."""
    body = ex.request_body
    if body is None:
        return ask(ex.method, ex.url)
    return ask(ex.method, ex.url, body.mime, body.text, body.parts)


def _chat(path: str, value: Any) -> dict[str, str] | None:
    """The session and message of a /run_sse body (either spelling of the keys), else ``None``."""
    if not path.endswith("/run_sse") or not isinstance(value, dict):
        return None
    message = value.get("new_message", value.get("newMessage"))
    parts = message.get("parts") if isinstance(message, dict) else None
    if not isinstance(parts, list):
        return None
    text = "\n".join(str(p["text"]) for p in parts if isinstance(p, dict) and isinstance(p.get("text"), str))
    return {"session_id": str(value.get("session_id", value.get("sessionId", ""))), "message": text}


def found_ids(a: Ask) -> list[tuple[str, str]]:
    """The runner-chosen ids in a request, ``(kind, id)`` in order of first appearance."""
    seen: dict[str, str] = {}
    for text in _strings(a):
        for match in RENDER_ID.finditer(text):
            seen.setdefault(match.group(0), "render")
    if a.kind == "multipart":
        for part in a.payload:
            if part.get("filename"):
                seen.setdefault(str(part["filename"]), "upload")
    return [(kind, value) for value, kind in seen.items()]


def _strings(a: Ask) -> Iterable[str]:
    yield a.path
    for k, v in a.query:
        yield k
        yield v
    yield from _leaves(a.payload)


def _leaves(value: Any) -> Iterable[str]:
    if isinstance(value, dict):
        for item in value.values():
            yield from _leaves(item)
    elif isinstance(value, list):
        for item in value:
            yield from _leaves(item)
    elif isinstance(value, str):
        yield value


Rename = Callable[[str], str]


def _map_strings(value: Any, rename: Rename) -> Any:
    if isinstance(value, dict):
        return {k: _map_strings(v, rename) for k, v in value.items()}
    if isinstance(value, list):
        return [_map_strings(v, rename) for v in value]
    if isinstance(value, str):
        return rename(value)
    return value


def form(a: Ask, rename: Rename = lambda s: s) -> str:
    """The one string that identifies a request (see the module docstring), with ids passed through
    ``rename``."""
    query = "&".join(f"{rename(k)}={rename(v)}" for k, v in a.query)
    head = f"{a.method} {a.host}{rename(a.path)}" + (f"?{query}" if query else "")
    if a.kind == "none":
        return head
    body = json.dumps(_map_strings(a.payload, rename), sort_keys=True, ensure_ascii=False,
                      separators=(",", ":"))
    return f"{head}\n{a.kind}:{body}"


def renamer(mapping: dict[str, str], kinds: dict[str, str]) -> Rename:
    """A ``Rename`` that swaps each id in ``mapping`` for its value: render ids wherever they appear, file
    names where they stand as a whole name (not inside a longer one)."""
    names = [n for n in mapping if kinds.get(n) == "upload"]
    pattern = re.compile("|".join(rf"(?<![\w.\-]){re.escape(n)}(?![\w.\-])"
                                  for n in sorted(names, key=len, reverse=True))) if names else None

    def rename(text: str) -> str:
        text = RENDER_ID.sub(lambda m: mapping.get(m.group(0), m.group(0)), text)
        if pattern is not None:
            text = pattern.sub(lambda m: mapping[m.group(0)], text)
        return text

    return rename


def abstract(a: Ask, ids: list[tuple[str, str]], mapping: dict[str, str] | None = None,
             kinds: dict[str, str] | None = None) -> str:
    """The form with each of ``ids`` replaced by a positional marker (``{render#1}``) and the ids in
    ``mapping`` by their values: two requests with equal abstracts differ only in the marked ids."""
    markers = {value: f"{{{kind}#{i}}}" for i, (kind, value) in enumerate(ids, start=1)}
    return form(a, renamer({**(mapping or {}), **markers}, {**(kinds or {}), **{v: k for k, v in ids}}))


@dataclass
class Ids:
    """This run's runner-chosen ids and the recording's ids they stand for (one job's, both ways)."""

    to_recorded: dict[str, str] = field(default_factory=dict)
    to_replay: dict[str, str] = field(default_factory=dict)
    kinds: dict[str, str] = field(default_factory=dict)

    def bind(self, pairs: Iterable[tuple[str, str, str]]) -> None:
        """Bind ``(kind, this run's id, the recording's id)`` pairs."""
        for kind, mine, recorded in pairs:
            self.to_recorded[mine] = recorded
            self.to_replay[recorded] = mine
            self.kinds[mine] = self.kinds[recorded] = kind

    def free(self, a: Ask) -> list[tuple[str, str]]:
        """The ids in ``a`` not bound yet (a new render, a first upload)."""
        return [(k, v) for k, v in found_ids(a) if v not in self.to_recorded]

    def taken(self, recorded: str) -> bool:
        return recorded in self.to_replay

    def recorded_form(self, a: Ask) -> str:
        """``a``'s form in the recording's ids."""
        return form(a, renamer(self.to_recorded, self.kinds))

    def replay_text(self, text: str) -> str:
        """An answer's text in this run's ids."""
        if not self.to_replay:
            return text
        return renamer(self.to_replay, self.kinds)(text)


# --- a miss: the nearest recording and the rule it broke ---------------------------------------------


def nearest(a: Ask, candidates: list[tuple[int, Ask]]) -> tuple[int, Ask] | None:
    """The recorded request most like ``a``: same method and route first, then the most similar form."""
    if not candidates:
        return None
    mine = form(a)[:4000]

    def score(item: tuple[int, Ask]) -> tuple[bool, bool, bool, float]:
        other = item[1]
        similar = difflib.SequenceMatcher(None, mine, form(other)[:4000]).ratio()
        return (other.method == a.method, other.template == a.template, other.kind == a.kind, similar)

    return max(candidates, key=score)


def broken_rule(a: Ask, other: Ask) -> str:
    """Which rule kept ``other`` (the nearest recording) from matching ``a``, in words."""
    if (a.method, a.template) != (other.method, other.template):
        return f"method and path: nothing was recorded for {a.template}"
    if a.path != other.path or a.host != other.host:
        return f"the path: this run asks for {a.host}{a.path}, the recording for {other.host}{other.path}"
    if a.query != other.query:
        return "the query string differs"
    if a.kind != other.kind:
        return f"the body: {a.kind} here, {other.kind} in the recording"
    if a.kind == "chat":
        if a.payload["message"] != other.payload["message"]:
            return "the chat message differs (a chat is matched by the message it sends)"
        return f"the chat's session: {a.payload['session_id']} here, {other.payload['session_id']} recorded"
    if a.kind == "multipart":
        return _parts_rule(a.payload, other.payload)
    if a.kind == "json":
        at, mine, theirs = _first_difference(a.payload, other.payload)
        return f"the JSON body differs at {at}: {_short(mine)} here, {_short(theirs)} recorded"
    return "the body differs"


def _parts_rule(mine: list[dict[str, Any]], theirs: list[dict[str, Any]]) -> str:
    if len(mine) != len(theirs):
        return f"the multipart parts: {len(mine)} here, {len(theirs)} recorded"
    for i, (p, q) in enumerate(zip(mine, theirs, strict=True), start=1):
        for key, what in (("name", "field name"), ("filename", "file name"),
                          ("content_type", "content type"), ("sha256", "file's content (sha256)"),
                          ("value", "value")):
            if p.get(key) != q.get(key):
                return f"multipart part {i}'s {what} differs: {_short(p.get(key))} here, " \
                       f"{_short(q.get(key))} recorded (parts are matched by content, not boundary)"
    return "the multipart parts differ"


def _first_difference(a: Any, b: Any, path: str = "$") -> tuple[str, Any, Any]:
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b)):
            if key not in a or key not in b:
                return f"{path}.{key}", a.get(key, "(absent)"), b.get(key, "(absent)")
            if a[key] != b[key]:
                return _first_difference(a[key], b[key], f"{path}.{key}")
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            if x != y:
                return _first_difference(x, y, f"{path}[{i}]")
    return path, a, b


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, sort_keys=True) if not isinstance(value, str) else value
    return _quote(text) if isinstance(value, str) else (text if len(text) <= 60 else text[:59] + "…")
