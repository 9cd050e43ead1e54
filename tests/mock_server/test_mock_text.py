"""Text is valid Unicode end to end in the mock (issue 19.3): a lone surrogate anywhere in a JSON body is a
422 naming the field, never a 500 or a reset connection, and what the mock stored can always be served.

JSON can write ``"\\ud800"``, which no UTF-8 encoder takes: in a session's task name it made every later
state read of that session a 500, and in an instruction ``/run_sse`` reset the connection. Every string of
every body the mock reads (values and keys, down the draft a render takes) gets one here.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from motionctl.mock_server import MockConfig, serve_in_thread
from tests.mock_server.conftest import ATTRIBUTION, SMALL, png_bytes

SURROGATE = "a\ud800b"


@pytest.fixture(scope="module")
def api() -> Iterator[tuple[httpx.Client, str]]:
    """A client with a token, and a session holding an uploaded image."""
    # Credits for every session the fuzz below makes: each edits, and pays for it.
    with serve_in_thread(MockConfig(initial_credits=1_000_000)) as mock, \
            httpx.Client(base_url=mock.url, timeout=30) as client:
        client.headers.update({**ATTRIBUTION, "X-Client-Id": str(uuid.uuid4())})
        token = client.post("/api/auth/anonymous-token").json()["data"]["token"]
        client.headers["Authorization"] = f"Bearer {token}"
        sid = client.post("/api/tasks/me/with-session/nemo_agent",
                          json={"task_name": "t", "language": "en"}).json()["data"]["session_id"]
        client.post(f"/api/upload-video/nemo_agent/me/{sid}", files={"files": ("a.png", png_bytes())})
        yield client, sid


def bodies(sid: str, draft: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """A valid JSON body for every route that reads one."""
    return [
        ("/api/tasks/me/with-session/nemo_agent", {"task_name": "promo", "language": "en"}),
        ("/run_sse", {"app_name": "nemo_agent", "user_id": "me", "session_id": sid,
                      "new_message": {"parts": [{"text": "Add the text \"Sale\" at the bottom."}]}}),
        (f"/api/upload-video/nemo_agent/me/{sid}", {"urls": ["http://127.0.0.1:1/a.png"],
                                                     "source_type": "url"}),
        ("/api/auth/claim-token", {"task_id": "task_1", "session_id": sid}),
        ("/api/render/proxy/lambda", {"id": f"render_{int(time.time() * 1000)}", "sessionId": sid,
                                      "draft": draft, "output": SMALL}),
    ]


def spoiled(value: Any, field: str = "") -> Iterator[tuple[str, Any]]:
    """``value`` with one string (or key) at a time holding a lone surrogate: (the field, as the mock names
    it, and the body)."""
    if isinstance(value, str):
        yield field, SURROGATE
    elif isinstance(value, dict):
        for key, item in value.items():
            path = f"{field}.{key}" if field else key
            for inner, bad in spoiled(item, path):
                yield inner, {**value, key: bad}
            others = {k: v for k, v in value.items() if k != key}
            yield f"{field}.a\\ud800b" if field else "a\\ud800b", {**others, SURROGATE: item}
    elif isinstance(value, list):
        for i, item in enumerate(value):
            for inner, bad in spoiled(item, f"{field}[{i}]"):
                yield inner, [*value[:i], bad, *value[i + 1:]]


def test_a_lone_surrogate_in_any_field_is_a_422_naming_it_and_state_is_still_served(
        api: tuple[httpx.Client, str]) -> None:
    client, sid = api
    state = f"/api/state/nemo_agent/me/{sid}/latest"
    draft = client.get(state).json()["data"]["state"]["draft"]
    tried = 0
    for path, body in bodies(sid, draft):
        for field, bad in spoiled(body):
            raw = json.dumps(bad, ensure_ascii=True)  # writes the surrogate as the escape \ud800
            answer = client.post(path, content=raw, headers={"Content-Type": "application/json",
                                                              "Accept": "text/event-stream"})
            assert answer.status_code == 422, (path, field, answer.status_code, answer.text[:200])
            envelope = answer.json()
            # Render routes answer {success, error}; /run_sse as ADK's FastAPI does, {"detail": [{"msg"}]}.
            message = envelope.get("message") or envelope.get("error") or \
                " ".join(item["msg"] for item in envelope.get("detail", []))
            assert f"field '{field}' holds a lone surrogate (U+D800)" in message, (path, message)
            tried += 1
        assert client.get(state).status_code == 200
    assert tried > 40  # every string of every body, the draft's included


def test_nan_and_infinity_are_not_json_numbers(api: tuple[httpx.Client, str]) -> None:
    client, _ = api
    for constant in ("NaN", "Infinity", "-Infinity"):
        answer = client.post("/api/tasks/me/with-session/nemo_agent", content=f'{{"task_name": {constant}}}',
                             headers={"Content-Type": "application/json"})
        assert answer.status_code == 422
        assert f"{constant} is not a JSON number" in answer.json()["message"]


@settings(max_examples=60, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
# st.text leaves lone surrogates out whatever its alphabet: characters joined by hand keep them.
@given(text=st.lists(st.one_of(st.characters(), st.characters(categories=["Cs"])), max_size=40).map("".join))
def test_whatever_text_a_session_stores_its_state_is_served(api: tuple[httpx.Client, str],
                                                           text: str) -> None:
    # Any text, control characters and lone surrogates included, as a task name and inside a text overlay
    # the interpreter writes into the draft: refused with a 4xx, or stored and served back.
    client, sid = api
    created = client.post("/api/tasks/me/with-session/nemo_agent",
                          content=json.dumps({"task_name": text, "language": "en"}),
                          headers={"Content-Type": "application/json"})
    assert created.status_code in (200, 422), created.text[:200]
    sessions = [sid] + ([created.json()["data"]["session_id"]] if created.status_code == 200 else [])
    for session in sessions:
        message = {"parts": [{"text": f"Add the text {json.dumps(text)} at the bottom."}]}
        sent = client.post("/run_sse", content=json.dumps({"app_name": "nemo_agent", "user_id": "me",
                                                           "session_id": session, "new_message": message}),
                           headers={"Content-Type": "application/json", "Accept": "text/event-stream"})
        assert sent.status_code in (200, 422), sent.text[:200]
        assert client.get(f"/api/state/nemo_agent/me/{session}/latest").status_code == 200
