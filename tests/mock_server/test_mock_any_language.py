"""The mock as a CI process for any language: ``--ready-json``/``--ready-file``, the health route, a
documented shutdown, the small-memory mode, and README's "Use the mock from any language" section run as
written (its shell sequence around its Node test, with Node's own test runner, when Node is installed)."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.processes import alive, children, lacks

ROOT = Path(__file__).resolve().parents[2]
SECTION = (ROOT / "README.md").read_text(encoding="utf-8").split("### Use the mock from any language")[1]
SECTION = SECTION.split("\n## ")[0]
SERVE = [sys.executable, "-m", "motionctl", "mock", "serve", "--port", "0", "--log-level", "warning"]


@pytest.fixture
def tmp_env(tmp_path: Path) -> dict[str, str]:
    """The environment of a CI job: this venv's commands first, temporary files in ``tmp_path``."""
    return {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
            "TMPDIR": str(tmp_path)}


@pytest.fixture
def ready_json(tmp_env: dict[str, str]) -> Iterator[tuple[subprocess.Popen[str], dict[str, object]]]:
    proc = subprocess.Popen([*SERVE, "--ready-json", "--lazy-workers", "--render-workers", "1"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=tmp_env)
    try:
        assert proc.stdout is not None
        yield proc, json.loads(proc.stdout.readline())  # one line, once it listens
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate(timeout=20)


def test_ready_json_health_lazy_workers_and_shutdown(
        ready_json: tuple[subprocess.Popen[str], dict[str, object]], tmp_path: Path) -> None:
    proc, ready = ready_json
    assert set(ready) == {"url", "admin_key", "pid"} and ready["pid"] == proc.pid
    url = str(ready["url"])
    assert httpx.get(f"{url}/__mock/health").json() == {"ok": True, "strict": True, "sse_dialect": "adk",
                                                         "render_shape": "nested"}
    assert children(proc.pid) == []  # --lazy-workers: no render worker before a render needs one
    assert httpx.post(f"{url}/__mock/shutdown").status_code == 401  # the admin key, as every admin route
    r = httpx.post(f"{url}/__mock/shutdown", headers={"X-Mock-Admin-Key": str(ready["admin_key"])})
    assert r.json() == {"ok": True, "stopping": True}
    assert proc.wait(timeout=20) == 0
    assert [p for p in tmp_path.iterdir() if p.name.startswith("nemo-mock-")] == []  # data removed


def test_ready_file_appears_when_listening_and_goes_at_sigterm(tmp_path: Path,
                                                               tmp_env: dict[str, str]) -> None:
    ready = tmp_path / "mock.json"
    proc = subprocess.Popen([*SERVE, "--ready-file", str(ready), "--lazy-workers"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=tmp_env)
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().startswith("mock Nemo API on http://127.0.0.1:")  # printed after it
        info = json.loads(ready.read_text(encoding="utf-8"))
        assert httpx.get(f"{info['url']}/__mock/health").status_code == 200
        assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".mock.json")] == []  # atomic
    finally:
        proc.send_signal(signal.SIGTERM)
        err = proc.communicate(timeout=20)[1]
    assert proc.returncode == 0, err
    assert not ready.exists() and "Traceback" not in err and not alive(info["pid"])


def test_serve_options_reach_the_mock(monkeypatch: pytest.MonkeyPatch) -> None:
    from motionctl.mock_server import server as mock_server_server
    from motionctl.runner.cli import main

    served = []
    monkeypatch.setattr(mock_server_server, "serve_forever", lambda config, **kw: served.append(config))
    assert main(["mock", "serve"]) == 0
    assert main(["mock", "serve", "--lenient", "--lazy-workers", "--work-delay", "2"]) == 0
    assert (served[0].strict, served[0].warm_workers, served[0].work_delay) == (True, True, 0.05)
    assert (served[1].strict, served[1].warm_workers, served[1].work_delay) == (False, False, 2.0)


@pytest.mark.skipif(lacks("node"), reason="needs Node.js (.ci/run installs Debian's nodejs)")
def test_readme_shell_sequence_and_node_example(tmp_path: Path, tmp_env: dict[str, str]) -> None:
    shell = next(b for b in re.findall(r"```bash\n(.*?)\n```", SECTION, flags=re.S) if "--ready-file" in b)
    node = re.findall(r"```js\n(.*?)\n```", SECTION, flags=re.S)[0]
    (tmp_path / "mock.test.mjs").write_text(node, encoding="utf-8")
    done = subprocess.run(["bash", "-euo", "pipefail", "-c", shell], cwd=tmp_path, env=tmp_env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "# pass 2" in done.stdout and "# fail 0" in done.stdout, done.stdout
    assert not (tmp_path / "mock.json").exists()  # the mock stopped and took its ready file with it
