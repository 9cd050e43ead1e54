"""Where a run's API calls go: the embedded mock (default), a server at --base-url, or the live service.

The embedded mock runs in-process on 127.0.0.1 for the length of the run, so ``motionctl run recipe.yaml``
works offline with nothing started by hand. Its seed is fixed, which makes its replies, ids and
"no text" choices the same every run — what golden diffs rely on.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from .api.config import DEFAULT_BASE_URL, ClientConfig
from .errors import UsageError

if TYPE_CHECKING:
    from ..mock_server import MockAdmin

BackendKind = Literal["mock", "live"]

EMBEDDED_SEED = 0
# A generous balance, not the real 100: the mock is for rehearsing whole campaigns offline (40 photos × 3
# platforms is 120 sessions at 50 credits each), and running out half-way would only test the mock's
# accounting, which has its own tests (tests/mock_server/test_mock_credits.py, and 2001 by fault injection).
EMBEDDED_CREDITS = 10_000_000
# Renders finish as fast as the local renderer goes; pacing them like a cloud job would only make users wait.
EMBEDDED_RENDER_SPEED = 0.0
# The mock answers in milliseconds, so poll it often; the live service's 30 s advice would stall a run.
# Backing off to half a second keeps jobs queued behind busy render workers from polling ten times a second.
MOCK_POLL_INTERVAL, MOCK_POLL_INTERVAL_MAX = 0.1, 0.5
# Jobs at once. The live service renders in the cloud: 4 sessions are plenty. The embedded mock renders on
# this machine's cores, and a job spends most of its time uploading, instructing and polling, so 4 jobs per
# render worker keep renders queued and every core busy (with 1 per worker, cores waited for work: a
# preview campaign took 1.2x its CPU-bound time; bench/campaign.py).
LIVE_CONCURRENCY = 4
JOBS_PER_RENDER_WORKER = 4


@dataclass(frozen=True)
class Backend:
    kind: BackendKind
    base_url: str
    client: ClientConfig
    embedded: bool = False
    concurrency: int = LIVE_CONCURRENCY  # jobs at once unless the user says otherwise
    # The embedded mock's admin client (its request log, faults): for tests and benches, never shown.
    mock_admin: MockAdmin | None = field(default=None, repr=False, compare=False)

    @property
    def description(self) -> str:
        if self.embedded:
            return f"the embedded mock (seed {EMBEDDED_SEED})"
        return f"{self.kind} at {self.base_url}"


@contextmanager
def open_backend(kind: BackendKind, base_url: str | None = None, *,
                 env: Mapping[str, str] | None = None, mock_overrides: Mapping[str, object] | None = None
                 ) -> Iterator[Backend]:
    """The backend of a run, live for the length of the ``with`` block.

    Args:
        kind: ``mock`` starts the embedded mock unless ``base_url`` is given; ``live`` uses ``base_url``,
            ``NEMO_BASE_URL`` or the production URL.
        base_url: a server to use instead (a mock started elsewhere, a staging gateway).
        env: the environment (``NEMO_TOKEN``, ``NEMO_BASE_URL``); default ``os.environ``.
        mock_overrides: extra ``MockConfig`` fields for the embedded mock (tests, benchmarks).

    Raises:
        UsageError: an unknown kind or a base URL that is not http(s).
    """
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
    from ..mock_server import MockConfig, serve_in_thread  # the mock is only imported when it is used

    settings = {"seed": EMBEDDED_SEED, "initial_credits": EMBEDDED_CREDITS,
                "render_speed": EMBEDDED_RENDER_SPEED, **(mock_overrides or {})}
    mock_config = MockConfig(**settings)  # type: ignore[arg-type]
    with tempfile.TemporaryDirectory(prefix="motionctl-mock-") as tmp, serve_in_thread(mock_config) as server:
        # The embedded mock issues its own anonymous token; a user's NEMO_TOKEN is for the live service and
        # is neither sent to it nor replaced, and the token cache lives and dies with the mock.
        config = ClientConfig.from_env(base_url=server.url, env={}, config_dir=Path(tmp),
                                       poll_interval=MOCK_POLL_INTERVAL,
                                       poll_interval_max=MOCK_POLL_INTERVAL_MAX, rate_limit_wait=1.0)
        yield Backend("mock", server.url, config, embedded=True,
                      concurrency=max(LIVE_CONCURRENCY, JOBS_PER_RENDER_WORKER * mock_config.render_workers),
                      mock_admin=server.admin)
