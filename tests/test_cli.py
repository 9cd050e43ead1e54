"""The CLI's one error handler: every failure is one line on stderr and an exit code, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from motionctl.runner.cli import api_commands, main
from motionctl.runner.errors import ExportNotAllowed


def _boom(*_: object, **__: object) -> None:
    raise RuntimeError("the unforeseen")


def test_a_runner_error_is_one_line_with_its_exit_code(capsys: pytest.CaptureFixture[str],
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_: object, **__: object) -> None:
        raise ExportNotAllowed("export needs a paid plan", hint="upgrade the plan; credits do not help")

    monkeypatch.setattr(api_commands, "_run", refuse)
    assert main(["credits"]) == 1
    assert capsys.readouterr().err == (
        "motionctl: error: export needs a paid plan (upgrade the plan; credits do not help)\n")


def test_a_bug_is_one_line_not_a_traceback(capsys: pytest.CaptureFixture[str],
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MOTIONCTL_DEBUG", raising=False)
    monkeypatch.setattr(api_commands, "_run", _boom)
    assert main(["credits"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("motionctl: internal error: RuntimeError: the unforeseen")
    assert "Traceback" not in err and err.count("\n") == 1


def test_motionctl_debug_shows_the_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MOTIONCTL_DEBUG", "1")
    monkeypatch.setattr(api_commands, "_run", _boom)
    with pytest.raises(RuntimeError, match="the unforeseen"):
        main(["credits"])


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["run", str(tmp_path / "absent.yaml")]) == 2
    assert "absent.yaml" in capsys.readouterr().err


@pytest.mark.parametrize(("argv", "line"), [
    (["mock", "serve", "--port", "99999"],
     "invalid value for '--port': 99999 is not in the range 0<=x<=65535 (see `motionctl mock serve --help`)"),
    (["mock", "serve", "--sse-dialect", "nmeo"],
     "invalid value for '--sse-dialect': 'nmeo' is not one of 'adk', 'nemo' "
     "(see `motionctl mock serve --help`)"),
    (["run", "x.yaml", "--previw"],
     "no such option '--previw'. Did you mean '--preview'? (see `motionctl run --help`)"),
    (["shwo"], "no such command 'shwo'. Did you mean 'show'? (see `motionctl --help`)"),
])
def test_every_command_s_usage_errors_are_one_motionctl_error_line(
        argv: list[str], line: str, capsys: pytest.CaptureFixture[str]) -> None:
    # Issue 18: `mock serve` (and click's own usage errors) printed a usage block and "Error: …".
    assert main(argv) == 2
    assert capsys.readouterr().err == f"motionctl: error: {line}\n"
