"""specs/nemo-api.yaml as the mock reads it: its operations, and the request checks of strict mode.

The spec is the contract; the strict mock (the default; ``--lenient`` turns it off) holds every request
to it, so a client that passes against the mock sends what the spec says: the path and method of an
operation, its required headers, its content type, and a body that validates against the operation's
schema (field names, types, required fields, the mock's stated limits). Fields the spec does not name are
ignored, as ADK's pydantic models ignore them.

Headers whose absence has a sourced answer keep it (specs/SOURCES.md): the attribution headers (1001, or
402 on a render submit), ``X-Client-Id`` (400) and ``Authorization`` (1001) are checked by the app; what
is left to this module is the rest (``Accept: text/event-stream`` on ``/run_sse``).

Pure apart from reading the spec once: values in, ``RequestInvalid`` out. The spec's schemas are JSON
Schema 2020-12 (OpenAPI 3.1), validated with ``jsonschema`` over a ``referencing`` registry that also holds
``draft.schema.json`` (the render body's ``$ref``). ``tests/contract.py`` builds its checks of both sides'
traffic on the same index.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache, cached_property
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from .. import specs as motionctl_specs
from .envelopes import BAD_BODY, ApiFailure

SPEC_NAME = "nemo-api.yaml"
# A URI beside draft.schema.json's $id, so the spec's relative "draft.schema.json" resolves.
SPEC_URI = "https://motionctl.dev/specs/nemo-api.yaml"
# Headers whose absence the app answers the way the sources say (1001, 402, 400), not as a schema error.
HEADERS_WITH_OWN_RULES = frozenset({"authorization", "x-client-id", "x-skill-source", "x-skill-version",
                                    "x-skill-platform"})
NOT_ACCEPTABLE = 406
UNSUPPORTED_MEDIA_TYPE = 415


class RequestInvalid(ApiFailure):
    """A request that breaks the spec; ``message`` names the field and the rule. ``kind`` and ``loc`` are
    FastAPI's names for them (``"missing"``, ``("body", "session_id")``), for /run_sse's answer."""

    def __init__(self, message: str, *, http_status: int = BAD_BODY, kind: str = "value_error",
                 loc: tuple[str | int, ...] = ()) -> None:
        super().__init__(http_status, message, http_status=http_status)
        self.kind = kind
        self.loc = loc


@cache
def spec() -> dict[str, Any]:
    """The parsed spec (cached; treat it as read-only)."""
    loaded: dict[str, Any] = motionctl_specs.load(SPEC_NAME)
    return loaded


@cache
def registry() -> Registry[Any]:
    draft = motionctl_specs.load("draft.schema.json")
    return Registry().with_resources([
        (SPEC_URI, DRAFT202012.create_resource(spec())),
        (draft["$id"], Resource.from_contents(draft)),
    ])


@cache
def validator(pointer: str) -> Draft202012Validator:
    """A validator for the schema at JSON pointer ``pointer`` of the spec (``/components/schemas/X``)."""
    return Draft202012Validator({"$ref": f"{SPEC_URI}#{pointer}"}, registry=registry())


def first_error(instance: object, pointer: str) -> ValidationError | None:
    """The most relevant way ``instance`` breaks the schema at ``pointer``, or ``None``."""
    error: ValidationError | None = best_match(validator(pointer).iter_errors(instance))
    return error


def escape(token: str) -> str:
    """A JSON-pointer token."""
    return token.replace("~", "~0").replace("/", "~1")


def node_at(pointer: str) -> Any:
    """The spec's value at JSON pointer ``pointer`` (``/paths/~1run_sse/post/parameters/4``)."""
    node: Any = spec()
    for part in pointer.removeprefix("/").split("/") if pointer.strip("/") else []:
        token = part.replace("~1", "/").replace("~0", "~")
        node = node[int(token)] if isinstance(node, list) else node[token]
    return node


def resolve(node: Mapping[str, Any]) -> Mapping[str, Any]:
    """Follow a local ``$ref`` (parameters, responses) to its target."""
    while "$ref" in node:
        node = node_at(str(node["$ref"]).removeprefix("#"))
    return node


def ref_pointer(node: Mapping[str, Any], fallback: str) -> str:
    """The pointer a local ``$ref`` names, else ``fallback``."""
    ref = node.get("$ref")
    return str(ref[1:]) if isinstance(ref, str) and ref.startswith("#/") else fallback


@dataclass(frozen=True)
class Parameter:
    name: str
    location: str  # header | path | query
    required: bool
    pointer: str  # of its schema


@dataclass(frozen=True)
class Operation:
    method: str
    template: str
    pattern: re.Pattern[str]
    spec: Mapping[str, Any]
    pointer: str  # JSON pointer of the operation inside the spec

    @property
    def operation_id(self) -> str:
        return str(self.spec.get("operationId", f"{self.method} {self.template}"))

    @cached_property
    def parameters(self) -> tuple[Parameter, ...]:
        out = []
        for index, raw in enumerate(self.spec.get("parameters", [])):
            param = resolve(raw)
            pointer = ref_pointer(raw, f"{self.pointer}/parameters/{index}") + "/schema"
            out.append(Parameter(str(param["name"]), str(param["in"]), bool(param.get("required")), pointer))
        return tuple(out)

    @property
    def media_types(self) -> tuple[str, ...]:
        """The request body's content types (none: the operation takes no body)."""
        return tuple(self.spec.get("requestBody", {}).get("content", {}))

    def body_pointer(self, media_type: str) -> str:
        return f"{self.pointer}/requestBody/content/{escape(media_type)}/schema"

    @property
    def needs_auth(self) -> bool:
        return bool(self.spec.get("security", spec().get("security", [])))


@cache
def operations() -> tuple[Operation, ...]:
    """Every operation of the spec, with a regex for its path template."""
    ops: list[Operation] = []
    for template, item in spec()["paths"].items():
        regex = re.sub(r"\\\{([a-z_]+)\\\}", r"(?P<\1>[^/]+)", re.escape(template))
        for method, op in item.items():
            ops.append(Operation(method.upper(), template, re.compile(f"^{regex}$"), op,
                                 f"/paths/{escape(template)}/{method}"))
    return tuple(ops)


def find_operation(method: str, path: str) -> Operation | None:
    """The operation ``method path`` is, or ``None``."""
    return next((op for op in operations() if op.method == method.upper() and op.pattern.match(path)), None)


def media_type(content_type: str | None) -> str:
    return (content_type or "").partition(";")[0].strip().lower()


# --- the checks of strict mode ------------------------------------------------------------------------

def check_headers(op: Operation, headers: Mapping[str, str]) -> None:
    """Required headers and their schemas, but for those whose absence the app answers itself.

    Raises:
        RequestInvalid: 406 for ``Accept``, else 422, naming the header and the spec's rule.
    """
    for param in op.parameters:
        if param.location != "header" or param.name.lower() in HEADERS_WITH_OWN_RULES:
            continue
        status = NOT_ACCEPTABLE if param.name.lower() == "accept" else BAD_BODY
        value = headers.get(param.name)
        rule = rule_text(param.pointer)
        if value is None:
            if param.required:
                raise RequestInvalid(f"{op.method} {op.template} needs the "
                                     f"{param.name} header ({rule}; specs/nemo-api.yaml, {op.operation_id})",
                                     http_status=status, kind="missing", loc=("header", param.name.lower()))
            continue
        if (error := first_error(value, param.pointer)) is not None:
            raise RequestInvalid(f"header {param.name} {value[:60]!r} breaks the "
                                 f"spec: {error.message} ({rule}; specs/nemo-api.yaml, {op.operation_id})",
                                 http_status=status, loc=("header", param.name.lower()))


def check_content_type(op: Operation, content_type: str | None) -> str:
    """The request's media type, if the operation takes it.

    Raises:
        RequestInvalid: 415 naming the types the operation takes.
    """
    media = media_type(content_type)
    if op.media_types and media not in op.media_types:
        raise RequestInvalid(f"{op.method} {op.template} takes "
                             f"{' or '.join(op.media_types)}, not {media or '(no Content-Type)'} "
                             f"(specs/nemo-api.yaml, {op.operation_id})", http_status=UNSUPPORTED_MEDIA_TYPE,
                             loc=("header", "content-type"))
    return media


def check_body(op: Operation, media: str, body: object) -> None:
    """``body`` (parsed JSON) against the operation's schema for ``media``. CPU work for a big draft: call
    it off the event loop for large bodies.

    Raises:
        RequestInvalid: 422 naming the field (a JSON pointer) and the rule it breaks; inside a render's
            draft as ``draft invalid at /t/0/…``, the words the render route has always used.
    """
    error = first_error(body, op.body_pointer(media))
    if error is None:
        return
    path = [str(p) for p in error.absolute_path]
    message = _shorten(str(error.message))
    if error.validator == "required":  # FastAPI's loc names the missing field itself
        missing = message.split("'")[1] if message.count("'") >= 2 else ""
        message += _alias_hint(error.instance, missing)
        loc = [*path, missing]
    else:
        loc = path
    document, inside = ("draft", path[1:]) if path[:1] == ["draft"] else ("body", path)
    described = error.schema.get("description") if isinstance(error.schema, Mapping) else None
    why = f"; {' '.join(str(described).split())}" if described and error.validator != "required" else ""
    rule = f"{error.validator}: {_shorten(repr(error.validator_value), 80)}"
    where = "/" + "/".join(inside)
    raise RequestInvalid(f"{document} invalid at {where}: {message} ({rule}{why}; "
                         f"specs/nemo-api.yaml, {op.operation_id})", kind=_kind(error),
                         loc=("body", *(int(p) if p.isdigit() else p for p in loc)))


def _kind(error: ValidationError) -> str:
    """FastAPI's (pydantic's) name for the kind of error, as ``/run_sse`` reports it."""
    if error.validator == "required":
        return "missing"
    if error.validator == "type":
        return f"{error.validator_value}_type" if isinstance(error.validator_value, str) else "type_error"
    return {"maxLength": "string_too_long", "minLength": "string_too_short", "maxItems": "too_long",
            "minItems": "too_short", "const": "literal_error", "enum": "enum",
            "pattern": "string_pattern_mismatch"}.get(str(error.validator), "value_error")


def _alias_hint(instance: object, missing: str) -> str:
    """``; it has sessionId: send session_id`` when the body spells the missing field another way."""
    if not isinstance(instance, Mapping) or not missing:
        return ""
    squash = missing.replace("_", "").lower()
    other = next((k for k in instance if isinstance(k, str) and k != missing
                  and k.replace("_", "").lower() == squash), None)
    return f" (it has {other!r}: the spec spells it {missing!r})" if other else ""


def _shorten(text: str, limit: int = 160) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def rule_text(pointer: str) -> str:
    """The schema at ``pointer`` as a short rule for messages (``pattern: 'text/event-stream'``)."""
    node = node_at(pointer)
    rules = [f"{k}: {v!r}" for k, v in node.items() if k not in ("description", "examples", "type")]
    return ", ".join(rules) or f"type: {node.get('type', 'any')}"
