"""What text a recipe may hold: valid Unicode, without control characters.

A recipe's strings travel far: into sentences the API reads, session state it stores and serves back, file
names, journals, golden files and terminals. A lone surrogate (``"\\ud800"``, which a YAML or template
escape can write) is not a character at all: no UTF-8 encoder takes it, so it fails wherever the text is
written next. A control character (NUL, ESC) breaks file names and terminals. Both are refused where they
enter: in the file itself, in each value a YAML escape makes, and in each template's result.
"""

from __future__ import annotations

import re

# Tab, line feed and carriage return are text; the other C0 controls, DEL and the surrogates are not.
_BAD = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
# What the YAML reader accepts in a file (YAML 1.1 "printable"); the rest of C1 is refused there too.
_NOT_YAML = re.compile("[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")

_NAMES = {0x00: "NUL", 0x07: "BEL", 0x08: "BS", 0x1b: "ESC", 0x7f: "DEL", 0x0b: "VT", 0x0c: "FF"}


def bad_character(text: str) -> tuple[int, str] | None:
    """The index of the first character a recipe's text may not hold, and what it is; ``None`` if none."""
    match = _BAD.search(text)
    return None if match is None else (match.start(), describe(match.group()))


def mended(text: str) -> str:
    """``text`` with each character ``bad_character`` finds replaced by U+FFFD, for a value already reported:
    later checks see ordinary text, so the one mistake is reported once."""
    return _BAD.sub("\ufffd", text)


def file_character(text: str) -> tuple[int, str] | None:
    """Like ``bad_character``, for a whole recipe file: also what YAML itself refuses (C1 controls)."""
    match = _NOT_YAML.search(text)
    return None if match is None else (match.start(), describe(match.group()))


def describe(char: str) -> str:
    """``"a lone surrogate (U+D800), not a character"``, ``"a control character (U+0000 NUL)"``."""
    code = ord(char)
    if 0xD800 <= code <= 0xDFFF:
        return f"a lone surrogate (U+{code:04X}), not a character"
    name = _NAMES.get(code)
    return f"a control character (U+{code:04X}{' ' + name if name else ''})"


def bad_text_message(text: str) -> str | None:
    """Why ``text`` cannot be a recipe value, with where in it; ``None`` when it can."""
    found = bad_character(text)
    if found is None:
        return None
    index, what = found
    return f"character {index + 1} of the text is {what}; remove it"
