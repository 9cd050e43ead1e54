"""How to reach the Nemo API: base URL, token, attribution, budgets. Read from the environment once."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

import platformdirs

from .._version import __version__

DEFAULT_BASE_URL = "https://mega-api-prod.nemovideo.ai"
SKILL_SOURCE = "image-to-video-motion-control"


def detect_platform(env: Mapping[str, str] | None = None) -> str:
    """The ``X-Skill-Platform`` value for where we run: ``github``, ``cursor`` or ``unknown``."""
    env = os.environ if env is None else env
    if env.get("GITHUB_ACTIONS", "").lower() == "true":
        return "github"
    cursor_vars = ("CURSOR_TRACE_ID", "CURSOR_AGENT")
    if any(env.get(v) for v in cursor_vars) or "cursor" in env.get("TERM_PROGRAM", "").lower():
        return "cursor"
    return "unknown"


def default_config_dir() -> Path:
    """``<user config dir>/motionctl`` (platformdirs; honours ``XDG_CONFIG_HOME`` on Linux)."""
    return Path(platformdirs.user_config_dir("motionctl", appauthor=False))


@dataclass(frozen=True)
class ClientConfig:
    """Settings of a ``NemoClient``. The repr never shows the token.

    ``token`` is the user's own token (``NEMO_TOKEN``); when it is ``None`` the client gets an anonymous
    token and caches it under ``config_dir``. A user's token is never replaced automatically.
    """

    base_url: str = DEFAULT_BASE_URL
    token: str | None = field(default=None, repr=False)
    config_dir: Path = field(default_factory=default_config_dir)
    platform: str = "unknown"
    skill_source: str = SKILL_SOURCE
    skill_version: str = __version__
    # Render polls back off: the first after ``poll_interval`` seconds, each next one 1.5x later, never
    # more than ``poll_interval_max`` apart (one public client's 2 s x 1.5 policy, capped at the 30 s the
    # API's own document advises): a short render is noticed soon, a long one is not polled to death.
    poll_interval: float = 2.0
    poll_interval_max: float = 30.0
    poll_deadline: float = 900.0
    rate_limit_wait: float = 30.0
    # The longest single wait (Retry-After, backoff) worth sitting through; a longer one fails at once.
    max_wait: float = 300.0
    sse_total_budget: float = 900.0
    # Heartbeats arrive while the backend works, so a long silence means the stream is dead.
    sse_idle_budget: float = 180.0
    max_retries: int = 3
    backoff_initial: float = 1.0
    backoff_max: float = 30.0
    request_timeout: float = 60.0
    connect_timeout: float = 15.0
    # All attempts to connect within one call (timeouts and backoffs) end within this: no network is
    # reported in seconds, not after retries × timeouts.
    connect_budget: float = 10.0
    language: str = "en"

    def __post_init__(self) -> None:
        object.__setattr__(self, "base_url", self.base_url.rstrip("/"))

    def __repr__(self) -> str:
        token = "None" if self.token is None else "'***'"
        return (
            f"ClientConfig(base_url={self.base_url!r}, token={token}, config_dir={str(self.config_dir)!r}, "
            f"platform={self.platform!r}, max_retries={self.max_retries}, max_wait={self.max_wait:g})"
        )

    @classmethod
    def from_env(
        cls,
        base_url: str | None = None,
        platform: str | None = None,
        *,
        env: Mapping[str, str] | None = None,
        **overrides: object,
    ) -> ClientConfig:
        """Build a config from ``NEMO_BASE_URL``, ``NEMO_TOKEN`` and the platform; arguments win.

        Args:
            base_url: overrides ``NEMO_BASE_URL``; default ``DEFAULT_BASE_URL``.
            platform: overrides the detected ``X-Skill-Platform``.
            env: the environment to read (default ``os.environ``), for tests.
            overrides: any other ``ClientConfig`` field, e.g. ``poll_interval=1.0``.
        """
        env = os.environ if env is None else env
        config = cls(
            base_url=base_url or env.get("NEMO_BASE_URL") or DEFAULT_BASE_URL,
            token=env.get("NEMO_TOKEN") or None,
            platform=platform or detect_platform(env),
        )
        return replace(config, **overrides)  # type: ignore[arg-type]
