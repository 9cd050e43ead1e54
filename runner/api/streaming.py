"""Reading a /run_sse response: SSE framing by httpx-sse, an idle watchdog below it, and the pure decoder.

The I/O half of the stream handling; ``sse.py`` is the pure half.
"""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Awaitable, Callable

import anyio
import httpx
from httpx_sse import EventSource, SSEError

from ..errors import StreamError
from .models import StreamEvent
from .sse import StreamCollector, decode_data

EventCallback = Callable[[StreamEvent], Awaitable[None] | None]


class _StreamIdle(Exception):
    """No bytes arrived on a stream within the idle budget."""


class _IdleGuardStream(httpx.AsyncByteStream):
    """Wraps a response's byte stream so a silence longer than ``idle`` seconds raises.

    It sits below the SSE decoder on purpose: comments (``: ping``) and empty ``data:`` lines are bytes
    too, so they count as signs of life, while the decoder never surfaces comments as events. (Against
    the network, httpx's read timeout does the same; respx and ASGI transports have no read timeout.)
    """

    def __init__(self, inner: httpx.AsyncByteStream, idle: float) -> None:
        self._inner = inner
        self._idle = idle

    async def __aiter__(self) -> AsyncIterator[bytes]:
        iterator = self._inner.__aiter__()
        while True:
            try:
                with anyio.fail_after(self._idle):
                    chunk = await iterator.__anext__()
            except StopAsyncIteration:
                return
            except TimeoutError:
                raise _StreamIdle from None
            yield chunk

    async def aclose(self) -> None:
        await self._inner.aclose()


async def maybe_await(value: Awaitable[None] | None) -> None:
    """Await a callback's result if it is awaitable (callbacks may be sync or async)."""
    if inspect.isawaitable(value):
        await value


async def consume_events(
    response: httpx.Response, collector: StreamCollector, on_event: EventCallback | None, *, idle: float
) -> None:
    """Feed every event of an open SSE response to ``collector`` (and ``on_event``) until it closes.

    Raises:
        StreamError: an error event, no bytes for ``idle`` seconds, a dropped connection, or a response
            that is not an event stream.
    """
    response.stream = _IdleGuardStream(response.stream, idle)  # type: ignore[arg-type]
    try:
        async for sse in EventSource(response).aiter_sse():
            for event in decode_data(sse.data):
                collector.add(event)
                if on_event is not None:
                    await maybe_await(on_event(event))
    except _StreamIdle:
        raise StreamError(f"POST /run_sse: no bytes for {idle:g} s", hint="the service went quiet mid-step: "
                          "run again (finished steps are kept; --resume continues a run)") from None
    except httpx.TimeoutException as exc:
        raise StreamError(f"POST /run_sse: no bytes for {idle:g} s ({type(exc).__name__})",
                          hint="the service went quiet mid-step: run again (finished steps are kept; "
                               "--resume continues a run)") from exc
    except httpx.TransportError as exc:
        count = len(collector.result().events)
        raise StreamError(f"POST /run_sse: the stream broke off after {count} events ({type(exc).__name__})",
                          hint="the connection dropped mid-step: run again (finished steps are kept; "
                               "--resume continues a run)") from exc
    except SSEError as exc:
        raise StreamError(f"POST /run_sse: not an event stream ({exc})",
                          hint="check the base URL (NEMO_BASE_URL)") from exc
