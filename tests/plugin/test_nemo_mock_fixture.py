"""The nemo_mock fixture as a user of the plugin would use it: their own httpx client against the mock."""

from __future__ import annotations

import httpx
import pytest

from motionctl.runner.testing import NemoMock


def _balance(mock: NemoMock) -> httpx.Response:
    return httpx.get(f"{mock.base_url}/api/credits/balance/simple", headers=mock.headers, timeout=10)


def test_a_fault_then_the_request_log_shows_both_calls(nemo_mock: NemoMock) -> None:
    nemo_mock.faults({"faults": [{"route": "GET /api/credits/*", "times": 1,
                                  "respond": {"status": 500, "body": {"code": 5000}}}]})
    assert _balance(nemo_mock).status_code == 500
    assert _balance(nemo_mock).status_code == 200
    calls = [(r["method"], r["path"], r["status"], r["fault"]) for r in nemo_mock.requests]
    assert calls == [("GET", "/api/credits/balance/simple", 500, "respond"),
                     ("GET", "/api/credits/balance/simple", 200, None)]
    assert all(nemo_mock.token not in str(r["headers"]) for r in nemo_mock.requests)  # masked in the log


def test_each_test_starts_from_a_clean_mock(nemo_mock: NemoMock) -> None:
    # The previous test's fault plan and requests are gone: the first call succeeds and is the only one.
    assert _balance(nemo_mock).status_code == 200
    assert len(nemo_mock.requests) == 1


def test_state_of_a_session_the_client_made(nemo_mock: NemoMock) -> None:
    reply = httpx.post(f"{nemo_mock.base_url}/api/tasks/me/with-session/nemo_agent",
                       headers=nemo_mock.headers, json={"task_name": "t", "language": "en"}, timeout=10)
    assert reply.status_code == 200, reply.text
    session_id = reply.json()["data"]["session_id"]
    state = nemo_mock.state(session_id)
    assert state["video_infos"] == [] and "draft" in state
    with pytest.raises(KeyError):
        nemo_mock.state("no-such-session")


def test_a_bad_fault_plan_is_refused_in_one_line(nemo_mock: NemoMock) -> None:
    from motionctl.runner.errors import UsageError

    with pytest.raises(UsageError, match="fault plan refused"):
        nemo_mock.faults({"faults": [{"route": "/x", "respond": {"status": "five hundred"}}]})


def test_the_admin_key_the_mock_holds_goes_on_every_admin_call() -> None:
    from types import SimpleNamespace

    from motionctl.runner.testing import admin_headers

    assert admin_headers(SimpleNamespace()) == {}  # a mock without admin keys needs no header
    [(name, value)] = admin_headers(SimpleNamespace(admin_key="k-123")).items()
    assert name.lower() == "x-mock-admin-key" and value == "k-123"
