"""Reporters: events shown to people (rich on a terminal, plain lines otherwise) or kept as JSONL."""

from __future__ import annotations

from typing import TextIO

from ..events import Reporter
from .jsonl import JsonlReporter
from .plain import PlainReporter
from .text import Verbosity

__all__ = ["JsonlReporter", "PlainReporter", "Verbosity", "console_reporter"]


def console_reporter(stream: TextIO, *, tty: bool | None = None,
                     verbosity: Verbosity = Verbosity.NORMAL) -> Reporter:
    """A rich live display when ``stream`` is a terminal, else plain lines; as much as ``verbosity`` asks."""
    if tty is None:
        tty = stream.isatty()
    if tty:
        from .console import RichReporter  # rich is only imported for terminals

        return RichReporter(stream, verbosity)
    return PlainReporter(stream, verbosity)
