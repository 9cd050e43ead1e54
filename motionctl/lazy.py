"""Packages whose public names load on first use, so importing the package itself costs nothing.

``motionctl --help``, ``motionctl validate`` and a spawned render worker import ``motionctl.runner`` or
``motionctl.mock_server`` for one small module; eager ``__init__`` imports made each of them load the
engine, the HTTP client, the mock's app and the renderer (NumPy, OpenCV, PyAV) first.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping


def lazy_exports(package: str, exports: Mapping[str, str]) -> Callable[[str], object]:
    """A module ``__getattr__`` for ``package`` that imports ``exports[name]`` (a submodule, relative to
    the package) when ``name`` is first read, and keeps it in the package's namespace from then on.

    The package names the same imports under ``TYPE_CHECKING``, so type checkers and import-linter see them.
    """

    def __getattr__(name: str) -> object:
        module = exports.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f".{module}", package), name)
        setattr(importlib.import_module(package), name, value)
        return value

    return __getattr__
