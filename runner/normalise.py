"""Volatile values → stable placeholders, so recorded diffs are byte-identical from run to run (pure).

Session, task and render ids, timestamps, URLs (their host and port change with every embedded mock),
tokens, hashes and the byte sizes of renders differ between two runs of the same recipe; everything else a
deterministic backend returns does not. ``Placeholders`` remembers what it has seen, so the same id is the
same placeholder everywhere in one job (``<session-1>``), and two jobs number independently — which keeps
golden files stable when jobs run concurrently and finish in any order.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

Json = Any

_URL = re.compile(r"^[a-z][a-z0-9+.-]*://[^\s]+$", re.IGNORECASE)
_TOKEN = re.compile(r"\b(?:nmv_usr|nmv|clm|tok)_[A-Za-z0-9_\-]+")
_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?$")
_UUID = re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", re.IGNORECASE)
# (pattern, kind) for ids found by shape; a value the engine registered by kind wins over these.
_ID_SHAPES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\b(?:render|draft-cli)[_-][A-Za-z0-9_\-]+"), "render"),
    (re.compile(r"\btask_[A-Za-z0-9]+"), "task"),
    (re.compile(r"(?<![\w.])\d{12,}(?![\w.])"), "session"),  # sessions are long numeric strings
    (re.compile(r"\b(?:anon|user|usr)_[A-Za-z0-9]+"), "user"),
    (re.compile(r"\be-[0-9a-f]{8}-[0-9a-f-]{27}\b"), "invocation"),
)
_PLACEHOLDER = re.compile(r"(<[a-z]+(?:-\d+)?>)")
_HASH = re.compile(r"\b[0-9a-f]{16,}\b")
# Keys whose numeric values are clock readings; a string clock reading is caught by _TIMESTAMP.
_CLOCK_KEYS = re.compile(r"(?:^|_)(?:at|time|ts|timestamp)$|At$|^(?:created|updated|completed|expires)", re.I)
_SIZE_KEYS = frozenset({"size", "bytes", "file_size", "filesize"})
_URL_KEYS = frozenset({"url", "cdn_url", "output_url", "outputUrl", "download_url"})
_HASH_KEYS = frozenset({"hash", "sha256", "md5", "etag", "checksum"})


class Placeholders:
    """Numbers each distinct volatile value per kind, in order of first sight: ``<session-1>``."""

    def __init__(self) -> None:
        self._names: dict[str, str] = {}
        self._counts: dict[str, int] = {}

    def register(self, value: str, kind: str) -> str:
        """Name ``value`` as a ``kind`` (e.g. the session id the engine just created); returns the name."""
        if value not in self._names:
            self._counts[kind] = self._counts.get(kind, 0) + 1
            self._names[value] = f"<{kind}-{self._counts[kind]}>"
        return self._names[value]

    def known(self) -> Mapping[str, str]:
        return self._names


def normalise(value: Json, names: Placeholders, *, key: str | None = None,
              parent: Mapping[str, Any] | None = None) -> Json:
    """A copy of a JSON value with every volatile part replaced by a placeholder.

    Args:
        value: any JSON value (a state, a patch operation, a reply text).
        names: the job's placeholders; new ids are registered as they are met.
        key: the mapping key this value sits under, which decides clock readings and render sizes.
        parent: the mapping that holds ``key``.
    """
    if isinstance(value, Mapping):
        return {normalise_text(str(k), names): normalise(v, names, key=str(k), parent=value)
                for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [normalise(v, names, key=key, parent=parent) for v in value]
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int | float):
        if key is not None and _CLOCK_KEYS.search(key) and value > 10**8:  # epoch seconds or ms
            return "<timestamp>"
        if key in _SIZE_KEYS and parent is not None and _URL_KEYS & set(parent):  # a render's byte size
            return "<size>"
        return value
    if isinstance(value, str):
        if key in _HASH_KEYS:
            return "<hash>"
        return normalise_text(value, names)
    return value


def normalise_text(text: str, names: Placeholders) -> str:
    """One string with its volatile parts replaced; URLs keep only their file name: ``<url:shoe.png>``."""
    if _TIMESTAMP.match(text):
        return "<timestamp>"
    if _URL.match(text):
        path = text.split("://", 1)[1].split("?", 1)[0].split("#", 1)[0]
        tail = path.rstrip("/").rsplit("/", 1)[-1] if "/" in path else ""
        return f"<url:{_ids(tail, names)}>" if tail else "<url>"
    return _ids(text, names)


def normalise_patch(ops: list[dict[str, Any]], names: Placeholders) -> list[dict[str, Any]]:
    """A JSON Patch with placeholders in its values and in the keys its paths name."""
    out: list[dict[str, Any]] = []
    for op in ops:
        new = {k: v for k, v in op.items() if k not in ("path", "from", "value")}
        for field in ("path", "from"):
            if field in op:
                new[field] = _pointer(op[field], names)
        if "value" in op:
            last = _unescape(op["path"].rsplit("/", 1)[-1])
            new["value"] = normalise(op["value"], names, key=last)
        out.append({k: new[k] for k in ("op", "path", "from", "value") if k in new})
    return out


def _ids(text: str, names: Placeholders) -> str:
    for value, placeholder in sorted(names.known().items(), key=lambda kv: -len(kv[0])):
        if value and value in text:
            text = text.replace(value, placeholder)
    # Shapes apply only outside placeholders already written, so "<render-1>" is never renamed.
    return "".join(chunk if _PLACEHOLDER.fullmatch(chunk) else _shapes(chunk, names)
                   for chunk in _PLACEHOLDER.split(text))


def _shapes(text: str, names: Placeholders) -> str:
    text = _TOKEN.sub("<token>", text)
    for pattern, kind in _ID_SHAPES:
        text = pattern.sub(lambda m, kind=kind: names.register(m.group(0), kind), text)  # type: ignore[misc]
    text = _UUID.sub(lambda m: names.register(m.group(0), "uuid"), text)
    return _HASH.sub("<hash>", text)


def _pointer(pointer: str, names: Placeholders) -> str:
    if not pointer:
        return pointer
    parts = [_escape(normalise_text(_unescape(p), names)) for p in pointer.split("/")[1:]]
    return "/" + "/".join(parts)


def _unescape(segment: str) -> str:
    return segment.replace("~1", "/").replace("~0", "~")


def _escape(segment: str) -> str:
    return segment.replace("~", "~0").replace("/", "~1")
