"""The matching rules on values: what makes two requests the same, and which recorded answer a repeated
request gets along the recording's timeline."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import anyio
import httpx
import pytest

from motionctl.runner.api.waits import waiting_for
from motionctl.runner.cassette import Cassette, CassetteInfo, ReplayTransport
from motionctl.runner.cassette.har import Body, Exchange
from motionctl.runner.cassette.match import ask, broken_rule, form
from motionctl.runner.errors import CassetteMiss

BASE = "https://api.test"
STATE = f"{BASE}/api/state/nemo_agent/me/5000000000000000001/latest"


def test_json_bodies_match_whatever_their_key_order_and_spacing() -> None:
    a = ask("POST", f"{BASE}/api/tasks/me/with-session/nemo_agent", "application/json",
            '{"task_name":"project","language":"en"}')
    b = ask("post", f"{BASE}/api/tasks/me/with-session/nemo_agent", "application/json; charset=utf-8",
            '{ "language": "en",\n  "task_name": "project" }')
    assert form(a) == form(b)
    c = ask("POST", f"{BASE}/api/tasks/me/with-session/nemo_agent", "application/json",
            '{"task_name":"project","language":"ja"}')
    assert form(a) != form(c)
    assert broken_rule(c, a) == 'the JSON body differs at $.language: "ja" here, "en" recorded'


def test_a_chat_is_its_session_and_message() -> None:
    def chat(text: str, **extra: object) -> str:
        return json.dumps({"app_name": "nemo_agent", "user_id": "me", "session_id": "5001",
                           "new_message": {"parts": [{"text": text}]}, **extra})

    recorded = ask("POST", f"{BASE}/run_sse", "application/json", chat("Add the text 'Hi'."))
    assert form(ask("POST", f"{BASE}/run_sse", "application/json",
                    chat("Add the text 'Hi'.", streaming=True, app_name="other"))) == form(recorded)
    other = ask("POST", f"{BASE}/run_sse", "application/json", chat("Add the text 'Bye'."))
    assert broken_rule(other, recorded).startswith("the chat message differs")
    assert recorded.describe() == 'POST /run_sse with the message "Add the text \'Hi\'."'


def _json(status: str) -> Body:
    return Body(mime="application/json", text=json.dumps({"code": 0, "data": {"status": status}}))


def _exchange(method: str, url: str, answer: str, text: str | None = None) -> Exchange:
    return Exchange(method, url, status=200, response_headers=[("content-type", "application/json")],
                    request_body=Body("application/json", text=text) if text else None,
                    response_body=_json(answer), subject="job")


def _replay(exchanges: list[Exchange], calls: list[tuple[str, str, str | None]]) -> list[str]:
    cassette = Cassette(Path("t.har"), CassetteInfo(datetime.now(UTC), BASE, "live", "test"), exchanges)

    async def main() -> list[str]:
        answers = []
        async with httpx.AsyncClient(transport=ReplayTransport(cassette)) as client:
            with waiting_for("job"):
                for method, url, body in calls:
                    response = await client.request(method, url, content=body,
                                                     headers={"content-type": "application/json"})
                    answers.append(response.json()["data"]["status"])
        return answers

    return anyio.run(main)


def test_a_state_read_answers_as_of_the_steps_sent_so_far() -> None:
    say = f"{BASE}/run_sse"
    one, two = '{"session_id":"1","new_message":{"parts":[{"text":"one"}]}}', \
        '{"session_id":"1","new_message":{"parts":[{"text":"two"}]}}'
    recording = [_exchange("POST", say, "said one", one), _exchange("GET", STATE, "after one"),
                 _exchange("POST", say, "said two", two), _exchange("GET", STATE, "after two")]
    # The recipe now reads the state once more before step two, and once less after it: every read is the
    # state as of the steps this run sent, never one step ahead.
    assert _replay(recording, [("POST", say, one), ("GET", STATE, None), ("GET", STATE, None),
                               ("POST", say, two), ("GET", STATE, None), ("GET", STATE, None)]) == \
        ["said one", "after one", "after one", "said two", "after two", "after two"]
    # A read the recording made twice in a row (an expect step) that this run makes once: the next read after
    # step two still gets the state after step two.
    twice = [*recording[:2], _exchange("GET", STATE, "after one, again"), *recording[2:]]
    assert _replay(twice, [("POST", say, one), ("GET", STATE, None), ("POST", say, two),
                           ("GET", STATE, None)]) == ["said one", "after one", "said two", "after two"]


def test_an_answer_repeated_past_reason_is_a_miss() -> None:
    cassette = Cassette(Path("t.har"), CassetteInfo(datetime.now(UTC), BASE, "live", "test"),
                        [_exchange("GET", STATE, "processing")])

    async def main() -> None:
        async with httpx.AsyncClient(transport=ReplayTransport(cassette, max_repeats=3)) as client:
            with waiting_for("job"):
                for _ in range(4):
                    await client.get(STATE)

    with pytest.raises(CassetteMiss, match=r"was answered 3 times from entry 1, the last recorded answer"):
        anyio.run(main)
