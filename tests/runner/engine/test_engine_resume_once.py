"""Exactly-once steps in the engine: intents journaled before calls, reconciled on resume (fake API)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import anyio
import pytest

from motionctl.runner.actions import Effect, Job, Say
from motionctl.runner.api.models import RenderStatus
from motionctl.runner.engine import Engine, EngineOptions, JobOutcome
from motionctl.runner.journal import Journal, fold, read_journal
from tests.runner.engine.fake_api import FakeApi
from tests.runner.engine.test_engine import Collect, job, plan, where

pytestmark = pytest.mark.anyio


class Killed(BaseException):
    """The process went away (not an error the engine may catch)."""


class KillingApi(FakeApi):
    def __init__(self) -> None:
        super().__init__()
        self.kill: str | None = None  # "before-submit" | "after-submit" | "in-wait" | "after-text"
        self.journal: Path | None = None
        self.journal_at_submit = ""

    async def submit_render(self, session_id: str, draft: dict[str, Any], *,
                            output: dict[str, str] | None = None,
                            render_id: str | None = None) -> RenderStatus:
        if self.journal is not None:
            self.journal_at_submit = self.journal.read_text()
        if self.kill == "before-submit":
            self.kill = None
            raise Killed
        status = await super().submit_render(session_id, draft, output=output, render_id=render_id)
        if self.kill == "after-submit":
            self.kill = None
            raise Killed
        return status

    async def wait_render(self, render_id: str, *, deadline: float | None = None,
                          on_progress: Any = None) -> RenderStatus:
        if self.kill == "in-wait":
            self.kill = None
            raise Killed
        return await super().wait_render(render_id, deadline=deadline, on_progress=on_progress)

    async def get_state(self, session_id: str) -> dict[str, Any]:
        state = await super().get_state(session_id)
        if self.kill == "after-text" and self.calls[-2][0] == "say" and "Add the text" in self.calls[-2][2]:
            self.kill = None
            raise Killed
        return state


async def first_run(api: KillingApi, p: Any, tmp_path: Path, **options: Any) -> Path:
    journal = Journal.create(tmp_path / "runs", "t")
    journal.write({"type": "run", "recipe": "recipe.yaml", "recipe_hash": "h"})
    api.journal = journal.path
    with pytest.raises(BaseException) as caught:
        await Engine(api, journal, Collect(), EngineOptions(**options)).run(p)
    assert caught.group_contains(Killed) if isinstance(caught.value, BaseExceptionGroup) \
        else isinstance(caught.value, Killed)
    journal.close()
    return journal.run_dir


async def resume(api: FakeApi, run_dir: Path, p: Any, **options: Any) -> list[JobOutcome]:
    record = fold(read_journal(run_dir), run_dir.name)
    journal = Journal(run_dir)
    outcomes = await Engine(api, journal, Collect(), EngineOptions(**options),
                            resume=record).run(p)
    journal.close()
    return outcomes


def submits(api: FakeApi) -> list[Any]:
    return [c for c in api.calls if c[0] == "render"]


async def test_the_render_id_is_journaled_before_the_submit(tmp_path: Path) -> None:
    api = KillingApi()
    api.journal = None
    p = plan(job("a", tmp_path / "out"))
    journal = Journal.create(tmp_path / "runs", "t")
    api.journal = journal.path
    await Engine(api, journal, Collect(), EngineOptions()).run(p)
    journal.close()
    intents = [r for r in read_journal(journal.run_dir) if r["type"] == "intent" and r["kind"] == "export"]
    assert len(intents) == 1 and intents[0]["render_id"] in api.renders
    assert f'"render_id": "{intents[0]["render_id"]}"' in api.journal_at_submit  # durable before the call


@pytest.mark.parametrize("kill", ["before-submit", "after-submit"])
async def test_a_kill_around_the_submit_never_gives_a_second_render(tmp_path: Path, kill: str) -> None:
    api = KillingApi()
    api.kill = kill
    p = plan(job("a", tmp_path / "out"))
    run_dir = await first_run(api, p, tmp_path)
    chosen = next(r["render_id"] for r in read_journal(run_dir)
                  if r["type"] == "intent" and r["kind"] == "export")
    outcomes = await resume(api, run_dir, p)
    assert outcomes[0].ok, outcomes[0].error
    # Killed before the submit reached the API: submitted now under the journaled id; after: polled.
    assert len(submits(api)) == 1
    assert list(api.renders) == [chosen]
    assert ("wait_render", "", chosen) in api.calls


async def test_a_render_past_its_deadline_is_cancelled_and_replaced_on_resume(tmp_path: Path) -> None:
    api = KillingApi()
    api.kill = "after-submit"
    p = plan(job("a", tmp_path / "out"))
    run_dir = await first_run(api, p, tmp_path, render_timeout=0.01)
    old = next(iter(api.renders))
    await anyio.sleep(0.05)
    outcomes = await resume(api, run_dir, p, render_timeout=60)
    assert outcomes[0].ok, outcomes[0].error
    assert ("cancel_render", "", old) in api.calls
    assert len(submits(api)) == 2 and api.renders[old].status == "cancelled"
    replaced = [r for r in read_journal(run_dir) if r["type"] == "render_replaced"]
    assert [(r["render_id"], r["reason"]) for r in replaced] == [(old, "timeout")]


async def test_a_step_applied_before_a_kill_is_reconciled_not_sent_again(tmp_path: Path) -> None:
    api = KillingApi()
    api.kill = "after-text"
    text = Say('Add the text "Once" from 0s for 1s at the bottom.', where(3, "text"),
               effect=Effect("text", text="Once"))
    base = job("a", tmp_path / "out")
    p = plan(Job("a", actions=(*base.actions[:2], text, base.actions[2])))
    run_dir = await first_run(api, p, tmp_path)
    outcomes = await resume(api, run_dir, p)
    assert outcomes[0].ok, outcomes[0].error
    assert [c[2] for c in api.calls if c[0] == "say"].count(text.sentence) == 1
    texts = [t for t in next(iter(api.sessions.values()))["draft"]["t"] if t.get("tt") == 7]
    assert len(texts) == 1
    step = next(r for r in read_journal(run_dir) if r["type"] == "step" and r["index"] == 3)
    assert step["reconciled"] is True and step["patch"]  # the diff is still the step's own


async def test_a_submitted_render_the_api_no_longer_knows_is_replaced_once(tmp_path: Path) -> None:
    # E.g. a resume on the embedded mock, which is a new server each run: the old render id answers 404.
    api = KillingApi()
    api.kill = "in-wait"  # the submit was accepted and journaled
    p = plan(job("a", tmp_path / "out"))
    run_dir = await first_run(api, p, tmp_path)
    old = next(iter(api.renders))
    del api.renders[old]
    outcomes = await resume(api, run_dir, p)
    assert outcomes[0].ok, outcomes[0].error
    assert len(submits(api)) == 2 and old not in api.renders
    replaced = [r for r in read_journal(run_dir) if r["type"] == "render_replaced"]
    assert [(r["render_id"], r["reason"]) for r in replaced] == [(old, "not found")]
