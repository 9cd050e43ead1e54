"""JSON from the API as valid Unicode: the one place the client parses what a server sent.

A server's JSON may write a lone surrogate (``"\\ud800"``), which Python keeps in a ``str`` but no UTF-8
encoder takes: the first journal line, state file, golden or terminal line holding it would fail. Text from
the API is made valid here, each lone surrogate becoming U+FFFD (the replacement character), as a decoder
does with bytes it cannot read; the rest of the runner only ever sees valid Unicode.
"""

from __future__ import annotations

import json
import re
from typing import Any

_SURROGATE = re.compile("[\ud800-\udfff]")


def loads(text: str | bytes) -> Any:
    """``json.loads``, with every lone surrogate in a string or key replaced by U+FFFD.

    Raises:
        ValueError: not JSON.
    """
    value = json.loads(text)
    escaped = "\\u" in text if isinstance(text, str) else b"\\u" in text
    if not escaped:
        return value  # no escape, no surrogate: the common case costs one scan
    if isinstance(value, str):
        return _mended(value)
    stack: list[Any] = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            for key in list(item):
                child = item.pop(key) if _SURROGATE.search(key) else item[key]
                item[_mended(key)] = _mended(child) if isinstance(child, str) else child
                stack.append(child)
        elif isinstance(item, list):
            for index, child in enumerate(item):
                if isinstance(child, str):
                    item[index] = _mended(child)
                stack.append(child)
    return value


def _mended(text: str) -> str:
    return _SURROGATE.sub("\ufffd", text)
