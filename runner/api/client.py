"""``NemoClient``: the async HTTP client of the Nemo API. Knows HTTP and the API, nothing of recipes.

Every request carries the three attribution headers and the client id; every call but the anonymous
token carries the bearer token. Answers go through ``envelope.error_for`` and the retry policy in
``retry.py``. The transport, the sleep and the clock are injectable, so tests run against respx or the
mock without the network and without waiting.
"""

from __future__ import annotations

import contextlib
import logging
import math
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Self
from urllib.parse import urljoin

import anyio
import httpx

from .. import media
from ..errors import (
    ApiError,
    AuthError,
    DuplicateRenderId,
    MissingClientId,
    PollTimeout,
    RateLimited,
    RenderFailed,
    ServerError,
    StreamError,
    TransportError,
)
from .advice import refused_request_hint, render_failure_hint
from .auth import Credentials, CredentialStore, new_client_id, parse_expiry
from .config import ClientConfig
from .download import save_response
from .envelope import error_for, unwrap
from .models import (
    ClaimToken,
    Credits,
    RenderStatus,
    Session,
    StreamResult,
    UploadedFile,
    parse_render_status,
)
from .retry import Backoff, parse_retry_after
from .sse import StreamCollector
from .streaming import EventCallback, consume_events, maybe_await
from .text import loads
from .waits import OnWait, human_duration

POLL_BACKOFF = 1.5  # each render poll waits this much longer than the one before

log = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]
Clock = Callable[[], float]
StatusCallback = Callable[[RenderStatus], Awaitable[None] | None]
FilesFactory = Callable[[contextlib.ExitStack], list[tuple[str, tuple[str, Any, str]]]]

APP_NAME = "nemo_agent"
MAX_RENDER_ID_ATTEMPTS = 3
TOKEN_ENDPOINT = "/api/auth/anonymous-token"


def _until_done(seen: tuple[float, float] | None, status: RenderStatus, now: float, floor: float) -> float:
    """Seconds until the job should complete at the pace its progress moved since ``seen`` (infinite when
    it did not move), never less than ``floor``."""
    if seen is None or status.progress is None or status.progress <= seen[1] or now <= seen[0]:
        return math.inf
    pace = (status.progress - seen[1]) / (now - seen[0])
    return max(floor, (100.0 - status.progress) / pace)


def _origin(url: httpx.URL) -> tuple[str, str, int | None]:
    return url.scheme, url.host, url.port


class NemoClient:
    """Async client of the Nemo API. Use as ``async with NemoClient(config) as client: ...``.

    Args:
        config: where and how to connect (``ClientConfig.from_env()``).
        transport: an httpx transport (respx, ``httpx.ASGITransport``, …); default: the network.
        event_hooks: httpx event hooks, e.g. ``tests.contract.ContractChecker().event_hooks()``.
        sleep: awaited for every wait (backoff, 429, polling); default ``anyio.sleep``.
        clock: monotonic seconds for deadlines; default ``time.monotonic``.
        on_wait: told ``(seconds, reason)`` before every wait of a retry (429, backoff), so a display can
            count it down; may be a coroutine function.
    """

    def __init__(
        self,
        config: ClientConfig,
        transport: httpx.AsyncBaseTransport | None = None,
        *,
        event_hooks: Mapping[str, list[Callable[..., Any]]] | None = None,
        sleep: Sleep | None = None,
        clock: Clock | None = None,
        on_wait: OnWait | None = None,
    ) -> None:
        self.config = config
        self._on_wait = on_wait
        self._http = httpx.AsyncClient(
            base_url=config.base_url,
            transport=transport,
            timeout=httpx.Timeout(config.request_timeout, connect=config.connect_timeout),
            event_hooks=dict(event_hooks or {}),
        )
        self._sleep: Sleep = sleep or anyio.sleep
        self._clock: Clock = clock or time.monotonic
        self._backoff = Backoff(config.backoff_initial, config.backoff_max)
        self._store = CredentialStore(config.config_dir)
        self._credentials: Credentials | None = None
        self._lock = anyio.Lock()
        # The anonymous-token endpoint could not be reached (after the retries): every later caller gets
        # the same answer at once instead of trying again, so a campaign fails once, not once per job.
        self._token_failure: TransportError | None = None
        self._last_render_ms = 0

    def __repr__(self) -> str:
        return f"NemoClient(base_url={self.config.base_url!r})"

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()

    # --- identity ---------------------------------------------------------------------------------

    def _load_credentials(self) -> Credentials:
        if self._credentials is None:
            cached = self._store.load(self.config.base_url)
            self._credentials = cached or Credentials(client_id=new_client_id())
            if cached is None:
                self._store.save(self.config.base_url, self._credentials)
        return self._credentials

    @property
    def client_id(self) -> str:
        """The ``X-Client-Id`` this client sends (generated once, cached per base URL)."""
        return self._load_credentials().client_id

    def _renew_client_id(self) -> None:
        self._credentials = Credentials(client_id=new_client_id())
        self._store.save(self.config.base_url, self._credentials)

    async def _token(self) -> str:
        if self.config.token is not None:
            return self.config.token
        async with self._lock:
            credentials = self._load_credentials()
            if credentials.usable(datetime.now(UTC)):
                assert credentials.token is not None
                return credentials.token
            if self._token_failure is not None:
                failure = self._token_failure
                raise TransportError(failure.message, hint=failure.hint)
            try:
                return await self._fetch_anonymous_token()
            except TransportError as exc:
                self._token_failure = exc
                raise

    async def ensure_token(self) -> None:
        """Hold a usable token before the work starts: the cached or a fresh anonymous one, or (with
        ``NEMO_TOKEN``) one cheap call that proves the API is reachable.

        A run calls this once before its jobs, so an unreachable API or a refused token is one error for
        the run rather than one per job.

        Raises:
            TransportError: the API cannot be reached (after the bounded retries).
            ApiError: the API refused (a bad NEMO_TOKEN, a 429 longer than ``max_wait``, …).
        """
        if self.config.token is None:
            await self._token()
        else:
            await self.credits()

    async def _fetch_anonymous_token(self) -> str:
        body = await self._call("POST", TOKEN_ENDPOINT, auth=False)
        data = unwrap(body, endpoint=f"POST {TOKEN_ENDPOINT}")
        token, expires_at = data.get("token"), parse_expiry(data.get("expires_at"))
        if not isinstance(token, str) or not token:
            raise ApiError(f"POST {TOKEN_ENDPOINT}: the answer has no token",
                           hint="check the base URL (NEMO_BASE_URL) or set NEMO_TOKEN")
        if expires_at is None:  # undocumented format: assume the documented 7 days
            expires_at = datetime.fromtimestamp(time.time() + 7 * 86400, UTC)
        self._credentials = Credentials(self.client_id, token, expires_at)
        self._store.save(self.config.base_url, self._credentials)
        log.info("got an anonymous token for %s (expires %s)", self.config.base_url, expires_at.isoformat())
        return token

    async def _forget_token(self, rejected: str) -> None:
        async with self._lock:
            credentials = self._load_credentials()
            if credentials.token == rejected:  # another task may have renewed it already
                self._credentials = credentials.without_token()
                self._store.save(self.config.base_url, self._credentials)

    def _headers(self, *, api: bool) -> dict[str, str]:
        if not api:
            return {}
        return {
            "X-Skill-Source": self.config.skill_source,
            "X-Skill-Version": self.config.skill_version,
            "X-Skill-Platform": self.config.platform,
            "X-Client-Id": self.client_id,
        }

    def _scrub(self, error: ApiError) -> ApiError:
        """Belt and braces: a server message that echoes the token must not carry it further."""
        secrets = [s for s in (self.config.token, self._credentials and self._credentials.token) if s]
        for secret in secrets:
            if secret in error.message or (error.hint and secret in error.hint):
                error.message = error.message.replace(secret, "***")
                error.hint = error.hint.replace(secret, "***") if error.hint else None
                error.args = (error.message,)
        return error

    # --- the request loop -------------------------------------------------------------------------

    async def _request(
        self,
        method: str,
        url: str,
        *,
        json: object = None,
        files: FilesFactory | None = None,
        auth: bool = True,
        api: bool = True,
        stream: bool = False,
        extra_headers: Mapping[str, str] | None = None,
        timeouts: httpx.Timeout | None = None,
        retry_dropped: bool = True,
        follow_redirects: bool = False,
    ) -> httpx.Response:
        """Send one API call with the retry policy; returns a successful response.

        ``stream=True`` returns the response unread (the caller closes it); error answers are read
        here. ``retry_dropped=False`` retries only failures to connect (for /run_sse, whose message
        may already have been acted on when a connection drops).
        """
        endpoint = f"{method} {httpx.URL(url).path}"
        renewed_token = renewed_client = waited = False
        transient = 0
        # When this call's run of failed connection attempts began: they share ``connect_budget``, so an
        # unreachable host (refused or black-holed) is reported within it, not after retries × timeouts.
        connecting_since: float | None = None
        while True:
            token = await self._token() if auth else ""  # first: fetching it may renew the client id
            headers = self._headers(api=api)
            if auth:
                headers["Authorization"] = f"Bearer {token}"
            headers.update(extra_headers or {})
            attempt_start = self._clock()
            with contextlib.ExitStack() as opened:
                request = self._http.build_request(
                    method, url, json=json, files=files(opened) if files else None, headers=headers,
                    timeout=self._bounded_connect(timeouts, connecting_since, attempt_start),
                )
                try:
                    # On a redirect to another origin httpx drops the Authorization header itself.
                    response = await self._http.send(request, stream=True, follow_redirects=follow_redirects)
                except httpx.TransportError as exc:
                    connecting = isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout)
                    retryable = retry_dropped or connecting
                    if connecting:
                        connecting_since = attempt_start if connecting_since is None else connecting_since
                        spent = self._clock() - connecting_since
                        retryable = spent + self._backoff.delay(transient + 1) < self.config.connect_budget
                    if retryable and transient < self.config.max_retries:
                        transient += 1
                        await self._wait(self._backoff.delay(transient),
                                         f"{endpoint}: connection failed ({type(exc).__name__}), retry "
                                         f"{transient} of {self.config.max_retries}")
                        continue
                    raise TransportError(
                        f"{endpoint}: connection failed ({type(exc).__name__}) after {transient} retries",
                        hint=_transport_hint(exc, self.config.base_url)) from exc
            connecting_since = None
            content_type = response.headers.get("content-type", "")
            # A stream is handed over unread unless it is JSON from the API, which may be an error envelope.
            if stream and response.status_code < 300 and (not api or "json" not in content_type):
                return response
            await response.aread()
            await response.aclose()
            error = self._error(response, endpoint, api=api)
            outcome = type(error).__name__ if error else "ok"
            log.debug("%s → HTTP %d %s", endpoint, response.status_code, outcome)
            if error is None:
                return response
            if isinstance(error, ServerError) and transient < self.config.max_retries:
                transient += 1
                await self._wait(self._backoff.delay(transient),
                                 f"{endpoint}: server error {response.status_code}, retry {transient} of "
                                 f"{self.config.max_retries}")
                continue
            if isinstance(error, AuthError) and auth and self.config.token is None and not renewed_token:
                renewed_token = True
                log.info("%s: token rejected (1001); getting a fresh anonymous token", endpoint)
                await self._forget_token(token)
                continue
            if isinstance(error, MissingClientId) and not renewed_client:
                renewed_client = True
                log.info("%s: 400 missing client id; retrying with a new one", endpoint)
                self._renew_client_id()
                continue
            if isinstance(error, RateLimited):
                asked = error.retry_after is not None
                wait = error.retry_after if error.retry_after is not None else self.config.rate_limit_wait
                if asked and wait > self.config.max_wait:
                    raise self._scrub(self._too_long(error, wait))
                if not waited:
                    waited = True
                    await self._wait(wait, f"{endpoint}: rate limited (429)")
                    continue
                error.hint = (f"waited {human_duration(wait)} and retried once, still refused: run fewer "
                              "jobs at once (--concurrency) or calls per second (--rate), then run again")
            raise self._scrub(error)

    def _bounded_connect(self, timeouts: httpx.Timeout | None, connecting_since: float | None,
                         now: float) -> httpx.Timeout:
        """The request's timeouts with the connect phase held to what is left of ``connect_budget``."""
        base = timeouts if timeouts is not None else self._http.timeout
        spent = 0.0 if connecting_since is None else now - connecting_since
        left = max(0.5, self.config.connect_budget - spent)
        connect = left if base.connect is None else min(base.connect, left)
        return httpx.Timeout(connect=connect, read=base.read, write=base.write, pool=base.pool)

    async def _wait(self, seconds: float, reason: str) -> None:
        """Every retry's wait: told to ``on_wait`` first (a display counts it down), then slept."""
        log.info("%s; waiting %s", reason, human_duration(seconds))
        if self._on_wait is not None:
            await maybe_await(self._on_wait(seconds, reason))
        await self._sleep(seconds)

    def _too_long(self, error: RateLimited, wait: float) -> RateLimited:
        """A 429 whose Retry-After is beyond ``max_wait``: no point waiting, say how long and what to do."""
        until = datetime.fromtimestamp(time.time() + wait, UTC).strftime("%Y-%m-%d %H:%M UTC")
        cap = human_duration(self.config.max_wait)
        if error.endpoint == f"POST {TOKEN_ENDPOINT}":
            hint = ("new anonymous tokens are limited per IP: set NEMO_TOKEN to a registered account's "
                    f"token, or run again after {until}")
        else:
            hint = (f"run again after {until}, or pass --max-wait {_ceil_unit(wait)} to sit it out")
        error.message = (f"{error.message}; the API asks to wait {human_duration(wait)} ({wait:,.0f} s), "
                         f"longer than motionctl waits (--max-wait {cap})")
        error.args = (error.message,)
        error.hint = hint
        return error

    def _error(self, response: httpx.Response, endpoint: str, *, api: bool) -> ApiError | None:
        status = response.status_code
        if not api:  # another host (a CDN): only the HTTP status means anything
            if status >= 500:
                return ServerError(f"{endpoint}: HTTP {status}", hint="the download server failed (retried): "
                                   "run again in a few minutes", http_status=status, endpoint=endpoint)
            if status >= 400:
                return ApiError(f"{endpoint}: HTTP {status}", hint="the output URL may have expired: run the "
                                "export again for a new one", http_status=status, endpoint=endpoint)
            return None
        return error_for(status, _json_or_none(response), endpoint=endpoint,
                         user_token=self.config.token is not None,
                         retry_after=parse_retry_after(response.headers.get("retry-after")))

    async def _call(self, method: str, path: str, **kwargs: Any) -> object:
        response = await self._request(method, path, **kwargs)
        body = _json_or_none(response)
        if body is None:
            raise ApiError(f"{method} {path}: the API answered something that is not JSON",
                           hint="check the base URL (NEMO_BASE_URL)", http_status=response.status_code,
                           endpoint=f"{method} {path}")
        return body

    async def _data(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        return unwrap(await self._call(method, path, **kwargs), endpoint=f"{method} {path}")

    # --- sessions, uploads, state, credits --------------------------------------------------------

    async def create_session(self, task_name: str = "project", language: str | None = None) -> Session:
        """Create a task with an agent session.

        Raises:
            ApiError: the API refused (e.g. ``AuthError`` for a bad NEMO_TOKEN).
        """
        data = await self._data("POST", "/api/tasks/me/with-session/nemo_agent",
                                json={"task_name": task_name, "language": language or self.config.language})
        if not data.get("session_id"):
            raise ApiError("POST /api/tasks/me/with-session/nemo_agent: the answer has no session_id",
                           hint="check the base URL (NEMO_BASE_URL)")
        return Session(task_id=str(data.get("task_id", "")), session_id=str(data["session_id"]),
                       user_id=data.get("user_id"))

    async def upload_files(
        self, session_id: str, paths: Sequence[Path], *, allowed: frozenset[str] = media.ALLOWED
    ) -> list[UploadedFile]:
        """Upload local files as multipart ``files``, streamed from disk (never read whole).

        Each file is checked locally first (type by magic bytes, size), so 4001/4002 are caught before
        any byte is sent.

        Raises:
            MediaError: a local check failed (``UnsupportedMediaType``, ``MediaTooLarge``).
            ApiError: the API refused.
        """
        kinds = [media.check_upload(Path(p), allowed) for p in paths]

        def open_files(stack: contextlib.ExitStack) -> list[tuple[str, tuple[str, Any, str]]]:
            # Opened per attempt: a retry must start each file from its first byte.
            return [("files", (Path(p).name, stack.enter_context(open(p, "rb")), media.MIME_TYPES[k]))
                    for p, k in zip(paths, kinds, strict=True)]

        upload_timeout = httpx.Timeout(self.config.request_timeout, connect=self.config.connect_timeout,
                                       write=None)
        data = await self._data("POST", f"/api/upload-video/nemo_agent/me/{session_id}", files=open_files,
                                timeouts=upload_timeout)
        return [UploadedFile.from_json(f) for f in data.get("files", []) if isinstance(f, Mapping)]

    async def upload_urls(self, session_id: str, urls: Sequence[str]) -> list[UploadedFile]:
        """Add files to a session by URL (the API fetches them)."""
        data = await self._data("POST", f"/api/upload-video/nemo_agent/me/{session_id}",
                                json={"urls": list(urls), "source_type": "url"})
        return [UploadedFile.from_json(f) for f in data.get("files", []) if isinstance(f, Mapping)]

    async def get_state(self, session_id: str) -> dict[str, Any]:
        """The session's latest state: the envelope's ``data`` (``data["state"]["draft"]`` is the draft)."""
        return await self._data("GET", f"/api/state/nemo_agent/me/{session_id}/latest")

    async def credits(self) -> Credits:
        """The credit balance."""
        data = await self._data("GET", "/api/credits/balance/simple")
        available, frozen = float(data.get("available", 0)), float(data.get("frozen", 0))
        return Credits(available=available, frozen=frozen, total=float(data.get("total", available + frozen)))

    async def claim_token(self, task_id: str, session_id: str) -> ClaimToken:
        """A claim token (and ``.url``) that moves an anonymous session to a registered account."""
        data = await self._data("POST", "/api/auth/claim-token",
                                json={"task_id": task_id, "session_id": session_id})
        token = data.get("claim_token")
        if not isinstance(token, str) or not token:
            raise ApiError("POST /api/auth/claim-token: the answer has no claim_token",
                           hint="check the base URL (NEMO_BASE_URL)")
        expires = data.get("expires_in")
        return ClaimToken(token=token, expires_in=int(expires) if isinstance(expires, int | float) else None)

    # --- /run_sse -----------------------------------------------------------------------------------

    async def send_message(
        self, session_id: str, text: str, *, on_event: EventCallback | None = None
    ) -> StreamResult:
        """Send one message and consume the event stream until the server closes it.

        Args:
            session_id: the session.
            text: the instruction.
            on_event: called (or awaited) with every decoded event, heartbeats included.

        Returns:
            The aggregated result; ``no_text`` is true when the stream closed without text.

        Raises:
            StreamError: an error event, a dropped stream, no bytes for ``sse_idle_budget`` seconds, or
                no end within ``sse_total_budget``.
            ApiError: the API refused before the stream started (1001, 1002, …).
        """
        body = {"app_name": APP_NAME, "user_id": "me", "session_id": session_id,
                "new_message": {"parts": [{"text": text}]}}
        budget = self.config.sse_total_budget
        timeout = httpx.Timeout(self.config.sse_idle_budget, connect=self.config.connect_timeout)
        collector = StreamCollector()
        try:
            with anyio.fail_after(budget):
                response = await self._request(
                    "POST", "/run_sse", json=body, stream=True, timeouts=timeout, retry_dropped=False,
                    extra_headers={"Accept": "text/event-stream", "Cache-Control": "no-store"})
                try:
                    await consume_events(response, collector, on_event, idle=self.config.sse_idle_budget)
                finally:
                    await response.aclose()
        except TimeoutError:
            raise StreamError(f"POST /run_sse: no end after {budget:g} s ({len(collector.result().events)} "
                              "events)", hint="the work may still finish: check the session state") from None
        return collector.result()

    # --- rendering ----------------------------------------------------------------------------------

    def new_render_id(self) -> str:
        """A fresh render id (``render_<digits>``, as documented), for callers that journal it first."""
        # Unique per client even within one millisecond: a duplicate id makes the API refuse the job.
        ms = max(int(time.time() * 1000), self._last_render_ms + 1)
        self._last_render_ms = ms
        return f"render_{ms}"

    async def submit_render(
        self, session_id: str, draft: Mapping[str, Any], output: Mapping[str, Any] | None = None, *,
        render_id: str | None = None,
    ) -> RenderStatus:
        """Submit a render of ``draft``; retries with a new id if the API says the id is taken.

        ``render_id`` submits under that id, once (the caller journaled it before the call, so a resume
        can ask what became of it); a taken id then raises ``DuplicateRenderId``.

        Raises:
            ExportNotAllowed: 402, the free plan cannot export.
            DuplicateRenderId: ``render_id`` was given and is taken.
            ApiError: any other refusal.
        """
        out = dict(output) if output is not None else {"format": "mp4", "quality": "high"}
        chosen = render_id
        for attempt in range(1, MAX_RENDER_ID_ATTEMPTS + 1):
            render_id = chosen or self.new_render_id()
            body = {"id": render_id, "sessionId": session_id, "draft": dict(draft), "output": out}
            try:
                answer = await self._call("POST", "/api/render/proxy/lambda", json=body)
            except DuplicateRenderId:
                if chosen or attempt == MAX_RENDER_ID_ATTEMPTS:
                    raise
                continue
            except ApiError as exc:
                if 400 <= (exc.http_status or 0) < 500 and "draft invalid at" in exc.message:
                    exc.hint = refused_request_hint(exc.message, draft)  # now naming the track's kind
                raise
            return parse_render_status(answer if isinstance(answer, Mapping) else {}, fallback_id=render_id)
        raise AssertionError("unreachable")  # pragma: no cover

    async def render_status(self, render_id: str) -> RenderStatus:
        """The job's status, from either documented shape."""
        answer = await self._call("GET", f"/api/render/proxy/lambda/{render_id}")
        return parse_render_status(answer if isinstance(answer, Mapping) else {}, fallback_id=render_id)

    async def cancel_render(self, render_id: str) -> None:
        """Ask the API to cancel the job."""
        await self._call("POST", f"/api/render/proxy/lambda/{render_id}/cancel")

    async def wait_render(
        self,
        render_id: str,
        interval: float | None = None,
        deadline: float | None = None,
        on_progress: StatusCallback | None = None,
    ) -> RenderStatus:
        """Poll until the job completes; returns the final status.

        The first wait is ``interval`` (default ``config.poll_interval``), each next one 1.5x longer up
        to ``config.poll_interval_max``; but while the job's progress moves, the next poll comes when the
        job should be done at that pace, if that is sooner (never sooner than ``interval``), so a finished
        clip does not sit waiting for the backoff.

        Raises:
            RenderFailed: the job failed (with the API's reason) or was cancelled.
            PollTimeout: no final status within ``deadline`` seconds (``config.poll_deadline``).
        """
        interval = self.config.poll_interval if interval is None else interval
        deadline = self.config.poll_deadline if deadline is None else deadline
        start = self._clock()
        wait = interval
        seen: tuple[float, float] | None = None  # when the job last showed progress, and how much
        while True:
            status = await self.render_status(render_id)
            now = self._clock()
            if on_progress is not None:
                await maybe_await(on_progress(status))
            if status.status == "completed":
                return status
            if status.status in ("failed", "cancelled"):
                reason = status.error or ("cancelled" if status.status == "cancelled" else "no reason given")
                reason = reason.removeprefix(f"render {status.status}: ")  # said once is enough
                raise RenderFailed(f"render {render_id} {status.status}: {reason}",
                                   hint=render_failure_hint(reason))
            remaining = deadline - (now - start)
            if remaining <= 0:
                progress = f", {status.progress:g}%" if status.progress is not None else ""
                raise PollTimeout(f"render {render_id} not finished after {deadline:g} s "
                                  f"(last status {status.status}{progress})",
                                  hint="the job keeps running on the server; poll it again later")
            await self._sleep(min(wait, _until_done(seen, status, now, interval), remaining))
            if status.progress is not None and (seen is None or status.progress > seen[1]):
                seen = (now, status.progress)
            wait = max(interval, min(wait * POLL_BACKOFF, self.config.poll_interval_max))

    async def download(self, status: RenderStatus, dest: Path, *, root: Path | None = None) -> Path:
        """Download a completed render to ``dest`` via a temp file beside it and an atomic rename.

        Uses ``output_url`` when given, else ``/api/render/proxy/<id>/download``. The bearer token and
        attribution headers go only to the API's own origin, never to a CDN. ``dest``'s folder must lie
        inside ``root`` (default: that folder itself) once links are resolved, and a link at ``dest`` is
        replaced, not written through (runner/confined.py).

        Raises:
            ApiError, TransportError: the download failed; ``dest`` is left untouched.
            OutsideFolder: ``dest``'s folder leads out of ``root`` through a link.
        """
        dest = Path(dest)
        default = f"/api/render/proxy/{status.id}/download"
        url = urljoin(self.config.base_url + "/", status.output_url or default)
        same_origin = _origin(httpx.URL(url)) == _origin(httpx.URL(self.config.base_url))
        response = await self._request("GET", url, auth=same_origin, api=same_origin, stream=True,
                                       follow_redirects=True)
        try:
            size = await save_response(response, dest, what=f"GET {httpx.URL(url).path}", root=root)
        finally:
            await response.aclose()
        log.info("downloaded render %s to %s (%d bytes)", status.id, dest, size)
        return dest


def _transport_hint(exc: httpx.TransportError, base_url: str) -> str:
    """What to do about a connection that failed: start the server, check the network, or just retry."""
    if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout):
        host = httpx.URL(base_url).host
        if host in ("127.0.0.1", "localhost", "::1"):
            return (f"nothing answers at {base_url}: start `motionctl mock serve` there, or fix --base-url")
        return f"cannot reach {base_url}: check the network connection and --base-url / NEMO_BASE_URL"
    return "the connection dropped or timed out: run again (finished work is kept; --resume continues a run)"


def _ceil_unit(seconds: float) -> str:
    """The smallest round ``--max-wait`` value that covers ``seconds`` ("7d", "3h", "12m", "45s")."""
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= 1.5 * size:
            return f"{math.ceil(seconds / size)}{unit}"
    return f"{math.ceil(seconds)}s"


def _json_or_none(response: httpx.Response) -> object:
    try:
        return loads(response.content)
    except ValueError:  # not JSON, or not UTF-8 (UnicodeDecodeError)
        return None
