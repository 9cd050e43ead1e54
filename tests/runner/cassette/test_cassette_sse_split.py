"""The recorder cuts an event stream into the frames the client saw (httpx-sse's), whatever the chunks."""

from __future__ import annotations

from collections.abc import AsyncIterator

import anyio
import httpx
from httpx_sse import EventSource

from motionctl.runner.cassette.streams import SseSplitter

CHUNKS = [b'data: {"a":1}\r', b'\ndata: {"b":2}\r\n\r\n']  # a "\r\n" cut between two chunks


class _Chunks(httpx.AsyncByteStream):
    async def __aiter__(self) -> AsyncIterator[bytes]:
        for chunk in CHUNKS:
            yield chunk


def _client_events() -> list[str]:
    """What the client (runner/api/streaming.py, through httpx-sse) reads from the same chunks."""
    async def read() -> list[str]:
        response = httpx.Response(200, headers={"content-type": "text/event-stream"}, stream=_Chunks())
        return [event.data async for event in EventSource(response).aiter_sse()]

    return anyio.run(read)


def test_a_crlf_split_across_chunks_is_one_line_end_as_httpx_sse_reads_it() -> None:
    splitter = SseSplitter()
    for t, chunk in enumerate(CHUNKS):
        splitter.feed(chunk.decode(), float(t))
    frames = splitter.finish(2.0)
    assert [f.data for f in frames] == _client_events() == ['{"a":1}\n{"b":2}']
    assert frames[0].t == 1.0


def test_a_lone_cr_at_the_end_of_the_stream_still_ends_its_line() -> None:
    splitter = SseSplitter()
    splitter.feed('data: {"a":1}\r', 0.0)
    assert [f.data for f in splitter.finish(1.0)] == ['{"a":1}']
