"""``motionctl mock``: the command is registered, documented, and refuses a bad fault plan clearly."""

from __future__ import annotations

from pathlib import Path

import pytest

from mock_server import MockConfig
from runner.cli import main


def test_mock_serve_is_registered_with_its_options(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["mock", "serve", "--help"]) == 0
    out = capsys.readouterr().out
    for option in ("--host", "--port", "--seed", "--faults", "--sse-dialect", "--render-shape", "--data-dir",
                   "--credits"):
        assert option in out
    assert "127.0.0.1" in out and "8787" in out


def test_mock_serve_limits_tokens_per_ip_as_documented_unless_told(monkeypatch: pytest.MonkeyPatch) -> None:
    import mock_server.server

    served: list[MockConfig] = []
    monkeypatch.setattr(mock_server.server, "serve_forever", lambda config, **kw: served.append(config))
    assert main(["mock", "serve"]) == 0
    assert main(["mock", "serve", "--tokens-per-ip", "0", "--temporary-issue-ratio", "0.1"]) == 0
    assert (served[0].tokens_per_ip, served[0].temporary_issue_ratio) == (10, 0.0)
    assert (served[1].tokens_per_ip, served[1].temporary_issue_ratio) == (None, 0.1)


def test_a_bad_fault_plan_is_refused_naming_the_place(tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    plan = tmp_path / "faults.yaml"
    plan.write_text("faults:\n  - route: POST /run_sse\n    nth: 0\n")
    assert main(["mock", "serve", "--faults", str(plan)]) == 2
    err = capsys.readouterr().err
    assert "faults.yaml" in err and "faults/0/nth" in err
