"""Check HTTP traffic and SSE payloads against specs/nemo-api.yaml.

Used by the client's tests and by the mock's tests, so both sides are held to the same contract::

    from tests.contract import ContractChecker, validate_request, validate_response, validate_sse_event

    checker = ContractChecker()
    async with httpx.AsyncClient(event_hooks=checker.event_hooks()) as http: ...
    assert checker.requests_checked > 0

The spec's index (its operations, the ``referencing`` registry that also holds
``specs/draft.schema.json``, validators by JSON pointer) is the strict mock's own,
``motionctl.mock_server.contract``: both sides are held to one reading of the spec. Here it is applied to
httpx's requests and responses, for the client's tests and the mock's.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import Any

import httpx

from motionctl.mock_server import contract as spec
from motionctl.mock_server.contract import Operation, escape, ref_pointer, resolve

SPEC_PATH = Path(__file__).resolve().parent.parent / "specs" / "nemo-api.yaml"
load_spec = spec.spec
operations = spec.operations


class ContractViolation(AssertionError):
    """A request, response or SSE payload breaks specs/nemo-api.yaml."""


def _check(instance: object, pointer: str, what: str) -> None:
    error = spec.first_error(instance, pointer)
    if error is not None:
        path = "/".join(str(p) for p in error.absolute_path) or "(root)"
        raise ContractViolation(f"{what}: at {path}: {error.message}")


def find_operation(method: str, path: str) -> Operation:
    """The operation a request targets, or ContractViolation if the spec has none."""
    op = spec.find_operation(method, path)
    if op is None:
        raise ContractViolation(f"{method} {path}: no such operation in {SPEC_PATH.name}")
    return op


def _media_type(headers: httpx.Headers) -> str:
    return spec.media_type(headers.get("content-type"))


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
    for param in op.parameters:
        if param.location == "header":
            value = request.headers.get(param.name)
        elif param.location == "path":
            value = match.group(param.name)
        else:
            value = request.url.params.get(param.name)
        if value is None:
            if param.required:
                raise ContractViolation(f"{where}: missing required {param.location} parameter {param.name}")
            continue
        _check(value, param.pointer, f"{where}: {param.location} parameter {param.name}")
    if op.needs_auth and not re.fullmatch(r"Bearer \S+", request.headers.get("authorization", "")):
        raise ContractViolation(f"{where}: needs 'Authorization: Bearer <token>'")
    if not op.media_types:
        return op
    media = _media_type(request.headers)
    if media not in op.media_types:
        raise ContractViolation(f"{where}: content type {media or '(none)'} not one of "
                                f"{sorted(op.media_types)}")
    if media == "application/json":
        try:
            payload = json.loads(request.content)
        except (httpx.RequestNotRead, ValueError) as exc:
            raise ContractViolation(f"{where}: body is not JSON ({exc})") from exc
        _check(payload, op.body_pointer(media), f"{where}: body")
    elif media == "multipart/form-data" and "boundary=" not in request.headers.get("content-type", ""):
        raise ContractViolation(f"{where}: multipart body without a boundary")
    return op


def _response_spec(op: Operation, status: int) -> tuple[str, Mapping[str, Any]]:
    responses = op.spec["responses"]
    for key in (str(status), f"{str(status)[0]}XX", "default"):
        if key in responses:
            raw = responses[key]
            return ref_pointer(raw, f"{op.pointer}/responses/{key}"), resolve(raw)
    raise ContractViolation(f"response {op.operation_id}: status {status} is not in the spec")


def validate_response(request: httpx.Request, response: httpx.Response, *, body: bytes | None = None) -> None:
    """Check a response's status, content type and (for JSON, when read or given) body.

    Streaming bodies (SSE, downloads) are not read here: validate SSE payloads with
    ``validate_sse_event``.

    Raises:
        ContractViolation: naming the operation, the status and what is wrong.
    """
    op = find_operation(request.method, request.url.path)
    pointer, documented = _response_spec(op, response.status_code)
    where = f"response {op.operation_id} {response.status_code}"
    content = documented.get("content")
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
    _check(payload, f"{pointer}/content/{escape(media)}/schema", f"{where}: body")


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
