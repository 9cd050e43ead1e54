"""The ``corrupt`` fault: a response that arrives whole, with a success status, and the wrong bytes.

A CDN can serve a file cut short (an upload interrupted on its side, a cache that kept half of it) or an error
page with status 200. Neither breaks the connection, so a client that trusts a complete answer keeps a clip
nobody can play. This fault lets a client's own tests see that happen: the handler's status and headers stay,
``Content-Length`` is made to agree with the damaged body, and the body is cut or replaced.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from starlette.types import Message, Send


@dataclass(frozen=True)
class BodyFault:
    truncate_to: int | None = None  # send only the first N bytes
    replace_with: bytes | None = None  # send these bytes instead of the body


def parse_body_fault(raw: dict[str, Any] | None) -> BodyFault | None:
    """The ``corrupt`` object of a rule (already checked against specs/faults.schema.json)."""
    if raw is None:
        return None
    text = raw.get("replace_with")
    return BodyFault(truncate_to=raw.get("truncate_to"), replace_with=None if text is None else text.encode())


class CorruptBody:
    """Wraps ``send`` to deliver a damaged body in place of the handler's."""

    def __init__(self, send: Send, fault: BodyFault) -> None:
        self._send = send
        self.fault = fault
        self.sent = 0
        self.finished = False

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            await self._send({**message, "headers": self._headers(message.get("headers", []))})
            return
        if message["type"] != "http.response.body" or self.finished:
            return
        more = bool(message.get("more_body", False))
        if self.fault.replace_with is not None:
            if not more:  # the handler's last chunk: the replacement goes out whole instead
                self.finished = True
                await self._send({"type": "http.response.body", "body": self.fault.replace_with})
            return
        limit = self.fault.truncate_to or 0
        body = bytes(message.get("body", b""))[:max(0, limit - self.sent)]
        self.sent += len(body)
        self.finished = self.sent >= limit or not more
        await self._send({"type": "http.response.body", "body": body, "more_body": not self.finished})

    def _headers(self, headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
        kept = [(k, v) for k, v in headers if k.lower() != b"content-length"]
        declared = next((int(v) for k, v in headers if k.lower() == b"content-length"), None)
        if self.fault.replace_with is not None:
            length: int | None = len(self.fault.replace_with)
        else:
            limit = self.fault.truncate_to or 0
            length = None if declared is None else min(declared, limit)
        # Without a length the server sends the body chunked, which ends cleanly wherever the cut falls.
        return kept if length is None else [*kept, (b"content-length", str(length).encode())]
