"""Strict requests, the mock's default: every shape specs/nemo-api.yaml forbids is refused, naming the field
and the spec's rule; ``--lenient`` takes them; and a walk of the spec keeps the mock and the spec in
agreement, operation by operation and field by field."""

from __future__ import annotations

import copy
from typing import Any

import httpx
import pytest

from motionctl.mock_server import MockConfig
from motionctl.mock_server import contract as spec
from motionctl.mock_server.routes import ROUTES
from tests.mock_server.conftest import SMALL, Api, OpenApi, job_of

pytestmark = pytest.mark.anyio
SSE = {"Accept": "text/event-stream"}


def said(r: httpx.Response) -> str:
    """What a refusal says, in whichever form the route answers (envelope A or B, FastAPI's detail)."""
    body: Any = r.json()
    detail = body.get("detail")
    if isinstance(detail, list):
        return " ".join(f"{item['loc']} {item['msg']}" for item in detail)
    return str(body.get("message") or body.get("error") or detail)


async def ready(api: Api) -> tuple[str, dict[str, Any]]:
    """A session with an image and the draft a render submit would send."""
    sid = await api.session_with_image()
    return sid, (await api.state(sid))["draft"]


def sse_body(sid: str, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"app_name": "nemo_agent", "user_id": "me", "session_id": sid,
                            "new_message": {"parts": [{"text": "Set the duration to 2s."}]}}
    body.update(changes)
    return {k: v for k, v in body.items() if v is not None}


async def wrong_shapes(api: Api, sid: str, draft: dict[str, Any]) -> dict[str, httpx.Response]:
    """The mistakes issue 25's client made, each sent as is."""
    h = api.headers()
    camel = sse_body(sid, session_id=None, sessionId=sid)
    return {
        "render submit with snake_case session_id": await api.raw.post(
            "/api/render/proxy/lambda", headers=h,
            json={"id": "render_1", "session_id": sid, "draft": draft, "output": SMALL}),
        "run_sse with camelCase sessionId": await api.raw.post("/run_sse", headers={**h, **SSE}, json=camel),
        "run_sse without app_name": await api.raw.post("/run_sse", headers={**h, **SSE},
                                                       json=sse_body(sid, app_name=None)),
        "run_sse without user_id": await api.raw.post("/run_sse", headers={**h, **SSE},
                                                      json=sse_body(sid, user_id=None)),
        "run_sse without Accept: text/event-stream": await api.raw.post("/run_sse", headers=h,
                                                                        json=sse_body(sid)),
        "a session created without language": await api.raw.post(
            "/api/tasks/me/with-session/nemo_agent", headers=h, json={"task_name": "project"}),
        "a language that is not a string": await api.raw.post(
            "/api/tasks/me/with-session/nemo_agent", headers=h, json={"task_name": "project", "language": 5}),
        "a JSON body sent as text/plain": await api.raw.post(
            "/api/tasks/me/with-session/nemo_agent", content=b'{"task_name": "p", "language": "en"}',
            headers={**h, "Content-Type": "text/plain"}),
        "a user id in the path instead of me": await api.raw.post(
            "/api/tasks/anon_1234/with-session/nemo_agent", headers=h,
            json={"task_name": "project", "language": "en"}),
    }


# What each refusal must say: the status, and words naming the field and the rule.
REFUSED = {
    "render submit with snake_case session_id": (422, ["'sessionId' is a required property",
                                                       "it has 'session_id'", "submitRender"]),
    "run_sse with camelCase sessionId": (422, ["['body', 'session_id']", "it has 'sessionId'", "runSse"]),
    "run_sse without app_name": (422, ["['body', 'app_name']", "required", "runSse"]),
    "run_sse without user_id": (422, ["['body', 'user_id']", "required", "runSse"]),
    "run_sse without Accept: text/event-stream": (406, ["Accept", "text/event-stream", "runSse"]),
    "a session created without language": (422, ["'language' is a required property", "createSession"]),
    "a language that is not a string": (422, ["/language", "5 is not of type 'string'", "createSession"]),
    "a JSON body sent as text/plain": (415, ["application/json", "text/plain", "createSession"]),
    "a user id in the path instead of me": (404, ["'me'", "nemo_agent", "--lenient"]),
}


async def test_each_wrong_shape_is_refused_naming_the_field_and_the_rule(open_api: OpenApi) -> None:
    async with open_api() as api:
        sid, draft = await ready(api)
        answers = await wrong_shapes(api, sid, draft)
        assert set(answers) == set(REFUSED)
        for name, r in answers.items():
            status, words = REFUSED[name]
            assert r.status_code == status, (name, r.text)
            assert all(w in said(r) for w in words), (name, said(r))
            assert "specs/nemo-api.yaml" in said(r), name
        # ADK's /run_sse is a FastAPI route, and answers in FastAPI's form; the others in their envelope.
        assert answers["run_sse without user_id"].json()["detail"][0]["type"] == "missing"
        assert answers["a session created without language"].json()["code"] == 422
        assert answers["render submit with snake_case session_id"].json()["success"] is False
        # Nothing was done: no session was made, no render submitted, the draft untouched.
        store = api.mock.app.state.store
        assert len(store.sessions) == 1 and not store.jobs
        assert (await api.state(sid))["draft"] == draft


async def test_lenient_mode_takes_them_as_the_mock_did(open_api: OpenApi) -> None:
    async with open_api(MockConfig(strict=False)) as api:
        sid, draft = await ready(api)
        answers = await wrong_shapes(api, sid, draft)
        for name, r in answers.items():
            assert r.status_code == 200, (name, r.text)
            if name.startswith("run_sse"):  # it streamed: the agent answered
                assert r.headers["content-type"].startswith("text/event-stream"), name
                assert "data: " in r.text, name
            else:
                assert r.json().get("code", 0) == 0 and r.json().get("success", True), (name, r.text)


async def test_unknown_paths_and_methods_are_json_naming_the_spec(open_api: OpenApi) -> None:
    async with open_api() as api:
        await api.new_token()
        r = await api.raw.post("/run-sse", headers=api.headers())
        assert r.status_code == 404 and "is not an operation of specs/nemo-api.yaml" in r.json()["detail"]
        r = await api.raw.get("/run_sse", headers=api.headers())
        assert r.status_code == 405 and r.headers["allow"] == "POST"
        assert "is not an operation of specs/nemo-api.yaml" in r.json()["detail"]


# --- the walk -------------------------------------------------------------------------------------------

def example_bodies(sid: str, task_id: str, draft: dict[str, Any], cdn_url: str) -> dict[str, dict[str, Any]]:
    """A valid JSON body for every operation that takes one, by operationId."""
    return {
        "createSession": {"task_name": "project", "language": "en"},
        "claimToken": {"task_id": task_id, "session_id": sid},
        "runSse": sse_body(sid),
        "upload": {"urls": [cdn_url], "source_type": "url"},
        "submitRender": {"id": "render_42", "sessionId": sid, "draft": draft, "output": SMALL},
    }


def wrong_value(pointer: str) -> Any:
    """A JSON value the schema at ``pointer`` refuses (a value of another type)."""
    for candidate in (5, "x", [], {}, True, None):
        if spec.first_error(candidate, pointer) is not None:
            return candidate
    raise AssertionError(f"{pointer} takes anything")


def body_schema(op: spec.Operation) -> tuple[str, dict[str, Any]]:
    """The JSON body's schema and its pointer, through a ``$ref``."""
    pointer = op.body_pointer("application/json")
    node = spec.node_at(pointer)
    return spec.ref_pointer(node, pointer), dict(spec.resolve(node))


async def test_the_mock_and_the_spec_agree_operation_by_operation(open_api: OpenApi) -> None:
    served = {(m, p) for p, _, methods in ROUTES if not p.startswith("/cdn/") for m in methods}
    in_spec = {(op.method, op.template) for op in spec.operations()}
    # Every API route is an operation of the spec (the mock's paths name 'me' and the app as parameters).
    assert {(m, p.replace("{user}", "me").replace("{app}", "nemo_agent").replace("{sid}", "{session_id}")
             .replace("{job_id}", "{render_id}")) for m, p in served} == in_spec

    async with open_api() as api:
        sid, draft = await ready(api)
        cdn_url = (await api.state(sid))["video_infos"][0]["cdn_url"]
        task_id = api.mock.app.state.store.sessions[sid].task_id
        examples = example_bodies(sid, task_id, draft, cdn_url)
        json_ops = [op for op in spec.operations() if "application/json" in op.media_types]
        assert {op.operation_id for op in json_ops} == set(examples)  # a new operation needs an example
        for op in json_ops:
            path = op.template.replace("{session_id}", sid)
            example = examples[op.operation_id]
            pointer, schema = body_schema(op)

            async def send(body: Any, headers: dict[str, str] | None = None, *, op: Any = op,
                           path: str = path) -> httpx.Response:
                return await api.raw.request(op.method, path, json=body,
                                             headers=headers if headers is not None else {**api.headers(),
                                                                                          **SSE})

            ok = await send(example)
            assert ok.status_code == 200, (op.operation_id, ok.text)
            for field in schema.get("required", []):
                r = await send({k: v for k, v in example.items() if k != field})
                assert r.status_code == 422 and field in said(r), (op.operation_id, field, said(r))
            for field in schema.get("properties", {}):
                bad = copy.deepcopy(example)
                bad[field] = wrong_value(f"{pointer}/properties/{spec.escape(field)}")
                r = await send(bad)
                assert r.status_code == 422 and field in said(r), (op.operation_id, field, said(r))
                assert op.operation_id in said(r)
            for param in op.parameters:
                if param.location == "header" and param.required and \
                        param.name.lower() not in spec.HEADERS_WITH_OWN_RULES:
                    r = await send(example, api.headers())  # every header the test sends but this one
                    assert r.status_code == 406 and param.name in said(r), (op.operation_id, param.name)
        final = job_of((await api.wait("render_42"))[-1])
        assert final["status"] == "completed"


async def test_a_multipart_upload_without_files_is_refused(open_api: OpenApi) -> None:
    async with open_api() as api:
        sid = await api.session()
        r = await api.raw.post(f"/api/upload-video/nemo_agent/me/{sid}", headers=api.headers(),
                               files={"other": ("x.png", b"\x89PNG\r\n\x1a\n")})
        assert r.status_code == 422 and "files" in r.json()["message"]
        assert (await api.state(sid))["video_infos"] == []


async def test_a_malformed_body_is_refused_as_such_whatever_session_it_names(open_api: OpenApi) -> None:
    async with open_api() as api:
        await api.new_token()
        ghost = "5000000000000000001"
        r = await api.raw.post("/api/auth/claim-token", headers=api.headers(), json={"session_id": ghost})
        assert r.status_code == 422 and "task_id" in r.json()["message"]  # not 1002: the body is wrong
        r = await api.raw.post(f"/api/upload-video/nemo_agent/me/{ghost}", headers=api.headers(),
                               json={"urls": "http://127.0.0.1/x.png", "source_type": "url"})
        assert r.status_code == 422 and "/urls" in r.json()["message"]
        r = await api.raw.post(f"/api/upload-video/nemo_agent/me/{ghost}", headers=api.headers(),
                               json={"urls": ["http://127.0.0.1:9/x.png"], "source_type": "url"})
        assert (r.status_code, r.json()["code"]) == (200, 1002)  # a valid body: the session is unknown
