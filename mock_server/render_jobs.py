"""Render jobs: validate a submitted draft, render it off the event loop, report status in either shape.

A job goes pending → processing (progress from the renderer) → completed | failed. Renders are CPU-heavy
and synchronous, so they run in worker processes (render_pool.py) behind a capacity limiter: the loop keeps
serving other sessions' streams while a render runs. Cancelling marks the job failed ("cancelled") and
stops the renderer at its next frame. A draft whose media is not the caller's upload is accepted and its
job fails, as a render node that cannot fetch a source would fail it.

Every answer about a job (submit, status, cancel) has the shape ``--render-shape`` names, with the job's
fields only where that source puts them (specs/SOURCES.md, endpoint 9): ``nested`` is S2's and S4's
``{"success": true, "data": {id, status, progress, outputUrl, createdAt, completedAt, error}}``;
``flat`` is S1's and S3's ``{taskId, status, progress, output: {url, duration, size}, error}``.
"""

from __future__ import annotations

import asyncio
import re
import time
import urllib.parse
from collections.abc import Mapping
from pathlib import Path
from typing import Any, cast

import anyio
import anyio.to_thread
import jsonschema

from .. import specs as motionctl_specs
from . import drafts, output_faults
from .config import RenderShape
from .envelopes import BAD_BODY, ApiFailure
from .render_pool import RenderCancelled, RenderWorkerLost, shared_pool
from .store import Account, RenderJob, Store
from .uploads import safe_name

FORMATS = ("mp4", "webm", "mov", "gif")
QUALITIES = ("low", "medium", "high")
RESOLUTIONS = ("1080p", "720p", "540p")
# The documented id: render_<ms timestamp> (specs/nemo-api.yaml, submitRender), bounded in length.
RENDER_ID = re.compile(r"render_[0-9]{1,40}")


def _bad(message: str, status: int = BAD_BODY) -> ApiFailure:
    return ApiFailure(status, message, http_status=status)


def validate_draft(draft: Any) -> None:
    """Check ``draft`` against specs/draft.schema.json and that it has something to render.

    Raises:
        ApiFailure: HTTP 422 naming the JSON path of the first problem, or "nothing to render".
    """
    schema = motionctl_specs.load("draft.schema.json")
    validator = jsonschema.Draft202012Validator(schema)
    err = jsonschema.exceptions.best_match(validator.iter_errors(draft))
    if err is not None:
        where = "/" + "/".join(str(p) for p in err.absolute_path)
        raise _bad(f"draft invalid at {where}: {err.message}")
    video = drafts.track(draft, drafts.VIDEO)
    if video is None or not video.get("sg"):
        raise _bad("nothing to render: the draft has no video segment; upload an image first")


def _options(body: Mapping[str, Any]) -> dict[str, str]:
    output = body.get("output") or {}
    if not isinstance(output, dict):
        raise _bad("output must be an object like {\"format\": \"mp4\", \"quality\": \"high\"}")
    opts = {"format": str(output.get("format", "mp4")), "quality": str(output.get("quality", "high")),
            "resolution": str(output.get("resolution", "1080p"))}
    for key, allowed in (("format", FORMATS), ("quality", QUALITIES), ("resolution", RESOLUTIONS)):
        if opts[key] not in allowed:
            raise _bad(f"output.{key} {opts[key]!r} is not supported; use one of {', '.join(allowed)}")
    return opts


# How long a stopping mock waits for its renders to notice they were cancelled (one frame, normally).
_STOP_TIMEOUT = 10.0


class RenderJobs:
    """The render queue of one mock."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.workers = max(1, store.config.render_workers)
        self.limiter = anyio.CapacityLimiter(self.workers)
        self._tasks: set[asyncio.Task[None]] = set()

    def warm(self) -> None:
        """Start the render workers now, so their start-up overlaps the first job's uploads."""
        shared_pool(self.workers).warm(self.workers)

    def media_for(self, draft: Mapping[str, Any], user_id: str) -> dict[str, Path]:
        """Map every media ``src`` of the draft to a file ``user_id`` uploaded.

        Raises:
            ApiFailure: naming the segment (the same words whether the upload does not exist or is another
                caller's); the job fails with it.
        """
        media: dict[str, Path] = {}
        for ti, trk in enumerate(draft.get("t", [])):
            if trk.get("tt") not in (drafts.VIDEO, drafts.AUDIO):
                continue
            for si, seg in enumerate(trk.get("sg", [])):
                src = seg.get("src", "")
                if src.startswith("mood:"):
                    continue
                path = self._resolve(src, user_id)
                if path is None:
                    raise _bad(f"draft invalid at /t/{ti}/sg/{si}/src: {src} is not a file uploaded to this "
                               "mock; upload it and use its cdn_url")
                media[src] = path
        return media

    def _unique(self, account: Account, job_id: str) -> None:
        if (account.user_id, job_id) in self.store.jobs:
            raise _bad(f"duplicate id: a render with id {job_id} already exists; retry with a new id", 409)

    def _resolve(self, src: str, user_id: str) -> Path | None:
        parts = urllib.parse.urlparse(src).path.split("/")
        # /cdn/<upload_id>/<filename>: the host may differ (the runner may normalise it), the id may not.
        if len(parts) == 4 and parts[1] == "cdn":
            return self.store.upload_file(parts[2], urllib.parse.unquote(parts[3]), user_id)
        return None

    async def submit(self, account: Account, body: Mapping[str, Any], base_url: str,
                     fault: str | None = None, *, validated: bool = False) -> RenderJob:
        """Validate a render request and start the job; ``fault`` ("fail", "hang" or an output fault) is an
        injected one. ``validated``: the body was checked against the spec already (strict mode), draft
        included.

        Raises:
            ApiFailure: 422 for a bad body or draft (naming the path), 1002 for an unknown session,
                409 for a duplicate id.
        """
        job_id = body.get("id")
        if not isinstance(job_id, str) or not job_id.strip():
            raise _bad("id is required: a unique string such as render_<timestamp>")
        if not RENDER_ID.fullmatch(job_id):
            raise _bad(f"id {job_id[:60]!r} is not a render id: use render_<ms timestamp>, "
                       "e.g. render_1773423613616")
        session_id = body.get("sessionId", body.get("session_id"))
        if not isinstance(session_id, str):
            raise _bad("sessionId is required")
        self.store.session(account, session_id)
        self._unique(account, job_id)
        draft = body.get("draft")
        if not validated:
            # Schema validation of a draft of up to 1 MiB is CPU work: off the event loop, like rendering.
            await anyio.to_thread.run_sync(validate_draft, draft)
            self._unique(account, job_id)  # again: a submit of the same id may have landed meanwhile
        assert isinstance(draft, dict)
        opts = _options(body)
        job = RenderJob(id=job_id, session_id=session_id, user_id=account.user_id,
                        created_at=self.store.clock.now(), output_format=opts["format"],
                        file_key=self.store.secret_hex(32))
        name = f"{safe_name(job_id)}.{opts['format']}"
        job.output_path = self.store.data_dir / "renders" / job.file_key / name
        job.output_path.parent.mkdir(parents=True, exist_ok=True)
        # Like a signed CDN URL: the key is the capability, so the file downloads without a token.
        job.output_url = f"{base_url}/cdn/renders/{job.file_key}/{urllib.parse.quote(name)}"
        self.store.jobs[(account.user_id, job_id)] = job
        self.store.job_files[job.file_key] = job
        task = asyncio.get_running_loop().create_task(self._run(job, draft, opts, fault))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return job

    async def _run(self, job: RenderJob, draft: dict[str, Any], opts: dict[str, str],
                   fault: str | None) -> None:
        from .render import RenderInputError, RenderOptions

        await anyio.sleep(0.01)  # let the client see "pending" first, as a queued cloud job would be
        try:
            media = self.media_for(draft, job.user_id)
        except ApiFailure as exc:
            self._fail(job, f"render failed: {exc.message}")
            return
        if fault == "hang":
            job.status, job.progress = "processing", 42
            return  # never finishes: the client's poll deadline is what is being tested
        if fault == "fail" or job.cancel_requested:
            self._fail(job, "render failed: the render node reported an error (injected fault)"
                       if fault == "fail" else "cancelled")
            return
        if fault in output_faults.FAULTS:
            draft = output_faults.apply(fault, draft)  # completes, with a clip wrong in one way

        def on_progress(fraction: float) -> None:
            job.progress = max(job.progress, min(99, 5 + int(94 * fraction)))

        assert job.output_path is not None
        options = RenderOptions(format=cast(Any, opts["format"]), quality=cast(Any, opts["quality"]),
                                resolution=cast(Any, opts["resolution"]))
        started = time.monotonic()
        try:
            async with self.limiter:
                if job.cancel_requested:
                    raise RenderCancelled()
                job.status = "processing"
                # Stopped through ``cancel_requested`` (looked at every tick), never abandoned: see aclose.
                pool = shared_pool(self.workers)
                result, job.worker_pid = await pool.render(
                    draft, media, job.output_path, options, on_progress=on_progress,
                    cancelled=lambda: job.cancel_requested)
            await self._pace(job, draft, started)
        except RenderCancelled:
            self._fail(job, "cancelled")
            return
        except (RenderInputError, RenderWorkerLost) as exc:
            self._fail(job, f"render failed: {exc}")
            return
        except Exception as exc:  # a renderer bug must fail the job, not kill the mock
            self._fail(job, f"render failed: {type(exc).__name__}: {exc}")
            return
        if job.cancel_requested:
            self._fail(job, "cancelled")
            return
        job.duration, job.size = round(result.duration_s, 3), result.size_bytes
        job.status, job.progress, job.completed_at = "completed", 100, self.store.clock.now()

    async def _pace(self, job: RenderJob, draft: Mapping[str, Any], started: float) -> None:
        """With ``render_speed`` set, a job takes at least draft duration / speed seconds, like a cloud
        render at that multiple of real time; progress keeps moving meanwhile."""
        speed = self.store.config.render_speed
        if not speed or speed <= 0:
            return
        target = drafts.duration(dict(draft)) / 1000 / speed
        while (elapsed := time.monotonic() - started) < target and not job.cancel_requested:
            job.progress = max(job.progress, min(99, int(100 * elapsed / target)))
            await anyio.sleep(min(0.05, target - elapsed))

    def _fail(self, job: RenderJob, message: str) -> None:
        job.status, job.error, job.completed_at = "failed", message, self.store.clock.now()
        if job.output_path is not None:
            job.output_path.unlink(missing_ok=True)

    def get(self, account: Account, job_id: str) -> RenderJob:
        job = self.store.jobs.get((account.user_id, job_id))
        if job is None:
            raise _bad(f"render {job_id[:60]} not found", 404)
        return job

    def cancel(self, job: RenderJob) -> None:
        if job.status in ("pending", "processing"):
            job.cancel_requested = True
            self._fail(job, "cancelled")

    async def aclose(self) -> None:
        """Stop every render and wait for it: each one is told to stop at its next frame and awaited, so
        no worker goes on encoding a job nobody will fetch (cancelling the task instead would leave it
        running in its worker)."""
        for job in self.store.jobs.values():
            if job.status in ("pending", "processing"):
                job.cancel_requested = True
        if not self._tasks:
            return
        _, stuck = await asyncio.wait(set(self._tasks), timeout=_STOP_TIMEOUT)
        for task in stuck:
            task.cancel()
        await asyncio.gather(*stuck, return_exceptions=True)


def job_body(job: RenderJob, shape: RenderShape) -> dict[str, Any]:
    """A job as every render answer (submit, status, cancel) gives it, in ``shape`` (see the module)."""
    fields: dict[str, Any] = {"status": job.status, "progress": job.progress}
    if job.error:
        fields["error"] = job.error
    if shape == "flat":
        if job.status == "completed":
            fields["output"] = {"url": job.output_url, "duration": job.duration, "size": job.size}
        return {"taskId": job.id, **fields}
    data: dict[str, Any] = {"id": job.id, **fields, "createdAt": int(job.created_at * 1000)}
    if job.status == "completed":
        data["outputUrl"] = job.output_url
    if job.completed_at is not None:
        data["completedAt"] = int(job.completed_at * 1000)
    return {"success": True, "data": data}
