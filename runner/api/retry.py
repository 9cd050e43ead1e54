"""Retry policy as values: which failures are retried, how often, and how long to wait.

The waits go through the client's injected ``sleep`` (one seam for backoff, 429 waits and render polling),
so tests assert the exact waits without sleeping. This is why the loop is ours rather than stamina's:
``stamina.set_testing`` replaces the attempt count in tests, so the counts below could not be tested as
they run. Counts, per request:

* 1001 → one fresh anonymous token (never for a NEMO_TOKEN); 400 → one new client id;
* 429 → one wait (``Retry-After`` or ``rate_limit_wait``) and one retry;
* 5xx, dropped connections, timeouts → up to ``max_retries`` retries with exponential backoff;
* 2001, 402 and the other codes → never.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime


@dataclass(frozen=True)
class Backoff:
    """Exponential backoff without jitter (runs are small; predictable waits are easier to reason about)."""

    initial: float = 1.0
    maximum: float = 30.0
    factor: float = 2.0

    def delay(self, attempt: int) -> float:
        """The wait before retry number ``attempt`` (1-based)."""
        return float(min(self.maximum, self.initial * self.factor ** (attempt - 1)))


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (seconds or an HTTP date), or ``None``."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    now = now or datetime.now(UTC)
    return max(0.0, (when - now).total_seconds())
