"""The contract itself: the spec is valid OpenAPI 3.1, and tests/contract.py catches what it should."""

from __future__ import annotations

import httpx
import pytest
from openapi_spec_validator import validate

from motionctl.runner import api as runner_api
from tests.contract import (
    SPEC_PATH,
    ContractChecker,
    ContractViolation,
    load_spec,
    operations,
    validate_request,
    validate_response,
    validate_schema,
    validate_sse_event,
)

HEADERS = {
    "X-Skill-Source": "image-to-video-motion-control",
    "X-Skill-Version": "1",
    "X-Skill-Platform": "unknown",
}
AUTH = {**HEADERS, "Authorization": "Bearer nmv_usr_x"}
URL = "https://api.test"


def test_spec_is_valid_openapi_31_with_the_draft_ref_resolved() -> None:
    validate(load_spec(), base_uri=SPEC_PATH.resolve().as_uri())
    assert load_spec()["openapi"] == "3.1.0"


def test_every_operation_requires_the_attribution_headers_and_bearer_but_the_token_call() -> None:
    spec = load_spec()
    for op in operations():
        names = {
            spec["components"]["parameters"][p["$ref"].rsplit("/", 1)[1]]["name"]
            for p in op.spec["parameters"]
            if "$ref" in p
        }
        assert {"X-Skill-Source", "X-Skill-Version", "X-Skill-Platform"} <= names, op.operation_id
        assert (op.spec.get("security") == []) == (op.operation_id == "anonymousToken")
    assert {op.operation_id for op in operations()} == {
        "anonymousToken",
        "createSession",
        "claimToken",
        "runSse",
        "upload",
        "credits",
        "state",
        "submitRender",
        "renderStatus",
        "cancelRender",
        "downloadRender",
    }


def test_download_path_has_no_lambda() -> None:
    assert "/api/render/proxy/{render_id}/download" in load_spec()["paths"]


@pytest.mark.parametrize(
    ("request_", "words"),
    [
        (
            httpx.Request(
                "GET", f"{URL}/api/credits/balance/simple", headers={**AUTH, "X-Skill-Platform": ""}
            ),
            "header parameter X-Skill-Platform",
        ),
        (
            httpx.Request(
                "GET",
                f"{URL}/api/credits/balance/simple",
                headers={k: v for k, v in AUTH.items() if k != "X-Skill-Version"},
            ),
            "missing required header parameter X-Skill-Version",
        ),
        (httpx.Request("GET", f"{URL}/api/credits/balance/simple", headers=HEADERS), "Authorization: Bearer"),
        (httpx.Request("POST", f"{URL}/api/auth/anonymous-token", headers=HEADERS), "X-Client-Id"),
        (
            httpx.Request("GET", f"{URL}/api/render/proxy/lambda/r1/download", headers=AUTH),
            "no such operation",
        ),
        (
            httpx.Request(
                "POST", f"{URL}/api/tasks/me/with-session/nemo_agent", headers=AUTH, json={"task_name": "p"}
            ),
            "'language' is a required property",
        ),
        (
            httpx.Request(
                "POST",
                f"{URL}/run_sse",
                headers={**AUTH, "Accept": "text/event-stream"},
                json={
                    "app_name": "nemo_agent",
                    "user_id": "me",
                    "session_id": "1",
                    "new_message": {"parts": []},
                },
            ),
            "new_message/parts",
        ),
        (
            httpx.Request(
                "POST",
                f"{URL}/api/render/proxy/lambda",
                headers=AUTH,
                json={"id": "job-1", "sessionId": "1", "draft": {"t": []}},
            ),
            "at id",
        ),
        (
            httpx.Request(
                "POST",
                f"{URL}/api/upload-video/nemo_agent/me/1",
                headers=AUTH,
                json={"urls": ["https://x/a.png"]},
            ),
            "'source_type' is a required property",
        ),
    ],
)
def test_bad_requests_are_caught(request_: httpx.Request, words: str) -> None:
    with pytest.raises(ContractViolation, match=words.replace("(", r"\(")):
        validate_request(request_)


def test_a_streamed_multipart_upload_is_checked_without_reading_it(tmp_path: object) -> None:
    request = httpx.Request(
        "POST",
        f"{URL}/api/upload-video/nemo_agent/me/1",
        headers=AUTH,
        files={"files": ("a.png", iter([b"x"]), "image/png")},
    )  # type: ignore[dict-item]
    assert validate_request(request).operation_id == "upload"


@pytest.mark.parametrize(
    ("path", "body", "ok"),
    [
        ("/api/credits/balance/simple", {"code": 0, "data": {"available": 1, "frozen": 0, "total": 1}}, True),
        ("/api/credits/balance/simple", {"code": 0, "data": {"available": 1}}, False),
        ("/api/credits/balance/simple", {"code": 2001, "message": "insufficient credits"}, True),
        ("/api/credits/balance/simple", {"code": 0, "message": "x"}, False),
        (
            "/api/state/nemo_agent/me/1/latest",
            {"code": 0, "data": {"session_id": "1", "state": {"draft": None}}},
            True,
        ),
        (
            "/api/state/nemo_agent/me/1/latest",
            {"code": 0, "data": {"session_id": "1", "state": {"draft": {"t": 3}}}},
            False,
        ),
        (
            "/api/render/proxy/lambda/r1",
            {"success": True, "data": {"id": "r1", "status": "processing"}},
            True,
        ),
        (
            "/api/render/proxy/lambda/r1",
            {"taskId": "r1", "status": "completed", "output": {"url": "u"}},
            True,
        ),
        ("/api/render/proxy/lambda/r1", {"success": True, "data": {"id": "r1", "status": "done"}}, False),
        ("/api/render/proxy/lambda/r1", {"success": False, "error": "no such job"}, True),
    ],
)
def test_response_bodies_are_checked(path: str, body: object, ok: bool) -> None:
    request = httpx.Request("GET", URL + path, headers=AUTH)
    response = httpx.Response(200, json=body, request=request)
    if ok:
        validate_response(request, response)
    else:
        with pytest.raises(ContractViolation):
            validate_response(request, response)


def test_statuses_and_content_types_are_checked() -> None:
    request = httpx.Request("POST", f"{URL}/api/render/proxy/lambda", headers=AUTH)
    validate_response(
        request, httpx.Response(402, json={"code": 402, "message": "free plan"}, request=request)
    )
    validate_response(request, httpx.Response(503, request=request))
    with pytest.raises(ContractViolation, match="status 301 is not in the spec"):
        validate_response(request, httpx.Response(301, request=request))
    sse = httpx.Request("POST", f"{URL}/run_sse", headers=AUTH)
    validate_response(
        sse, httpx.Response(200, headers={"content-type": "text/event-stream"}, content=b"", request=sse)
    )
    with pytest.raises(ContractViolation, match="content type text/html"):
        validate_response(sse, httpx.Response(200, html="<p>", request=sse))


def test_sse_events_and_named_schemas() -> None:
    validate_sse_event({"content": {"parts": [{"text": "hi"}], "role": "model"}, "partial": True})
    validate_sse_event({"actions": {"stateDelta": {"draft": {}}}})
    with pytest.raises(ContractViolation):
        validate_sse_event({"type": "tool_call"})  # a tool call needs its name
    with pytest.raises(ContractViolation):
        validate_sse_event({"content": {"parts": [{}]}})
    validate_schema({"id": "render_1", "status": "pending"}, "RenderJob")


@pytest.mark.anyio
async def test_event_hooks_check_every_exchange_of_a_client() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("simple"):
            return httpx.Response(200, json={"code": 0, "data": {"available": 1, "frozen": 0, "total": 1}})
        return httpx.Response(200, json={"code": 0, "data": {"wrong": True}})

    checker = ContractChecker()
    async with httpx.AsyncClient(
        transport=httpx.MockTransport(handler), base_url=URL, event_hooks=checker.event_hooks()
    ) as http:
        await http.get("/api/credits/balance/simple", headers=AUTH)
        with pytest.raises(ContractViolation, match="response state 200"):
            await http.get("/api/state/nemo_agent/me/1/latest", headers=AUTH)
    assert (checker.requests_checked, checker.responses_checked) == (2, 1)
    assert checker.operations_seen == ["credits", "state"] and len(checker.violations) == 1


def test_public_names_of_runner_api() -> None:
    for name in runner_api.__all__:
        assert hasattr(runner_api, name), name
    assert {
        "NemoClient",
        "ClientConfig",
        "Session",
        "UploadedFile",
        "StreamEvent",
        "StreamResult",
        "RenderStatus",
        "Credits",
        "DEFAULT_BASE_URL",
    } <= set(runner_api.__all__)
