"""Server-Sent Event frames for /run_sse in both dialects. Pure: values in, bytes out.

``adk``: ADK Event JSON (specs/SOURCES.md, "The chat stream"): ``content.parts`` with ``functionCall`` /
``functionResponse`` / ``text``, ``author`` "nemo_agent", ``invocationId``, ``id``, ``timestamp`` and
``actions.stateDelta`` carrying the new draft; heartbeats are the SSE comment ``: ping``.
``nemo``: ``{"type": "tool_call" | "tool_result" | "text" | "heartbeat", ...}`` events.
Neither sends a done event: the stream simply ends. When the request asks for ``"streaming": true`` the
reply text first arrives in ``partial`` chunks, then once more whole, as ADK does. An agent that fails
mid-stream writes ``{"error": "<message>"}`` and ends the stream, ADK's form, in both dialects.

The stream's *events* are its tool calls, tool results, texts and errors; heartbeats (an ADK ``: ping``
comment, a nemo ``{"type": "heartbeat"}``) are not events, so a fault that counts events (``drop_after``)
cuts both dialects at the same place.
"""

from __future__ import annotations

import json
import random
import string
import uuid
from collections.abc import AsyncGenerator
from dataclasses import dataclass
from typing import Any, Protocol

from .config import SseDialect

AUTHOR = "nemo_agent"


def data_frame(payload: Any) -> bytes:
    """One ``data:`` event."""
    return f"data: {json.dumps(payload, ensure_ascii=False, separators=(',', ':'))}\n\n".encode()


def comment_frame(text: str = "ping") -> bytes:
    return f": {text}\n\n".encode()


def error_frame(message: str) -> bytes:
    """ADK's report of an agent that raised: the last event of its stream."""
    return data_frame({"error": message})


_NEMO_HEARTBEAT = data_frame({"type": "heartbeat"})


def is_event(frame: bytes) -> bool:
    """Whether ``frame`` is one of the stream's events rather than a heartbeat (a comment, an empty
    ``data:`` line or a typed heartbeat). Pure."""
    return frame.startswith(b"data:") and bool(frame[5:].strip()) and frame != _NEMO_HEARTBEAT


class EventBuilder(Protocol):
    def tool_call(self, tool: str, args: dict[str, Any]) -> bytes: ...
    def heartbeat(self) -> bytes: ...
    def tool_result(self, tool: str, result: dict[str, Any], draft: dict[str, Any]) -> bytes: ...
    def text(self, text: str, partial: bool = False) -> bytes: ...


@dataclass
class AdkEvents:
    """ADK events of one invocation; ids come from ``rng`` so a seeded run repeats them."""

    rng: random.Random
    now: float

    def __post_init__(self) -> None:
        self.invocation_id = f"e-{self._uuid()}"
        self.call_id = f"adk-{self._uuid()}"
        self._tick = 0

    def _uuid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def _event(self, role: str, part: dict[str, Any], state_delta: dict[str, Any] | None = None,
               partial: bool = False) -> bytes:
        self._tick += 1
        extra = {"partial": True} if partial else {}  # ADK leaves it out (exclude_none) on final events
        return data_frame({**extra,
            "content": {"role": role, "parts": [part]},
            "invocationId": self.invocation_id,
            "author": AUTHOR,
            "actions": {"stateDelta": state_delta or {}, "artifactDelta": {}, "requestedAuthConfigs": {}},
            "longRunningToolIds": [],
            "id": "".join(self.rng.choice(string.ascii_letters + string.digits) for _ in range(8)),
            "timestamp": round(self.now + self._tick / 1000, 6),
        })

    def tool_call(self, tool: str, args: dict[str, Any]) -> bytes:
        return self._event("model", {"functionCall": {"id": self.call_id, "name": tool, "args": args}})

    def heartbeat(self) -> bytes:
        return comment_frame("ping")

    def tool_result(self, tool: str, result: dict[str, Any], draft: dict[str, Any]) -> bytes:
        # Function responses are role "user" events whose author is still the agent (ADK).
        part = {"functionResponse": {"id": self.call_id, "name": tool, "response": result}}
        return self._event("user", part, {"draft": draft})

    def text(self, text: str, partial: bool = False) -> bytes:
        return self._event("model", {"text": text}, partial=partial)


class NemoEvents:
    """The ``{"type": ...}`` events of the reverted NemoVideo doc."""

    def tool_call(self, tool: str, args: dict[str, Any]) -> bytes:
        return data_frame({"type": "tool_call", "name": tool, "args": args})

    def heartbeat(self) -> bytes:
        return data_frame({"type": "heartbeat"})

    def tool_result(self, tool: str, result: dict[str, Any], draft: dict[str, Any]) -> bytes:
        return data_frame({"type": "tool_result", "name": tool, "result": {**result, "draft": draft}})

    def text(self, text: str, partial: bool = False) -> bytes:
        return data_frame({"type": "text", "content": text, **({"partial": True} if partial else {})})


def chunks(text: str, parts: int = 3) -> list[str]:
    """``text`` cut at word boundaries into about ``parts`` pieces that join back to it."""
    words = text.split(" ")
    size = max(1, -(-len(words) // parts))
    return [" ".join(words[i:i + size]) + (" " if i + size < len(words) else "")
            for i in range(0, len(words), size)]


def builder(dialect: SseDialect, rng: random.Random, now: float) -> EventBuilder:
    """The event builder of ``dialect`` for one /run_sse call."""
    return AdkEvents(rng, now) if dialect == "adk" else NemoEvents()


async def fail_after(frames: AsyncGenerator[bytes, None], events: int,
                     message: str) -> AsyncGenerator[bytes, None]:
    """``frames`` until ``events`` events have gone out (heartbeats uncounted); then, in place of whatever
    comes next (a heartbeat while the agent works, say), the agent's error event, and the end: what ADK
    sends when the agent raises. ``frames`` is closed there, so work it had not applied is never applied.
    A stream that ends by itself within ``events`` events ends as it would have: nothing came next to fail."""
    sent = 0
    try:
        async for frame in frames:
            if sent >= events:
                yield error_frame(message)
                break
            sent += is_event(frame)
            yield frame
    finally:
        await frames.aclose()
