"""What the API sends is valid Unicode once the client has it (issue 19.3): a lone surrogate a server's JSON
writes ("\\ud800") becomes U+FFFD, so the journal, state files and terminal that receive it can write it."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
import respx

from motionctl.runner.api import NemoClient
from motionctl.runner.api.sse import decode_data
from motionctl.runner.journal import Journal

pytestmark = pytest.mark.anyio
# A state a server should not send: lone surrogates in the task name and the draft's title.
STATE = ('{"code": 0, "message": "success", "data": {"session_id": "s1", "task_name": "a\\ud800b", '
         '"state": {"video_infos": [], "draft": {"t": [], "d": 5000, "m": {"title": "Sale \\udfff", '
         '"width": 1080, "height": 1920, "aspect": "9:16", "fps": 30}}}}}')


async def test_a_lone_surrogate_in_the_state_becomes_a_replacement_character_and_can_be_journaled(
        client: NemoClient, api: respx.MockRouter, tmp_path: Path) -> None:
    api.get("/api/state/nemo_agent/me/s1/latest").mock(return_value=httpx.Response(
        200, content=STATE.encode(), headers={"Content-Type": "application/json"}))
    state = await client.get_state("s1")
    assert state["task_name"] == "a\ufffdb"
    title = state["state"]["draft"]["m"]["title"]
    assert title == "Sale \ufffd"
    journal = Journal.create(tmp_path / "runs", "t")
    journal.write_state("job", 1, state)  # on main: UnicodeEncodeError, the job's "unexpected error"
    journal.write({"type": "step", "job": "job", "reply": title})
    journal.close()
    assert "Sale \ufffd" in (journal.run_dir / "journal.jsonl").read_text(encoding="utf-8")


def test_a_lone_surrogate_in_a_streamed_reply_becomes_a_replacement_character() -> None:
    (event,) = decode_data('{"type": "text", "content": "Done \\ud83d."}')
    assert event.text == "Done \ufffd."


def test_keys_and_list_items_are_mended_too() -> None:
    from motionctl.runner.api.text import loads

    mended = loads('{"\\ud800": ["x\\udc00", {"k": ["\\ud83d\\ude00"]}]}')
    assert mended == {"\ufffd": ["x\ufffd", {"k": ["😀"]}]}  # a pair is one character, and stays
