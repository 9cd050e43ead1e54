"""The mock's routes: HTTP in, store calls, envelopes out. Faults live in middleware, not here.

Endpoints follow specs/SOURCES.md (paths use ``me`` or the user id). HTTP status choices are
documented in ``envelopes.py``.
"""

from __future__ import annotations

import copy
import time
import urllib.parse
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import anyio
import anyio.to_thread
from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import FileResponse, JSONResponse, Response, StreamingResponse
from starlette.routing import Route
from starlette.types import ASGIApp

from . import drafts, sse, url_fetch
from .admin import ADMIN_HEADER, key_matches, new_admin_key
from .bodies import (
    MAX_ID_CHARS,
    MAX_NAME_CHARS,
    MAX_TEXT_CHARS,
    json_object,
    parse_json,
    read_limited,
    text_field,
)
from .clock import Clock, SystemClock
from .config import MockConfig
from .envelopes import (
    BAD_TOKEN,
    EXPORT_NOT_ALLOWED,
    MISSING_CLIENT_ID,
    ApiFailure,
    bad_body,
    error,
    ok,
    render_error,
    render_ok,
)
from .faults import (
    RENDER_FAULT,
    FaultController,
    FaultMiddleware,
    FaultPlan,
    FaultPlanError,
    RateLimit,
    parse_fault_plan,
)
from .interpreter import Interpretation, interpret
from .render_jobs import RenderJobs, status_body
from .routes import ROUTES
from .store import EDIT_COST, Account, RenderJob, Session, Store, Upload, iso
from .uploads import (
    KIND_OF,
    ReceivedFile,
    copy_local,
    probe,
    receive_multipart,
    remove_tree,
)

ATTRIBUTION_HEADERS = ("X-Skill-Source", "X-Skill-Version", "X-Skill-Platform")
# SOURCES.md: the backend can end a stream with this line after real work; clients ignore it.
MAX_URLS = 20  # URL sources per upload request
TEMPORARY_ISSUE_TEXT = "I encountered a temporary issue. Please try again if something looks off."


class _MockApp(Starlette):
    """Starlette with the fault middleware outermost, so it sees the server's own ``send``."""

    fault_controller: FaultController

    def build_middleware_stack(self) -> ASGIApp:
        return FaultMiddleware(super().build_middleware_stack(), self.fault_controller)


def _missing_attribution(request: Request) -> list[str]:
    return [h for h in ATTRIBUTION_HEADERS if not request.headers.get(h, "").strip()]


def _require_attribution(request: Request) -> None:
    """The seed: the three attribution headers are "required on every request"; SOURCES.md: missing ones
    "cause auth failures or export 402". Export answers 402 (render_submit); every other call fails auth.
    An ``X-Client-Id``, where sent, must be what the API documents (1 to 64 characters), else 400."""
    client_id = request.headers.get("x-client-id")
    if client_id is not None and not 0 < len(client_id.strip()) <= 64:
        raise ApiFailure(MISSING_CLIENT_ID, "bad X-Client-Id header: send a UUID (1 to 64 characters)")
    if missing := _missing_attribution(request):
        raise ApiFailure(BAD_TOKEN, f"auth failed: missing {', '.join(missing)} header(s); every call needs "
                         "X-Skill-Source, X-Skill-Version and X-Skill-Platform", http_status=401)


def _base_url(request: Request) -> str:
    return str(request.base_url).rstrip("/")


class NemoApi:
    """The route handlers over one store."""

    def __init__(self, config: MockConfig, store: Store, jobs: RenderJobs,
                 controller: FaultController, admin_key: str) -> None:
        self.admin_key = admin_key
        self.config = config
        self.store = store
        self.jobs = jobs
        self.controller = controller

    def _account(self, request: Request) -> Account:
        _require_attribution(request)
        return self.store.authenticate(request.headers.get("authorization"))

    # --- auth and sessions ------------------------------------------------------------------------------

    async def anonymous_token(self, request: Request) -> Response:
        _require_attribution(request)
        client_id = request.headers.get("x-client-id", "").strip()
        if not client_id or len(client_id) > 64:
            raise ApiFailure(MISSING_CLIENT_ID,
                             "missing X-Client-Id header: send a UUID (at most 64 characters)")
        account = self.store.anonymous_token(client_id, request.client.host if request.client else "",
                                             request.headers.get("authorization"))
        return ok({"token": account.token, "user_id": account.user_id, "expires_at": iso(account.expires_at),
                   "credits": account.available})

    async def claim_token(self, request: Request) -> Response:
        account = self._account(request)
        body = await json_object(request)
        self.store.session(account, text_field(body, "session_id", "", MAX_ID_CHARS))
        return ok({"claim_token": self.store.new_claim_token(), "expires_in": 604800})

    async def create_session(self, request: Request) -> Response:
        account = self._account(request)
        body = await json_object(request)
        session = self.store.create_session(account, text_field(body, "task_name", "project", MAX_NAME_CHARS),
                                            text_field(body, "language", "en", MAX_ID_CHARS))
        return ok({"task_id": session.task_id, "session_id": session.session_id, "user_id": account.user_id})

    async def credits(self, request: Request) -> Response:
        return ok(self.store.balance(self._account(request)))

    async def state(self, request: Request) -> Response:
        session = self.store.session(self._account(request), request.path_params["sid"])
        return ok({"session_id": session.session_id, "task_id": session.task_id,
                   "task_name": session.task_name, "state": session.state()})

    # --- uploads ----------------------------------------------------------------------------------------

    async def upload(self, request: Request) -> Response:
        account = self._account(request)
        session = self.store.session(account, request.path_params["sid"])
        limit = self.config.max_upload_bytes
        dirs: list[Path] = []
        ids: list[str] = []

        def new_path(filename: str) -> Path:
            upload_id, folder = self.store.new_upload_dir()
            ids.append(upload_id)
            dirs.append(folder)
            return folder / filename

        try:
            ctype = request.headers.get("content-type", "")
            if ctype.startswith("multipart/"):
                received = await receive_multipart(ctype, request.stream(), new_path, limit)
            else:
                received = await self._upload_urls(request, account, new_path, limit)
            infos = []
            for upload_id, file in zip(ids, received, strict=True):
                media = await anyio.to_thread.run_sync(probe, file.path, file.ext)
                cdn = f"{_base_url(request)}/cdn/{upload_id}/{urllib.parse.quote(file.filename)}"
                infos.append((upload_id, file, {
                    "filename": file.filename, "file_type": KIND_OF[file.ext], "cdn_url": cdn,
                    "width": media.width, "height": media.height, "duration": media.duration,
                    "fps": media.fps, "hash": file.sha256}))
        except BaseException:
            for folder in dirs:
                await anyio.to_thread.run_sync(remove_tree, folder)
            raise
        for upload_id, file, info in infos:
            self.store.add_upload(session, Upload(upload_id, session.session_id, file.path, info))
        return ok({"files": [info for _, _, info in infos], "session_state_applied": True})

    async def _upload_urls(self, request: Request, account: Account, new_path: Callable[[str], Path],
                           limit: int) -> list[ReceivedFile]:
        body = await json_object(request)
        urls = body.get("urls")
        if not isinstance(urls, list) or not urls or not all(isinstance(u, str) for u in urls):
            raise bad_body('expected multipart "files" or JSON {"urls": [...], "source_type": "url"}')
        if len(urls) > MAX_URLS:
            raise bad_body(f"urls has {len(urls)} entries; at most {MAX_URLS} per upload")
        for url in urls:  # refuse a bad list before fetching any of it
            url_fetch.check_url(url)
        out = []
        for url in urls:
            parts = url_fetch.check_url(url)
            segments = parts.path.split("/")
            name = url_fetch.url_file_name(parts)
            if parts.netloc == request.url.netloc and len(segments) == 4 and segments[1] == "cdn":
                # One of this mock's own upload URLs: copied on disk, and only the caller's own uploads.
                served = self.store.upload_file(segments[2], urllib.parse.unquote(segments[3]),
                                                account.user_id)
                if served is None:
                    raise url_fetch.refuse(url, "it answered HTTP 404")
                out.append(await anyio.to_thread.run_sync(copy_local, served, served.name,
                                                          new_path(served.name), limit))
            else:
                out.append(await url_fetch.fetch(url, new_path(name), limit, self.config.url_fetch_timeout))
        return out

    def _cdn_caller_may(self, request: Request, owner: str | None) -> bool:
        """CDN URLs work like signed URLs: the unguessable id in the path is the capability, so no token is
        needed; a caller that does send a token must be the owner. Every refusal is the same 404."""
        if owner is None:
            return False
        authorization = request.headers.get("authorization")
        if authorization is None:
            return True
        try:
            return self.store.authenticate(authorization).user_id == owner
        except ApiFailure:
            return False

    async def cdn(self, request: Request) -> Response:
        upload_id = request.path_params["upload_id"]
        path = self.store.upload_file(upload_id, request.path_params["filename"])
        owner = self.store.upload_owner(upload_id)
        if path is None or not path.is_file() or not self._cdn_caller_may(request, owner):
            return JSONResponse({"error": "not found"}, status_code=404)
        return FileResponse(path)

    # --- /run_sse ---------------------------------------------------------------------------------------

    async def run_sse(self, request: Request) -> Response:
        account = self._account(request)
        body = await json_object(request)
        key = "session_id" if "session_id" in body else "sessionId"
        session = self.store.session(account, text_field(body, key, "", MAX_ID_CHARS))
        message = body.get("new_message", body.get("newMessage"))
        parts = message.get("parts") if isinstance(message, dict) else None
        if not isinstance(parts, list):
            raise bad_body('new_message must be {"parts": [{"text": "..."}]}')
        text = "\n".join(p["text"] for p in parts if isinstance(p, dict) and isinstance(p.get("text"), str))
        if len(text) > MAX_TEXT_CHARS:
            raise bad_body(f"new_message is {len(text):,} characters long; at most {MAX_TEXT_CHARS:,}")
        it = interpret(text, session.draft, session.video_infos, session.history)
        seg = drafts.video_segment(session.draft)
        src = seg.get("src") if seg else None
        generation = it.understood and it.kind == "generation" and src not in session.generated_sources
        # Credits (specs/instructions.md, "Credits"): the session's editing costs EDIT_COST once, paid with
        # its first understood instruction, camera motion included (the seed's "Quick edit" is upload,
        # animate, download); checked before the stream starts, so 2001 arrives as a plain envelope.
        cost = EDIT_COST if it.understood and not session.edit_paid else 0
        self.store.require(account, cost)
        if cost:
            account.available -= cost
            account.frozen += cost  # frozen while the work streams, spent once it is applied
            session.edit_paid = True
        no_text = it.understood and self.store.no_text(session, text)
        temporary_issue = it.understood and self.store.temporary_issue(session, text)
        session.messages += 1
        events = sse.builder(self.config.sse_dialect, self.store.rng, self.store.clock.now())
        streaming = body.get("streaming") is True
        stream = self._stream(account, session, it, text, generation, cost, events,
                              streaming=streaming, no_text=no_text, temporary_issue=temporary_issue)
        return StreamingResponse(stream, media_type="text/event-stream",
                                 headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})

    async def _stream(self, account: Account, session: Session, it: Interpretation, text: str,
                      generation: bool, cost: int, events: sse.EventBuilder, *, streaming: bool,
                      no_text: bool, temporary_issue: bool) -> AsyncIterator[bytes]:
        applied = False
        tool = it.tool if generation or not it.understood else "edit_multitrack"
        try:
            if not it.understood:
                yield events.heartbeat()
                for chunk in sse.chunks(it.reply) if streaming else []:
                    yield events.text(chunk, partial=True)
                yield events.text(it.reply)
                return
            yield events.tool_call(tool, {"instruction": text})
            async for beat in self._work(events):
                yield beat
            seg = drafts.video_segment(it.draft)
            session.draft, session.history = it.draft, it.history
            if generation and seg is not None:
                session.generated_sources.add(seg["src"])
                session.generated_media.append({
                    "id": f"gen_{len(session.generated_media) + 1}", "type": "video", "tool": tool,
                    "source_url": seg["src"], "motion": copy.deepcopy(seg.get("motion")),
                    "duration": drafts.duration(it.draft) / 1000})
            applied = True
            account.frozen -= cost
            yield events.tool_result(tool, {"status": "success", "summary": it.reply}, it.draft)
            if not no_text:
                for chunk in sse.chunks(it.reply) if streaming else []:
                    yield events.text(chunk, partial=True)
                yield events.text(it.reply)
            if temporary_issue:
                yield events.text(TEMPORARY_ISSUE_TEXT)
        finally:
            if cost and not applied:  # the stream broke off before the work was done: refund
                account.frozen -= cost
                account.available += cost
                session.edit_paid = False

    async def _work(self, events: sse.EventBuilder) -> AsyncIterator[bytes]:
        """Simulated generation time, with a heartbeat at once and every ``heartbeat_interval``."""
        deadline = time.monotonic() + self.config.work_delay
        yield events.heartbeat()
        while (left := deadline - time.monotonic()) > 0:
            await anyio.sleep(min(self.config.heartbeat_interval, left))
            if deadline - time.monotonic() > 0:
                yield events.heartbeat()

    # --- render -----------------------------------------------------------------------------------------

    async def render_submit(self, request: Request) -> Response:
        if missing := _missing_attribution(request):  # seed: "if any header is missing, exports return 402"
            raise ApiFailure(EXPORT_NOT_ALLOWED,
                             f"export not allowed: missing {', '.join(missing)} header(s); the free plan "
                             "needs the attribution headers to export (plan tier, not credits)")
        account = self._account(request)
        body = await json_object(request)
        fault = getattr(request.state, RENDER_FAULT, None)
        job = await self.jobs.submit(account, body, _base_url(request), fault)
        return render_ok({"id": job.id, "status": job.status, "progress": job.progress})

    async def render_status(self, request: Request) -> Response:
        job = self.jobs.get(self._account(request), request.path_params["job_id"])
        return JSONResponse(status_body(job, self.config.render_shape))

    async def render_cancel(self, request: Request) -> Response:
        job = self.jobs.get(self._account(request), request.path_params["job_id"])
        self.jobs.cancel(job)
        return render_ok({"id": job.id, "status": job.status, "progress": job.progress, "error": job.error})

    async def render_download(self, request: Request) -> Response:
        try:
            account = self._account(request)
        except ApiFailure as exc:  # a downloader may look only at the status: a 1001 here is also a 401
            raise ApiFailure(exc.code, exc.message, http_status=401) from None
        job = self.jobs.get(account, request.path_params["job_id"])
        return self._job_file(job, job.id)

    async def render_file(self, request: Request) -> Response:
        name = request.path_params["name"]
        job = self.store.job_files.get(request.path_params["key"])
        if job is None or job.output_path is None or job.output_path.name != name \
                or not self._cdn_caller_may(request, job.user_id):
            job = None
        return self._job_file(job, name)

    def _job_file(self, job: RenderJob | None, name: str) -> Response:
        if job is None:
            return render_error(ApiFailure(404, f"render {name[:60]} not found", http_status=404))
        if job.status != "completed" or job.output_path is None or not job.output_path.is_file():
            return render_error(ApiFailure(404, f"render {job.id} has no output yet (status {job.status})",
                                           http_status=404))
        media = {"mp4": "video/mp4", "webm": "video/webm", "mov": "video/quicktime", "gif": "image/gif"}
        return FileResponse(job.output_path, filename=job.output_path.name,
                            media_type=media.get(job.output_format, "application/octet-stream"))

    # --- introspection ----------------------------------------------------------------------------------

    def _admin(self, request: Request) -> Response | None:
        """``None`` when the request carries the admin key, else the refusal to send."""
        if key_matches(self.admin_key, request.headers.get(ADMIN_HEADER)):
            return None
        return JSONResponse({"error": f"admin route: send the {ADMIN_HEADER} header with the key printed by "
                             "`motionctl mock serve` (RunningMock.admin in tests)"}, status_code=401)

    async def mock_requests(self, request: Request) -> Response:
        if (refused := self._admin(request)) is not None:
            return refused
        return JSONResponse({"requests": list(self.controller.log)})

    async def mock_reset(self, request: Request) -> Response:
        if (refused := self._admin(request)) is not None:
            return refused
        self.store.reset()
        self.controller.reset()
        return JSONResponse({"ok": True})

    async def mock_faults(self, request: Request) -> Response:
        if (refused := self._admin(request)) is not None:
            return refused
        if request.method == "POST":
            try:
                raw = await read_limited(request)
                self.controller.set_plan(parse_fault_plan(parse_json(raw) if raw.strip() else None))
            except FaultPlanError as exc:
                return JSONResponse({"error": str(exc)}, status_code=400)
            except ApiFailure as exc:
                return JSONResponse({"error": exc.message}, status_code=exc.http_status)
        plan = self.controller.plan
        return JSONResponse({"rules": len(plan.rules), "rate_limit": None if plan.rate_limit is None else
                             {"requests": plan.rate_limit.requests, "window": plan.rate_limit.window}})


def _failure_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiFailure)
    return render_error(exc) if request.url.path.startswith("/api/render/") else error(exc)


# nginx's "client closed request": what the request log shows for a caller that hung up mid-request.
CLIENT_CLOSED = 499


def _client_gone(request: Request, exc: Exception) -> Response:
    # A caller that hangs up mid-upload (Ctrl-C of a run) is not a server error: no traceback in the
    # log, and its partial files are already discarded (uploads.receive_multipart).
    return Response(status_code=CLIENT_CLOSED)


def create_app(config: MockConfig | None = None, clock: Clock | None = None) -> Starlette:
    """Build the mock Nemo API as a Starlette app.

    Args:
        config: behaviour settings; ``MockConfig()`` when omitted.
        clock: time source for token expiry and rate-limit windows; the system clock when omitted.
    """
    config = config or MockConfig()
    store = Store(config, clock or SystemClock())
    rate = RateLimit(config.rate_limit, config.rate_window) if config.rate_limit else None
    controller = FaultController(store, config.seed, rate)
    controller.set_plan(config.faults or FaultPlan())
    jobs = RenderJobs(store)
    admin_key = config.admin_key or new_admin_key()
    api = NemoApi(config, store, jobs, controller, admin_key)
    routes = [Route(path, getattr(api, handler), methods=list(methods)) for path, handler, methods in ROUTES]

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        jobs.warm()
        try:
            yield
        finally:
            await jobs.aclose()

    handlers = {ApiFailure: _failure_handler, ClientDisconnect: _client_gone}
    app = _MockApp(routes=routes, exception_handlers=handlers, lifespan=lifespan)
    app.fault_controller = controller  # read when Starlette builds the middleware stack, at the first call
    app.state.store = store
    app.state.jobs = jobs
    app.state.faults = controller
    app.state.admin_key = admin_key
    return app
