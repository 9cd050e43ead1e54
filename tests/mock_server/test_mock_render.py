"""Render jobs: validation, both status shapes, progress, cancel, downloads of a real MP4, and rendering
off the event loop."""

from __future__ import annotations

import io
import json
import multiprocessing
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import anyio
import av
import pytest

from motionctl.mock_server import MockConfig
from tests.mock_server.conftest import SMALL, Api, OpenApi
from tests.processes import alive, cpu_seconds

pytestmark = pytest.mark.anyio


async def prepared(api: Api, seconds: int = 1) -> tuple[str, dict[str, Any]]:
    sid = await api.session_with_image()
    await api.say(sid, f"Set the duration to {seconds}s.")
    await api.say(sid, "Animate the image with camera motion: zoom in.")
    return sid, (await api.state(sid))["draft"]


def decode(data: bytes) -> tuple[int, int, int, float]:
    """(width, height, frames, seconds) of an MP4."""
    with av.open(io.BytesIO(data)) as container:
        stream = container.streams.video[0]
        frames = sum(1 for _ in container.decode(stream))
        seconds = float(container.duration) / 1e6
        return stream.codec_context.width, stream.codec_context.height, frames, seconds


async def test_nested_shape_runs_to_a_downloadable_mp4(open_api: OpenApi) -> None:
    async with open_api() as api:
        sid, draft = await prepared(api)
        r = await api.submit(sid, draft, "render_1")
        created = r.json()["data"]["createdAt"]
        assert r.json() == {"success": True, "data": {"id": "render_1", "status": "pending", "progress": 5,
                                                      "createdAt": created}}
        seen = await api.wait("render_1")
        statuses = [s["data"]["status"] for s in seen]
        assert statuses[-1] == "completed" and set(statuses) <= {"pending", "processing", "completed"}
        progress = [s["data"]["progress"] for s in seen]
        assert progress == sorted(progress) and progress[-1] == 100
        final = seen[-1]
        # S2: "`status` and `outputUrl` are inside `data`, NOT top-level": nothing is mirrored there.
        assert set(final) == {"success", "data"} and final["data"]["outputUrl"].endswith("render_1.mp4")
        assert final["data"]["completedAt"] >= final["data"]["createdAt"] == created
        proxied = await api.raw.get("/api/render/proxy/render_1/download", headers=api.headers())
        direct = await api.raw.get(final["data"]["outputUrl"])
        assert proxied.headers["content-type"] == "video/mp4" and proxied.content == direct.content
        width, height, frames, seconds = decode(proxied.content)
        assert (width, height) == (540, 960)  # 9:16 at 540p
        assert frames == 30 and seconds == pytest.approx(1.0, abs=0.1)  # 1 s at 30 fps


async def test_flat_shape(open_api: OpenApi) -> None:
    async with open_api(MockConfig(render_shape="flat")) as api:
        sid, draft = await prepared(api)
        r = await api.submit(sid, draft, "render_2",
                             {"format": "webm", "quality": "low", "resolution": "540p"})
        assert r.json() == {"taskId": "render_2", "status": "pending", "progress": 5}  # the submit too
        seen = await api.wait("render_2")
        assert "success" not in seen[0] and seen[0]["taskId"] == "render_2" and "output" not in seen[0]
        final = seen[-1]
        assert "data" not in final and final["status"] == "completed"
        assert final["output"]["url"].endswith("render_2.webm")
        data = (await api.raw.get(final["output"]["url"])).content
        assert final["output"]["size"] == len(data)
        assert final["output"]["duration"] == pytest.approx(1, abs=0.1)
        assert data[:4] == b"\x1a\x45\xdf\xa3"  # a WebM file, as asked


async def test_duplicate_id_is_refused(open_api: OpenApi) -> None:
    async with open_api() as api:
        sid, draft = await prepared(api)
        await api.submit(sid, draft, "render_3")
        r = await api.submit(sid, draft, "render_3")
        assert r.status_code == 409 and r.json()["success"] is False and "duplicate id" in r.json()["error"]
        assert "code" not in r.json()
        await api.wait("render_3")


@pytest.mark.parametrize(("mutate", "where"), [
    (lambda d: d["t"][0]["sg"][0].pop("src"), "/t/0/sg/0"),
    (lambda d: d["t"][0]["sg"][0].update(motion={"zoom": [1, 2], "wobble": 1}), "/t/0/sg/0/motion"),
    (lambda d: d.update(m={"aspect": "3:2"}), "/m/aspect"),
    (lambda d: d.update(t=[]), "nothing to render"),
])
async def test_invalid_drafts_are_refused_naming_the_place(open_api: OpenApi, mutate: Any,
                                                           where: str) -> None:
    async with open_api() as api:
        sid, draft = await prepared(api)
        mutate(draft)
        # Through ``raw``: the contract checker would (rightly) refuse to send these requests.
        r = await api.raw.post("/api/render/proxy/lambda", headers=api.headers(),
                               json={"id": "render_4", "sessionId": sid, "draft": draft, "output": SMALL})
        assert r.status_code == 422 and r.json()["success"] is False
        assert where in r.json()["error"] and r.json()["error"].startswith("draft invalid at /")


async def test_media_that_is_not_the_callers_upload_fails_the_job(open_api: OpenApi) -> None:
    async with open_api() as api:
        sid, draft = await prepared(api)
        draft["t"][0]["sg"][0]["src"] = "http://elsewhere/cdn/u0/x.png"
        r = await api.submit(sid, draft, "render_4")  # a valid request: the render node fails to fetch it
        assert r.status_code == 200 and r.json()["data"]["status"] == "pending"
        final = (await api.wait("render_4"))[-1]["data"]
        assert final["status"] == "failed" and "/t/0/sg/0/src" in final["error"]
        assert "not a file uploaded to this mock" in final["error"]


async def test_unsupported_output_is_refused(open_api: OpenApi) -> None:
    async with open_api() as api:
        sid, draft = await prepared(api)
        r = await api.raw.post("/api/render/proxy/lambda", headers=api.headers(),
                               json={"id": "render_5", "sessionId": sid, "draft": draft,
                                     "output": {"format": "avi"}})
        assert r.status_code == 422 and "/output/format" in r.json()["error"] and "avi" in r.json()["error"]


async def test_cancel_and_unknown_jobs(open_api: OpenApi) -> None:
    async with open_api() as api:
        sid, draft = await prepared(api, seconds=3)
        await api.submit(sid, draft, "render_6", {"format": "mp4", "quality": "high", "resolution": "1080p"})
        r = await api.http.post("/api/render/proxy/lambda/render_6/cancel", headers=api.headers())
        assert r.json()["data"]["status"] == "failed" and r.json()["data"]["error"] == "cancelled"
        final = (await api.wait("render_6"))[-1]
        assert final["data"]["status"] == "failed" and final["data"]["error"] == "cancelled"
        r = await api.raw.get("/api/render/proxy/render_6/download", headers=api.headers())
        assert r.status_code == 404
        r = await api.http.get("/api/render/proxy/lambda/render_404", headers=api.headers())
        assert r.status_code == 404 and r.json()["success"] is False


async def test_rendering_does_not_block_other_sessions_streams(open_api: OpenApi) -> None:
    # Observed, not timed: heartbeats of another session's stream arrive between two polls that see the
    # render at different progress mid-way. A render blocking the loop would let neither be served while it
    # ran: every poll would see it before it began or once it was done. (That renders run in worker
    # processes is asserted structurally below, by the pid that made each clip.)
    config = MockConfig(work_delay=0.5, heartbeat_interval=0.05)
    async with open_api(config) as api:
        sid, draft = await prepared(api, seconds=4)
        other = await api.session_with_image()
        await api.submit(sid, draft, "render_7", {"format": "mp4", "quality": "high", "resolution": "1080p"})
        with anyio.fail_after(120):  # a bound on a hang, not on speed
            while (await api.status("render_7"))["data"]["status"] != "processing":  # noqa: ASYNC110 (polling HTTP)
                await anyio.sleep(0.01)
            seen: list[tuple[str, int]] = []  # the render's (status, progress) polled after each heartbeat
            while not seen or seen[-1] == ("processing", seen[0][1]):  # messages until it moved or ended
                async with api.stream(other, "Set the duration to 3s.") as r:
                    async for line in r.aiter_lines():
                        if line.startswith(":"):
                            job = (await api.status("render_7"))["data"]
                            seen.append((job["status"], job["progress"]))
        print(f"render (status, progress) at each heartbeat: {seen}")
        # Two polls, a heartbeat before each, saw it processing at different progress: it moved meanwhile.
        assert len({progress for status, progress in seen if status == "processing"}) >= 2, seen
        await api.wait("render_7", limit=120)


def _render_workers() -> list[int]:
    return [p.pid for p in multiprocessing.active_children() if p.pid is not None]


def test_stopping_the_mock_stops_its_renders(open_api: OpenApi) -> None:
    # A render left running when its mock stops keeps a core busy for a job nobody will fetch (and, in
    # a thread, aborted the interpreter at exit on Ctrl-C of a run): leaving the mock must end every render.
    stopping: list[float] = []

    async def start_a_long_render() -> None:
        async with open_api() as api:
            sid, draft = await prepared(api, seconds=60)
            full_size = {"format": "mp4", "quality": "high", "resolution": "1080p"}
            await api.submit(sid, draft, "render_8", full_size)
            with anyio.fail_after(60):
                while (await api.status("render_8"))["data"]["progress"] < 10:  # noqa: ASYNC110
                    await anyio.sleep(0.01)
            stopping.append(time.monotonic())

    anyio.run(start_a_long_render)
    # Stopped, not rendered to the end: the other 90% of 60 s of 1080p takes 18 s and more on any machine.
    assert time.monotonic() - stopping[0] < 12
    workers = _render_workers()
    assert workers  # the render ran in a worker process, which stays for the next render
    before = {pid: cpu_seconds(pid) for pid in workers}
    time.sleep(0.5)
    busy = {pid: cpu_seconds(pid) - before[pid] for pid in workers}
    assert max(busy.values()) < 0.1, busy  # every worker idle: nothing goes on encoding


async def test_a_render_worker_that_dies_fails_its_job_and_the_next_render_works(open_api: OpenApi) -> None:
    async with open_api() as api:
        sid, draft = await prepared(api, seconds=60)
        await api.submit(sid, draft, "render_9", {"format": "mp4", "quality": "high", "resolution": "1080p"})
        with anyio.fail_after(60):
            while (await api.status("render_9"))["data"]["progress"] < 10:  # noqa: ASYNC110
                await anyio.sleep(0.01)
        for pid in _render_workers():
            os.kill(pid, signal.SIGKILL)  # as the kernel's out-of-memory killer would
        final = (await api.wait("render_9"))[-1]["data"]
        assert final["status"] == "failed"
        assert final["error"] == ("render failed: the render worker stopped unexpectedly (killed, or out of "
                                  "memory)")
        sid, draft = await prepared(api)
        await api.submit(sid, draft, "render_10")
        assert (await api.wait("render_10"))[-1]["data"]["status"] == "completed"


async def test_renders_are_bounded_by_render_workers_and_run_off_the_event_loop(
        open_api: OpenApi) -> None:
    async with open_api(MockConfig(render_workers=2)) as api:
        sid, draft = await prepared(api, seconds=2)
        ids = [f"render_{100 + n}" for n in range(5)]
        for job_id in ids:
            await api.submit(sid, draft, job_id)
        store = api.mock.app.state.store
        most_at_once = 0
        with anyio.fail_after(120):
            # Read from the store, all five at one instant: statuses fetched one request at a time could
            # see a finished job still "processing" and its successor already started.
            while not all(job.status in ("completed", "failed") for job in list(store.jobs.values())):
                statuses = [job.status for job in list(store.jobs.values())]
                most_at_once = max(most_at_once, statuses.count("processing"))
                await anyio.sleep(0.005)
        final = {job_id: (await api.status(job_id))["data"]["status"] for job_id in ids}
        pids = {job.worker_pid for job in store.jobs.values()}
    assert set(final.values()) == {"completed"}
    assert most_at_once == 2  # five renders, two at a time, never more
    assert None not in pids and os.getpid() not in pids  # made in worker processes, not the server's


def test_render_workers_default_to_the_cpus_this_process_may_use() -> None:
    import os

    assert MockConfig().render_workers == len(os.sched_getaffinity(0))


def test_render_workers_exit_when_their_process_is_killed(tmp_path: Path) -> None:
    # A run killed with SIGKILL (or crashing) cannot stop its workers; they must not idle on forever.
    script = tmp_path / "pool.py"
    script.write_text(
        "import multiprocessing, sys, time\n"
        "from motionctl.mock_server.render_pool import shared_pool\n"
        "if __name__ == '__main__':\n"
        "    shared_pool(2).warm()\n"
        "    while len(multiprocessing.active_children()) < 2:\n"
        "        time.sleep(0.05)\n"
        "    print(*[p.pid for p in multiprocessing.active_children()], flush=True)\n"
        "    time.sleep(60)\n")
    with subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True) as proc:
        assert proc.stdout is not None
        workers = [int(pid) for pid in proc.stdout.readline().split()]
        assert len(workers) == 2 and all(alive(pid) for pid in workers)
        proc.kill()
    deadline = time.monotonic() + 10
    while any(alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not [pid for pid in workers if alive(pid)]


def test_a_render_worker_loads_the_renderer_and_the_server_does_not(tmp_path: Path) -> None:
    # A worker's start-up is what a one-clip run waits for: it must import the renderer (NumPy, OpenCV,
    # PyAV) and none of the server; the server's process, none of the renderer.
    found = json.loads(_script_output(
        tmp_path,
        "import json, sys\n"
        "WATCHED = ('numpy', 'cv2', 'av', 'starlette', 'uvicorn', 'httpx', 'motionctl.mock_server.app',\n"
        "           'motionctl.mock_server.render.renderer')\n"
        "def loaded():\n"
        "    return sorted(name for name in WATCHED if name in sys.modules)\n"
        "if __name__ == '__main__':\n"
        "    from motionctl.mock_server import MockConfig, serve_in_thread\n"
        "    from motionctl.mock_server.render_pool import shared_pool\n"
        "    with serve_in_thread(MockConfig(render_workers=1)):\n"
        "        worker = shared_pool(1)._executor.submit(loaded).result(timeout=60)\n"
        "        print(json.dumps({'worker': worker, 'server': loaded()}))\n"))
    assert found["worker"] == ["av", "cv2", "motionctl.mock_server.render.renderer", "numpy"]
    assert found["server"] == ["httpx", "motionctl.mock_server.app", "starlette", "uvicorn"]


def test_render_workers_started_ahead_are_the_ones_the_mock_uses(tmp_path: Path) -> None:
    # The embedded mock's workers start before the mock's own imports (runner/backend.py); the mock, once
    # up, must use them rather than start more: one worker for a one-clip run.
    counts = _script_output(
        tmp_path,
        "import multiprocessing\n"
        "if __name__ == '__main__':\n"
        "    from motionctl.mock_server import MockConfig, prestart_render_workers, serve_in_thread\n"
        "    prestart_render_workers(1)\n"
        "    counts = [len(multiprocessing.active_children())]\n"
        "    with serve_in_thread(MockConfig(render_workers=1)):\n"
        "        counts.append(len(multiprocessing.active_children()))\n"
        "    print(*counts)\n")
    assert counts.split() == ["1", "1"]


def _script_output(tmp_path: Path, source: str) -> str:
    """What a Python script prints, run in a fresh process (render workers need its __main__ guard)."""
    script = tmp_path / "script.py"
    script.write_text(source)
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout
