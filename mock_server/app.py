"""The mock's routes: HTTP in, store calls, envelopes out. Faults live in middleware, not here.

Endpoints follow specs/SOURCES.md and specs/nemo-api.yaml. In strict mode (the default) every request is
first held to the spec (contract.py): the path is the spec's (``me``, ``nemo_agent``), then the
attribution headers and the token are checked as the sources say, then the other headers, the content
type and the body, and only then does a handler look anything up, so a malformed request is refused as
malformed whatever it names. ``--lenient`` skips the spec checks (and reads ``sessionId`` on /run_sse and
a user id in paths, as older texts wrote them). HTTP status choices are documented in ``envelopes.py``.
"""

from __future__ import annotations

import copy
import time
import urllib.parse
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
import anyio.to_thread
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import FileResponse, JSONResponse, RedirectResponse, Response, StreamingResponse
from starlette.routing import Route
from starlette.types import ASGIApp

from . import contract, drafts, sse, url_fetch
from .admin import AdminApi, new_admin_key
from .bodies import (
    BODY_TOO_LARGE,
    MAX_ID_CHARS,
    MAX_JSON_BYTES,
    MAX_NAME_CHARS,
    MAX_TEXT_CHARS,
    json_object,
    text_field,
)
from .clock import Clock, SystemClock
from .config import MockConfig
from .envelopes import (
    BAD_BODY,
    BAD_TOKEN,
    EXPORT_NOT_ALLOWED,
    MISSING_CLIENT_ID,
    UNAUTHORIZED,
    ApiFailure,
    bad_body,
    error,
    ok,
    render_error,
)
from .faults import FaultMiddleware, FaultPlan, RateLimit, fired_rules
from .interpreter import Interpretation, interpret
from .render_jobs import RenderJobs, job_body
from .request_log import scope_name
from .routes import ADMIN_ROUTES, ROUTES
from .scopes import Scopes
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
MAX_URLS = 20  # URL sources per upload request
MAX_PARTS = 10  # parts of one /run_sse message
# Bodies bigger than this are checked against the spec off the event loop (a draft can be 1 MiB).
INLINE_CHECK_BYTES = 16 * 1024
# SOURCES.md: the backend can end a stream with this line after real work; clients ignore it.
TEMPORARY_ISSUE_TEXT = "I encountered a temporary issue. Please try again if something looks off."


class _MockApp(Starlette):
    """Starlette with the fault middleware outermost, so it sees the server's own ``send``."""

    scopes: Scopes

    def build_middleware_stack(self) -> ASGIApp:
        return FaultMiddleware(super().build_middleware_stack(), self.scopes)


def _missing_attribution(request: Request) -> list[str]:
    return [h for h in ATTRIBUTION_HEADERS if not request.headers.get(h, "").strip(" \t")]


def _require_attribution(request: Request) -> None:
    """The seed: the three attribution headers are "required on every request"; SOURCES.md: missing ones
    "cause auth failures or export 402". Export answers 402 (render_submit); every other call fails auth.
    An ``X-Client-Id``, where sent, must be what the API documents (1 to 64 characters), else 400."""
    client_id = request.headers.get("x-client-id")
    if client_id is not None and not (client_id.strip(" \t") and len(client_id) <= 64):
        raise ApiFailure(MISSING_CLIENT_ID, "bad X-Client-Id header: send a UUID (1 to 64 characters)")
    if missing := _missing_attribution(request):
        raise ApiFailure(BAD_TOKEN, f"auth failed: missing {', '.join(missing)} header(s); every call needs "
                         "X-Skill-Source, X-Skill-Version and X-Skill-Platform", http_status=UNAUTHORIZED)


def _base_url(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def _operation(request: Request) -> contract.Operation:
    """The spec's operation for this request (strict mode).

    Raises:
        RequestInvalid: 404 when the path is not the spec's (another user id or app name in it).
    """
    op = contract.find_operation(request.method, request.url.path)
    if op is None:
        raise contract.RequestInvalid(
            f"no operation {request.method} {request.url.path[:120]} in specs/nemo-api.yaml: paths name the "
            "user as 'me' and the app as 'nemo_agent' (mock serve --lenient takes other names)",
            http_status=404)
    return op


class NemoApi:
    """The route handlers over one store."""

    def __init__(self, config: MockConfig, store: Store, jobs: RenderJobs) -> None:
        self.config = config
        self.store = store
        self.jobs = jobs

    def _account(self, request: Request) -> Account:
        """The caller, after the spec's path and the attribution headers; then, in strict mode, the
        operation's other headers."""
        op = _operation(request) if self.config.strict else None
        _require_attribution(request)
        account = self.store.authenticate(request.headers.get("authorization"))
        if op is not None:
            contract.check_headers(op, request.headers)
            request.state.operation = op
        return account

    async def _json(self, request: Request) -> dict[str, Any]:
        """The body as a JSON object; in strict mode of the operation's content type and schema."""
        op: contract.Operation | None = getattr(request.state, "operation", None)
        media = contract.check_content_type(op, request.headers.get("content-type")) if op else ""
        body = await json_object(request)
        if op is not None:
            declared = request.headers.get("content-length", "")
            if declared.isdigit() and int(declared) <= INLINE_CHECK_BYTES:
                contract.check_body(op, media, body)
            else:  # a big draft's check is CPU work: off the loop, like rendering
                await anyio.to_thread.run_sync(contract.check_body, op, media, body)
        return body

    # --- auth and sessions ------------------------------------------------------------------------------

    async def anonymous_token(self, request: Request) -> Response:
        _require_attribution(request)
        client_id = request.headers.get("x-client-id", "").strip(" \t")
        if not client_id or len(client_id) > 64:
            raise ApiFailure(MISSING_CLIENT_ID,
                             "missing X-Client-Id header: send a UUID (at most 64 characters)")
        ip = request.client.host if request.client else ""
        account = self.store.anonymous_token(client_id, ip, request.headers.get("authorization"),
                                             scope_name(request.headers))
        return ok({"token": account.token, "user_id": account.user_id, "expires_at": iso(account.expires_at),
                   "credits": account.available})

    async def claim_token(self, request: Request) -> Response:
        account = self._account(request)
        body = await self._json(request)
        self.store.session(account, text_field(body, "session_id", "", MAX_JSON_BYTES))
        return ok({"claim_token": self.store.new_claim_token(), "expires_in": 604800})

    async def create_session(self, request: Request) -> Response:
        account = self._account(request)
        body = await self._json(request)
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
        """The body is read before the session is looked up, so a malformed one is refused as such whatever
        session it names: a multipart body is received (and discarded on 1002), a URL list is checked
        before anything is fetched."""
        account = self._account(request)
        op: contract.Operation | None = getattr(request.state, "operation", None)
        ctype = request.headers.get("content-type", "")
        if op is not None:
            contract.check_content_type(op, ctype)
        limit = self.config.max_upload_bytes
        dirs: list[Path] = []
        ids: list[str] = []

        def new_path(filename: str) -> Path:
            upload_id, folder = self.store.new_upload_dir()
            ids.append(upload_id)
            dirs.append(folder)
            return folder / filename

        try:
            if ctype.startswith("multipart/"):
                received = await receive_multipart(ctype, request.stream(), new_path, limit)
                session = self.store.session(account, request.path_params["sid"])
            else:
                urls = self._url_list(await self._json(request))
                session = self.store.session(account, request.path_params["sid"])
                received = await self._upload_urls(request, account, urls, new_path, limit)
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

    @staticmethod
    def _url_list(body: dict[str, Any]) -> list[str]:
        urls = body.get("urls")
        if not isinstance(urls, list) or not urls or not all(isinstance(u, str) for u in urls):
            raise bad_body('expected multipart "files" or JSON {"urls": [...], "source_type": "url"}')
        if len(urls) > MAX_URLS:
            raise bad_body(f"urls has {len(urls)} entries; at most {MAX_URLS} per upload")
        return urls

    async def _upload_urls(self, request: Request, account: Account, urls: list[str],
                           new_path: Callable[[str], Path], limit: int) -> list[ReceivedFile]:
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
        body = await self._json(request)
        # Lenient mode also reads the camelCase aliases ADK's own model takes (S6); strict, the spec's names.
        lenient = not self.config.strict
        key = "sessionId" if lenient and "session_id" not in body else "session_id"
        message = body.get("newMessage") if lenient and "new_message" not in body else body.get("new_message")
        parts = message.get("parts") if isinstance(message, dict) else None
        if not isinstance(parts, list):
            raise bad_body('new_message must be {"parts": [{"text": "..."}]}')
        texts = [p["text"] for p in parts if isinstance(p, dict) and isinstance(p.get("text"), str)]
        if len(parts) > MAX_PARTS or any(len(t) > MAX_TEXT_CHARS for t in texts):
            raise bad_body(f"new_message has {len(parts)} parts of up to {max(map(len, texts), default=0):,} "
                           f"characters; at most {MAX_PARTS} parts of {MAX_TEXT_CHARS:,}")
        session = self.store.session(account, text_field(body, key, "", MAX_JSON_BYTES))
        text = "\n".join(texts)
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
        failure = next((r.stream for r in fired_rules(request.state) if r.stream is not None), None)
        if failure is not None and failure.error_after is not None:
            stream = sse.fail_after(stream, failure.error_after, failure.error)
        return StreamingResponse(stream, media_type="text/event-stream",
                                 headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})

    async def _stream(self, account: Account, session: Session, it: Interpretation, text: str,
                      generation: bool, cost: int, events: sse.EventBuilder, *, streaming: bool,
                      no_text: bool, temporary_issue: bool) -> AsyncGenerator[bytes, None]:
        """The agent's events. Closed early (a dropped client, an injected error), it refunds a charge for
        work it did not apply."""
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
        body = await self._json(request)
        fault = next((r.render for r in fired_rules(request.state) if r.render), None)
        job = await self.jobs.submit(account, body, _base_url(request), fault,
                                     validated=self.config.strict)
        return JSONResponse(job_body(job, self.config.render_shape))

    async def render_status(self, request: Request) -> Response:
        job = self.jobs.get(self._account(request), request.path_params["job_id"])
        return JSONResponse(job_body(job, self.config.render_shape))

    async def render_cancel(self, request: Request) -> Response:
        job = self.jobs.get(self._account(request), request.path_params["job_id"])
        self.jobs.cancel(job)
        return JSONResponse(job_body(job, self.config.render_shape))

    async def render_download(self, request: Request) -> Response:
        try:
            account = self._account(request)
        except ApiFailure as exc:  # a downloader may look only at the status: a 1001 here is always a 401
            if exc.code != BAD_TOKEN:
                raise
            raise ApiFailure(exc.code, exc.message, http_status=UNAUTHORIZED) from None
        job = self.jobs.get(account, request.path_params["job_id"])
        if any(r.redirect for r in fired_rules(request.state)) and job.status == "completed" \
                and job.output_url is not None:
            return RedirectResponse(job.output_url, status_code=302)  # the file "lives on a CDN"
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


def _failure_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiFailure)
    if request.url.path == "/run_sse" and exc.code == exc.http_status and exc.http_status in (
            BAD_BODY, BODY_TOO_LARGE, contract.NOT_ACCEPTABLE, contract.UNSUPPORTED_MEDIA_TYPE):
        return fastapi_error(exc)  # ADK's /run_sse is a FastAPI route: a request it cannot take
    return render_error(exc) if request.url.path.startswith("/api/render/") else error(exc)


def fastapi_error(exc: ApiFailure) -> JSONResponse:
    """FastAPI's answer to a request it cannot take: 422 with a list naming each field (``loc``) and the
    rule broken, else ``{"detail": "…"}``."""
    if exc.http_status != BAD_BODY:
        return JSONResponse({"detail": exc.message}, status_code=exc.http_status)
    invalid = exc if isinstance(exc, contract.RequestInvalid) else None
    item = {"type": invalid.kind if invalid else "value_error", "loc": list(invalid.loc if invalid else
            ("body",)), "msg": exc.message}
    return JSONResponse({"detail": [item]}, status_code=BAD_BODY)


def _http_error(request: Request, exc: Exception) -> Response:
    """Starlette's own 404 (no such route) and 405 (another method), as JSON naming the spec."""
    assert isinstance(exc, HTTPException)
    detail = f"{exc.detail}: {request.method} {request.url.path[:120]} is not an operation of " \
             "specs/nemo-api.yaml"
    return JSONResponse({"detail": detail}, status_code=exc.status_code, headers=exc.headers)


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
    scopes = Scopes(store, config.seed, rate, config.faults or FaultPlan())
    jobs = RenderJobs(store)
    admin = AdminApi(scopes, config.admin_key or new_admin_key(), config)
    api = NemoApi(config, store, jobs)
    routes = [Route(path, getattr(api, handler), methods=list(methods)) for path, handler, methods in ROUTES]
    routes += [Route(path, getattr(admin, handler), methods=list(methods))
               for path, handler, methods in ADMIN_ROUTES]

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if config.warm_workers:
            jobs.warm()
        try:
            yield
        finally:
            await jobs.aclose()

    handlers = {ApiFailure: _failure_handler, ClientDisconnect: _client_gone, HTTPException: _http_error}
    app = _MockApp(routes=routes, exception_handlers=handlers, lifespan=lifespan)
    app.scopes = scopes  # read when Starlette builds the middleware stack, at the first call
    app.state.store = store
    app.state.jobs = jobs
    app.state.scopes = scopes
    app.state.admin = admin
    app.state.admin_key = admin.key
    return app
