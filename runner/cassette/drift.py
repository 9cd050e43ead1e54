"""``motionctl drift``: send a cassette's requests, in order, to a fresh bundled mock (or another server) and
compare the answers' shapes with the recording's (shapes.py).

The requests are the recorded ones, carried over to the other server: its own token and client id, and the
ids it hands out (sessions, uploads' URLs, render outputs) in place of the recording's, learnt from each
answer as it comes (the same field of the recorded and the new answer). Uploads are sent again from their
sidecars. A render's polls are one request here: the other server is polled until the render ends, and all
its answers are compared with all the recorded ones. Answers the service gave in passing (429, 5xx, a
dropped connection) are not sent again. This is the only module of the cassette package that starts the
bundled mock (an import-linter contract keeps it so).
"""

from __future__ import annotations

import contextlib
import json
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit

import httpx

from .._version import __version__
from ..api.config import SKILL_SOURCE
from ..api.models import parse_render_status
from ..errors import TransportError
from . import match, shapes
from .har import Cassette, Exchange, Frame
from .shapes import Difference, Route
from .streams import SseSplitter, is_text

# The bundled mock as the embedded one runs: a fixed seed, credits enough for any cassette (accounting is
# not what drift compares). Renders last at least a 20th of their clip, so polls see them pending and
# processing as a service's are seen, not already completed at the first poll.
MOCK_SEED = 0
MOCK_CREDITS = 10_000_000
MOCK_RENDER_SPEED = 20.0
POLL_EVERY = 0.05
RENDER_TIMEOUT = 300.0
TOKEN_ROUTE = "POST /api/auth/anonymous-token"
SUBMIT_ROUTE = "POST /api/render/proxy/lambda"
STATUS_ROUTE = "GET /api/render/proxy/lambda/{id}"
# Fields whose values are the server's own ids: the recorded value stands for the new one from then on.
_ID_FIELDS = frozenset({"session_id", "sessionId", "task_id", "taskId", "user_id", "userId", "token",
                        "claim_token", "cdn_url", "url", "outputUrl", "output_url", "filename"})


@dataclass(frozen=True)
class Target:
    url: str
    description: str
    token: str | None = None  # a token of its own (NEMO_TOKEN for --against); else an anonymous one


@contextmanager
def bundled_mock(sse_dialect: str = "adk", render_shape: str = "nested") -> Iterator[Target]:
    """A fresh bundled mock on 127.0.0.1 for the length of the block."""
    from ...mock_server import MockConfig, serve_in_thread

    config = MockConfig(seed=MOCK_SEED, initial_credits=MOCK_CREDITS, render_speed=MOCK_RENDER_SPEED,
                        sse_dialect=sse_dialect, render_shape=render_shape)  # type: ignore[arg-type]
    with serve_in_thread(config) as mock:
        yield Target(mock.url, f"the bundled mock (seed {MOCK_SEED}, SSE dialect {sse_dialect}, render shape "
                               f"{render_shape})")


@dataclass
class _Answer:
    status: int
    media: str
    body: Any = None  # parsed JSON, when it is
    frames: list[Frame] | None = None


def _json(text: str | None) -> Any:
    try:
        return json.loads(text) if text else None
    except ValueError:
        return None


class _Sender:
    """Carries recorded requests over to the target: its URL, token, client id and ids."""

    def __init__(self, cassette: Cassette, target: Target) -> None:
        self.cassette = cassette
        self.target = target
        self.token = target.token
        self.client_id = str(uuid.uuid4())
        self.ids: dict[str, str] = {}  # the recording's value → the target's
        self.http = httpx.Client(timeout=httpx.Timeout(60.0, read=180.0))
        base = urlsplit(cassette.info.base_url)
        self._origin = (base.scheme, base.netloc)

    def close(self) -> None:
        self.http.close()

    def learn(self, recorded: Any, theirs: Any) -> None:
        """Pair up the ids of a recorded answer and the target's answer to the same request."""
        if isinstance(recorded, dict) and isinstance(theirs, dict):
            for key, value in recorded.items():
                other = theirs.get(key)
                if key in _ID_FIELDS and isinstance(value, str) and isinstance(other, str) and value != other:
                    self.ids[value] = other
                self.learn(value, other)
        elif isinstance(recorded, list) and isinstance(theirs, list):
            for value, other in zip(recorded, theirs, strict=False):
                self.learn(value, other)

    def _carry(self, value: Any) -> Any:
        if isinstance(value, dict):
            return {k: self._carry(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self._carry(v) for v in value]
        return self.ids.get(value, value) if isinstance(value, str) else value

    def url(self, recorded: str) -> str | None:
        if recorded in self.ids:  # a URL the recording was given (an upload's, a render's output)
            return self.ids[recorded]
        parts = urlsplit(recorded)
        if (parts.scheme, parts.netloc) != self._origin:
            return None  # another host (a CDN) whose URL no answer gave us: never guess, never leave
        segments = [unquote(s) for s in parts.path.split("/")]
        path = "/".join(quote(self.ids.get(s, s), safe="") for s in segments)
        pairs = parse_qsl(parts.query, keep_blank_values=True)
        query = urlencode([(k, self.ids.get(v, v)) for k, v in pairs])
        return self.target.url.rstrip("/") + path + (f"?{query}" if query else "")

    def _headers(self, ex: Exchange) -> dict[str, str]:
        headers = {k: v for k, v in ex.request_headers if k.lower().startswith("x-skill-")}
        headers.setdefault("X-Skill-Source", SKILL_SOURCE)
        headers.setdefault("X-Skill-Version", __version__)
        headers.setdefault("X-Skill-Platform", "unknown")
        if ex.header("x-client-id", response=False) is not None:
            headers["X-Client-Id"] = self.client_id
        if ex.header("accept", response=False):
            headers["Accept"] = str(ex.header("accept", response=False))
        if ex.header("authorization", response=False) is not None:
            headers["Authorization"] = f"Bearer {self._token()}"
        return headers

    def _token(self) -> str:
        if self.token is None:
            answer = self.http.post(f"{self.target.url}/api/auth/anonymous-token",
                                    headers={"X-Client-Id": self.client_id, "X-Skill-Source": SKILL_SOURCE,
                                             "X-Skill-Version": __version__, "X-Skill-Platform": "unknown"})
            data = _json(answer.text)
            token = data.get("data", {}).get("token") if isinstance(data, dict) else None
            if not isinstance(token, str):
                raise httpx.HTTPError(f"no anonymous token from {self.target.url} "
                                      f"(HTTP {answer.status_code})")
            self.token = token
        return self.token

    def send(self, ex: Exchange) -> _Answer | None:
        url = self.url(ex.url)
        if url is None:
            return None
        kwargs: dict[str, Any] = {"headers": self._headers(ex)}
        body = ex.request_body
        with contextlib.ExitStack() as files:
            if body is not None and body.parts is not None:  # uploads again, streamed from their sidecars
                kwargs["files"] = [
                    (p.name, (p.filename, files.enter_context(self.cassette.sidecar(p.file).open("rb")),
                              p.content_type)) for p in body.parts if p.file]
                kwargs["data"] = {p.name: p.value for p in body.parts if not p.file and p.value is not None}
            elif body is not None and body.text:
                parsed = _json(body.text)
                kwargs["content"] = json.dumps(self._carry(parsed)) if parsed is not None else body.text
                kwargs["headers"]["Content-Type"] = body.mime
            return self._answer(ex.method, url, kwargs)

    def _answer(self, method: str, url: str, kwargs: dict[str, Any]) -> _Answer:
        with self.http.stream(method, url, **kwargs) as response:
            media = response.headers.get("content-type", "").split(";")[0].strip().lower()
            if media == "text/event-stream":
                splitter, t0 = SseSplitter(), time.monotonic()
                for text in response.iter_text():
                    splitter.feed(text, (time.monotonic() - t0) * 1000)
                frames = splitter.finish((time.monotonic() - t0) * 1000)
                return _Answer(response.status_code, media, frames=frames)
            if is_text(media):
                return _Answer(response.status_code, media, _json(response.read().decode("utf-8", "replace")))
            for _ in response.iter_bytes():  # a clip: its status and type are what is compared
                pass
            return _Answer(response.status_code, media)

    def poll(self, ex: Exchange) -> list[_Answer]:
        """The target's answers to a render's status, polled until the render ends."""
        answers: list[_Answer] = []
        deadline = time.monotonic() + RENDER_TIMEOUT
        while True:
            answer = self.send(ex)
            if answer is None:
                return answers
            answers.append(answer)
            done = isinstance(answer.body, dict) and parse_render_status(answer.body, fallback_id="").done
            if done or answer.status >= 400 or time.monotonic() > deadline:
                return answers
            time.sleep(POLL_EVERY)


@dataclass
class DriftReport:
    """What ``drift`` found: every difference, and which requests it replayed and which it did not."""

    cassette: Cassette
    against: str
    replayed: int = 0
    skipped: list[str] = field(default_factory=list)
    differences: list[Difference] = field(default_factory=list)

    def count(self, severity: str) -> int:
        return sum(1 for d in self.differences if d.severity == severity)

    @property
    def ok(self) -> bool:
        return self.count("error") == 0

    def as_json(self) -> dict[str, Any]:
        """For tools: ``schema_version`` 1; fields are only added within a version."""
        info = self.cassette.info
        return {"schema_version": 1, "cassette": str(self.cassette.path),
                "recorded": {"at": info.recorded_at.isoformat(), "backend": info.backend,
                             "base_url": info.base_url, "motionctl_version": info.motionctl_version},
                "against": self.against, "result": "pass" if self.ok else "fail",
                "counts": {s: self.count(s) for s in shapes.SEVERITIES},
                "replayed": self.replayed, "skipped": self.skipped,
                "differences": [d.as_json() for d in self.differences]}

    def text(self) -> str:
        """For people: a review comment, one paragraph per route, errors first."""
        info = self.cassette.info
        counts = ", ".join(f"{self.count(s)} {s}{'s' if s != 'info' and self.count(s) != 1 else ''}"
                           for s in shapes.SEVERITIES)
        lines = [f"Drift of {self.cassette.path} against {self.against}",
                 f"Recorded {info.recorded_at:%Y-%m-%d %H:%M} UTC from {info.backend} at {info.base_url} "
                 f"(motionctl {info.motionctl_version}). Replayed {self.replayed} requests: {counts}."]
        routes: dict[str, list[Difference]] = {}
        for d in self.differences:
            routes.setdefault(d.request, []).append(d)
        for route, found in routes.items():
            lines += ["", route]
            for d in found:
                seen = ", ".join(map(str, d.entries[:8])) + ("…" if len(d.entries) > 8 else "")
                lines.append(f"  {d.severity} [{d.check}] {d.path}" + (f" (entries {seen})" if seen else ""))
                lines.append(f"    {d.message}")
        if self.skipped:
            lines += ["", "Not replayed:", *(f"  {s}" for s in self.skipped)]
        errors = self.count("error")
        verdict = "No error-level differences: the other server answers in the recording's shapes."
        if errors:
            verdict = (f"{errors} error-level difference{'s' if errors != 1 else ''}: the other server does "
                       "not answer in the recording's shapes; each names the route and field to change in "
                       "the mock (or, if the service changed, re-record and update the client).")
        lines += ["", verdict]
        return "\n".join(lines)


def _merge(found: list[Difference]) -> list[Difference]:
    """One difference per (check, route, path, recorded, other), with every entry it was seen in."""
    merged: dict[tuple[str, str, str, str, str], Difference] = {}
    for d in found:
        key = (d.check, d.request, d.path, repr(d.recorded), repr(d.mock))
        if key in merged:
            first = merged[key]
            merged[key] = Difference(first.check, first.severity, first.request, first.path, first.recorded,
                                     first.mock, first.message, first.entries + d.entries)
        else:
            merged[key] = d
    order = {s: i for i, s in enumerate(shapes.SEVERITIES)}
    return sorted(merged.values(), key=lambda d: (order[d.severity], d.request, d.check, d.path))


def _transient(ex: Exchange) -> str | None:
    if ex.status == 0:
        return f"no answer was recorded ({ex.error})"
    if ex.status == 429 or ex.status >= 500:
        return f"HTTP {ex.status} is the service's answer in passing, not its shape"
    return None


class _Comparison:
    """Both sides' answers as they come in, route by route and render by render."""

    def __init__(self, cassette: Cassette, target: Target) -> None:
        self.report = DriftReport(cassette, target.description)
        self.sender = _Sender(cassette, target)
        self.recorded: dict[str, Route] = {}
        self.theirs: dict[str, Route] = {}
        self.renders: dict[str, tuple[list[str | None], list[str | None]]] = {}
        self.found: list[Difference] = []
        self.polled: dict[str, Any] = {}  # render id → the other server's last answer to its polls

    def exchange(self, n: int, ex: Exchange) -> None:
        route = match.ask_of(ex).template
        if (why := _transient(ex)) is not None:
            self.report.skipped.append(f"entry {n} ({route}): {why}")
            return
        body = _json(ex.response_body.text) if ex.response_body and ex.response_body.text else None
        _observe(self.recorded.setdefault(route, Route()), n, body, ex.frames)
        render = _render_id(route, ex)
        if render is not None:
            self.renders.setdefault(render, ([], []))[0].append(shapes.render_status(body))
        if route == STATUS_ROUTE and render in self.polled:
            self._learn(route, body, self.polled[render])  # sent as one: the later answers hold the output
            return
        answers = self.sender.poll(ex) if route == STATUS_ROUTE else [a for a in [self.sender.send(ex)] if a]
        if not answers:
            self.report.skipped.append(f"entry {n} ({route}): its URL is on another host that no answer of "
                                       "the other server gave")
            return
        if route == STATUS_ROUTE and render is not None:
            self.polled[render] = answers[-1].body
        self.report.replayed += 1
        for answer in answers:
            _observe(self.theirs.setdefault(route, Route()), n, answer.body, answer.frames)
            if render is not None:
                self.renders[render][1].append(shapes.render_status(answer.body))
        first, last = answers[0], answers[-1].body
        self.found += shapes.compare_exchange(route, n, (ex.status, ex.media_type, body),
                                              (first.status, first.media, first.body))
        self._learn(route, body, last)

    def _learn(self, route: str, body: Any, last: Any) -> None:
        sender = self.sender
        sender.learn(body, last)
        if not (isinstance(body, dict) and isinstance(last, dict)):
            return
        if route == STATUS_ROUTE:  # the output URL, whichever shape either side answers in
            ours = parse_render_status(body, fallback_id="").output_url
            new = parse_render_status(last, fallback_id="").output_url
            if ours and new:
                sender.ids[ours] = new
        if route == TOKEN_ROUTE and sender.token is None:
            token = (last.get("data") or {}).get("token")
            sender.token = token if isinstance(token, str) else None

    def finish(self) -> DriftReport:
        found = list(self.found)
        for route, mine in self.recorded.items():
            found += shapes.compare_routes(route, mine, self.theirs.get(route, Route()))
        for statuses, others in self.renders.values():
            found += shapes.compare_renders(STATUS_ROUTE, shapes.collapse(statuses), shapes.collapse(others))
        self.report.differences = _merge(found)
        return self.report


def _observe(route: Route, entry: int, body: Any, frames: list[Frame] | None) -> None:
    if frames is not None:
        route.add_frames(frames, entry)
    elif body is not None:
        route.add_body(body, entry)


def drift(cassette: Cassette, target: Target) -> DriftReport:
    """Replay ``cassette``'s requests against ``target`` and compare shapes (see the module docstring).

    Raises:
        TransportError: the other server could not be reached, or stopped answering.
    """
    comparison = _Comparison(cassette, target)
    try:
        for n, ex in enumerate(cassette.exchanges, start=1):
            comparison.exchange(n, ex)
    except httpx.HTTPError as exc:
        raise TransportError(f"{target.description}: {type(exc).__name__}: {exc}",
                             hint="check that the server answers (--against URL), then run again") from exc
    finally:
        comparison.sender.close()
    return comparison.finish()


def _render_id(route: str, ex: Exchange) -> str | None:
    """The render a submit or a status request is about."""
    if route == STATUS_ROUTE:
        return urlsplit(ex.url).path.rsplit("/", 1)[-1]
    if route == SUBMIT_ROUTE and ex.request_body is not None:
        body = _json(ex.request_body.text)
        return str(body.get("id")) if isinstance(body, dict) and body.get("id") else None
    return None
