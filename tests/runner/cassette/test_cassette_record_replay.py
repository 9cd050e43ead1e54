"""Record a run against the mock served on 127.0.0.1, then replay it with the server gone and the network
blocked: the same job outcomes, the same step diffs, the same MP4 bytes. And the cassette is the HAR the
issue asks for: JSON inline, SSE as timed events plus the raw text, binaries in sidecars named by hash."""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from motionctl.runner import golden
from motionctl.runner._version import __version__
from motionctl.runner.journal import read_journal
from motionctl.runner.recipe import load_plan
from tests.integration.conftest import CliResult
from tests.runner.cassette.helpers import (
    Recording,
    block_network,
    copy_cassette,
    entries_of,
    outputs_of,
)


def _replay(cli: Callable[..., CliResult], recording: Recording, cassette: Path,
            *extra: object) -> CliResult:
    return cli("run", recording.recipe, "--replay", cassette, "--preview", "--runs-dir", "runs",
               "--out", "out", "-q", *extra)


def _steps(run_dir: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Each job's step outcomes as the journal has them (what, whether it acted, its summary; an export's
    file by name, since the two runs write under different --out folders)."""
    steps: dict[str, list[tuple[Any, ...]]] = {}
    for r in read_journal(run_dir):
        if r.get("type") == "step":
            said = r["dest_name"] if r["kind"] == "export" else r["summary"]
            steps.setdefault(r["job"], []).append((r["index"], r["label"], r["acted"], said))
    return steps


def test_a_campaign_replays_offline_with_the_same_outcomes_and_mp4_bytes(
        campaign: Recording, cli: Callable[..., CliResult], monkeypatch: pytest.MonkeyPatch) -> None:
    attempts = block_network(monkeypatch)
    result = _replay(cli, campaign, campaign.cassette, "--check")
    assert result.code == 0, result.err
    assert attempts == []  # not one connection, not one name lookup
    assert "a replay of" in result.err and "golden matches" in result.err
    run_dir = next(Path("runs").iterdir())
    assert len(campaign.outputs) == 2
    assert outputs_of(run_dir) == campaign.outputs  # byte for byte, from the sidecars
    assert _steps(run_dir) == _steps(campaign.run_dir)
    jobs = sorted(campaign.outputs)
    assert golden.build("campaign", jobs, read_journal(run_dir)) == \
        golden.build("campaign", jobs, read_journal(campaign.run_dir))


def test_the_cassette_is_har_with_json_inline_sse_events_and_binary_sidecars(quickstart: Recording) -> None:
    doc = json.loads(quickstart.cassette.read_text(encoding="utf-8"))
    log = doc["log"]
    assert log["version"] == "1.2" and log["creator"] == {"name": "motionctl", "version": __version__}
    meta = log["_motionctl"]
    assert meta["base_url"].startswith("http://127.0.0.1:") and meta["backend"] == "mock"
    assert meta["motionctl_version"] == __version__ and meta["preview"] is True
    assert meta["recipe_hash"] == load_plan(quickstart.recipe).recipe_hash
    assert datetime.now(UTC) - datetime.fromisoformat(meta["recorded_at"]) < timedelta(hours=1)
    entries = log["entries"]
    for entry in entries:
        assert {"startedDateTime", "time", "request", "response", "cache", "timings"} <= set(entry)
    # JSON bodies are inline, readable text.
    state = next(e for e in entries if "/api/state/" in e["request"]["url"])
    assert json.loads(state["response"]["content"]["text"])["code"] == 0
    # A chat answer: its events in order with their timing, comments (heartbeats) kept, and the raw text.
    chat = next(e for e in entries if e["request"]["url"].endswith("/run_sse"))
    events = chat["_sse"]
    assert [e["t"] for e in events] == sorted(e["t"] for e in events)
    assert any(e.get("comment") == "ping" for e in events)
    data = [e["data"] for e in events if "data" in e]
    assert data and all(json.loads(d)["author"] == "nemo_agent" for d in data)
    raw = chat["response"]["content"]["text"]
    assert [line.removeprefix("data: ") for line in raw.splitlines() if line.startswith("data: ")] == data
    # The upload and the MP4 are sidecar files named by their sha256; the upload forgot its boundary.
    upload = next(e for e in entries if "/api/upload-video/" in e["request"]["url"])
    post = upload["request"]["postData"]
    assert post["mimeType"] == "multipart/form-data"
    (part,) = post["params"]
    image = (quickstart.recipe.parent / "images" / "sneaker.jpg").read_bytes()
    assert part["fileName"] == "sneaker.jpg" and part["_sha256"] == hashlib.sha256(image).hexdigest()
    assert (quickstart.cassette.parent / part["_file"]).read_bytes() == image
    download = next(e for e in entries if e["response"]["content"]["mimeType"] == "video/mp4")
    content = download["response"]["content"]
    assert "text" not in content and Path(content["_file"]).name == f"{content['_sha256']}.mp4"
    assert (quickstart.cassette.parent / content["_file"]).read_bytes() == quickstart.outputs["quickstart"]


def test_a_replay_reads_no_token_cache_and_needs_no_credit_check(
        quickstart: Recording, cli: Callable[..., CliResult], monkeypatch: pytest.MonkeyPatch,
        tmp_path: Path) -> None:
    # A user's real token in the environment is neither sent anywhere nor needed.
    monkeypatch.setenv("NEMO_TOKEN", "nmv_usr_users_own_live_token_0000")
    block_network(monkeypatch)
    result = _replay(cli, quickstart, quickstart.cassette)
    assert result.code == 0, result.err
    assert not (tmp_path / "config" / "motionctl").exists()  # no credentials.json written or read
    header = read_journal(next(Path("runs").iterdir()))[0]
    assert header["backend_config"]["cassette"] == {"mode": "replay", "path": str(quickstart.cassette)}


def test_a_replayed_run_is_run_again_not_resumed(quickstart: Recording,
                                                 cli: Callable[..., CliResult]) -> None:
    assert _replay(cli, quickstart, quickstart.cassette).code == 0
    run_dir = next(Path("runs").iterdir())
    again = cli("run", quickstart.recipe, "--resume", run_dir)
    assert again.code == 2
    assert f"that run was a replay of {quickstart.cassette}" in again.err
    assert f"--replay {quickstart.cassette}" in again.err


def test_a_recording_run_is_recorded_again_not_resumed(quickstart: Recording, cli: Callable[..., CliResult],
                                                       tmp_path: Path) -> None:
    # Resumed, it finished the clips and never wrote the cassette, saying nothing.
    run_dir = tmp_path / "runs" / quickstart.run_dir.name
    shutil.copytree(quickstart.run_dir, run_dir)
    before = sorted(p.name for p in run_dir.iterdir())
    again = cli("run", quickstart.recipe, "--resume", run_dir)
    assert again.code == 2
    assert f"that run was recording {quickstart.cassette}, which a resumed run cannot finish" in again.err
    assert f"--record {quickstart.cassette}" in again.err
    assert sorted(p.name for p in run_dir.iterdir()) == before


def test_a_run_that_cannot_start_leaves_the_old_cassette_alone(
        quickstart: Recording, cli: Callable[..., CliResult], monkeypatch: pytest.MonkeyPatch,
        tmp_path: Path) -> None:
    cassette = copy_cassette(quickstart.cassette, tmp_path / "kept")
    before = cassette.read_bytes()

    async def no_sleep(seconds: float) -> None:
        return None

    monkeypatch.setattr("motionctl.runner.api.client.anyio.sleep", no_sleep)
    block_network(monkeypatch)  # the server is unreachable: the run fails before its first job
    result = cli("run", quickstart.recipe, "--base-url", "http://127.0.0.1:9", "--record", cassette)
    assert result.code == 1 and "connection failed" in result.err
    assert cassette.read_bytes() == before
    assert sorted(p.name for p in cassette.parent.iterdir()) == ["quickstart.bodies", "quickstart.har"]
    assert len(entries_of(cassette)) == len(entries_of(quickstart.cassette))
