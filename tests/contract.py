"""Check HTTP traffic and SSE payloads against specs/nemo-api.yaml.

Used by the client's tests and by the mock's tests, so both sides are held to the same contract::

    from tests.contract import ContractChecker, validate_request, validate_response, validate_sse_event

    checker = ContractChecker()
    async with httpx.AsyncClient(event_hooks=checker.event_hooks()) as http: ...
    assert checker.requests_checked > 0

The spec's schemas are JSON Schema 2020-12 (OpenAPI 3.1), so this validates with ``jsonschema`` over a
``referencing`` registry that also holds ``specs/draft.schema.json`` (the state's and the render body's
``$ref``). Operation matching, parameters and media types are checked here directly: a few dozen lines
are sturdier than adapting httpx objects to openapi-core's request protocol.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import httpx
import yaml
from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

SPECS = Path(__file__).resolve().parent.parent / "specs"
SPEC_PATH = SPECS / "nemo-api.yaml"
# Giving the spec a URI beside draft.schema.json's $id lets the spec's relative "draft.schema.json" resolve.
SPEC_URI = "https://motionctl.dev/specs/nemo-api.yaml"


class ContractViolation(AssertionError):
    """A request, response or SSE payload breaks specs/nemo-api.yaml."""


@dataclass(frozen=True)
class Operation:
    method: str
    template: str
    pattern: re.Pattern[str]
    spec: dict[str, Any]
    pointer: str  # JSON pointer of the operation inside the spec, for $refs into it

    @property
    def operation_id(self) -> str:
        return str(self.spec.get("operationId", f"{self.method} {self.template}"))


@cache
def load_spec() -> dict[str, Any]:
    """The parsed spec (cached; treat it as read-only)."""
    spec: dict[str, Any] = yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8"))
    return spec


@cache
def _registry() -> Registry[Any]:
    draft = json.loads((SPECS / "draft.schema.json").read_text(encoding="utf-8"))
    return Registry().with_resources(
        [
            (SPEC_URI, Resource(contents=load_spec(), specification=DRAFT202012)),
            (draft["$id"], Resource.from_contents(draft)),
        ]
    )


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def _validator(pointer: str) -> Draft202012Validator:
    return Draft202012Validator({"$ref": f"{SPEC_URI}#{pointer}"}, registry=_registry())


def _check(instance: object, pointer: str, what: str) -> None:
    error = best_match(_validator(pointer).iter_errors(instance))
    if error is not None:
        path = "/".join(str(p) for p in error.absolute_path) or "(root)"
        raise ContractViolation(f"{what}: at {path}: {error.message}")


@cache
def operations() -> tuple[Operation, ...]:
    """Every operation in the spec, with a regex for its path template."""
    ops: list[Operation] = []
    for template, item in load_spec()["paths"].items():
        regex = re.sub(r"\\\{([a-z_]+)\\\}", r"(?P<\1>[^/]+)", re.escape(template))
        for method, spec in item.items():
            pointer = f"/paths/{_escape(template)}/{method}"
            ops.append(Operation(method.upper(), template, re.compile(f"^{regex}$"), spec, pointer))
    return tuple(ops)


def find_operation(method: str, path: str) -> Operation:
    """The operation a request targets, or ContractViolation if the spec has none."""
    for op in operations():
        if op.method == method.upper() and op.pattern.match(path):
            return op
    raise ContractViolation(f"{method} {path}: no such operation in {SPEC_PATH.name}")


def _resolve(node: dict[str, Any]) -> dict[str, Any]:
    """Follow a local ``$ref`` (parameters, responses) to its target."""
    while "$ref" in node:
        ref = node["$ref"]
        assert ref.startswith("#/"), ref
        target: Any = load_spec()
        for part in ref[2:].split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        node = target
    return node


def _ref_pointer(node: dict[str, Any], fallback: str) -> str:
    ref = node.get("$ref")
    return str(ref[1:]) if isinstance(ref, str) and ref.startswith("#/") else fallback


def _media_type(headers: httpx.Headers) -> str:
    return headers.get("content-type", "").partition(";")[0].strip().lower()


def validate_request(request: httpx.Request) -> Operation:
    """Check one request: operation, required headers and path parameters, bearer auth, body.

    Streamed bodies (multipart uploads) are checked by content type only, since reading them would
    defeat the streaming under test.

    Raises:
        ContractViolation: naming the operation and what is wrong.
    """
    op = find_operation(request.method, request.url.path)
    where = f"request {op.operation_id}"
    match = op.pattern.match(request.url.path)
    assert match is not None
    for index, raw in enumerate(op.spec.get("parameters", [])):
        param = _resolve(raw)
        name, location = param["name"], param["in"]
        pointer = _ref_pointer(raw, f"{op.pointer}/parameters/{index}") + "/schema"
        if location == "header":
            value = request.headers.get(name)
        elif location == "path":
            value = match.group(name)
        else:
            value = request.url.params.get(name)
        if value is None:
            if param.get("required"):
                raise ContractViolation(f"{where}: missing required {location} parameter {name}")
            continue
        _check(value, pointer, f"{where}: {location} parameter {name}")
    security = op.spec.get("security", load_spec().get("security", []))
    if security:
        auth = request.headers.get("authorization", "")
        if not re.fullmatch(r"Bearer \S+", auth):
            raise ContractViolation(f"{where}: needs 'Authorization: Bearer <token>'")
    body = op.spec.get("requestBody")
    if body is None:
        return op
    media = _media_type(request.headers)
    content = body["content"]
    if media not in content:
        raise ContractViolation(f"{where}: content type {media or '(none)'} not one of {sorted(content)}")
    if media == "application/json":
        try:
            payload = json.loads(request.content)
        except (httpx.RequestNotRead, ValueError) as exc:
            raise ContractViolation(f"{where}: body is not JSON ({exc})") from exc
        pointer = f"{op.pointer}/requestBody/content/{_escape(media)}/schema"
        _check(payload, pointer, f"{where}: body")
    elif media == "multipart/form-data" and "boundary=" not in request.headers.get("content-type", ""):
        raise ContractViolation(f"{where}: multipart body without a boundary")
    return op


def _response_spec(op: Operation, status: int) -> tuple[str, dict[str, Any]]:
    responses = op.spec["responses"]
    for key in (str(status), f"{str(status)[0]}XX", "default"):
        if key in responses:
            raw = responses[key]
            return _ref_pointer(raw, f"{op.pointer}/responses/{key}"), _resolve(raw)
    raise ContractViolation(f"response {op.operation_id}: status {status} is not in the spec")


def validate_response(request: httpx.Request, response: httpx.Response, *, body: bytes | None = None) -> None:
    """Check a response's status, content type and (for JSON, when read or given) body.

    Streaming bodies (SSE, downloads) are not read here: validate SSE payloads with
    ``validate_sse_event``.

    Raises:
        ContractViolation: naming the operation, the status and what is wrong.
    """
    op = find_operation(request.method, request.url.path)
    pointer, spec = _response_spec(op, response.status_code)
    where = f"response {op.operation_id} {response.status_code}"
    content = spec.get("content")
    if not content:
        return
    media = _media_type(response.headers)
    if not media and response.headers.get("content-length", "0") == "0":
        return  # no body at all: OpenAPI's content describes a body only when there is one
    if media not in content:
        raise ContractViolation(f"{where}: content type {media or '(none)'} not one of {sorted(content)}")
    if media != "application/json":
        return
    if body is None:
        try:
            body = response.content
        except httpx.ResponseNotRead:
            return
    try:
        payload = json.loads(body)
    except ValueError as exc:
        raise ContractViolation(f"{where}: body is not JSON ({exc})") from exc
    _check(payload, f"{pointer}/content/{_escape(media)}/schema", f"{where}: body")


def validate_sse_event(payload: object) -> None:
    """Check one parsed ``data:`` payload of /run_sse against ``SseEvent`` (either dialect)."""
    _check(payload, "/components/schemas/SseEvent", "SSE event")


def validate_schema(instance: object, name: str) -> None:
    """Check a value against ``components.schemas.<name>``, e.g. ``validate_schema(body, "RenderAnswer")``."""
    _check(instance, f"/components/schemas/{name}", name)


class ContractChecker:
    """httpx event hooks that validate every request and response a client sends and receives.

    JSON responses are read in the hook (cheap); streams are left alone. Violations raise from the hook,
    so they surface as the test's failure, and are also kept in ``violations``.
    """

    def __init__(self, *, only_host: str | None = None) -> None:
        # Downloads may go to a CDN host the spec does not describe; ``only_host`` skips those.
        self.only_host = only_host
        self.requests_checked = 0
        self.responses_checked = 0
        self.operations_seen: list[str] = []
        self.violations: list[str] = []

    def _skipped(self, request: httpx.Request) -> bool:
        return self.only_host is not None and request.url.host != self.only_host

    async def on_request(self, request: httpx.Request) -> None:
        if self._skipped(request):
            return
        try:
            op = validate_request(request)
        except ContractViolation as exc:
            self.violations.append(str(exc))
            raise
        self.requests_checked += 1
        self.operations_seen.append(op.operation_id)

    async def on_response(self, response: httpx.Response) -> None:
        if self._skipped(response.request):
            return
        if _media_type(response.headers) == "application/json":
            await response.aread()
        try:
            validate_response(response.request, response)
        except ContractViolation as exc:
            self.violations.append(str(exc))
            raise
        self.responses_checked += 1

    def event_hooks(self) -> dict[str, list[Callable[[Any], Awaitable[None]]]]:
        """Hooks for ``httpx.AsyncClient(event_hooks=...)``."""
        return {"request": [self.on_request], "response": [self.on_response]}
