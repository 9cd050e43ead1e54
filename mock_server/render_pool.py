"""Renders in worker processes, so a campaign's renders use every core while the mock's event loop and
whatever embeds the mock (the runner) keep their own.

Rendering is CPU work in numpy, OpenCV and the encoder, with Python between every frame. In threads, all
of that Python shared one interpreter lock with the mock's event loop and the runner of an embedded mock,
so a preview campaign (many short renders, much HTTP) left cores idle: wall time 1.4-1.6x the CPU-bound
ideal, growing with the campaign. Each worker process has its own lock.

One pool serves the whole process (every mock in it: a test session starts many), created at the first
use and grown when a mock asks for more workers than it has; workers are started ahead (``warm``) so
their imports overlap the first job's uploads. A worker imports the renderer and nothing else of the mock
(the package's names load lazily), and the mock's own process never imports the renderer (NumPy, OpenCV,
PyAV): the options and results it handles are plain values (render/options.py).

A job talks to its worker through two small channels:

- progress: the worker puts ``(token, fraction)`` on one queue shared by the pool, whichever render reads
  the queue hands each report to its job;
- cancel: the parent creates a marker file beside the output, which the worker checks at every frame and
  stops at (``RenderCancelled``); a render is always stopped that way, never abandoned mid-encode.

Workers ignore SIGINT: Ctrl-C reaches the whole process group, and a worker killed by it would break the
pool for every other render; the parent cancels its renders instead (``RenderJobs.aclose``). A worker
whose parent dies without stopping it (SIGKILL, a crash) exits at once instead of idling forever; a
worker that dies (killed, out of memory) fails the renders it had, and the next render gets a new pool.
"""

from __future__ import annotations

import asyncio
import atexit
import concurrent.futures
import concurrent.futures.process
import multiprocessing
import multiprocessing.connection
import multiprocessing.queues
import os
import queue
import signal
import sys
import tempfile
import threading
import uuid
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from .config import default_render_workers
from .render import RenderOptions, RenderResult

# How often a waiting render looks at its cancel flag and hands out progress reports.
_TICK = 0.05


class RenderCancelled(Exception):
    """The render stopped at a frame because its job was cancelled."""


class RenderWorkerLost(Exception):
    """The worker process died while it had the render (killed, out of memory, a crash)."""


# --- in the worker process -------------------------------------------------------------------------------

_reports: multiprocessing.queues.Queue[tuple[str, float]] | None = None


def _start_worker(reports: multiprocessing.queues.Queue[tuple[str, float]]) -> None:
    global _reports
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    reports.cancel_join_thread()  # progress nobody read is not worth waiting for at exit
    _reports = reports
    atexit.register(_end_at_once)
    parent = multiprocessing.parent_process()
    if parent is not None:
        threading.Thread(target=_exit_with, args=(parent.sentinel,), name="parent-watch", daemon=True).start()


def _end_at_once() -> None:
    # Registered last, so it runs first when the pool stops the worker: each render closed its own files,
    # and nothing else is worth tidying. The interpreter's teardown with NumPy, OpenCV and PyAV loaded
    # took 0.7-1.0 s on a busy machine, and the parent's exit waits for its workers.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def _exit_with(parent_sentinel: int) -> None:
    # The sentinel becomes readable when the parent exits, however it exits; the executor's own queue
    # gives no such sign (the worker holds both ends of it).
    multiprocessing.connection.wait([parent_sentinel])
    os._exit(0)


# A clip of three frames from a flat picture. A process's first render paid about 0.3 CPU-s more than the
# next ones (x264's, OpenCV's and the allocator's first use: 1.72 s against 1.55 s wall for a 5 s 1080p
# clip, medians of 6); rendering this first costs 0.02 s, while the worker has nothing else to do.
_WARM_UP_DRAFT: dict[str, Any] = {
    "d": 100,
    "m": {"aspect": "9:16", "fps": 30, "width": 1080, "height": 1920},
    "t": [{"tt": 0, "sg": [{"id": "warm-up", "src": "warm-up", "st": 0, "d": 100,
                            "motion": {"zoom": [1.0, 1.1], "pan": [0.0, 0.0], "easing": "linear"}}]}],
}


def _ready() -> int:
    from PIL import Image

    from .render import render_draft  # its imports take most of a worker's start

    with tempfile.TemporaryDirectory(prefix="motionctl-warm-up-") as tmp:
        picture = Path(tmp) / "flat.png"
        Image.new("RGB", (64, 64), (128, 128, 128)).save(picture)
        render_draft(_WARM_UP_DRAFT, {"warm-up": picture}, Path(tmp) / "warm-up.mp4",
                     RenderOptions(format="mp4", quality="high", resolution="540p"))
    return os.getpid()


def _render(token: str, draft: Mapping[str, Any], media: Mapping[str, Path], out_path: Path,
            options: RenderOptions, cancel_marker: Path) -> tuple[RenderResult, int]:
    from .render import render_draft

    last = -1

    def on_progress(fraction: float) -> None:
        nonlocal last
        if cancel_marker.exists():
            raise RenderCancelled()
        percent = int(fraction * 100)
        if percent != last and _reports is not None:
            last = percent
            _reports.put((token, fraction))

    return render_draft(draft, media, out_path, options, progress=on_progress), os.getpid()


# --- in the parent ---------------------------------------------------------------------------------------

class RenderPool:
    """Worker processes that render drafts; ``render`` is awaited from any event loop of the process."""

    def __init__(self, workers: int) -> None:
        self.workers = max(1, workers)
        # spawn, not fork: the parent runs threads (the mock's loop, render waits), and a forked child
        # inherits their locks in whatever state they were.
        context = multiprocessing.get_context("spawn")
        self._reports: multiprocessing.queues.Queue[tuple[str, float]] = context.Queue()
        self._executor = concurrent.futures.ProcessPoolExecutor(
            self.workers, mp_context=context, initializer=_start_worker, initargs=(self._reports,))
        self._listeners: dict[str, Callable[[float], None]] = {}
        self._warmed = 0  # workers asked to start so far
        self._lock = threading.Lock()
        self.broken = False  # a worker died: the executor takes no more work

    def warm(self, count: int | None = None) -> None:
        """Have ``count`` workers started (default: every one; each one's imports take about 0.3 s of CPU).

        Workers this pool started before count: warmed for one and then for two, it starts one more.
        """
        wanted = self.workers if count is None else min(count, self.workers)
        for _ in range(wanted - self._warmed):
            self._executor.submit(_ready)
        self._warmed = max(self._warmed, wanted)

    async def render(self, draft: Mapping[str, Any], media: Mapping[str, Path], out_path: Path,
                     options: RenderOptions, *, on_progress: Callable[[float], None],
                     cancelled: Callable[[], bool]) -> tuple[RenderResult, int]:
        """Render in a worker; returns the result and the worker's pid.

        ``on_progress`` gets the fraction done (called on this loop); ``cancelled`` is asked every tick,
        and once it says yes the worker stops at its next frame and this raises ``RenderCancelled``.

        Raises:
            RenderCancelled, RenderInputError: as the renderer does.
            RenderWorkerLost: the worker died; this pool is then ``broken`` and ``shared_pool`` replaces it.
        """
        token = uuid.uuid4().hex
        marker = out_path.parent / f".{token}.cancel"
        with self._lock:
            self._listeners[token] = on_progress
        try:
            try:
                submitted = self._executor.submit(_render, token, draft, media, out_path, options, marker)
            except concurrent.futures.process.BrokenProcessPool:
                self.broken = True
                raise RenderWorkerLost("a render worker stopped unexpectedly (killed, or out of memory)") \
                    from None
            future = asyncio.wrap_future(submitted)
            while True:
                done, _ = await asyncio.wait({future}, timeout=_TICK)
                self._hand_out_reports()
                if done:
                    try:
                        return future.result()
                    except concurrent.futures.process.BrokenProcessPool:
                        self.broken = True
                        raise RenderWorkerLost("the render worker stopped unexpectedly (killed, or out of "
                                               "memory)") from None
                if cancelled() and not marker.exists():
                    marker.touch()
        finally:
            with self._lock:
                self._listeners.pop(token, None)
            marker.unlink(missing_ok=True)

    def _hand_out_reports(self) -> None:
        while True:
            try:
                token, fraction = self._reports.get_nowait()
            except queue.Empty:
                return
            with self._lock:
                listener = self._listeners.get(token)
            if listener is not None:
                listener(fraction)

    def close(self) -> None:
        """Let the renders given to this pool finish, then stop its workers."""
        self._executor.shutdown(wait=True)
        self._reports.close()


_pool: RenderPool | None = None
_pool_lock = threading.Lock()


@atexit.register
def _close_shared_pool() -> None:
    # Before the interpreter tears its modules down: an executor collected after that reports an
    # AttributeError from its own clean-up ("'NoneType' object has no attribute 'util'").
    global _pool
    with _pool_lock:
        pool, _pool = _pool, None
    if pool is not None:
        pool.close()


def prestart_render_workers(count: int = 1) -> None:
    """Start ``count`` render workers for a mock this process is about to serve, before it exists: their
    start (a Python interpreter, NumPy, OpenCV, PyAV: 0.3 s of CPU, seconds on a busy machine) overlaps the
    caller's own imports and set-up instead of delaying the first render. The pool has room for a worker
    per CPU, so the mock's own ``warm`` later adds to these rather than replacing them."""
    shared_pool(max(count, default_render_workers())).warm(count)


def shared_pool(workers: int) -> RenderPool:
    """The process's pool, with at least ``workers`` workers (a smaller or broken one is replaced for new
    renders; its running renders finish first)."""
    global _pool
    with _pool_lock:
        if _pool is None or _pool.workers < workers or _pool.broken:
            old, _pool = _pool, RenderPool(max(workers, _pool.workers if _pool else 1))
            if old is not None:
                threading.Thread(target=old.close, name="render-pool-close", daemon=True).start()
        return _pool

