"""The seed's own curl commands, with the real curl binary, against ``motionctl mock serve``."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.mock_server.conftest import png_bytes
from tests.processes import lacks

CURL = shutil.which("curl") or "/usr/bin/curl"
ATTRIBUTION = ["-H", "X-Skill-Source: image-to-video-motion-control", "-H", "X-Skill-Version: 1.0.0",
               "-H", "X-Skill-Platform: unknown"]


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    """``motionctl mock serve --port 0`` in a subprocess, answering renders in the flat shape the seed
    reads ("until `status` = `completed`. Download URL at `output.url`"); yields its printed URL."""
    yield from _serve(tmp_path, "--credits", "500", "--render-shape", "flat")


def _serve(tmp_path: Path, *options: str) -> Iterator[str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "motionctl", "mock", "serve", "--port", "0", "--work-delay", "0.2",
         "--heartbeat-interval", "0.05", "--data-dir", str(tmp_path / "data"), *options],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.startswith("mock Nemo API on http://127.0.0.1:"), line + (proc.stderr.read() if
                                                                               proc.stderr else "")
        url = line.split()[4]
        deadline = time.monotonic() + 20
        while subprocess.run([CURL, "-sf", "-o", "/dev/null", f"{url}/__mock/health"]).returncode != 0:
            assert time.monotonic() < deadline, "the mock did not come up"
            time.sleep(0.05)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        if proc.stdout:
            proc.stdout.close()
        if proc.stderr:
            proc.stderr.close()


def curl(*args: str) -> str:
    out = subprocess.run([CURL, "-sS", "--max-time", "900", *args], capture_output=True, text=True,
                         check=True)
    return out.stdout


def curl_json(*args: str) -> Any:
    return json.loads(curl(*args))


@pytest.mark.skipif(lacks("curl"), reason="needs the curl binary (.ci/run installs it)")
def test_the_seed_workflow_with_curl(served: str, tmp_path: Path) -> None:
    base = served
    photo = tmp_path / "product.png"
    photo.write_bytes(png_bytes(192, 128))

    token = curl_json("-X", "POST", f"{base}/api/auth/anonymous-token", "-H",
                      f"X-Client-Id: {uuid.uuid4()}", *ATTRIBUTION)["data"]["token"]
    auth = ["-H", f"Authorization: Bearer {token}", *ATTRIBUTION]
    session = curl_json("-X", "POST", f"{base}/api/tasks/me/with-session/nemo_agent", *auth,
                        "-H", "Content-Type: application/json",
                        "-d", '{"task_name":"project","language":"en"}')
    sid = session["data"]["session_id"]

    upload = curl_json("-X", "POST", f"{base}/api/upload-video/nemo_agent/me/{sid}", *auth,
                       "-F", f"files=@{photo}")
    assert upload["code"] == 0 and upload["data"]["files"][0]["file_type"] == "image"

    body = json.dumps({"app_name": "nemo_agent", "user_id": "me", "session_id": sid,
                       "new_message": {"parts": [{"text": "animate this image with a slow zoom-in and "
                                                          "leftward pan"}]}})
    stream = curl("-N", "-X", "POST", f"{base}/run_sse", *auth, "-H", "Content-Type: application/json",
                  "-H", "Accept: text/event-stream", "-d", body)
    frames = [f for f in stream.split("\n\n") if f.strip()]
    assert ": ping" in frames
    events = [json.loads(f[len("data: "):]) for f in frames if f.startswith("data: ")]
    assert "functionCall" in events[0]["content"]["parts"][0]

    credits = curl_json(f"{base}/api/credits/balance/simple", *auth)["data"]
    assert credits == {"available": 450, "frozen": 0, "total": 450}
    state = curl_json(f"{base}/api/state/nemo_agent/me/{sid}/latest", *auth)["data"]["state"]
    assert state["draft"]["t"][0]["sg"][0]["motion"]["zoom"] == [1.0, 1.1]
    curl("-X", "POST", f"{base}/run_sse", *auth, "-H", "Content-Type: application/json",
         "-H", "Accept: text/event-stream",
         "-d", body.replace("animate this image with a slow zoom-in and leftward pan",
                            "Set the duration to 1s."))
    draft = curl_json(f"{base}/api/state/nemo_agent/me/{sid}/latest", *auth)["data"]["state"]["draft"]
    assert draft["d"] == 1000  # the second instruction was taken (it sent the seed's Accept too)

    render = {"id": f"render_{int(time.time() * 1000)}", "sessionId": sid, "draft": draft,
              "output": {"format": "mp4", "quality": "low", "resolution": "540p"}}
    submitted = curl_json("-X", "POST", f"{base}/api/render/proxy/lambda", *auth,
                          "-H", "Content-Type: application/json", "-d", json.dumps(render))
    assert submitted["taskId"] == render["id"] and submitted["status"] == "pending"
    deadline = time.monotonic() + 60
    while (status := curl_json(f"{base}/api/render/proxy/lambda/{render['id']}", *auth))["status"] not in (
            "completed", "failed"):
        assert time.monotonic() < deadline
        time.sleep(0.1)
    assert status["status"] == "completed"
    out = tmp_path / "out.mp4"
    curl("-o", str(out), status["output"]["url"])
    assert out.read_bytes()[4:8] == b"ftyp"
    proxied = tmp_path / "proxied.mp4"
    curl("-o", str(proxied), f"{base}/api/render/proxy/{render['id']}/download", *auth)
    assert proxied.read_bytes() == out.read_bytes()
    anonymous = subprocess.run([CURL, "-s", "-o", "/dev/null", "-w", "%{http_code}",
                                f"{base}/api/render/proxy/{render['id']}/download"],
                               capture_output=True, text=True).stdout
    assert anonymous == "401"
    assert curl_json(f"{base}/api/render/proxy/{render['id']}/download")["code"] == 1001

    no_headers = subprocess.run([CURL, "-s", "-o", "/dev/null", "-w", "%{http_code}", "-X", "POST",
                                 f"{base}/api/render/proxy/lambda", "-H", f"Authorization: Bearer {token}",
                                 "-H", "Content-Type: application/json", "-d", json.dumps(render)],
                                capture_output=True, text=True).stdout
    assert no_headers == "402"


README = Path(__file__).resolve().parents[2] / "README.md"


@pytest.mark.skipif(not (Path(CURL).exists() and shutil.which("jq")), reason="needs the curl and jq binaries")
def test_readmes_curl_walk_through_runs_as_written(tmp_path: Path) -> None:
    text = README.read_text(encoding="utf-8")
    section = text.split("### The mock by hand, with curl", 1)[1]
    block = section.split("```bash\n", 1)[1].split("```", 1)[0]
    assert block.startswith("BASE=http://127.0.0.1:8787 ")  # the port `motionctl mock serve` uses
    for header in ("X-Skill-Source", "X-Skill-Version", "X-Skill-Platform", "X-Client-Id", "Authorization"):
        assert header in block
    for served in _serve(tmp_path):  # a new token's 100 credits, as a plain `mock serve` gives
        script = block.replace("http://127.0.0.1:8787", served, 1)
        run = subprocess.run(["bash", "-euo", "pipefail", "-c", script], cwd=README.parent,
                             capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert lines[0] == '{"filename":"sneaker.jpg","file_type":"image","width":1600,"height":1200}'
    assert ": ping" in lines and any(line.startswith("data: ") for line in lines)
    # What README says the last two lines print.
    motion, balance = section.split("The last two lines print `", 1)[1].split("`")[0:3:2]
    assert lines[-2:] == [motion, balance]
