"""``motionctl mock``: the command is registered, documented, and refuses a bad fault plan clearly."""

from __future__ import annotations

import json
import os
import signal
import socket
import stat
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

from motionctl.mock_server import MockConfig
from motionctl.runner.cli import main
from tests.mock_server.conftest import ATTRIBUTION


def test_mock_serve_is_registered_with_its_options(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["mock", "serve", "--help"]) == 0
    out = capsys.readouterr().out
    for option in ("--host", "--port", "--seed", "--faults", "--sse-dialect", "--render-shape", "--data-dir",
                   "--credits"):
        assert option in out
    assert "127.0.0.1" in out and "8787" in out


def test_the_ready_file_holding_the_admin_key_is_readable_by_its_owner_only(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from motionctl.mock_server import server as mock_server_server

    ready = tmp_path / "mock.json"
    seen: list[int] = []

    def serve(config: MockConfig, *, on_ready: Any, **kw: Any) -> None:
        on_ready("http://127.0.0.1:1", "adm_secret")
        seen.append(stat.S_IMODE(ready.stat().st_mode))
        assert json.loads(ready.read_text(encoding="utf-8"))["admin_key"] == "adm_secret"

    monkeypatch.setattr(mock_server_server, "serve_forever", serve)
    umask = os.umask(0o022)  # the common default: it made the file 0644
    try:
        assert main(["mock", "serve", "--ready-file", str(ready)]) == 0
    finally:
        os.umask(umask)
    assert seen == [0o600]
    assert not ready.exists()


def test_mock_serve_limits_tokens_per_ip_as_documented_unless_told(monkeypatch: pytest.MonkeyPatch) -> None:
    from motionctl.mock_server import server as mock_server_server

    served: list[MockConfig] = []
    monkeypatch.setattr(mock_server_server, "serve_forever", lambda config, **kw: served.append(config))
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


def test_an_unknown_route_in_a_fault_plan_is_an_error_naming_the_known_ones(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plan = tmp_path / "faults.yaml"
    plan.write_text("faults:\n  - route: POST /run-sse\n    respond: {status: 503}\n")
    assert main(["mock", "serve", "--faults", str(plan)]) == 2
    err = capsys.readouterr().err
    assert "faults/0/route" in err and "'POST /run-sse' matches no route" in err and "POST /run_sse" in err


def test_a_busy_port_is_one_clear_line_and_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert main(["mock", "serve", "--port", str(port)]) == 2
    err = capsys.readouterr().err
    assert err.strip().splitlines() == [f"motionctl: error: 127.0.0.1:{port} is in use; stop the other "
                                        "server or choose another --port (0 picks a free one)"]


def test_serve_logs_requests_and_fired_faults_without_secrets_and_cleans_up_on_sigterm(
        tmp_path: Path) -> None:
    plan = tmp_path / "faults.yaml"
    plan.write_text("faults:\n  - route: GET /api/credits/balance/simple\n    nth: 1\n"
                    "    respond: {status: 503}\n")
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    proc = subprocess.Popen([sys.executable, "-m", "motionctl", "mock", "serve", "--port", "0",
                             "--faults", str(plan)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().split()[4]
        key = proc.stdout.readline().split()[2]
        assert key.startswith("adm_")
        assert [p.name.startswith("nemo-mock-") for p in tmp_path.iterdir() if p.is_dir()] == [True]
        client_id = str(uuid.uuid4())
        token = httpx.post(f"{url}/api/auth/anonymous-token",
                           headers={**ATTRIBUTION, "X-Client-Id": client_id}).json()["data"]["token"]
        auth = {**ATTRIBUTION, "Authorization": f"Bearer {token}", "X-Client-Id": client_id}
        assert httpx.get(f"{url}/api/credits/balance/simple", headers=auth).status_code == 503
        assert httpx.get(f"{url}/api/credits/balance/simple", headers=auth).status_code == 200
        assert httpx.get(f"{url}/__mock/requests", headers={"X-Mock-Admin-Key": key}).status_code == 200
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err
    assert [p for p in tmp_path.iterdir() if p.is_dir()] == []  # the data directory is gone, as on Ctrl-C
    assert "POST /api/auth/anonymous-token 200" in err
    assert "fault fired: rule 0 (respond) on GET /api/credits/balance/simple" in err
    assert "GET /api/credits/balance/simple 503" in err and "GET /api/credits/balance/simple 200" in err
    assert token not in err + out and client_id not in err + out and "Traceback" not in err
