"""Cassettes: a run's HTTP exchanges recorded as HAR 1.2, replayed offline, and checked for drift.

Recording and replay are httpx transports (``RecordingTransport`` around the real one,
``ReplayTransport`` instead of it) that the API client takes like any other, so the engine above never
knows whether it talks to the service, the mock or a cassette. This package knows HTTP and the Nemo API's
shape, nothing of recipes or the engine; only ``drift`` starts the bundled mock (import-linter contracts
in pyproject.toml). docs/cassettes.md describes the format and the rules.
"""

from __future__ import annotations

from .freshness import OnStale, check_age, in_ci
from .har import Cassette, CassetteInfo, bodies_dir, load
from .record import Recorder, RecordingTransport
from .replay import ReplayTransport

__all__ = [
    "Cassette",
    "CassetteInfo",
    "OnStale",
    "Recorder",
    "RecordingTransport",
    "ReplayTransport",
    "bodies_dir",
    "check_age",
    "in_ci",
    "load",
]
