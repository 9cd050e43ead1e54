"""Recipes as pytest tests against a cassette: recorded once when asked (here against a mock served on
127.0.0.1, standing in for the service), then every job replays it with no network and no token."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from motionctl.mock_server import MockConfig, serve_in_thread
from tests.plugin.conftest import ONE
from tests.runner.cassette.helpers import block_network, count_parses


@pytest.fixture
def recorded(pytester: pytest.Pytester, recipes: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """``cassettes/`` with one.har and pair.har, recorded by the plugin, and their goldens written."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(pytester.path / "config"))  # the recording's token cache
    # Both recipes record with one cached token, as they would against the service: three sessions' worth.
    with serve_in_thread(MockConfig(seed=5, initial_credits=150)) as mock:
        result = pytester.runpytest("recipes/one.yaml", "recipes/pair.yaml", "--motionctl-cassettes",
                                    "cassettes", "--motionctl-record", "--motionctl-base-url", mock.url,
                                    "--motionctl-update")
    result.assert_outcomes(passed=3)
    folder = pytester.path / "cassettes"
    assert sorted(p.name for p in folder.iterdir()) == ["one.bodies", "one.har", "pair.bodies", "pair.har"]
    meta = json.loads((folder / "one.har").read_text(encoding="utf-8"))["log"]["_motionctl"]
    assert meta["base_url"].startswith("http://127.0.0.1:") and meta["preview"] is True
    return folder


def test_jobs_replay_their_recipe_cassette_without_network(pytester: pytest.Pytester, recorded: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    attempts = block_network(monkeypatch)
    monkeypatch.delenv("NEMO_TOKEN", raising=False)
    result = pytester.runpytest("recipes/one.yaml", "recipes/pair.yaml", "--motionctl-cassettes", "cassettes",
                                "--motionctl-max-age", "30d")
    result.assert_outcomes(passed=3)  # each job from its part of the recipe's one cassette, goldens checked
    assert attempts == []


def test_the_ini_names_the_folder_and_a_changed_recipe_fails_its_job(
        pytester: pytest.Pytester, recorded: Path, recipes: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytester.makeini("[pytest]\nmotionctl_cassettes = cassettes\n")
    (recipes / "one.yaml").write_text(ONE.replace("zoom: in", "zoom: out"), encoding="utf-8")
    block_network(monkeypatch)
    result = pytester.runpytest("recipes/one.yaml")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["job one failed at *one.yaml:6:5, step 2 (motion):",
                                 "*no recording of POST /run_sse with the message *slow zoom out*nearest "
                                 "recorded: entry *slow zoom in*the chat message differs*"])


def test_a_missing_cassette_says_how_to_record_it(pytester: pytest.Pytester, recipes: Path) -> None:
    result = pytester.runpytest("recipes/one.yaml", "--motionctl-cassettes", "cassettes")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*no cassette at *cassettes/one.har: record it with `pytest one.yaml "
                                 "--motionctl-cassettes *cassettes --motionctl-record "
                                 "--motionctl-backend live`*"])
    assert "Traceback" not in str(result.stdout)


def test_each_job_parses_its_cassette_once(pytester: pytest.Pytester, recorded: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    # Checked for its age and its render size, then replayed: one read, not one per use (a big cassette).
    parses = count_parses(monkeypatch)
    block_network(monkeypatch)
    result = pytester.runpytest("recipes/pair.yaml", "--motionctl-cassettes", "cassettes",
                                "--motionctl-max-age", "30d")
    result.assert_outcomes(passed=2)
    assert parses == [recorded / "pair.har"] * 2
