"""The installed package's version, in a module of its own so any module can import it without cycles."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("motionctl")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0.0.0"
