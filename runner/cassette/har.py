"""Cassettes as HAR 1.2 files: the typed exchanges motionctl works with, and their HAR form on disk.

A cassette is one HAR file (UTF-8 JSON, ``log.entries[]``, one entry per HTTP exchange, in the order the
requests were sent) and a folder of sidecar files beside it, ``<name>.bodies/``, holding the binary bodies
(the MP4s, the uploaded images) named by their sha256. What HAR has no slot for goes in ``_``-prefixed
fields, which other HAR readers ignore (HAR 1.2, "Custom fields"):

* ``log._motionctl``: when, against which base URL and backend, with which motionctl version, recipe and
  recipe hash the cassette was recorded, and whether the run used a token of its own;
* ``entry._subject``: the job the exchange belongs to (concurrent jobs interleave in ``entries``);
* ``entry._sse``: a /run_sse answer as its events, in order, each with ``t`` (ms since the request was
  sent); ``response.content.text`` keeps the raw stream as received;
* ``content._file``/``_sha256`` and ``postData.params[]._file``/``_sha256``/``_size``: a body in a sidecar;
* ``entry._error``: the transport error of an exchange that got no answer (``response.status`` 0).

JSON bodies stay inline in ``content.text``/``postData.text``, as they were sent, so a cassette reads (and
diffs) in a pull request. Pure but for ``load`` and ``save``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from ..confined import write_text
from ..errors import CassetteError

FORMAT = 1
BODIES_SUFFIX = ".bodies"
# Headers about the wire, not the body: recorded bodies are decoded, so these would lie on replay.
WIRE_HEADERS = frozenset({"content-encoding", "content-length", "transfer-encoding", "connection",
                          "keep-alive"})
Headers = list[tuple[str, str]]


@dataclass
class Part:
    """One part of a multipart request: a text field (``value``) or a file kept in a sidecar."""

    name: str
    filename: str | None = None
    content_type: str | None = None
    value: str | None = None
    sha256: str | None = None
    size: int = 0
    file: str | None = None  # the sidecar, relative to the cassette's folder


@dataclass
class Frame:
    """One Server-Sent Event frame: ``data`` (with ``event``/``id``/``retry``) or a ``comment``."""

    t: float  # milliseconds since the request was sent
    data: str | None = None
    event: str | None = None
    id: str | None = None
    retry: int | None = None
    comment: str | None = None

    def to_bytes(self) -> bytes:
        """The frame on the wire (WHATWG SSE): one field a line, then a blank line."""
        lines = [] if self.comment is None else [f": {self.comment}"]
        lines += [f"{k}: {v}" for k, v in (("event", self.event), ("id", self.id), ("retry", self.retry))
                  if v is not None]
        lines += [f"data: {line}" for line in self.data.split("\n")] if self.data is not None else []
        return ("\n".join(lines) + "\n\n").encode()


@dataclass
class Body:
    """A request or response body: inline ``text``, multipart ``parts``, or a sidecar ``file``."""

    mime: str
    text: str | None = None
    parts: list[Part] | None = None
    file: str | None = None
    sha256: str | None = None
    size: int = 0


@dataclass
class Exchange:
    """One request and its answer. ``status`` 0 means no answer came (``error`` says why)."""

    method: str
    url: str
    request_headers: Headers = field(default_factory=list)
    request_body: Body | None = None
    status: int = 0
    status_text: str = ""
    response_headers: Headers = field(default_factory=list)
    response_body: Body | None = None
    frames: list[Frame] | None = None  # a text/event-stream answer, event by event
    started: str = ""  # ISO 8601
    time_ms: float = 0.0
    wait_ms: float = 0.0  # until the response headers
    subject: str = ""  # the job (``api.waits.current_subject``); "" for the run's own calls
    error: str | None = None

    def header(self, name: str, *, response: bool = True) -> str | None:
        wanted = name.lower()
        headers = self.response_headers if response else self.request_headers
        return next((v for k, v in headers if k.lower() == wanted), None)

    @property
    def media_type(self) -> str:
        """The answer's media type without parameters (``application/json``), "" when none."""
        return (self.header("content-type") or "").split(";")[0].strip().lower()


@dataclass
class CassetteInfo:
    """``log._motionctl``: what a cassette is a recording of."""

    recorded_at: datetime
    base_url: str
    backend: str  # "live", "mock" (a server at --base-url) or "embedded mock"
    motionctl_version: str
    identity: str = "anonymous"  # "token": the run had a token of its own (NEMO_TOKEN) and fetched none
    recipe: str | None = None
    recipe_hash: str | None = None
    preview: bool | None = None
    scrubbed: dict[str, int] = field(default_factory=dict)  # placeholders written, by kind

    def as_json(self) -> dict[str, Any]:
        return {"format": FORMAT, "recorded_at": self.recorded_at.isoformat(timespec="seconds"),
                "base_url": self.base_url, "backend": self.backend,
                "motionctl_version": self.motionctl_version, "identity": self.identity,
                "recipe": self.recipe, "recipe_hash": self.recipe_hash, "preview": self.preview,
                "scrubbed": self.scrubbed}


@dataclass
class Cassette:
    path: Path
    info: CassetteInfo
    exchanges: list[Exchange]

    def sidecar(self, relative: str) -> Path:
        return self.path.parent / relative

    def footprint(self) -> tuple[int, int]:
        """(bytes on disk of the HAR file and its sidecars, number of sidecar files)."""
        files = self.sidecars()
        return self.path.stat().st_size + sum(self.sidecar(f).stat().st_size for f in files), len(files)

    def sidecars(self) -> list[str]:
        """Every sidecar the cassette names, once, in order of first use."""
        names: dict[str, None] = {}
        for ex in self.exchanges:
            for body in (ex.request_body, ex.response_body):
                if body is not None and body.file:
                    names[body.file] = None
                for part in (body.parts or []) if body is not None else []:
                    if part.file:
                        names[part.file] = None
        return list(names)


def bodies_dir(path: Path) -> Path:
    """The sidecar folder of the cassette at ``path``: ``cassettes/campaign.har`` → ``campaign.bodies/``."""
    return path.with_name(path.stem + BODIES_SUFFIX)


# --- to HAR ------------------------------------------------------------------------------------------


def _pairs(headers: Headers) -> list[dict[str, str]]:
    return [{"name": k, "value": v} for k, v in headers]


def _query(url: str) -> list[dict[str, str]]:
    return [{"name": k, "value": v} for k, v in parse_qsl(urlsplit(url).query, keep_blank_values=True)]


def _post_data(body: Body) -> dict[str, Any]:
    if body.parts is not None:
        params = []
        for part in body.parts:
            param: dict[str, Any] = {"name": part.name}
            if part.filename is not None:
                param["fileName"] = part.filename
            if part.content_type is not None:
                param["contentType"] = part.content_type
            if part.value is not None:
                param["value"] = part.value
            if part.file is not None:
                param |= {"_file": part.file, "_sha256": part.sha256, "_size": part.size}
            params.append(param)
        return {"mimeType": body.mime, "params": params}
    data: dict[str, Any] = {"mimeType": body.mime, "text": body.text or ""}
    if body.file is not None:
        data |= {"_file": body.file, "_sha256": body.sha256, "_size": body.size}
    return data


def _content(body: Body | None) -> dict[str, Any]:
    if body is None:
        return {"size": 0, "mimeType": ""}
    content: dict[str, Any] = {"size": body.size, "mimeType": body.mime}
    if body.text is not None:
        content["text"] = body.text
    if body.file is not None:
        content |= {"comment": "the body is in the sidecar file _file", "_file": body.file,
                    "_sha256": body.sha256}
    return content


def _frame_json(frame: Frame) -> dict[str, Any]:
    out: dict[str, Any] = {"t": round(frame.t, 1)}
    for key in ("event", "id", "retry", "comment", "data"):
        value = getattr(frame, key)
        if value is not None:
            out[key] = value
    return out


def entry_json(ex: Exchange) -> dict[str, Any]:
    """One exchange as a HAR 1.2 entry (with motionctl's ``_`` fields)."""
    request: dict[str, Any] = {
        "method": ex.method, "url": ex.url, "httpVersion": "HTTP/1.1", "cookies": [],
        "headers": _pairs(ex.request_headers), "queryString": _query(ex.url),
        "headersSize": -1, "bodySize": ex.request_body.size if ex.request_body else 0,
    }
    if ex.request_body is not None:
        request["postData"] = _post_data(ex.request_body)
    location = next((v for k, v in ex.response_headers if k.lower() == "location"), "")
    response = {
        "status": ex.status, "statusText": ex.status_text, "httpVersion": "HTTP/1.1", "cookies": [],
        "headers": _pairs(ex.response_headers), "content": _content(ex.response_body),
        "redirectURL": location, "headersSize": -1,
        "bodySize": ex.response_body.size if ex.response_body else -1,
    }
    entry: dict[str, Any] = {
        "startedDateTime": ex.started, "time": round(ex.time_ms, 1), "request": request, "response": response,
        "cache": {},
        "timings": {"send": 0, "wait": round(ex.wait_ms, 1),
                    "receive": round(max(0.0, ex.time_ms - ex.wait_ms), 1)},
        "_subject": ex.subject,
    }
    if ex.frames is not None:
        entry["_sse"] = [_frame_json(f) for f in ex.frames]
    if ex.error is not None:
        entry["_error"] = ex.error
    return entry


def to_har(cassette: Cassette, version: str) -> dict[str, Any]:
    return {"log": {
        "version": "1.2",
        "creator": {"name": "motionctl", "version": version},
        "comment": "Recorded by `motionctl run --record`. Fields starting with _ are motionctl's (HAR "
                   "readers ignore them); secrets are replaced by <kind-N> placeholders; binary bodies are "
                   f"in the sidecar folder {bodies_dir(cassette.path).name}/.",
        "_motionctl": cassette.info.as_json(),
        "entries": [entry_json(ex) for ex in cassette.exchanges],
    }}


def save(cassette: Cassette, version: str) -> None:
    """Write the HAR file atomically, never through a link (runner/confined.py)."""
    text = json.dumps(to_har(cassette, version), indent=1, ensure_ascii=False) + "\n"
    cassette.path.parent.mkdir(parents=True, exist_ok=True)
    write_text(cassette.path, text)


# --- from HAR ----------------------------------------------------------------------------------------


class _Reader:
    """Reads one HAR document into exchanges; every problem names the file and the entry."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, message: str, hint: str | None = None) -> CassetteError:
        return CassetteError(f"{self.path}: {message}",
                             hint=hint or "record it again with `motionctl run RECIPE --record FILE`")

    def cassette(self, doc: object) -> Cassette:
        log = doc.get("log") if isinstance(doc, dict) else None
        if not isinstance(log, dict) or not isinstance(log.get("entries"), list):
            raise self.fail("not a HAR file (no log.entries)")
        meta = log.get("_motionctl")
        if not isinstance(meta, dict):
            raise self.fail("not a motionctl cassette (no log._motionctl)")
        if meta.get("format") != FORMAT:
            raise self.fail(f"cassette format {meta.get('format')!r}; this motionctl reads format {FORMAT}")
        info = self.info(meta)
        exchanges = [self.exchange(i, e) for i, e in enumerate(log["entries"], start=1)]
        return Cassette(self.path, info, exchanges)

    def info(self, meta: dict[str, Any]) -> CassetteInfo:
        try:
            recorded = datetime.fromisoformat(str(meta["recorded_at"]))
            base_url = str(meta["base_url"])
        except (KeyError, ValueError) as exc:
            raise self.fail(f"log._motionctl lacks a valid {exc}") from None
        if recorded.tzinfo is None:
            recorded = recorded.replace(tzinfo=UTC)
        scrubbed = meta.get("scrubbed")
        return CassetteInfo(
            recorded_at=recorded, base_url=base_url, backend=str(meta.get("backend") or "live"),
            motionctl_version=str(meta.get("motionctl_version") or "?"),
            identity=str(meta.get("identity") or "anonymous"),
            recipe=meta.get("recipe"), recipe_hash=meta.get("recipe_hash"), preview=meta.get("preview"),
            scrubbed=dict(scrubbed) if isinstance(scrubbed, dict) else {})

    def exchange(self, n: int, entry: object) -> Exchange:
        if not isinstance(entry, dict) or not isinstance(entry.get("request"), dict) \
                or not isinstance(entry.get("response"), dict):
            raise self.fail(f"entry {n} is not a HAR entry (request and response objects)")
        request, response = entry["request"], entry["response"]
        try:
            ex = Exchange(
                method=str(request["method"]).upper(), url=str(request["url"]),
                request_headers=_headers(request.get("headers")), request_body=self.post_data(n, request),
                status=int(response.get("status", 0)), status_text=str(response.get("statusText", "")),
                response_headers=_headers(response.get("headers")),
                response_body=self.content(n, response.get("content")),
                started=str(entry.get("startedDateTime", "")), time_ms=float(entry.get("time", 0) or 0),
                wait_ms=float((entry.get("timings") or {}).get("wait", 0) or 0),
                subject=str(entry.get("_subject") or ""), error=entry.get("_error"))
        except (KeyError, TypeError, ValueError) as exc:
            raise self.fail(f"entry {n} is malformed ({type(exc).__name__}: {exc})") from None
        frames = entry.get("_sse")
        if frames is not None:
            if not isinstance(frames, list) or not all(isinstance(f, dict) for f in frames):
                raise self.fail(f"entry {n}: _sse must be a list of events")
            ex.frames = [Frame(t=float(f.get("t", 0) or 0), data=f.get("data"), event=f.get("event"),
                               id=f.get("id"), retry=f.get("retry"), comment=f.get("comment"))
                         for f in frames]
        return ex

    def post_data(self, n: int, request: dict[str, Any]) -> Body | None:
        data = request.get("postData")
        if not isinstance(data, dict):
            return None
        size = int(request.get("bodySize", 0) or 0)
        if isinstance(data.get("params"), list):
            parts = [Part(name=str(p.get("name", "")), filename=p.get("fileName"),
                          content_type=p.get("contentType"), value=p.get("value"), sha256=p.get("_sha256"),
                          size=int(p.get("_size", 0) or 0), file=self.sidecar(n, p.get("_file")))
                     for p in data["params"] if isinstance(p, dict)]
            return Body(mime=str(data.get("mimeType", "")), parts=parts, size=size)
        return Body(mime=str(data.get("mimeType", "")), text=data.get("text"),
                    file=self.sidecar(n, data.get("_file")), sha256=data.get("_sha256"), size=size)

    def content(self, n: int, content: object) -> Body | None:
        if not isinstance(content, dict) or ("text" not in content and "_file" not in content):
            return None
        if content.get("encoding"):
            raise self.fail(f"entry {n}: encoded content ({content['encoding']}) is not supported; motionctl "
                            "keeps binary bodies in sidecar files")
        return Body(mime=str(content.get("mimeType", "")), text=content.get("text"),
                    file=self.sidecar(n, content.get("_file")), sha256=content.get("_sha256"),
                    size=int(content.get("size", 0) or 0))

    def sidecar(self, n: int, name: object) -> str | None:
        if name is None:
            return None
        relative = Path(str(name))
        if relative.is_absolute() or ".." in relative.parts:
            raise self.fail(f"entry {n}: sidecar {name!r} lies outside the cassette's folder")
        if not (self.path.parent / relative).is_file():
            raise self.fail(f"entry {n}: its sidecar file {name} is missing",
                            hint="commit the cassette's .bodies/ folder with it, or record it again")
        return relative.as_posix()


def _headers(value: object) -> Headers:
    if not isinstance(value, list):
        return []
    return [(str(h["name"]), str(h["value"])) for h in value if isinstance(h, dict) and "name" in h]


def load(path: Path) -> Cassette:
    """Read a cassette written by ``motionctl run --record``.

    Raises:
        CassetteError: the file is missing, not JSON, not HAR, not motionctl's, or a sidecar is missing.
    """
    reader = _Reader(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise reader.fail("no such cassette") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise reader.fail(f"cannot be read ({exc})") from None
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise reader.fail(f"not JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from None
    return reader.cassette(doc)
