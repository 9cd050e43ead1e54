"""The export step against a fake API: what is submitted, journaled and delivered, and how it can fail."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from motionctl.runner.actions import Export, Job
from motionctl.runner.api.models import RenderStatus
from motionctl.runner.engine import JobOutcome
from motionctl.runner.errors import ApiError, DuplicateRenderId, PollTimeout
from motionctl.runner.journal import read_journal
from tests.runner.engine.fake_api import FakeApi
from tests.runner.engine.test_engine import job, plan, run, where
from tests.runner.engine.test_engine_resume_once import KillingApi, first_run, resume

pytestmark = pytest.mark.anyio


class RenderApi(FakeApi):
    """Renders that end as told: ``finish`` is the final status, ``taken`` render ids another caller holds,
    ``never`` makes the wait time out, ``status_fails`` makes status calls fail with that HTTP status."""

    def __init__(self) -> None:
        super().__init__()
        self.finish: RenderStatus | None = None
        self.taken: set[str] = set()
        self.never = False
        self.status_fails: int | None = None

    async def submit_render(self, session_id: str, draft: dict[str, Any], *,
                            output: dict[str, str] | None = None,
                            render_id: str | None = None) -> RenderStatus:
        if render_id in self.taken:
            await self._enter("render", session_id, output)
            raise DuplicateRenderId(f"render id {render_id} is taken", http_status=409)
        return await super().submit_render(session_id, draft, output=output, render_id=render_id)

    async def render_status(self, render_id: str) -> RenderStatus:
        if self.status_fails is not None:
            await self._enter("render_status", "", render_id)
            raise ApiError("status failed", http_status=self.status_fails)
        return await super().render_status(render_id)

    async def wait_render(self, render_id: str, *, deadline: float | None = None,
                          on_progress: Any = None) -> RenderStatus:
        if self.never:
            await self._enter("wait_render", "", render_id)
            raise PollTimeout(f"no final status within {deadline:g} s")
        if self.finish is not None:
            await self._enter("wait_render", "", render_id)
            return RenderStatus(id=render_id, status=self.finish.status, error=self.finish.error)
        return await super().wait_render(render_id, deadline=deadline, on_progress=on_progress)


def records(run_dir: Path, kind: str) -> list[dict[str, Any]]:
    return [r for r in read_journal(run_dir) if r["type"] == kind]


def submits(api: FakeApi) -> list[Any]:
    return [c[2] for c in api.calls if c[0] == "render"]


async def one(api: FakeApi, tmp_path: Path, the_job: Job | None = None,
              **options: Any) -> tuple[JobOutcome, Path]:
    outcomes, _, run_dir = await run(api, plan(the_job or job("a", tmp_path / "out")), tmp_path, **options)
    return outcomes[0], run_dir


async def test_the_export_submits_the_asked_output_and_journals_the_delivered_file(tmp_path: Path) -> None:
    api = RenderApi()
    base = job("a", tmp_path / "out")
    small = Export(tmp_path / "out" / "a.webm", where(3, "export"), format="webm", quality="low",
                   resolution="540p")
    outcome, run_dir = await one(api, tmp_path, Job("a", actions=(*base.actions[:2], small)))
    assert outcome.ok, outcome.error
    assert submits(api) == [{"format": "webm", "quality": "low", "resolution": "540p"}]
    render_id = next(iter(api.renders))
    clip = tmp_path / "out" / "a.webm"
    assert records(run_dir, "output") == [{"type": "output", "job": "a", "index": 3, "path": str(clip),
                                           "bytes": clip.stat().st_size, "render_id": render_id,
                                           "at": records(run_dir, "output")[0]["at"]}]
    assert outcome.outputs == (clip,)


async def test_a_draft_with_nothing_in_it_is_not_submitted(tmp_path: Path) -> None:
    api = RenderApi()
    outcome, _ = await one(api, tmp_path, Job("a", actions=(Export(tmp_path / "a.mp4", where(1, "export")),)))
    assert not outcome.ok and outcome.where == "recipe.yaml:4:5, step 1 (export)"
    assert outcome.error == ("nothing to export: the draft has no segments (upload an image and add a motion "
                             "step before the export)")
    assert submits(api) == []


@pytest.mark.parametrize(("finish", "message"), [
    (RenderStatus(id="", status="failed", error="encoder crashed"), "failed: encoder crashed"),
    (RenderStatus(id="", status="cancelled"), "cancelled: no reason given"),
])
async def test_a_render_that_does_not_complete_fails_the_export_and_downloads_nothing(
        tmp_path: Path, finish: RenderStatus, message: str) -> None:
    api = RenderApi()
    api.finish = finish
    outcome, run_dir = await one(api, tmp_path)
    assert not outcome.ok and outcome.where == "recipe.yaml:6:5, step 3 (export)"
    # A failure the service reports without a draft field to blame may pass: the advice is to run again.
    assert outcome.error.startswith(f"render {next(iter(api.renders))} {message} (probably a passing failure "
                                    "of the render service: run again")
    assert "download" not in [c[0] for c in api.calls]
    assert not records(run_dir, "output")


async def test_a_render_over_its_timeout_is_cancelled_journaled_and_resumable(tmp_path: Path) -> None:
    api = RenderApi()
    api.never = True
    outcome, run_dir = await one(api, tmp_path, render_timeout=30, resume_hint="motionctl run r --resume x")
    render_id = next(iter(api.renders))
    assert ("cancel_render", "", render_id) in api.calls
    replaced = records(run_dir, "render_replaced")
    assert [(r["render_id"], r["reason"]) for r in replaced] == [(render_id, "timeout")]
    assert not outcome.ok and (outcome.error or "").startswith(
        f"render {render_id} not finished within --render-timeout 30 s (no final status within ")
    assert "it was cancelled" in (outcome.error or "")
    assert [r["resumable"] for r in records(run_dir, "job_failed")] == [True]


async def test_a_render_id_another_caller_holds_is_replaced_by_a_new_one(tmp_path: Path) -> None:
    api = RenderApi()
    api.taken = {"render_1"}  # the fake hands out render_1, render_2, … in turn
    outcome, run_dir = await one(api, tmp_path)
    assert outcome.ok, outcome.error
    intents = [r["render_id"] for r in records(run_dir, "intent") if r["kind"] == "export"]
    assert intents == ["render_1", "render_2"]  # each journaled before its submit
    assert [r["render_id"] for r in records(run_dir, "render")] == ["render_2"]
    assert ("wait_render", "", "render_2") in api.calls


async def test_three_taken_render_ids_in_a_row_fail_the_export(tmp_path: Path) -> None:
    api = RenderApi()
    api.taken = {"render_1", "render_2", "render_3"}
    outcome, _ = await one(api, tmp_path)
    assert not outcome.ok and outcome.error == "three render ids in a row were taken (try again)"
    assert len(submits(api)) == 3


async def test_a_render_id_taken_by_this_render_itself_is_polled_not_submitted_again(tmp_path: Path) -> None:
    # An earlier attempt of this submit reached the API (the answer was lost): the id is ours.
    api = RenderApi()
    api.renders["render_1"] = RenderStatus(id="render_1", status="processing", progress=10)
    api.taken = {"render_1"}
    outcome, run_dir = await one(api, tmp_path)
    assert outcome.ok, outcome.error
    assert [r["render_id"] for r in records(run_dir, "render")] == ["render_1"]
    assert [c[2] for c in api.calls if c[0] == "download"] == ["render_1"]


class KilledInTheWait(KillingApi, RenderApi):
    pass


async def test_a_resume_asks_again_about_a_render_the_api_cannot_answer_for_now(tmp_path: Path) -> None:
    api = KilledInTheWait()
    api.kill = "in-wait"
    p = plan(job("a", tmp_path / "out"))
    run_dir = await first_run(api, p, tmp_path)
    api.status_fails = 503  # not a 404: the API may know it yet
    outcomes = await resume(api, run_dir, p)
    assert not outcomes[0].ok and "status failed" in (outcomes[0].error or "")
    assert len(submits(api)) == 1 and not records(run_dir, "render_replaced")  # no second render paid for
