"""An in-memory stand-in for the Nemo client, for engine unit tests that need precise failures.

It keeps per-session drafts like the mock does (upload sets the image, "zoom" sentences set motion) and
records every call, so tests can assert what the engine sent, in which session, and how often.
"""

from __future__ import annotations

import copy
import functools
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anyio
import av

from motionctl.runner.api.models import RenderStatus, Session, StreamEvent, StreamResult
from motionctl.runner.confined import replacing
from motionctl.runner.errors import ApiError, InsufficientCredits, SessionNotFound


class FakeApi:
    def __init__(self, *, delay: float = 0.0) -> None:
        self.sessions: dict[str, dict[str, Any]] = {}
        self.calls: list[tuple[str, str, Any]] = []
        self.renders: dict[str, RenderStatus] = {}
        self.delay = delay
        self.active = 0
        self.peak = 0
        self.lose_session_on: set[str] = set()  # sentences that make the backend forget the session
        self.credits_fail_on: set[str] = set()  # sentences answered with 2001
        self.silent: set[str] = set()  # sentences whose stream closes with no text
        self.damaged_downloads = 0  # how many downloads, from the next on, arrive as bytes that are no clip
        self._n = 0
        self._ids = 0

    async def _enter(self, name: str, sid: str, arg: Any = None) -> None:
        self.calls.append((name, sid, arg))
        self.active += 1
        self.peak = max(self.peak, self.active)
        try:
            await anyio.sleep(self.delay)
        finally:
            self.active -= 1
        if sid and sid not in self.sessions and name != "create_session":
            raise SessionNotFound("session not found", code=1002)

    async def create_session(self) -> Session:
        self._n += 1
        sid = str(5529798706024415232 + self._n)
        await self._enter("create_session", "")
        self.sessions[sid] = {"draft": {"t": []}, "video_infos": []}
        return Session(task_id=f"task_{self._n}", session_id=sid)

    async def upload_files(self, session_id: str, paths: list[Path]) -> Any:
        await self._enter("upload", session_id, [p.name for p in paths])
        state = self.sessions[session_id]
        for p in paths:
            url = f"http://127.0.0.1:9999/cdn/{session_id}/{p.name}"
            state["video_infos"].append({"filename": p.name, "cdn_url": url})
            state["draft"] = {"d": 5000, "t": [{"tt": 0, "sg": [{"st": 0, "d": 5000, "src": url,
                                                                "name": p.name, "motion": None}]}]}
        return None

    async def send_message(self, session_id: str, text: str, *,
                           on_event: Callable[[StreamEvent], None] | None = None) -> StreamResult:
        await self._enter("say", session_id, text)
        if text in self.lose_session_on:
            self.lose_session_on.discard(text)
            del self.sessions[session_id]
            raise SessionNotFound("session not found", code=1002)
        if text in self.credits_fail_on:
            raise InsufficientCredits("insufficient credits", code=2001)
        draft = self.sessions[session_id]["draft"]
        if "zoom" in text and draft["t"]:
            draft["t"][0]["sg"][0]["motion"] = {"zoom": [1.0, 1.1], "pan": [-0.05, 0]}
        if text.startswith("Add background music"):  # a backend that picks its own mood, whatever was asked
            draft["t"].append({"tt": 1, "sg": [{"st": 0, "d": 5000, "src": "mood:calm", "vol": 30}]})
        if text.startswith("Add the text"):
            content = text.split('"')[1]
            draft["t"].append({"tt": 7, "sg": [{"st": 0, "d": 2000, "text": content}]})
        reply = "" if text in self.silent else "Done: I updated your timeline."
        return StreamResult(text=reply, events=(StreamEvent(kind="text", text=reply),) if reply else ())

    async def get_state(self, session_id: str) -> dict[str, Any]:
        await self._enter("state", session_id)
        return {"session_id": session_id, "state": copy.deepcopy(self.sessions[session_id])}

    def new_render_id(self) -> str:
        self._ids += 1
        return f"render_{self._ids}"

    async def submit_render(self, session_id: str, draft: dict[str, Any], *,
                            output: dict[str, str] | None = None,
                            render_id: str | None = None) -> RenderStatus:
        await self._enter("render", session_id, output)
        rid = render_id or self.new_render_id()
        self.renders[rid] = RenderStatus(id=rid, status="pending", progress=5)
        return self.renders[rid]

    async def render_status(self, render_id: str) -> RenderStatus:
        await self._enter("render_status", "", render_id)
        if render_id not in self.renders:
            raise ApiError(f"render {render_id} not found", http_status=404)
        return self.renders[render_id]

    async def cancel_render(self, render_id: str) -> None:
        await self._enter("cancel_render", "", render_id)
        self.renders[render_id] = RenderStatus(id=render_id, status="cancelled", progress=0)

    async def wait_render(self, render_id: str, *, deadline: float | None = None,
                          on_progress: Callable[[RenderStatus], None] | None = None) -> RenderStatus:
        await self._enter("wait_render", "", render_id)
        done = RenderStatus(id=render_id, status="completed", progress=100,
                            output_url=f"http://127.0.0.1:9999/r/{render_id}.mp4")
        if on_progress:
            on_progress(RenderStatus(id=render_id, status="processing", progress=50))
            on_progress(done)
        self.renders[render_id] = done
        return done

    async def download(self, status: RenderStatus, dest: Path, *, root: Path | None = None) -> Path:
        await self._enter("download", "", status.id)
        clip = tiny_clip()
        if self.damaged_downloads:
            self.damaged_downloads -= 1
            clip = clip[:len(clip) // 2]  # cut short, as a CDN that lost the end of the file serves it
        with replacing(root or dest.parent, dest) as handle:  # as the real client writes
            handle.write(clip)
        return dest


@functools.cache
def tiny_clip() -> bytes:
    """A one-frame 16×16 H.264 MP4: what the engine's check decodes, at no cost worth counting."""
    buffer = io.BytesIO()
    with av.open(buffer, "w", format="mp4") as out:
        stream = out.add_stream("libx264", rate=30)
        stream.width, stream.height, stream.pix_fmt = 16, 16, "yuv420p"
        for packet in [*stream.encode(av.VideoFrame(16, 16, "yuv420p")), *stream.encode(None)]:
            out.mux(packet)
    return buffer.getvalue()
