"""How old a cassette may be before it says nothing about the service any more: ``--max-age``.

A stale cassette warns on a developer's machine and fails in CI, where nobody reads warnings. CI is the
``CI`` environment variable set to anything but ``""``, ``0``, ``false`` or ``no`` (GitHub Actions, GitLab CI,
CircleCI, Travis CI, Buildkite and Bitbucket Pipelines all set it); ``--on-stale warn|fail`` says it outright.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Literal

from ..api.waits import human_duration
from ..errors import CassetteStale
from .har import Cassette

OnStale = Literal["warn", "fail"]


def in_ci(env: Mapping[str, str]) -> bool:
    return env.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def check_age(cassette: Cassette, max_age: float, on_stale: OnStale | None, env: Mapping[str, str],
              now: datetime | None = None) -> str | None:
    """The warning for a cassette older than ``max_age`` seconds, or ``None`` when it is fresh enough.

    Raises:
        CassetteStale: it is too old and staleness fails (``on_stale`` "fail", or unset in CI).
    """
    age = ((now or datetime.now(UTC)) - cassette.info.recorded_at).total_seconds()
    if age <= max_age:
        return None
    message = (f"{cassette.path} was recorded {human_duration(age)} ago "
               f"({cassette.info.recorded_at:%Y-%m-%d}), more than --max-age {human_duration(max_age)}")
    hint = ("record it again against the service (`motionctl run RECIPE --record FILE --backend live`) and "
            "check what changed with `motionctl drift FILE`")
    if (on_stale or ("fail" if in_ci(env) else "warn")) == "fail":
        raise CassetteStale(message, hint=hint)
    return f"{message}: {hint}"
