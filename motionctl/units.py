"""Sizes as people read them, in the units they are counted in (shared by the runner and the mock).

Limits such as the API's "50 MB" for an image are powers of 1024, so sizes print in IEC units (KiB, MiB,
GiB): a 60,773,447-byte file is "58.0 MiB", never "58.0 MB" (which would be 58,000,000 bytes).
"""

from __future__ import annotations

_UNITS = (("GiB", 1024**3), ("MiB", 1024**2), ("KiB", 1024))


def format_size(size: int | float) -> str:
    """``58.0 MiB`` for 60,773,447 bytes; ``50 MiB`` for exactly 50·1024²; ``512 B`` below 1 KiB."""
    for unit, factor in _UNITS:
        if abs(size) >= factor:
            whole, rest = divmod(size, factor)
            return f"{int(whole)} {unit}" if rest == 0 else f"{size / factor:.1f} {unit}"
    return f"{int(size)} B"
