"""Reading request bodies within limits: size, nesting depth, text encoding and field lengths.

Every way a body can be wrong ends as an ``ApiFailure`` with a 4xx status and a message that says what to
change; nothing here lets a body reach the handlers that could make the mock spend unbounded memory or
time, or fail with a 500. That includes what JSON can say but no answer can: a ``"\\ud800"`` escape makes
a lone surrogate, which no UTF-8 encoder takes, and ``NaN`` or ``Infinity``, which strict JSON has not; once
stored (a task name, an instruction's text in the draft) either would make every later answer that carries
it fail. So a body holding one is refused, naming the field.
"""

from __future__ import annotations

import json
import re
from typing import Any

from starlette.requests import Request

from .envelopes import ApiFailure, bad_body

MAX_JSON_BYTES = 1024 * 1024  # a draft with hundreds of segments is a few tens of KB
MAX_JSON_DEPTH = 64  # drafts nest about 6 deep
MAX_TEXT_CHARS = 10_000  # one instruction: far more than anyone types
MAX_NAME_CHARS = 256  # task_name and similar labels
MAX_ID_CHARS = 64  # session ids, client ids, language codes

BODY_TOO_LARGE = 413


def too_large(what: str, limit: int) -> ApiFailure:
    return ApiFailure(BODY_TOO_LARGE, f"{what} is larger than {limit:,} bytes; send less", http_status=413)


async def read_limited(request: Request, limit: int = MAX_JSON_BYTES) -> bytes:
    """The whole body, refusing it (413) as soon as it passes ``limit`` bytes."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise too_large("the request body", limit)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise too_large("the request body", limit)
        chunks.append(chunk)
    return b"".join(chunks)


def parse_json(raw: bytes) -> Any:
    """``raw`` as JSON, or a 422 naming the problem: bad UTF-8, bad JSON, too deep, a number too long."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise bad_body(f"request body is not valid UTF-8 (byte {exc.start})") from None
    try:
        value = json.loads(text, parse_constant=_no_constant)
    except RecursionError:
        raise bad_body(f"request body nests deeper than {MAX_JSON_DEPTH} levels") from None
    except ValueError as exc:  # JSONDecodeError, and int() past Python's digit limit
        raise bad_body(f"request body is not valid JSON: {str(exc)[:120]}") from None
    if depth(value) > MAX_JSON_DEPTH:
        raise bad_body(f"request body nests deeper than {MAX_JSON_DEPTH} levels")
    found = lone_surrogate(value)
    if found is not None:
        field, index, char = found
        raise bad_body(f"request body field '{field}' holds a lone surrogate (U+{ord(char):04X}) at "
                       f"character {index + 1}, which is not a character: send valid Unicode text")
    return value


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number (send a finite number, or null)")


_SURROGATE = re.compile("[\ud800-\udfff]")


def lone_surrogate(value: Any) -> tuple[str, int, str] | None:
    """The first string (or key) in ``value`` holding a lone surrogate: (its field, as ``a.b[2]``, the index
    of the surrogate, the surrogate); ``None`` if there is none. Iterative and pure."""
    stack: list[tuple[Any, str]] = [(value, "")]
    while stack:
        item, field = stack.pop()
        if isinstance(item, str):
            match = _SURROGATE.search(item)
            if match:  # the field's own name may hold one: shown escaped, as the answer must encode
                shown = field.encode("utf-8", "backslashreplace").decode("utf-8")
                return shown or "(the body)", match.start(), match.group()
        elif isinstance(item, dict):
            for key, child in reversed(item.items()):
                path = f"{field}.{key}" if field else str(key)
                stack.extend([(child, path), (key, path)])
        elif isinstance(item, list):
            stack.extend((child, f"{field}[{i}]") for i, child in reversed(list(enumerate(item))))
    return None


def depth(value: Any) -> int:
    """How deeply ``value``'s lists and objects nest (iteratively: no recursion limit to hit). Pure."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, level)
        if level > MAX_JSON_DEPTH:
            return level
        stack.extend((child, level + 1) for child in children)
    return deepest


async def json_object(request: Request) -> dict[str, Any]:
    """The body as a JSON object within the limits above."""
    body = parse_json(await read_limited(request))
    if not isinstance(body, dict):
        raise bad_body("request body must be a JSON object")
    return body


def text_field(body: dict[str, Any], key: str, default: str, limit: int) -> str:
    """``body[key]`` as a string of at most ``limit`` characters (``default`` when absent or null)."""
    value = body.get(key)
    if value is None:
        return default
    if not isinstance(value, str | int) or isinstance(value, bool):
        raise bad_body(f"{key} must be a string")
    text = str(value)
    if len(text) > limit:
        raise bad_body(f"{key} is {len(text):,} characters long; at most {limit:,}")
    return text
