"""Fixtures for the mock's tests: a mock served by uvicorn on 127.0.0.1 and a small API helper whose
every request and response is checked against specs/nemo-api.yaml (tests/contract.py)."""

from __future__ import annotations

import io
import json
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import anyio
import httpx
import pytest
from PIL import Image

from motionctl.mock_server import MockConfig, RunningMock, serve_in_thread
from motionctl.mock_server import contract as mock_contract
from motionctl.mock_server.clock import Clock
from tests.contract import ContractChecker, validate_sse_event

ATTRIBUTION = {"X-Skill-Source": "image-to-video-motion-control", "X-Skill-Version": "0.1.0",
               "X-Skill-Platform": "unknown"}
SMALL = {"format": "mp4", "quality": "low", "resolution": "540p"}


def png_bytes(width: int = 96, height: int = 64, seed: int = 0) -> bytes:
    """A small textured PNG (a gradient with a block, so motion is visible)."""
    im = Image.new("RGB", (width, height))
    im.putdata([((x * 255) // width, (y * 255) // height, (seed * 40) % 256)
                for y in range(height) for x in range(width)])
    im.paste((255, 255, 255), (width // 3, height // 3, width // 2, height // 2))
    buf = io.BytesIO()
    im.save(buf, "PNG")
    return buf.getvalue()


def job_of(answer: dict[str, Any]) -> dict[str, Any]:
    """A render answer's job: under ``data`` in the nested shape (S2), the answer itself in the flat one
    (S1); never both (specs/nemo-api.yaml, RenderShape1 and RenderShape2)."""
    job: dict[str, Any] = answer.get("data", answer)
    return job


class MockContractChecker(ContractChecker):
    """Checks API traffic; the mock's own /cdn/ files and /__mock/ introspection are not API operations."""

    def __init__(self, *, requests: bool = True) -> None:
        super().__init__()
        self.check_requests = requests

    def _skipped(self, request: httpx.Request) -> bool:
        # The mock's CDN and admin routes are not API operations; nor is a path a test sends off-spec on
        # purpose (its answer is the test's to check).
        return request.url.path.startswith(("/cdn/", "/__mock/")) or \
            mock_contract.find_operation(request.method, request.url.path) is None

    async def on_request(self, request: httpx.Request) -> None:
        if self.check_requests:
            await super().on_request(request)


@dataclass
class SseEvents:
    """A parsed /run_sse stream: ``data`` payloads in order, and how many ``: ping`` comments came."""

    data: list[dict[str, Any]] = field(default_factory=list)
    comments: int = 0
    frames: list[str] = field(default_factory=list)  # "data" | "comment", in order

    def texts(self) -> list[str]:
        out = []
        for ev in self.data:
            if ev.get("type") == "text":
                out.append(ev["content"])
            for part in ev.get("content", {}).get("parts", []) if isinstance(ev.get("content"), dict) else []:
                if "text" in part:
                    out.append(part["text"])
        return out

    def heartbeats(self) -> int:
        return self.comments + sum(1 for ev in self.data if ev.get("type") == "heartbeat")


def parse_sse(raw: str, *, validate: bool = True) -> SseEvents:
    events = SseEvents()
    for frame in raw.split("\n\n"):
        if not frame.strip():
            continue
        if frame.startswith(":"):
            events.comments += 1
            events.frames.append("comment")
            continue
        payload = "\n".join(line[5:].lstrip() for line in frame.splitlines() if line.startswith("data:"))
        parsed = json.loads(payload)
        if validate:
            validate_sse_event(parsed)
        events.data.append(parsed)
        events.frames.append("data")
    return events


@dataclass
class Api:
    """What a test needs to talk to the mock; ``http`` checks requests and responses, ``raw`` responses only
    (for deliberately bad requests)."""

    mock: RunningMock
    http: httpx.AsyncClient
    raw: httpx.AsyncClient
    checker: MockContractChecker
    token: str = ""

    @property
    def url(self) -> str:
        return self.mock.url

    @property
    def admin_headers(self) -> dict[str, str]:
        """For raw calls to ``/__mock/*`` (``self.mock.admin`` is the plain client of those routes)."""
        return self.mock.admin.headers

    def headers(self, token: str | None = None) -> dict[str, str]:
        return {**ATTRIBUTION, "Authorization": f"Bearer {token or self.token}"}

    async def new_token(self, client_id: str | None = None) -> str:
        r = await self.http.post("/api/auth/anonymous-token",
                                 headers={**ATTRIBUTION, "X-Client-Id": client_id or str(uuid.uuid4())})
        self.token = r.json()["data"]["token"]
        return self.token

    async def session(self) -> str:
        if not self.token:
            await self.new_token()
        r = await self.http.post("/api/tasks/me/with-session/nemo_agent", headers=self.headers(),
                                 json={"task_name": "project", "language": "en"})
        return str(r.json()["data"]["session_id"])

    async def upload(self, sid: str, *files: tuple[str, bytes]) -> dict[str, Any]:
        r = await self.http.post(f"/api/upload-video/nemo_agent/me/{sid}", headers=self.headers(),
                                 files=[("files", (n, d, "application/octet-stream")) for n, d in files])
        body: dict[str, Any] = r.json()
        return body

    async def session_with_image(self, name: str = "photo.png") -> str:
        sid = await self.session()
        body = await self.upload(sid, (name, png_bytes()))
        assert body["code"] == 0, body
        return sid

    def stream(self, sid: str, text: str, **extra: Any) -> AbstractAsyncContextManager[httpx.Response]:
        """``POST /run_sse`` with ``text`` (and ``extra`` body fields, e.g. ``streaming=True``), unread."""
        body = {"app_name": "nemo_agent", "user_id": "me", "session_id": sid,
                "new_message": {"parts": [{"text": text}]}, **extra}
        return self.http.stream("POST", "/run_sse", json=body,
                                headers={**self.headers(), "Accept": "text/event-stream"})

    async def say(self, sid: str, text: str, *, validate: bool = True) -> tuple[httpx.Response, SseEvents]:
        async with self.stream(sid, text) as r:
            raw = (await r.aread()).decode()
        if r.headers["content-type"].startswith("application/json"):
            return r, SseEvents()
        return r, parse_sse(raw, validate=validate)

    async def state(self, sid: str) -> dict[str, Any]:
        r = await self.http.get(f"/api/state/nemo_agent/me/{sid}/latest", headers=self.headers())
        state: dict[str, Any] = r.json()["data"]["state"]
        return state

    async def credits(self) -> dict[str, int]:
        r = await self.http.get("/api/credits/balance/simple", headers=self.headers())
        data: dict[str, int] = r.json()["data"]
        return data

    async def submit(self, sid: str, draft: dict[str, Any], job_id: str,
                     output: dict[str, str] | None = None) -> httpx.Response:
        return await self.http.post("/api/render/proxy/lambda", headers=self.headers(),
                                    json={"id": job_id, "sessionId": sid, "draft": draft,
                                          "output": output or SMALL})

    async def status(self, job_id: str) -> dict[str, Any]:
        r = await self.http.get(f"/api/render/proxy/lambda/{job_id}", headers=self.headers())
        body: dict[str, Any] = r.json()
        return body

    async def wait(self, job_id: str, limit: float = 60) -> list[dict[str, Any]]:
        """Poll until completed/failed (at most ``limit`` s); every status seen, in order."""
        seen = []
        with anyio.fail_after(limit):
            while True:
                body = await self.status(job_id)
                seen.append(body)
                if job_of(body)["status"] in ("completed", "failed"):
                    return seen
                await anyio.sleep(0.05)


async def stream_lines(url: str, headers: dict[str, str], sid: str, text: str, *,
                       read_timeout: float = 10) -> tuple[list[str], Exception | None]:
    """``POST /run_sse`` with ``text``: the stream's ``data:`` lines as they came, and the error that ended
    it (``None`` for a clean end), for faults that cut, stall or corrupt a stream."""
    body = {"app_name": "nemo_agent", "user_id": "me", "session_id": sid,
            "new_message": {"parts": [{"text": text}]}}
    lines: list[str] = []
    try:
        async with httpx.AsyncClient(base_url=url, timeout=httpx.Timeout(10, read=read_timeout)) as http, \
                http.stream("POST", "/run_sse", json=body,
                            headers={**headers, "Accept": "text/event-stream"}) as r:
            async for line in r.aiter_lines():
                if line.startswith("data:"):
                    lines.append(line[5:].strip())
    except httpx.HTTPError as exc:
        return lines, exc
    return lines, None


OpenApi = Callable[..., AbstractAsyncContextManager[Api]]


@pytest.fixture
def open_api() -> OpenApi:
    """``async with open_api(MockConfig(...), clock=...) as api``: a served mock and a checked client."""

    @asynccontextmanager
    async def opener(config: MockConfig | None = None, clock: Clock | None = None) -> AsyncIterator[Api]:
        checker = MockContractChecker()
        lenient = MockContractChecker(requests=False)
        with serve_in_thread(config or MockConfig(), clock=clock) as mock:
            async with httpx.AsyncClient(base_url=mock.url, event_hooks=checker.event_hooks(),
                                         timeout=30) as http, \
                    httpx.AsyncClient(base_url=mock.url, event_hooks=lenient.event_hooks(),
                                      timeout=30) as raw:
                yield Api(mock, http, raw, checker)
        assert not checker.violations, checker.violations
        assert not lenient.violations, lenient.violations

    return opener
