"""The contracts as data, importable as ``motionctl.specs``.

This folder ships as the package ``motionctl.specs`` (motionctl/specs links here), so the schemas are
inside the wheel: a plain ``pip install .`` has no source tree to read ``specs/`` from.
"""

from __future__ import annotations

import json
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any

import yaml


def path(name: str) -> Path:
    """The file ``name`` (e.g. ``"draft.schema.json"``) of the specs package, on disk."""
    return Path(str(files(__name__) / name))


@cache
def load(name: str) -> Any:
    """Parse ``name`` once: JSON for ``.json``, YAML otherwise. Callers must not mutate the result."""
    text = path(name).read_text(encoding="utf-8")
    return json.loads(text) if name.endswith(".json") else yaml.safe_load(text)
