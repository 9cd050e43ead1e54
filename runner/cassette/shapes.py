"""Shapes, not values: what two servers' answers to the same requests have in common, and where they part.

Values differ between any two runs (ids, timestamps, texts); shapes are what a client is written against.
For the answers to one route (``GET /api/state/{app}/{user}/{id}/latest``) across a whole cassette:

* the JSON type tree: every path (``$.data.files[].cdn_url``) and the JSON types seen there;
* enum-like fields (``status``, ``type``, ``file_type`` …): the values seen;
* for event streams, the kinds of events and each kind's data type tree;
* per request, the HTTP status, the envelope's code and the content type;
* per render, the sequence of statuses its polls went through.

Each difference gets a stable check id, a JSON path and a severity (``error`` when a client written against
the mock could break on the service, ``warning`` when the mock offers what the service does not, ``info``
for what timing alone explains). Pure: values in, differences out.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..api.models import parse_render_status
from .har import Frame

ENUM_KEYS = frozenset({"status", "type", "file_type", "role", "format", "quality"})
_ID_KEY = re.compile(r"\d{6,}|[0-9a-f]{16,}|<[a-z-]+-\d+>")
SEVERITIES = ("error", "warning", "info")


@dataclass(frozen=True)
class Difference:
    """One way the other server's answers differ from the recording's. ``check`` is a stable id."""

    check: str
    severity: str
    request: str  # the route: "GET /api/state/nemo_agent/me/{id}/latest"
    path: str  # where in the answer: "$.data.session_id", "events[text]", "status"
    recorded: Any
    mock: Any
    message: str
    entries: tuple[int, ...] = ()  # the cassette's entries it was seen in (for per-request checks)

    def as_json(self) -> dict[str, Any]:
        return {"check": self.check, "severity": self.severity, "request": self.request, "path": self.path,
                "recorded": self.recorded, "mock": self.mock, "message": self.message,
                "entries": list(self.entries)}


# --- observing answers ---------------------------------------------------------------------------------


def json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"  # 5 and 5.0 are one type to a JSON client
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


@dataclass
class Tree:
    """The union of the type trees of several JSON values: path → the types seen there, and the cassette
    entries whose values had it (one per value: an entry's stream may add several)."""

    types: dict[str, set[str]] = field(default_factory=dict)
    seen: dict[str, list[int]] = field(default_factory=dict)
    enums: dict[str, set[str]] = field(default_factory=dict)
    values: int = 0

    def add(self, value: Any, entry: int) -> None:
        self.values += 1
        paths: set[str] = set()
        self._walk(value, "$", paths)
        for path in paths:
            self.seen.setdefault(path, []).append(entry)

    def entries(self, path: str) -> tuple[int, ...]:
        return tuple(sorted(set(self.seen.get(path, ()))))

    def _walk(self, value: Any, path: str, paths: set[str]) -> None:
        self.types.setdefault(path, set()).add(json_type(value))
        paths.add(path)
        if isinstance(value, dict):
            for key, item in value.items():
                child = f"{path}.{'{id}' if _ID_KEY.fullmatch(str(key)) else key}"
                if str(key) in ENUM_KEYS and isinstance(item, str):
                    self.enums.setdefault(child, set()).add(item)
                self._walk(item, child, paths)
        elif isinstance(value, list):
            for item in value:
                self._walk(item, f"{path}[]", paths)


def sse_kind(frame: Frame) -> str:
    """What kind of event a frame is, in the stream's own terms: ``functionCall``, ``text``, ``comment`` …"""
    if frame.data is None:
        kind = "comment" if frame.comment is not None else "empty"
    else:
        try:
            data = json.loads(frame.data)
        except ValueError:
            data = frame.data
        if isinstance(data, dict):
            kind = _object_kind(data)
        else:
            kind = "empty" if isinstance(data, str) and not data.strip() else "text/plain"
    return f"{frame.event}:{kind}" if frame.event and frame.event != "message" else kind


def _object_kind(data: Mapping[str, Any]) -> str:
    if isinstance(data.get("type"), str):
        return str(data["type"])
    content = data.get("content")
    parts = content.get("parts") if isinstance(content, dict) else None
    if isinstance(parts, list) and parts:
        keys = sorted({k for p in parts if isinstance(p, dict) for k in p})
        return "+".join(keys) + (" (partial)" if data.get("partial") else "")
    return "error" if "error" in data else "object"


def frame_json(frame: Frame) -> Any:
    if frame.data is None:
        return None
    try:
        return json.loads(frame.data)
    except ValueError:
        return frame.data


@dataclass
class Route:
    """Everything one side answered on one route."""

    bodies: Tree = field(default_factory=Tree)
    kinds: dict[str, Tree] = field(default_factory=dict)  # event kind → its data's tree
    streams: int = 0

    def add_body(self, value: Any, entry: int) -> None:
        self.bodies.add(value, entry)

    def add_frames(self, frames: Iterable[Frame], entry: int) -> None:
        self.streams += 1
        for frame in frames:
            self.kinds.setdefault(sse_kind(frame), Tree()).add(frame_json(frame), entry)


def render_status(body: Any) -> str | None:
    """A render status answer's status, whichever documented shape it has."""
    if not isinstance(body, dict):
        return None
    return parse_render_status(body, fallback_id="").status


def collapse(statuses: Iterable[str | None]) -> list[str]:
    """A poll sequence with repeats collapsed: pending, pending, done → pending, done."""
    out: list[str] = []
    for status in statuses:
        if status and (not out or out[-1] != status):
            out.append(status)
    return out


# --- comparing ---------------------------------------------------------------------------------------


def _topmost(paths: set[str]) -> list[str]:
    """Paths whose parent is not in ``paths`` (a missing object is one difference, not one per field)."""
    def parent(p: str) -> str:
        return p[:-2] if p.endswith("[]") else p.rsplit(".", 1)[0]

    return sorted(p for p in paths if parent(p) not in paths or parent(p) == p)


def _types(types: set[str]) -> str:
    return " or ".join(sorted(types))


def _renamed(path: str, types: set[str], mine: Iterable[str], others: Iterable[str], tree: Tree,
             shown: Callable[[str], str], who: str) -> str:
    """A hint when ``path`` is the one field of its parent that one side lacks and the other side has
    exactly one field there of the same type that the first lacks: probably the same field, renamed."""
    parent = path.rsplit(".", 1)[0]
    twins = [p for p in others if p.rsplit(".", 1)[0] == parent and tree.types.get(p) == types]
    alone = len([p for p in mine if p.rsplit(".", 1)[0] == parent]) == 1
    if len(twins) != 1 or not alone:
        return ""
    return f" {who} {shown(twins[0])} ({_types(types)}) instead: renamed?"


def compare_trees(route: str, recorded: Tree, mock: Tree, prefix: str = "",
                  unit: str = "answers") -> list[Difference]:
    """Fields missing in the mock, extra in the mock, of another type, and enum values, both ways.

    ``prefix`` stands for the root ``$`` in the paths reported (``events[text].data``), ``unit`` names what
    the trees were made of.
    """
    def shown(path: str) -> str:
        return prefix + path[1:] if prefix else path

    out: list[Difference] = []
    missing = set(recorded.types) - set(mock.types)
    extra = set(mock.types) - set(recorded.types)
    for path in _topmost(missing):
        types = recorded.types[path]
        hint = _renamed(path, types, _topmost(missing), _topmost(extra), mock, shown, "The mock sends")
        out.append(Difference(
            "field-missing-in-mock", "error", route, shown(path), _types(types), None,
            f"The service sends {shown(path)} ({_types(types)}) in {len(recorded.seen[path])} of "
            f"{recorded.values} {unit}; the mock never does.{hint}", recorded.entries(path)))
    for path in _topmost(extra):
        types = mock.types[path]
        hint = _renamed(path, types, _topmost(extra), _topmost(missing), recorded, shown, "The service sent")
        out.append(Difference(
            "field-extra-in-mock", "warning", route, shown(path), None, _types(types),
            f"The mock sends {shown(path)} ({_types(types)}); the service never did in this recording."
            f"{hint}", mock.entries(path)))
    for path in sorted(set(recorded.types) & set(mock.types)):
        mine, theirs = recorded.types[path], mock.types[path]
        if mine == theirs:
            continue
        only_null = (mine - {"null"}) == (theirs - {"null"})
        out.append(Difference(
            "type-differs", "warning" if only_null else "error", route, shown(path), _types(mine),
            _types(theirs), f"{shown(path)} is {_types(mine)} from the service but {_types(theirs)} from "
                            "the mock.", recorded.entries(path)))
    for path in sorted(set(recorded.enums) & set(mock.enums)):
        mine, theirs = recorded.enums[path], mock.enums[path]
        if mine - theirs:
            out.append(Difference(
                "enum-value-missing-in-mock", "error", route, shown(path), sorted(mine), sorted(theirs),
                f"The service says {shown(path)} = {', '.join(map(repr, sorted(mine - theirs)))}; the mock "
                f"never did (it said {', '.join(map(repr, sorted(theirs)))}).", recorded.entries(path)))
        if theirs - mine:
            out.append(Difference(
                "enum-value-extra-in-mock", "info", route, shown(path), sorted(mine), sorted(theirs),
                f"The mock says {shown(path)} = {', '.join(map(repr, sorted(theirs - mine)))}, which the "
                "service did not in this recording (timing may explain it)."))
    return out


def compare_routes(route: str, recorded: Route, mock: Route) -> list[Difference]:
    out = compare_trees(route, recorded.bodies, mock.bodies) if recorded.bodies.values else []
    if not recorded.streams and not mock.streams:
        return out
    for kind in sorted(set(recorded.kinds) - set(mock.kinds)):
        out.append(Difference(
            "sse-event-kind-missing-in-mock", "error", route, f"events[{kind}]", kind, None,
            f"The service's streams have {kind!r} events ({recorded.kinds[kind].values} in "
            f"{recorded.streams} streams); the mock's never do.", recorded.kinds[kind].entries("$")))
    for kind in sorted(set(mock.kinds) - set(recorded.kinds)):
        out.append(Difference(
            "sse-event-kind-extra-in-mock", "warning", route, f"events[{kind}]", None, kind,
            f"The mock's streams have {kind!r} events; the service's did not in this recording."))
    for kind in sorted(set(recorded.kinds) & set(mock.kinds)):
        out += compare_trees(route, recorded.kinds[kind], mock.kinds[kind], prefix=f"events[{kind}].data",
                             unit="events")
    return out


def compare_exchange(route: str, n: int, recorded: tuple[int, str, Any], mock: tuple[int, str, Any]
                     ) -> list[Difference]:
    """One request's status, content type and envelope code: ``(status, media type, JSON body)`` each."""
    (status, media, body), (m_status, m_media, m_body) = recorded, mock
    out = []
    if status != m_status:
        out.append(Difference("status-code-differs", "error", route, "status", status, m_status,
                              f"The service answered HTTP {status}; the mock {m_status}.", (n,)))
    if media != m_media:
        out.append(Difference("content-type-differs", "error", route, "content-type", media, m_media,
                              f"The service answered {media or 'no content type'}; the mock "
                              f"{m_media or 'no content type'}.", (n,)))
    for key in ("code", "success"):
        mine = body.get(key) if isinstance(body, dict) else None
        theirs = m_body.get(key) if isinstance(m_body, dict) else None
        if (mine is not None or theirs is not None) and mine != theirs:
            out.append(Difference("envelope-code-differs", "error", route, f"$.{key}", mine, theirs,
                                  f"The envelope's {key} is {mine!r} from the service but {theirs!r} "
                                  "from the mock.", (n,)))
    return out


def compare_renders(route: str, recorded: list[str], mock: list[str]) -> list[Difference]:
    """One render's collapsed status sequence on both sides."""
    if not recorded or not mock or recorded == mock:
        return []
    if recorded[-1] != mock[-1]:
        return [Difference("render-final-status-differs", "error", route, "$.status", recorded, mock,
                           f"The render ended {recorded[-1]!r} on the service ({' → '.join(recorded)}) but "
                           f"{mock[-1]!r} on the mock ({' → '.join(mock)}).")]
    common = [s for s in recorded if s in mock]
    if common != [s for s in mock if s in recorded]:
        return [Difference("render-sequence-differs", "warning", route, "$.status", recorded, mock,
                           f"The render went {' → '.join(recorded)} on the service but {' → '.join(mock)} on "
                           "the mock: the order differs.")]
    return [Difference("render-sequence-differs", "info", route, "$.status", recorded, mock,
                       f"The render went {' → '.join(recorded)} on the service and {' → '.join(mock)} on the "
                       "mock (polls see what timing lets them).")]
