"""``motionctl drift``: a cassette recorded from the mock shows no error against a fresh one; hand changes
standing for a service that moved on (a renamed field, a changed type, a new SSE event kind, another
status) are each reported with their check id, route and path.

What is changed is chosen from the cassette as recorded today, not from a picture of the mock's shapes,
so these tests hold while the mock's answers evolve."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from motionctl.mock_server import MockConfig, serve_in_thread
from motionctl.runner.cassette import load
from motionctl.runner.cassette.shapes import sse_kind
from tests.integration.conftest import CliResult
from tests.runner.cassette.helpers import Recording, copy_cassette, edit_cassette

STATE = "GET /api/state/nemo_agent/me/{id}/latest"
STATUS = "GET /api/render/proxy/lambda/{id}"
NEW_KIND = "progress_report"


def _drift(cli: Callable[..., CliResult], cassette: Path, *extra: object) -> tuple[CliResult, dict[str, Any]]:
    result = cli("drift", cassette, "--json", *extra)
    return result, json.loads(result.out)


def _found(report: dict[str, Any]) -> set[tuple[str, str, str, str]]:
    return {(d["check"], d["severity"], d["request"], d["path"]) for d in report["differences"]}


def test_an_untouched_cassette_has_no_error_level_difference(quickstart: Recording,
                                                             cli: Callable[..., CliResult]) -> None:
    result, report = _drift(cli, quickstart.cassette)
    assert result.code == 0, result.out + result.err
    assert report["result"] == "pass" and report["counts"]["error"] == 0
    assert report["against"].startswith("the bundled mock (seed 0")
    assert report["replayed"] >= 15 and report["skipped"] == []
    text = cli("drift", quickstart.cassette)
    assert text.code == 0
    assert text.out.splitlines()[0] == (f"Drift of {quickstart.cassette} against the bundled mock (seed 0, "
                                        "SSE dialect adk, render shape nested)")
    assert "No error-level differences" in text.out


def _answer(entry: dict[str, Any]) -> Any:
    return json.loads(entry["response"]["content"]["text"])


def _store(entry: dict[str, Any], body: Any) -> None:
    entry["response"]["content"]["text"] = json.dumps(body)


def test_hand_changed_answers_are_reported_with_check_route_and_path(
        quickstart: Recording, cli: Callable[..., CliResult], tmp_path: Path) -> None:
    cassette = copy_cassette(quickstart.cassette, tmp_path / "changed")
    entries = json.loads(cassette.read_text())["log"]["entries"]
    states = [e for e in entries if "/api/state/" in e["request"]["url"]]
    strings = [k for k, v in _answer(states[0])["data"].items() if isinstance(v, str)]
    renamed, retyped = strings[0], strings[1]  # two string fields of today's state answer
    kinds = {sse_kind(f) for ex in load(cassette).exchanges for f in ex.frames or []}
    assert NEW_KIND not in kinds
    changed: dict[str, Any] = {}

    def change(entries: list[dict[str, Any]]) -> None:
        for entry in entries:
            url = entry["request"]["url"]
            if "/api/state/" in url:  # the service renamed one field and sends another as a number
                body = _answer(entry)
                body["data"][renamed + "_v2"] = body["data"].pop(renamed)
                body["data"][retyped] = 42
                _store(entry, body)
        chat = next(e for e in entries if e["request"]["url"].endswith("/run_sse"))
        chat["_sse"].append({"t": 1.0, "data": json.dumps({"type": NEW_KIND, "percent": 50})})
        polls = [e for e in entries if "/api/render/proxy/lambda/render_" in e["request"]["url"]]
        final = _answer(polls[-1])
        text = json.dumps(final).replace('"completed"', '"succeeded"')
        assert text != json.dumps(final)
        polls[-1]["response"]["content"]["text"] = text
        credits = next(i for i, e in enumerate(entries) if "/api/credits/" in e["request"]["url"])
        entries[credits]["response"]["status"] = 203  # and another HTTP status
        changed["credits"] = credits + 1

    edit_cassette(cassette, change)
    result, report = _drift(cli, cassette)
    assert result.code == 1 and report["result"] == "fail"
    assert "error-level differences with the bundled mock" in result.err
    found = _found(report)
    assert ("field-missing-in-mock", "error", STATE, f"$.data.{renamed}_v2") in found
    assert ("field-extra-in-mock", "warning", STATE, f"$.data.{renamed}") in found
    assert ("type-differs", "error", STATE, f"$.data.{retyped}") in found
    assert ("sse-event-kind-missing-in-mock", "error", "POST /run_sse", f"events[{NEW_KIND}]") in found
    assert ("render-final-status-differs", "error", STATUS, "$.status") in found
    assert any(d[0] == "enum-value-missing-in-mock" and d[2] == STATUS and d[3].endswith(".status")
               for d in found)
    status = next(d for d in report["differences"] if d["check"] == "status-code-differs")
    assert (status["request"], status["recorded"], status["mock"], status["entries"]) == \
        ("GET /api/credits/balance/simple", 203, 200, [changed["credits"]])
    missing = next(d for d in report["differences"] if d["check"] == "field-missing-in-mock")
    assert f"The mock sends $.data.{renamed} (string) instead: renamed?" in missing["message"]
    assert missing["entries"] == [n for n, e in enumerate(entries, 1) if "/api/state/" in e["request"]["url"]]
    # The text says the same, as a review comment grouped by route.
    text = cli("drift", cassette).out
    assert f"\n{STATE}\n  error [field-missing-in-mock] $.data.{renamed}_v2 (entries " in text
    count = len(states)
    assert f"    The service sends $.data.{renamed}_v2 (string) in {count} of {count} answers" in text
    assert f"error [sse-event-kind-missing-in-mock] events[{NEW_KIND}]" in text


@pytest.fixture
def flat_mock() -> Any:
    with serve_in_thread(MockConfig(render_shape="flat", render_speed=20.0)) as mock:
        yield mock


def test_against_another_server_compares_with_it(quickstart: Recording, cli: Callable[..., CliResult],
                                                 flat_mock: Any) -> None:
    result, report = _drift(cli, quickstart.cassette, "--against", flat_mock.url)
    assert report["against"] == flat_mock.url
    routes = {d["request"] for d in report["differences"] if d["severity"] == "error"}
    # The render status comes in the other documented shape; what is not about renders does not differ.
    assert STATUS in routes and all(" /api/render/" in r for r in routes), routes
    assert result.code == 1
    bad = cli("drift", quickstart.cassette, "--against", "ftp://example")
    assert bad.code == 2 and "is not an http(s) URL" in bad.err
