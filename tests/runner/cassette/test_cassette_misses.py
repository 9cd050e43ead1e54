"""Replay where the run and the recording part ways: a changed recipe misses and says where and why; more or
fewer render polls, other multipart boundaries and new render ids still match; stale and broken cassettes
are refused clearly."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest

from motionctl.runner.api import ClientConfig, NemoClient
from motionctl.runner.api.waits import waiting_for
from motionctl.runner.cassette import ReplayTransport, load
from motionctl.runner.errors import CassetteMiss
from motionctl.runner.journal import read_journal
from tests.integration.conftest import CliResult
from tests.runner.cassette.helpers import (
    Recording,
    block_network,
    copy_cassette,
    count_parses,
    edit_cassette,
    entries_of,
    outputs_of,
)


def _recipe_copy(recording: Recording, dest: Path, old: str = "", new: str = "") -> Path:
    """The recording's recipe folder copied, with ``old`` replaced by ``new`` in the recipe."""
    shutil.copytree(recording.recipe.parent, dest)
    recipe = dest / recording.recipe.name
    text = recipe.read_text(encoding="utf-8")
    assert old in text
    recipe.write_text(text.replace(old, new), encoding="utf-8")
    return recipe


def _replay(cli: Callable[..., CliResult], recipe: Path, cassette: Path, *extra: object) -> CliResult:
    return cli("run", recipe, "--replay", cassette, "--preview", "--runs-dir", "runs", "--out", "out", *extra)


def test_a_changed_recipe_misses_naming_the_request_the_nearest_recording_and_the_rule(
        quickstart: Recording, cli: Callable[..., CliResult], monkeypatch: pytest.MonkeyPatch,
        tmp_path: Path) -> None:
    recipe = _recipe_copy(quickstart, tmp_path / "changed", "motion: {zoom: in,", "motion: {zoom: out,")
    attempts = block_network(monkeypatch)
    result = _replay(cli, recipe, quickstart.cassette)
    assert result.code == 1
    assert attempts == []  # a miss never falls through to the network
    error = next(line for line in result.err.splitlines() if "no recording of" in line)
    assert "quickstart.yaml:15:5, step 2 (motion)" in error
    assert ('no recording of POST /run_sse with the message "Animate the image with camera motion: slow '
            'zoom out') in error
    assert "(job quickstart); nearest recorded: entry " in error
    assert 'POST /run_sse with the message "Animate the image with camera motion: slow zoom in' in error
    assert "the rule that did not match: the chat message differs" in error
    assert "record it again" in error


def test_a_job_the_cassette_never_saw_is_named_with_the_jobs_it_has(
        quickstart: Recording, cli: Callable[..., CliResult], monkeypatch: pytest.MonkeyPatch,
        tmp_path: Path) -> None:
    recipe = _recipe_copy(quickstart, tmp_path / "renamed", "name: quickstart", "name: launch")
    block_network(monkeypatch)
    result = _replay(cli, recipe, quickstart.cassette)
    assert result.code == 1
    assert "the cassette has no recordings of job 'launch'; it has quickstart" in result.err


def _polls(entries: list[dict[str, Any]]) -> list[int]:
    return [i for i, e in enumerate(entries) if "/api/render/proxy/lambda/render_" in e["request"]["url"]]


def _status(entry: dict[str, Any]) -> str:
    return str(json.loads(entry["response"]["content"]["text"])["data"]["status"])


def _seen(run_dir: Path) -> list[str]:
    """The render statuses the run saw, poll by poll (its events.jsonl)."""
    events = [json.loads(line) for line in (run_dir / "events.jsonl").read_text().splitlines()]
    return [e["status"] for e in events if e["event"] == "RenderProgress"]


@pytest.mark.parametrize("polls", ["more", "fewer"])
def test_more_or_fewer_recorded_polls_still_replay(
        quickstart: Recording, cli: Callable[..., CliResult], monkeypatch: pytest.MonkeyPatch,
        tmp_path: Path, polls: str) -> None:
    cassette = copy_cassette(quickstart.cassette, tmp_path / "edited")
    recorded = [_status(entries_of(cassette)[i]) for i in _polls(entries_of(cassette))]
    assert recorded[-1] == "completed" and len(recorded) >= 2

    def edit(entries: list[dict[str, Any]]) -> None:
        at = _polls(entries)
        if polls == "more":  # a slower service: the first status answered four more times
            entries[at[0]:at[0]] = [entries[at[0]]] * 4
        else:  # a faster one: only the final answer was ever polled
            del entries[at[0]:at[-1]]

    edit_cassette(cassette, edit)
    expected = [_status(entries_of(cassette)[i]) for i in _polls(entries_of(cassette))]
    assert len(expected) == (len(recorded) + 4 if polls == "more" else 1)
    block_network(monkeypatch)
    result = _replay(cli, quickstart.recipe, cassette)
    assert result.code == 0, result.err
    run_dir = next(Path("runs").iterdir())
    assert _seen(run_dir) == expected  # each poll the next recorded status, ending in the last
    assert outputs_of(run_dir) == quickstart.outputs


def test_render_ids_are_matched_as_ids_and_extra_polls_repeat_the_last_status(quickstart: Recording,
                                                                              tmp_path: Path) -> None:
    """The client picks a new render id every run; the recording's polls answer it all the same, and polls
    beyond the recorded ones get its last answer."""
    cassette = load(quickstart.cassette)
    recorded = [_status(e) for e in (entries_of(quickstart.cassette)[i]
                                     for i in _polls(entries_of(quickstart.cassette)))]
    submit = next(e for e in cassette.exchanges if e.url.endswith("/api/render/proxy/lambda"))
    body = json.loads(submit.request_body.text or "")  # type: ignore[union-attr]
    config = ClientConfig(base_url=cassette.info.base_url, token="t", config_dir=tmp_path)

    async def main() -> list[str]:
        async with NemoClient(config, ReplayTransport(cassette)) as client:
            with waiting_for("quickstart"):
                mine = client.new_render_id()
                assert mine != body["id"]
                answer = await client.submit_render(body["sessionId"], body["draft"], body["output"],
                                                    render_id=mine)
                assert answer.id == mine  # the recording's id, answered in this run's
                return [(await client.render_status(mine)).status for _ in range(len(recorded) + 3)]

    assert anyio.run(main) == recorded + ["completed"] * 3


def _upload(cassette_path: Path, image: bytes, boundary: str) -> httpx.Response:
    cassette = load(cassette_path)
    upload = next(e for e in cassette.exchanges if "/api/upload-video/" in e.url)

    async def main() -> httpx.Response:
        async with httpx.AsyncClient(transport=ReplayTransport(cassette)) as client:
            with waiting_for("quickstart"):
                headers = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
                return await client.post(upload.url, files={"files": ("sneaker.jpg", image, "image/jpeg")},
                                         headers=headers)

    return anyio.run(main)


def test_an_upload_with_another_boundary_matches_and_other_bytes_do_not(quickstart: Recording) -> None:
    image = (quickstart.recipe.parent / "images" / "sneaker.jpg").read_bytes()
    recorded = next(e for e in load(quickstart.cassette).exchanges if "/api/upload-video/" in e.url)
    boundary = "an-other-boundary-than-httpx-picked"
    assert boundary not in (recorded.header("content-type", response=False) or "")
    answer = _upload(quickstart.cassette, image, boundary)
    assert answer.status_code == 200 and answer.json()["data"]["files"][0]["filename"] == "sneaker.jpg"
    with pytest.raises(CassetteMiss) as missed:
        _upload(quickstart.cassette, image[:-10] + b"0123456789", boundary)
    assert "multipart part 1's file's content (sha256) differs" in str(missed.value)


def test_a_stale_cassette_warns_on_a_desk_and_fails_in_ci(
        quickstart: Recording, cli: Callable[..., CliResult], monkeypatch: pytest.MonkeyPatch,
        tmp_path: Path) -> None:
    cassette = copy_cassette(quickstart.cassette, tmp_path / "old")
    doc = json.loads(cassette.read_text(encoding="utf-8"))
    doc["log"]["_motionctl"]["recorded_at"] = (datetime.now(UTC) - timedelta(days=40)).isoformat()
    cassette.write_text(json.dumps(doc), encoding="utf-8")
    block_network(monkeypatch)
    monkeypatch.delenv("CI", raising=False)  # on a desk first
    fresh = _replay(cli, quickstart.recipe, cassette, "--max-age", "60d")
    assert fresh.code == 0 and "warning" not in fresh.err
    desk = _replay(cli, quickstart.recipe, cassette, "--max-age", "30d")
    assert desk.code == 0
    assert "motionctl: warning: " in desk.err and "was recorded 40 days ago" in desk.err
    monkeypatch.setenv("CI", "true")
    ci = _replay(cli, quickstart.recipe, cassette, "--max-age", "30d")
    assert ci.code == 1
    assert "more than --max-age 30 days" in ci.err and "motionctl drift" in ci.err
    assert len(list(Path("runs").iterdir())) == 2  # refused before any run started
    told = _replay(cli, quickstart.recipe, cassette, "--max-age", "30d", "--on-stale", "warn")
    assert told.code == 0 and "motionctl: warning: " in told.err


def test_a_replay_checked_for_its_age_parses_its_cassette_once(
        quickstart: Recording, cli: Callable[..., CliResult], monkeypatch: pytest.MonkeyPatch) -> None:
    parses = count_parses(monkeypatch)
    block_network(monkeypatch)
    assert _replay(cli, quickstart.recipe, quickstart.cassette, "--max-age", "30d").code == 0
    assert parses == [quickstart.cassette]


def test_a_broken_cassette_is_bad_input(quickstart: Recording, cli: Callable[..., CliResult],
                                        tmp_path: Path) -> None:
    cassette = copy_cassette(quickstart.cassette, tmp_path / "broken")
    sidecar = next(cassette.with_name("quickstart.bodies").glob("*.mp4"))
    sidecar.unlink()
    missing = _replay(cli, quickstart.recipe, cassette)
    assert missing.code == 2
    assert f"its sidecar file quickstart.bodies/{sidecar.name} is missing" in missing.err
    cassette.write_text("{not json", encoding="utf-8")
    garbled = _replay(cli, quickstart.recipe, cassette)
    assert garbled.code == 2 and "not JSON (line 1, column 2" in garbled.err
    assert "Traceback" not in missing.err + garbled.err


def test_the_replay_chose_its_own_render_ids(quickstart: Recording, cli: Callable[..., CliResult],
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    block_network(monkeypatch)
    assert _replay(cli, quickstart.recipe, quickstart.cassette).code == 0

    def renders(run_dir: Path) -> list[str]:
        return [r["render_id"] for r in read_journal(run_dir) if r.get("type") == "render"]

    mine, recorded = renders(next(Path("runs").iterdir())), renders(quickstart.run_dir)
    assert len(mine) == len(recorded) == 1 and mine != recorded
