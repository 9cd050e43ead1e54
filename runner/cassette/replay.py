"""Replay: an httpx transport that answers from a cassette and never touches the network.

Each request is matched (match.py) against the recordings of the same job: the client tells whose call it
is through ``api.waits.current_subject``, which the engine sets per job, so concurrent jobs replay their own
conversations whatever order they run in. The run's own calls (the token, the credit check) are a subject
of their own.

A request recorded more than once (a render polled, the state read after every step) replays along the
recording's timeline: its answers advance one per call while nothing else of the job happened in between,
and stop at the answer that was current at the job's point in the recording, so polling walks through
the recorded statuses and then repeats the last one (more polls, or fewer, both work), while a state read
is the state as of the steps sent so far. A request with no recording raises ``CassetteMiss`` naming it,
the nearest recorded request and the rule that did not match; there is no network to fall back on.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

import anyio
import httpx

from ..api.waits import current_subject
from ..errors import CassetteMiss
from . import match
from .har import WIRE_HEADERS, Cassette, Exchange, Frame
from .match import Ask, Ids
from .streams import PartsReader

# A recorded answer served this often is a loop (a render that had not finished when the recording stopped,
# polled forever): fail it rather than spin.
MAX_REPEATS = 200
_CHUNK = 1 << 16


@dataclass
class _Entry:
    n: int  # 1-based, as `cassette verify` and the HAR's entries count
    ex: Exchange
    ask: Ask
    form: str
    ids: list[tuple[str, str]]


@dataclass
class _Job:
    """One subject's recordings and where its replay stands."""

    entries: list[_Entry]
    ids: Ids = field(default_factory=Ids)
    served: Counter[int] = field(default_factory=Counter)

    def __post_init__(self) -> None:
        self.streams: dict[str, list[_Entry]] = {}
        self.routes: dict[tuple[str, str], list[_Entry]] = {}
        for entry in self.entries:
            self.streams.setdefault(entry.form, []).append(entry)
            self.routes.setdefault((entry.ask.template, entry.ask.kind), []).append(entry)

    def stream_for(self, a: Ask) -> list[_Entry] | None:
        """The recordings of this request, binding its new runner-chosen ids to the recording's."""
        free = self.ids.free(a)
        if not free:
            return self.streams.get(self.ids.recorded_form(a))
        mine = match.abstract(a, free, self.ids.to_recorded, self.ids.kinds)
        for entry in self.routes.get((a.template, a.kind), []):
            theirs = [(k, v) for k, v in entry.ids if not self.ids.taken(v)]
            if len(theirs) == len(free) and match.abstract(entry.ask, theirs) == mine:
                self.ids.bind((kind, value, recorded) for (kind, value), (_, recorded)
                              in zip(free, theirs, strict=True))
                return self.streams[entry.form]
        return None

    def pick(self, stream: list[_Entry]) -> _Entry:
        """The answer of ``stream`` that fits where the job is (see the module docstring)."""
        mine = {e.n for e in stream}
        foreign = max((n for n in self.served if n not in mine), default=0)
        run: list[_Entry] = []  # this stream's recordings right after the job's last other request
        for entry in self.entries:
            if entry.n <= foreign:
                continue
            if entry.n not in mine:
                break
            run.append(entry)
        fresh = [e for e in run if e.n not in self.served]
        if fresh:
            return fresh[0]
        if run:
            return run[-1]
        later = [e for e in stream if e.n > foreign and e.n not in self.served]
        if later:  # the recording did something here that this run does not: skip over it
            return later[0]
        before = [e for e in stream if e.n <= foreign]
        return before[-1] if before else stream[0]


class _Frames(httpx.AsyncByteStream):
    def __init__(self, chunks: list[bytes]) -> None:
        self._chunks = chunks

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for chunk in self._chunks:
            yield chunk


class _Sidecar(httpx.AsyncByteStream):
    """A sidecar file, streamed in chunks without blocking the event loop."""

    def __init__(self, path: Path) -> None:
        self._path = path

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async with await anyio.open_file(self._path, "rb") as handle:
            while chunk := await handle.read(_CHUNK):
                yield chunk


async def _ask_of_request(request: httpx.Request) -> Ask:
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("multipart/"):
        reader = PartsReader(content_type)
        async for chunk in request.stream:  # type: ignore[union-attr]
            reader.feed(chunk)
        return match.ask(request.method, str(request.url), parts=reader.finish())
    content = await request.aread()
    return match.ask(request.method, str(request.url), content_type,
                     content.decode("utf-8", "replace") if content else None)


class ReplayTransport(httpx.AsyncBaseTransport):
    """Answers every request from ``cassette``; see the module docstring."""

    def __init__(self, cassette: Cassette, *, max_repeats: int = MAX_REPEATS) -> None:
        self.cassette = cassette
        self._max_repeats = max_repeats
        by_subject: dict[str, list[_Entry]] = {}
        for n, ex in enumerate(cassette.exchanges, start=1):
            a = match.ask_of(ex)
            by_subject.setdefault(ex.subject, []).append(_Entry(n, ex, a, match.form(a), match.found_ids(a)))
        self._jobs = {subject: _Job(entries) for subject, entries in by_subject.items()}

    @property
    def unplayed(self) -> list[int]:
        """Entries no request has matched so far (after a run: what the recording did that it did not)."""
        return [e.n for job in self._jobs.values() for e in job.entries if e.n not in job.served]

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        subject = current_subject()
        a = await _ask_of_request(request)
        job = self._jobs.get(subject)
        if job is None:
            recorded = sorted(s for s in self._jobs if s)
            raise self._miss(a, subject, [], f"the cassette has no recordings of job {subject!r}; it has "
                             f"{', '.join(recorded) or 'none'}" if subject else "the cassette has no "
                             "recordings made outside a job")
        stream = job.stream_for(a)
        if stream is None:
            raise self._miss(a, subject, job.entries)
        entry = job.pick(stream)
        job.served[entry.n] += 1
        if job.served[entry.n] > self._max_repeats:
            raise CassetteMiss(f"{self.cassette.path}: {a.describe()} was answered {self._max_repeats} times "
                               f"from entry {entry.n}, the last recorded answer",
                               hint="the run keeps asking what the recording asked fewer times (a render "
                                    "that had not finished when the recording stopped?): record it again")
        return await self._respond(entry.ex, job.ids, request)

    def _miss(self, a: Ask, subject: str, entries: Iterable[_Entry], rule: str | None = None) -> CassetteMiss:
        job = f" (job {subject})" if subject else ""
        found = match.nearest(a, [(e.n, e.ask) for e in entries])
        if found is None:
            nearest = f"; {rule}" if rule else "; nothing was recorded"
        else:
            n, other = found
            nearest = f"; nearest recorded: entry {n}, {other.describe()}; the rule that did not match: " \
                      f"{match.broken_rule(a, other)}"
        return CassetteMiss(f"{self.cassette.path}: no recording of {a.describe()}{job}{nearest}",
                            hint="the recipe or the client changed since the recording: undo the change, or "
                                 "record it again (`motionctl run RECIPE --record FILE` against the service)")

    async def _respond(self, ex: Exchange, ids: Ids, request: httpx.Request) -> httpx.Response:
        if ex.status == 0:  # the recording's connection failed here: so does this one
            error = getattr(httpx, (ex.error or "").split(" ")[0], None)
            if not (isinstance(error, type) and issubclass(error, httpx.TransportError)):
                error = httpx.ConnectError
            raise error(f"replayed from {self.cassette.path.name}: {ex.error}", request=request)
        headers = [(k, ids.replay_text(v)) for k, v in ex.response_headers if k.lower() not in WIRE_HEADERS]
        body = ex.response_body
        stream: httpx.AsyncByteStream
        if ex.frames is not None:
            stream = _Frames([_frame(f, ids) for f in ex.frames])
        elif body is not None and body.file:
            path = self.cassette.sidecar(body.file)
            headers.append(("content-length", str(path.stat().st_size)))
            stream = _Sidecar(path)
        else:
            content = ids.replay_text(body.text or "").encode() if body is not None else b""
            headers.append(("content-length", str(len(content))))
            stream = _Frames([content])
        return httpx.Response(ex.status, headers=headers, stream=stream, request=request,
                              extensions={"reason_phrase": ex.status_text.encode("latin-1", "replace")})


def _frame(frame: Frame, ids: Ids) -> bytes:
    """One recorded event on the wire again, in this run's ids."""
    return replace(frame, data=ids.replay_text(frame.data) if frame.data is not None else None).to_bytes()
