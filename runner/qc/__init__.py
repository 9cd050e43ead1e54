"""Clip QC: does an exported clip show and sound as its job asked? (docs/clip-qc.md)

A pure checker library, one concept a module: ``asked`` (what a job asks of a clip), ``probe`` and
``format`` (the container), ``footage`` (the one decoding pass), ``picture`` (black, frozen, bars, edges),
``estimate``/``model``/``motion`` (the camera), ``text`` and ``ocr`` (titles), ``loudness``/``reference``/
``audio`` (the music), ``verdict`` (what was found) and ``clip`` (all of it for one file). It knows no
engine, backend, journal or HTTP client: the runner hands it a file and an ``AskedClip``.
"""

from __future__ import annotations

import importlib
import threading
from typing import TYPE_CHECKING

from ...lazy import lazy_exports

if TYPE_CHECKING:
    from .asked import (
        AskedClip,
        AskedMotion,
        AskedMusic,
        AskedText,
        ClipAssertions,
        Readable,
        Unknown,
        resolve,
        touched_fields,
    )
    from .clip import check_clip
    from .verdict import (
        DEFAULT_LEVEL,
        LEVELS,
        Check,
        Level,
        Options,
        Verdict,
        check_from_dict,
        summary,
        verdict_from_dict,
    )

# Loaded on first use: the recipe side and `motionctl --help` need `asked` alone, not the decoder (PyAV,
# OpenCV, NumPy) that `clip` brings.
__getattr__ = lazy_exports(__name__, {
    **dict.fromkeys(["AskedClip", "AskedMotion", "AskedMusic", "AskedText", "ClipAssertions", "Readable",
                     "Unknown", "resolve", "touched_fields"], "asked"),
    "check_clip": "clip",
    **dict.fromkeys(["DEFAULT_LEVEL", "LEVELS", "Check", "Level", "Options", "Verdict", "check_from_dict",
                     "summary", "verdict_from_dict"], "verdict"),
})



def preload() -> None:
    """Start loading the checker's decoder (PyAV, OpenCV, NumPy: about 0.15 s) in a background thread, once
    per process. The runner calls it when it submits a render: the first check then starts at once, rather
    than a one-clip run loading it at start-up (before its session) or after its download."""
    global _preloading
    with _preload_lock:
        if _preloading is None:
            _preloading = threading.Thread(target=importlib.import_module, args=(f"{__name__}.clip",),
                                           name="qc-preload", daemon=True)
            _preloading.start()


_preloading: threading.Thread | None = None
_preload_lock = threading.Lock()

__all__ = [
    "DEFAULT_LEVEL",
    "LEVELS",
    "AskedClip",
    "AskedMotion",
    "AskedMusic",
    "AskedText",
    "Check",
    "ClipAssertions",
    "Level",
    "Options",
    "Readable",
    "Unknown",
    "Verdict",
    "check_clip",
    "check_from_dict",
    "preload",
    "resolve",
    "summary",
    "touched_fields",
    "verdict_from_dict",
]
