"""How much the engine costs over bare API calls: a 200-job campaign, engine vs a plain httpx script.

    .venv/bin/python bench/runner.py [--jobs 200] [--concurrency 4]

Both sides make the same API calls against the same mock (started in its own process, so neither side's
measurement includes the mock's rendering): per job one session, an upload, two instructions, a state
fetch after every action, one preview render polled every 0.1 s and downloaded. The engine side adds what
the product is for — journal lines (fsync'ed), per-step states, diffs, events. Each side runs in a fresh
subprocess, so its wall time and peak RSS (ru_maxrss) are its own. Prints both times, the ratio (target
≤ 1.2), the engine's peak memory, the number of API calls each side made, and the machine's load.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
# Run as a script, this file's folder comes first on sys.path, and this file (bench/runner.py) would then
# shadow the `runner` package: put the project root there instead.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != _HERE]
IMAGES = ROOT / "workflows" / "images"
MIME = {".png": "image/png", ".jpg": "image/jpeg"}
PREVIEW = {"format": "mp4", "quality": "low", "resolution": "540p"}


def recipe_text(jobs: int) -> str:
    """A campaign recipe with exactly ``jobs`` jobs: 4 photos × 5 platforms × takes."""
    takes = max(1, jobs // 20)
    return f"""\
version: 1
name: bench
defaults: {{duration: 1s}}
matrix:
  image: [images/sneaker.jpg, images/bag.jpg, images/watch.jpg, images/bottle.png]
  platform: [tiktok, reels, instagram-feed, instagram-square, youtube]
  take: [{", ".join(str(t) for t in range(1, takes + 1))}]
steps:
  - upload: "{{{{ image }}}}"
  - motion: {{zoom: in, pan: left, speed: slow}}
  - export: {{to: "{{{{ image | stem }}}}-{{{{ platform }}}}-{{{{ take }}}}.mp4"}}
"""


# --- side (a): the engine ------------------------------------------------------------------------------


def run_engine(url: str, work: Path, concurrency: int) -> dict[str, Any]:
    from motionctl.runner.run import RunConfig, run_recipe

    recipe = work / "bench.yaml"
    started = time.perf_counter()
    result = run_recipe(RunConfig(recipe=recipe, backend="mock", base_url=url, out_dir=work / "out-engine",
                                  runs_dir=work / "runs", concurrency=concurrency, preview=True))
    wall = time.perf_counter() - started
    return {"wall": wall, "jobs": len(result.jobs), "failed": len(result.failed),
            "outputs": len(result.outputs)}


# --- side (b): a bare httpx script making the same calls ---------------------------------------------


async def _bare(url: str, work: Path, concurrency: int) -> dict[str, Any]:
    import httpx

    from motionctl.runner.recipe import load_plan

    started = time.perf_counter()  # like the engine side: plan loading and the token are included
    plan = load_plan(work / "bench.yaml", out_dir=work / "out-bare", preview=True)
    headers = {"X-Skill-Source": "bench", "X-Skill-Version": "0", "X-Skill-Platform": "unknown",
               "X-Client-Id": str(uuid.uuid4())}
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=60) as http:
        token = (await http.post("/api/auth/anonymous-token")).json()["data"]["token"]
        http.headers["Authorization"] = f"Bearer {token}"
        gate = asyncio.Semaphore(concurrency)
        await asyncio.gather(*(_bare_job(http, gate, job) for job in plan.jobs))
        wall = time.perf_counter() - started
    return {"wall": wall, "jobs": len(plan.jobs), "failed": 0,
            "outputs": len(list((work / "out-bare").rglob("*.mp4")))}


async def _bare_job(http: Any, gate: asyncio.Semaphore, job: Any) -> None:
    from motionctl.runner.actions import Export, Say, Upload

    async with gate:
        data = (await http.post("/api/tasks/me/with-session/nemo_agent",
                                json={"task_name": "project", "language": "en"})).json()["data"]
        sid = data["session_id"]
        state_url = f"/api/state/nemo_agent/me/{sid}/latest"
        state = (await http.get(state_url)).json()["data"]["state"]
        for action in job.actions:
            if isinstance(action, Upload):
                files = [("files", (p.name, p.read_bytes(), MIME[p.suffix])) for p in action.paths]
                (await http.post(f"/api/upload-video/nemo_agent/me/{sid}", files=files)).raise_for_status()
            elif isinstance(action, Say):
                body = {"app_name": "nemo_agent", "user_id": "me", "session_id": sid,
                        "new_message": {"parts": [{"text": action.sentence}]}}
                async with http.stream("POST", "/run_sse", json=body,
                                       headers={"Accept": "text/event-stream"}) as stream:
                    async for _ in stream.aiter_lines():
                        pass
            elif isinstance(action, Export):
                rid = f"render_{uuid.uuid4().int % 10**18}"  # the documented form: render_<digits>
                submitted = await http.post("/api/render/proxy/lambda", json={
                    "id": rid, "sessionId": sid, "draft": state["draft"], "output": PREVIEW})
                submitted.raise_for_status()  # a refused submit must end the bench, not poll a 404 forever
                while True:
                    status = (await http.get(f"/api/render/proxy/lambda/{rid}")).json()
                    if status.get("status") in ("completed", "failed"):
                        break
                    await asyncio.sleep(0.1)
                action.dest.parent.mkdir(parents=True, exist_ok=True)
                answer = await http.get(f"/api/render/proxy/{rid}/download")
                action.dest.write_bytes(answer.content)
            state = (await http.get(state_url)).json()["data"]["state"]


def run_bare(url: str, work: Path, concurrency: int) -> dict[str, Any]:
    return asyncio.run(_bare(url, work, concurrency))


# --- orchestration --------------------------------------------------------------------------------------


def _side(which: str, url: str, work: Path, concurrency: int) -> None:
    """Run one side in this (fresh) process and print its figures as one JSON line."""
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    figures = run_engine(url, work, concurrency) if which == "engine" else run_bare(url, work, concurrency)
    figures["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    figures["baseline_rss_mb"] = baseline / 1024
    print(json.dumps(figures))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


from motionctl.mock_server.admin import MockAdmin  # noqa: E402 (after the sys.path fix above)

ADMIN_KEY = secrets.token_urlsafe(16)  # the served mock's admin key, chosen here so the bench knows it


def _api_calls(url: str) -> int:
    return len(MockAdmin(url, ADMIN_KEY).requests())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--side", choices=["engine", "bare"], help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.side:
        _side(args.side, args.url, args.work, args.concurrency)
        return

    work = Path(tempfile.mkdtemp(prefix="motionctl-bench-"))
    shutil.copytree(IMAGES, work / "images")
    (work / "bench.yaml").write_text(recipe_text(args.jobs))
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    serve = ("from motionctl.mock_server import MockConfig; "
             "from motionctl.mock_server.server import serve_forever; "
             f"serve_forever(MockConfig(seed=0, initial_credits=10**9, render_speed=0.0, "
             f"admin_key={ADMIN_KEY!r}), port={port})")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "XDG_CONFIG_HOME": str(work / "config")}
    mock = subprocess.Popen([sys.executable, "-c", serve], env=env)
    try:
        import httpx

        for _ in range(200):
            try:
                httpx.get(f"{url}/__mock/requests", headers=MockAdmin(url, ADMIN_KEY).headers)
                break
            except httpx.TransportError:
                time.sleep(0.05)
        load_before = os.getloadavg()
        results: dict[str, dict[str, Any]] = {}
        calls: dict[str, int] = {}
        for side in ("bare", "engine"):
            before = _api_calls(url)
            argv = [sys.executable, __file__, "--side", side, "--url", url, "--work", str(work),
                    "--concurrency", str(args.concurrency)]
            done = subprocess.run(argv, env=env, capture_output=True, text=True)
            if done.returncode != 0:
                sys.exit(f"the {side} side failed:\n{done.stderr}")
            results[side] = json.loads(done.stdout.strip().splitlines()[-1])
            calls[side] = _api_calls(url) - before
        load_after = os.getloadavg()
    finally:
        mock.terminate()
        mock.wait(timeout=10)
    a, b = results["engine"], results["bare"]
    print(f"campaign: {a['jobs']} jobs, preview renders, concurrency {args.concurrency}, "
          f"{os.cpu_count()} CPUs")
    print(f"(a) engine : {a['wall']:7.2f} s  {calls['engine']} API calls  {a['outputs']} MP4s  "
          f"{a['failed']} failed")
    print(f"(b) bare   : {b['wall']:7.2f} s  {calls['bare']} API calls  {b['outputs']} MP4s")
    print(f"ratio a/b  : {a['wall'] / b['wall']:.3f}  (target <= 1.2)")
    print(f"engine peak RSS: {a['peak_rss_mb']:.0f} MiB (of which {a['baseline_rss_mb']:.0f} MiB before the "
          f"run: interpreter and imports); bare script peak RSS: {b['peak_rss_mb']:.0f} MiB")
    print(f"load average before: {', '.join(f'{x:.2f}' for x in load_before)}; "
          f"after: {', '.join(f'{x:.2f}' for x in load_after)}")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
