"""Memory of ``motionctl mock serve``: resident set size of the server and its render workers, idle and
after one render, in the default mode and in the small-memory mode for test processes.

    .venv/bin/python bench/mock_memory.py

Each mode starts ``mock serve --port 0 --ready-json`` as a test process would, waits for its ready line,
reads RSS from /proc (the server plus every child), renders one short clip over HTTP and reads it again,
then stops it with SIGTERM. Linux only.
"""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
from PIL import Image

HEADERS = {"X-Skill-Source": "bench", "X-Skill-Version": "1", "X-Skill-Platform": "unknown"}
MODES = {
    "default (a render worker per CPU, started with the server)": [],
    "--render-workers 1 --lazy-workers": ["--render-workers", "1", "--lazy-workers"],
}
SETTLE_S = 3.0  # spawned workers finish importing numpy, OpenCV and PyAV


def tree(pid: int) -> list[int]:
    """``pid`` and every process below it."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parents[int(stat.parent.name)] = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
    out, todo = [], [pid]
    while todo:
        current = todo.pop()
        out.append(current)
        todo += [child for child, parent in parents.items() if parent == current]
    return out


def rss_mib(pid: int) -> tuple[float, int]:
    """Resident set size of the process tree, in MiB, and how many processes it has."""
    total = 0
    pids = tree(pid)
    for p in pids:
        for line in Path(f"/proc/{p}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1])
    return total / 1024, len(pids)


def render_once(url: str) -> None:
    client_id = str(uuid.uuid4())
    token = httpx.post(f"{url}/api/auth/anonymous-token",
                       headers={**HEADERS, "X-Client-Id": client_id}).json()["data"]["token"]
    auth = {**HEADERS, "Authorization": f"Bearer {token}"}
    sid = httpx.post(f"{url}/api/tasks/me/with-session/nemo_agent", headers=auth,
                     json={"task_name": "memory", "language": "en"}).json()["data"]["session_id"]
    png = io.BytesIO()
    Image.new("RGB", (320, 240), (90, 120, 200)).save(png, "PNG")
    httpx.post(f"{url}/api/upload-video/nemo_agent/me/{sid}", headers=auth,
               files={"files": ("photo.png", png.getvalue(), "image/png")})
    state = httpx.get(f"{url}/api/state/nemo_agent/me/{sid}/latest", headers=auth).json()
    draft = state["data"]["state"]["draft"]
    render_id = f"render_{int(time.time() * 1000)}"
    httpx.post(f"{url}/api/render/proxy/lambda", headers=auth, timeout=60,
               json={"id": render_id, "sessionId": sid, "draft": draft,
                     "output": {"format": "mp4", "quality": "low", "resolution": "540p"}})
    deadline = time.monotonic() + 120
    while httpx.get(f"{url}/api/render/proxy/lambda/{render_id}", headers=auth).json()["data"]["status"] \
            not in ("completed", "failed"):
        if time.monotonic() > deadline:
            raise SystemExit("the render did not finish within 120 s")
        time.sleep(0.1)


def measure(extra: list[str]) -> tuple[float, int, float, int]:
    command = [sys.executable, "-m", "motionctl", "mock", "serve", "--port", "0", "--ready-json",
               "--log-level", "warning", *extra]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        url = json.loads(proc.stdout.readline())["url"]
        time.sleep(SETTLE_S)
        idle = rss_mib(proc.pid)
        render_once(url)
        time.sleep(SETTLE_S)
        after = rss_mib(proc.pid)
        return idle[0], idle[1], after[0], after[1]
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)


def main() -> int:
    print(f"CPUs this process may use: {len(os.sched_getaffinity(0))}")
    for name, extra in MODES.items():
        idle, idle_n, after, after_n = measure(extra)
        print(f"{name}: idle {idle:.0f} MiB in {idle_n} processes; after one render {after:.0f} MiB "
              f"in {after_n} processes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
