"""Clip QC: does an exported clip show and sound as its job asked? (docs/clip-qc.md)

A pure checker library, one concept a module: ``asked`` (what a job asks of a clip), ``probe`` and
``format`` (the container), ``footage`` (the one decoding pass), ``picture`` (black, frozen, bars, edges),
``estimate``/``model``/``motion`` (the camera), ``text`` and ``ocr`` (titles), ``loudness``/``reference``/
``audio`` (the music), ``verdict`` (what was found) and ``clip`` (all of it for one file). It knows no
engine, backend, journal or HTTP client: the runner hands it a file and an ``AskedClip``.
"""

from __future__ import annotations

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
    from .clip import Options, check_clip
    from .verdict import (
        DEFAULT_LEVEL,
        LEVELS,
        Check,
        Level,
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
    **dict.fromkeys(["Options", "check_clip"], "clip"),
    **dict.fromkeys(["DEFAULT_LEVEL", "LEVELS", "Check", "Level", "Verdict", "check_from_dict", "summary",
                     "verdict_from_dict"], "verdict"),
})

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
    "resolve",
    "summary",
    "touched_fields",
    "verdict_from_dict",
]
