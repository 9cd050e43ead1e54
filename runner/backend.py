"""Where a run's API calls go: the embedded mock (default), a server at --base-url, or the live service;
recorded to a cassette on the way, or answered from one instead (``CassetteUse``).

The embedded mock runs in-process on 127.0.0.1 for the length of the run, so ``motionctl run recipe.yaml``
works offline with nothing started by hand. Its seed is fixed, which makes its replies, ids and
"no text" choices the same every run — what golden diffs rely on.
"""

from __future__ import annotations

import os
import tempfile
import urllib.request
from collections.abc import Awaitable, Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import anyio.lowlevel
import httpx

from ._version import __version__
from .api.auth import Credentials, CredentialStore, new_client_id
from .api.config import DEFAULT_BASE_URL, ClientConfig
from .errors import UsageError

if TYPE_CHECKING:
    from ..mock_server import MockAdmin
    from .cassette import Cassette

BackendKind = Literal["mock", "live"]
Sleep = Callable[[float], Awaitable[None]]

EMBEDDED_SEED = 0
# A generous balance, not the real 100: the mock is for rehearsing whole campaigns offline (40 photos × 3
# platforms is 120 sessions at 50 credits each), and running out half-way would only test the mock's
# accounting, which has its own tests (tests/mock_server/test_mock_credits.py, and 2001 by fault injection).
EMBEDDED_CREDITS = 10_000_000
# Renders finish as fast as the local renderer goes, and instructions are answered at once: pacing them like
# the cloud service would only make users wait (a one-clip run sends three instructions; at the mock's default
# 0.05 s of "thinking" each, that was 5 % of the run).
EMBEDDED_RENDER_SPEED = 0.0
EMBEDDED_WORK_DELAY = 0.0
# The mock answers in milliseconds, so poll it often; the live service's 30 s advice would stall a run.
# Backing off to half a second keeps jobs queued behind busy render workers from polling ten times a second.
MOCK_POLL_INTERVAL, MOCK_POLL_INTERVAL_MAX = 0.1, 0.5
# Jobs at once. The live service renders in the cloud: 4 sessions are plenty. The embedded mock renders on
# this machine's cores, and a job spends most of its time uploading, instructing and polling, so 4 jobs per
# render worker keep renders queued and every core busy (with 1 per worker, cores waited for work: a
# preview campaign took 1.2x its CPU-bound time; bench/campaign.py).
LIVE_CONCURRENCY = 4
JOBS_PER_RENDER_WORKER = 4
# What a replayed run calls its token: the cassette's were scrubbed, and nothing checks one on replay.
REPLAY_TOKEN = "replayed-token"


@dataclass(frozen=True)
class CassetteUse:
    """A run that records its calls to the cassette at ``path``, or is answered from it (``mode``).

    ``recipe``, ``recipe_hash`` and ``preview`` go into a recording's metadata; ``loaded`` is the replayed
    cassette when the caller has read it already (to check its age), so it is not parsed twice.
    """

    mode: Literal["record", "replay"]
    path: Path
    recipe: str | None = None
    recipe_hash: str | None = None
    preview: bool | None = None
    loaded: Cassette | None = field(default=None, repr=False, compare=False)


@dataclass(frozen=True)
class Backend:
    kind: BackendKind
    base_url: str
    client: ClientConfig
    embedded: bool = False
    concurrency: int = LIVE_CONCURRENCY  # jobs at once unless the user says otherwise
    # The embedded mock's admin client (its request log, faults): for tests and benches, never shown.
    mock_admin: MockAdmin | None = field(default=None, repr=False, compare=False)
    # What the client sends through (a recording or replaying transport; None: the network) and waits with.
    transport: httpx.AsyncBaseTransport | None = field(default=None, repr=False, compare=False)
    sleep: Sleep | None = field(default=None, repr=False, compare=False)
    cassette: CassetteUse | None = None

    @property
    def description(self) -> str:
        if self.cassette is not None and self.cassette.mode == "replay":
            return f"a replay of {self.cassette.path} (recorded from {self.kind} at {self.base_url})"
        where = f"{self.kind} at {self.base_url}"
        if self.embedded:
            where = f"the embedded mock (seed {EMBEDDED_SEED})"
        return f"{where}, recording to {self.cassette.path}" if self.cassette is not None else where


@contextmanager
def open_backend(kind: BackendKind, base_url: str | None = None, *,
                 env: Mapping[str, str] | None = None, mock_overrides: Mapping[str, object] | None = None,
                 cassette: CassetteUse | None = None, jobs: int | None = None) -> Iterator[Backend]:
    """The backend of a run, live for the length of the ``with`` block.

    Args:
        kind: ``mock`` starts the embedded mock unless ``base_url`` is given; ``live`` uses ``base_url``,
            ``NEMO_BASE_URL`` or the production URL.
        base_url: a server to use instead (a mock started elsewhere, a staging gateway).
        env: the environment (``NEMO_TOKEN``, ``NEMO_BASE_URL``); default ``os.environ``.
        mock_overrides: extra ``MockConfig`` fields for the embedded mock (tests, benchmarks).
        cassette: record the run's calls to a cassette (written when the block ends without an error), or
            answer them from one: then ``kind`` and ``base_url`` are the cassette's, and nothing is started.
        jobs: how many jobs the run has; the embedded mock starts no more render workers than that.

    Raises:
        UsageError: an unknown kind or a base URL that is not http(s).
        CassetteError: the cassette to replay cannot be read.
    """
    if cassette is not None and cassette.mode == "replay":
        with _replaying(cassette) as backend:
            yield backend
        return
    with _serving(kind, base_url, env=env, mock_overrides=mock_overrides, jobs=jobs) as backend:
        if cassette is None:
            yield backend
            return
        with _recording(backend, cassette, env) as recording:
            yield recording


@contextmanager
def _serving(kind: BackendKind, base_url: str | None, *, env: Mapping[str, str] | None,
             mock_overrides: Mapping[str, object] | None, jobs: int | None) -> Iterator[Backend]:
    if kind not in ("mock", "live"):
        raise UsageError(f"unknown backend '{kind}'", hint="use --backend mock or --backend live")
    if base_url is not None and not base_url.startswith(("http://", "https://")):
        raise UsageError(f"--base-url {base_url!r} is not an http(s) URL", hint="e.g. http://127.0.0.1:8787")
    if base_url is not None or kind == "live":
        config = ClientConfig.from_env(base_url=base_url, env=env)
        if kind == "mock":
            config = replace(config, poll_interval=MOCK_POLL_INTERVAL,
                             poll_interval_max=MOCK_POLL_INTERVAL_MAX, rate_limit_wait=1.0)
        yield Backend(kind, config.base_url or DEFAULT_BASE_URL, config)
        return
    from ..mock_server import MockConfig, prestart_render_workers  # the mock loads only when it is used

    settings = {"seed": EMBEDDED_SEED, "initial_credits": EMBEDDED_CREDITS,
                "render_speed": EMBEDDED_RENDER_SPEED, "work_delay": EMBEDDED_WORK_DELAY,
                **(mock_overrides or {})}
    mock_config = MockConfig(**settings)  # type: ignore[arg-type]
    if jobs is not None and "render_workers" not in settings:
        # A worker's start is about 0.3 s of CPU; a one-clip run would spend it on a worker it never
        # uses, competing with its own session and upload for the cores.
        mock_config = replace(mock_config, render_workers=max(1, min(jobs, mock_config.render_workers)))
    # Before the mock's own imports: a one-clip run then finds its worker ready when it submits the render,
    # rather than waiting for the worker's imports (seconds on a busy machine).
    prestart_render_workers(mock_config.render_workers)
    from ..mock_server import serve_in_thread

    with tempfile.TemporaryDirectory(prefix="motionctl-mock-") as tmp, serve_in_thread(mock_config) as server:
        # The embedded mock issues its own anonymous token; a user's NEMO_TOKEN is for the live service and
        # is neither sent to it nor replaced, and the token cache lives and dies with the mock.
        config = ClientConfig.from_env(base_url=server.url, env={}, config_dir=Path(tmp),
                                       poll_interval=MOCK_POLL_INTERVAL,
                                       poll_interval_max=MOCK_POLL_INTERVAL_MAX, rate_limit_wait=1.0)
        yield Backend("mock", server.url, config, embedded=True,
                      concurrency=max(LIVE_CONCURRENCY, JOBS_PER_RENDER_WORKER * mock_config.render_workers),
                      mock_admin=server.admin)


@contextmanager
def _recording(backend: Backend, use: CassetteUse, env: Mapping[str, str] | None) -> Iterator[Backend]:
    """``backend`` with every call recorded; the cassette is written when the block ends normally (a run
    that stops with an error or Ctrl-C leaves the cassette that was there as it was)."""
    from .cassette import CassetteInfo, Recorder

    token = (os.environ if env is None else env).get("NEMO_TOKEN")
    recorder = Recorder(use.path, secrets=[("token", token), ("token", backend.client.token)])
    started = datetime.now(UTC)
    try:
        yield replace(backend, transport=recorder.transport(_network(backend.base_url)), cassette=use)
    except BaseException:
        recorder.discard()
        raise
    recorder.save(CassetteInfo(
        recorded_at=started, base_url=backend.base_url,
        backend="embedded mock" if backend.embedded else backend.kind, motionctl_version=__version__,
        identity="token" if backend.client.token else "anonymous", recipe=use.recipe,
        recipe_hash=use.recipe_hash, preview=use.preview))


def _network(url: str) -> httpx.AsyncHTTPTransport:
    """The transport httpx would have used: given a transport, httpx stops reading the proxy variables."""
    parsed = httpx.URL(url)
    bypass = urllib.request.proxy_bypass(parsed.host)
    proxy = None if bypass else urllib.request.getproxies().get(parsed.scheme)
    return httpx.AsyncHTTPTransport(proxy=proxy)


@contextmanager
def _replaying(use: CassetteUse) -> Iterator[Backend]:
    """A backend answered from a cassette: no server started, no network, no token cache of the user's."""
    from .cassette import ReplayTransport, load

    cassette = use.loaded if use.loaded is not None else load(use.path)
    info = cassette.info
    with tempfile.TemporaryDirectory(prefix="motionctl-replay-") as tmp:
        token = REPLAY_TOKEN if info.identity == "token" else None
        config = ClientConfig(base_url=info.base_url, token=token, config_dir=Path(tmp),
                              poll_interval=MOCK_POLL_INTERVAL,
                              poll_interval_max=MOCK_POLL_INTERVAL_MAX)
        if config.token is None:
            # The recording fetched an anonymous token, or used a cached one: this run holds one from the
            # start and asks for none (the recorded token's expiry may be long past).
            CredentialStore(Path(tmp)).save(config.base_url, Credentials(
                new_client_id(), REPLAY_TOKEN, datetime(2999, 1, 1, tzinfo=UTC)))
        kind: BackendKind = "live" if info.backend == "live" else "mock"
        yield Backend(kind, info.base_url, config, transport=ReplayTransport(cassette), sleep=_no_wait,
                      cassette=use)


async def _no_wait(seconds: float) -> None:
    """A replay's waits (backoff, 429, polls) take no time; the loop still gets its turn."""
    await anyio.lowlevel.checkpoint()
