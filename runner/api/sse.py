"""Pure decoding of /run_sse payloads (both dialects) and aggregation into a ``StreamResult``.

No I/O here: ``client.py`` reads the stream and feeds each ``data:`` payload to ``decode_data``.

Dialects (see specs/nemo-api.yaml, ``SseEvent``):

* ADK Event JSON: ``content.parts[]`` holding ``text``, ``functionCall`` or ``functionResponse``; with
  streaming, ``partial: true`` chunks come first and a final event repeats the whole text.
* typed events: ``{"type": "text"|"tool_call"|"tool_result"|"heartbeat", ...}``.
* ``{"error": "..."}`` (ADK's exception report) and ADK ``errorCode``/``errorMessage`` → ``StreamError``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..errors import StreamError
from .models import StreamEvent, StreamResult
from .text import loads

# An agent's error mid-stream is the service's hiccup as far as we can tell: the cure is to run again.
AGENT_ERROR_HINT = ("the agent failed while working, probably in passing: run again (finished steps are "
                    "kept; --resume continues a run); if the same step fails again, reword or simplify it")

HEARTBEAT = StreamEvent(kind="heartbeat")
# The backend sometimes appends this line after real work; clients are told to ignore it.
_NOISE_PREFIX = "i encountered a temporary issue"


def decode_data(data: str) -> list[StreamEvent]:
    """Decode one SSE ``data:`` payload into zero or more events.

    An empty payload is a heartbeat; text that is not JSON is taken as plain text.

    Raises:
        StreamError: the payload is an error event.
    """
    if not data.strip():
        return [HEARTBEAT]
    try:
        payload = loads(data)
    except ValueError:
        return [StreamEvent(kind="text", text=data)]
    if not isinstance(payload, Mapping):
        return [StreamEvent(kind="text", text=str(payload))] if isinstance(payload, str) else []
    return decode_event(payload)


def decode_event(payload: Mapping[str, Any]) -> list[StreamEvent]:
    """Decode one parsed payload of either dialect.

    Raises:
        StreamError: ``{"error": ...}`` or an ADK event with ``errorCode``/``errorMessage``.
    """
    raw = dict(payload)
    if "error" in payload and "type" not in payload:
        raise StreamError(f"the agent reported an error mid-stream: {payload['error']}",
                          hint=AGENT_ERROR_HINT)
    if "type" in payload:
        return _decode_typed(payload, raw)
    if payload.get("errorCode") or payload.get("errorMessage"):
        detail = payload.get("errorMessage") or payload.get("errorCode")
        raise StreamError(f"the agent reported an error mid-stream: {detail}",
                          hint=AGENT_ERROR_HINT)
    return _decode_adk(payload, raw)


def _decode_typed(payload: Mapping[str, Any], raw: dict[str, Any]) -> list[StreamEvent]:
    kind = payload.get("type")
    if kind == "text":
        text = payload.get("content", payload.get("text", ""))
        return [StreamEvent(kind="text", text=str(text), partial=bool(payload.get("partial")), raw=raw)]
    if kind == "tool_call":
        args = payload.get("args")
        mapping = dict(args) if isinstance(args, Mapping) else None
        return [StreamEvent(kind="tool_call", name=_name(payload), args=mapping, raw=raw)]
    if kind == "tool_result":
        return [StreamEvent(kind="tool_result", name=_name(payload), result=payload.get("result"), raw=raw)]
    if kind == "heartbeat":
        return [StreamEvent(kind="heartbeat", raw=raw)]
    if kind == "error":
        raise StreamError(f"the agent reported an error mid-stream: {payload.get('message', payload)}",
                          hint=AGENT_ERROR_HINT)
    return []  # unknown kinds (progress, usage …) are ignored rather than fatal


def _name(payload: Mapping[str, Any]) -> str | None:
    name = payload.get("name")
    return str(name) if name is not None else None


def _decode_adk(payload: Mapping[str, Any], raw: dict[str, Any]) -> list[StreamEvent]:
    content = payload.get("content")
    parts = content.get("parts") if isinstance(content, Mapping) else None
    if not isinstance(parts, list):
        return [StreamEvent(kind="heartbeat", raw=raw)]
    partial = bool(payload.get("partial"))
    events: list[StreamEvent] = []
    for part in parts:
        if not isinstance(part, Mapping):
            continue
        if isinstance(part.get("text"), str) and not part.get("thought"):
            events.append(StreamEvent(kind="text", text=part["text"], partial=partial, raw=raw))
        elif isinstance(part.get("functionCall"), Mapping):
            call = part["functionCall"]
            args = call.get("args")
            events.append(StreamEvent(kind="tool_call", name=_name(call),
                                      args=dict(args) if isinstance(args, Mapping) else None, raw=raw))
        elif isinstance(part.get("functionResponse"), Mapping):
            response = part["functionResponse"]
            events.append(StreamEvent(kind="tool_result", name=_name(response),
                                      result=response.get("response"), raw=raw))
    return events or [StreamEvent(kind="heartbeat", raw=raw)]


def strip_noise(text: str) -> str:
    """Drop the backend's "I encountered a temporary issue" lines."""
    lines = [ln for ln in text.splitlines() if not ln.strip().lower().startswith(_NOISE_PREFIX)]
    return "\n".join(lines).strip()


class StreamCollector:
    """Aggregates decoded events into a ``StreamResult``.

    ADK partial chunks are joined; a later non-partial text event is their full repetition and replaces
    them, so text is never counted twice.
    """

    def __init__(self) -> None:
        self._events: list[StreamEvent] = []
        self._texts: list[str] = []
        self._partial: list[str] = []

    def add(self, event: StreamEvent) -> None:
        self._events.append(event)
        if event.kind != "text":
            return
        if event.partial:
            self._partial.append(event.text)
            return
        self._partial.clear()
        self._texts.append(event.text)

    def result(self) -> StreamResult:
        texts = [*self._texts, "".join(self._partial)] if self._partial else self._texts
        cleaned = [t for t in (strip_noise(t) for t in texts) if t]
        return StreamResult(text="\n".join(cleaned), events=tuple(self._events))
