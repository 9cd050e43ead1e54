"""Every event as one JSON line (``events.jsonl`` in the run directory), for tools that follow a run."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..confined import open_append
from ..events import Event


class JsonlReporter:
    """``scrub`` cleans each record as the run's journal cleans its own (secrets, capability links)."""

    def __init__(self, path: Path, *, scrub: Callable[[Any], Any] = lambda record: record) -> None:
        self._file = open(open_append(path), "a", encoding="utf-8")  # noqa: SIM115 — closed by close()
        self._scrub = scrub

    def handle(self, event: Event) -> None:
        record = self._scrub({"event": type(event).__name__, **dataclasses.asdict(event)})
        self._file.write(json.dumps(record, default=_plain, ensure_ascii=False) + "\n")
        self._file.flush()

    def close(self) -> None:
        self._file.close()


def _plain(value: Any) -> Any:
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"not JSON: {type(value).__name__}")
