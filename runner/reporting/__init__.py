"""Reporters: events shown to people (rich on a terminal, plain lines otherwise) or kept as JSONL."""

from __future__ import annotations

from typing import TextIO

from runner.events import Reporter
from runner.reporting.jsonl import JsonlReporter
from runner.reporting.plain import PlainReporter

__all__ = ["JsonlReporter", "PlainReporter", "console_reporter"]


def console_reporter(stream: TextIO, *, tty: bool | None = None) -> Reporter:
    """A rich live display when ``stream`` is a terminal, else one plain line per event."""
    if tty is None:
        tty = stream.isatty()
    if tty:
        from runner.reporting.console import RichReporter  # rich is only imported for terminals

        return RichReporter(stream)
    return PlainReporter(stream)

