"""The engine against an in-memory API: concurrency, failures, 1002 replay, 2001, resume, journal."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from motionctl.runner.actions import Effect, Expect, Expectation, Export, Job, Plan, Say, Upload, Where
from motionctl.runner.api.models import RenderStatus
from motionctl.runner.engine import Engine, EngineOptions, JobOutcome
from motionctl.runner.events import Event, JobFailed, JobSkipped, StepFinished
from motionctl.runner.journal import Journal, fold, read_journal
from tests.runner.engine.fake_api import FakeApi

pytestmark = pytest.mark.anyio
MOTION = "Animate the image with camera motion: slow zoom in, slow pan left."


class Collect:
    def __init__(self) -> None:
        self.events: list[Event] = []

    def handle(self, event: Event) -> None:
        self.events.append(event)

    def close(self) -> None:
        pass


def where(i: int, kind: str) -> Where:
    return Where("recipe.yaml", 3 + i, 5, i, kind)


def job(name: str, out: Path, *extra: Say | Expect) -> Job:
    image = Path(__file__).parents[3] / "workflows" / "images" / "sneaker.jpg"
    actions = (Upload((image,), where(1, "upload")), Say(MOTION, where(2, "motion")), *extra,
               Export(out / f"{name}.mp4", where(3 + len(extra), "export")))
    return Job(id=name, actions=actions)


def plan(*jobs: Job) -> Plan:
    return Plan(name="t", recipe_path=Path("recipe.yaml"), recipe_hash="h", jobs=jobs)


async def run(api: FakeApi, p: Plan, tmp_path: Path,
              **options: object) -> tuple[list[JobOutcome], Collect, Path]:
    journal = Journal.create(tmp_path / "runs", "t")
    events = Collect()
    outcomes = await Engine(api, journal, events, EngineOptions(**options)).run(p)  # type: ignore[arg-type]
    journal.close()
    return outcomes, events, journal.run_dir


async def test_runs_jobs_concurrently_up_to_the_limit(tmp_path: Path) -> None:
    api = FakeApi(delay=0.01)
    jobs = [job(f"j{i}", tmp_path / "out") for i in range(6)]
    outcomes, _, _ = await run(api, plan(*jobs), tmp_path, concurrency=2)
    assert [o.ok for o in outcomes] == [True] * 6
    assert api.peak == 2
    assert sorted(p.name for o in outcomes for p in o.outputs) == [f"j{i}.mp4" for i in range(6)]
    assert len({sid for name, sid, _ in api.calls if name == "upload"}) == 6  # one session per job


async def test_every_step_is_journaled_with_its_patch_and_no_text_is_explained(tmp_path: Path) -> None:
    api = FakeApi()
    api.silent.add(MOTION)
    _, events, run_dir = await run(api, plan(job("a", tmp_path / "out")), tmp_path)
    steps = [r for r in read_journal(run_dir) if r["type"] == "step"]
    assert [s["kind"] for s in steps] == ["upload", "say", "export"]
    motion = steps[1]
    assert motion["no_text"] is True
    assert motion["patch"] == [{"op": "replace", "path": "/draft/t/0/sg/0/motion",
                                "value": {"zoom": [1.0, 1.1], "pan": [-0.05, 0]}}]
    finished = next(e for e in events.events if isinstance(e, StepFinished) and e.index == 2)
    assert finished.summary == "motion zoom in 10%, pan left 5% (the agent sent no text)"
    assert (run_dir / "states" / "a" / "002.json").is_file()


async def test_a_failed_expect_names_the_place_and_shows_the_state_but_others_finish(tmp_path: Path) -> None:
    api = FakeApi()
    bad = job("bad", tmp_path / "out", Expect(Expectation(tracks={"text": 1}), where(3, "expect")))
    outcomes, events, run_dir = await run(api, plan(bad, job("good", tmp_path / "out")), tmp_path)
    assert [o.ok for o in outcomes] == [False, True]
    failed = next(e for e in events.events if isinstance(e, JobFailed))
    assert failed.where == "recipe.yaml:6:5, step 3 (expect)"
    assert "tracks.text: expected 1, got 0" in failed.message
    assert '"motion": {"pan": [-0.05, 0], "zoom": [1.0, 1.1]}' in failed.message  # the draft it saw
    assert not (tmp_path / "out" / "bad.mp4").exists()
    assert (tmp_path / "out" / "good.mp4").exists()
    assert any(r["type"] == "job_failed" and r["job"] == "bad" for r in read_journal(run_dir))


async def test_fail_fast_stops_jobs_that_have_not_started(tmp_path: Path) -> None:
    api = FakeApi(delay=0.01)
    bad = job("bad", tmp_path / "out", Expect(Expectation(duration_ms=1), where(3, "expect")))
    later = [job(f"later{i}", tmp_path / "out") for i in range(3)]
    outcomes, _, _ = await run(api, plan(bad, *later), tmp_path, concurrency=1, fail_fast=True)
    assert outcomes[0].ok is False
    assert all(o.not_run for o in outcomes[1:])


async def test_a_lost_session_gets_a_new_one_with_the_steps_replayed_once(tmp_path: Path) -> None:
    api = FakeApi()
    text = 'Add the text "Sale" from 0s for 2s at the bottom.'
    api.lose_session_on.add(text)
    outcomes, _, run_dir = await run(api, plan(job("a", tmp_path / "out", Say(text, where(3, "text")))),
                                     tmp_path)
    assert outcomes[0].ok, outcomes[0].error
    sessions = [r for r in read_journal(run_dir) if r["type"] == "session"]
    assert [s["replay"] for s in sessions] == [False, True]
    new = sessions[1]["session_id"]
    assert [c[0] for c in api.calls if c[1] == new and c[0] in ("upload", "say")] == ["upload", "say", "say"]
    assert api.sessions[new]["draft"]["t"][1]["sg"][0]["text"] == "Sale"


async def test_out_of_credits_stops_the_job_with_a_resumable_message(tmp_path: Path) -> None:
    api = FakeApi()
    api.credits_fail_on.add(MOTION)
    journal = Journal.create(tmp_path / "runs", "t")
    options = EngineOptions(resume_hint="motionctl run r.yaml --resume runs/x")
    outcomes = await Engine(api, journal, Collect(), options).run(plan(job("a", tmp_path / "out")))
    journal.close()
    assert not outcomes[0].ok
    assert outcomes[0].where == "recipe.yaml:5:5, step 2 (motion)"
    assert "out of credits" in (outcomes[0].error or "")
    assert "motionctl run r.yaml --resume runs/x" in (outcomes[0].error or "")


async def test_resume_polls_a_submitted_render_instead_of_submitting_again(tmp_path: Path) -> None:
    api = FakeApi()
    out = tmp_path / "out"
    p = plan(job("a", out), job("b", out))
    # First run: job a finishes; job b dies right after its render was submitted (simulated journal).
    journal = Journal.create(tmp_path / "runs", "t")
    await Engine(api, journal, Collect(), EngineOptions()).run(plan(p.jobs[0]))
    sid = (await api.create_session()).session_id
    await api.upload_files(sid, [Path("sneaker.jpg")])
    await api.send_message(sid, MOTION)
    rid = (await api.submit_render(sid, {}, output=None)).id
    journal.write({"type": "session", "job": "b", "session_id": sid, "task_id": "t"})
    for i, kind in ((1, "upload"), (2, "say")):
        journal.write({"type": "step", "job": "b", "index": i, "kind": kind, "label": kind, "patch": []})
    journal.write({"type": "render", "job": "b", "index": 3, "render_id": rid, "session_id": sid})
    journal.write({"type": "run", "recipe": "recipe.yaml", "recipe_hash": "h"})
    journal.close()
    api.calls.clear()

    record = fold(read_journal(journal.run_dir), journal.run_id)
    again = Journal(journal.run_dir)
    outcomes = await Engine(api, again, Collect(), EngineOptions(), resume=record).run(p)
    again.close()
    assert [o.ok for o in outcomes] == [True, True]
    assert outcomes[0].skipped
    assert [c for c in api.calls if c[0] == "render"] == []  # nothing submitted again
    assert ("wait_render", "", rid) in api.calls
    assert [c[2] for c in api.calls if c[0] == "download"] == [rid]
    assert (out / "b.mp4").is_file()
    lines = (journal.run_dir / "journal.jsonl").read_text().splitlines()
    assert json.loads(lines[-1])["type"] == "job_finished"


async def test_resume_submits_again_when_the_journaled_render_had_failed(tmp_path: Path) -> None:
    api = FakeApi()
    out = tmp_path / "out"
    journal = Journal.create(tmp_path / "runs", "t")
    sid = (await api.create_session()).session_id
    await api.upload_files(sid, [Path("sneaker.jpg")])
    await api.send_message(sid, MOTION)
    rid = (await api.submit_render(sid, {}, output=None)).id
    api.renders[rid] = RenderStatus(id=rid, status="failed", error="encoder crashed")
    journal.write({"type": "run", "recipe": "recipe.yaml", "recipe_hash": "h"})
    journal.write({"type": "session", "job": "a", "session_id": sid, "task_id": "t"})
    for i, kind in ((1, "upload"), (2, "say")):
        journal.write({"type": "step", "job": "a", "index": i, "kind": kind, "label": kind, "patch": []})
    journal.write({"type": "render", "job": "a", "index": 3, "render_id": rid, "session_id": sid})
    journal.close()

    record = fold(read_journal(journal.run_dir), journal.run_id)
    again = Journal(journal.run_dir)
    options = EngineOptions()
    outcomes = await Engine(api, again, Collect(), options, resume=record).run(plan(job("a", out)))
    again.close()
    assert outcomes[0].ok, outcomes[0].error  # before: "render render_1 failed: encoder crashed", every time
    assert [c[0] for c in api.calls].count("render") == 2  # the journaled one, then a new one
    assert [c[2] for c in api.calls if c[0] == "download"] == ["render_2"]


async def test_an_unexpected_error_fails_only_its_job(tmp_path: Path) -> None:
    api = FakeApi()
    text = "Crash."
    original = api.send_message

    async def crash(session_id: str, sentence: str, **kw: object) -> object:
        if sentence == text:
            raise KeyError("draft")
        return await original(session_id, sentence)

    api.send_message = crash  # type: ignore[method-assign,assignment]
    outcomes, _, _ = await run(api, plan(job("a", tmp_path / "out", Say(text, where(3, "say"))),
                                         job("b", tmp_path / "out")), tmp_path)
    assert [o.ok for o in outcomes] == [False, True]
    assert outcomes[0].where == "recipe.yaml:6:5, step 3 (say)"
    assert "unexpected error (KeyError: 'draft')" in (outcomes[0].error or "")


async def test_downloads_are_atomic_no_part_file_is_left(tmp_path: Path) -> None:
    api = FakeApi()
    await run(api, plan(job("a", tmp_path / "out")), tmp_path)
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["a.mp4"]


async def test_the_token_bucket_spaces_calls_at_the_configured_rate() -> None:
    import anyio

    from motionctl.runner.engine import TokenBucket

    bucket = TokenBucket(rate=50, burst=2)
    start = anyio.current_time()
    for _ in range(7):
        await bucket.acquire()
    elapsed = anyio.current_time() - start
    # 2 at once, then 5 more at 50/s = 0.1 s; the upper bound, roomy for a loaded machine, still tells that
    # rate from a bucket that refills ten times slower (1 s).
    assert 0.09 <= elapsed < 0.8


async def test_a_resume_reports_the_jobs_it_skips_in_one_event_before_new_work(tmp_path: Path) -> None:
    # A 10,000-job resume used to emit (and print, and journal to events.jsonl) one skip per finished job
    # before its first new call.
    api = FakeApi()
    out = tmp_path / "out"
    p = plan(*(job(name, out) for name in ("a", "b", "c", "d")))
    _, _, run_dir = await run(api, plan(*p.jobs[:3]), tmp_path)
    again = Journal(run_dir)
    again.write({"type": "run", "recipe": "recipe.yaml", "recipe_hash": "h"})  # run.py's header
    record = fold(read_journal(run_dir), run_dir.name)
    events = Collect()
    outcomes = await Engine(api, again, events, EngineOptions(), resume=record).run(p)
    again.close()
    assert [(o.job, o.ok, o.skipped) for o in outcomes] == [
        ("a", True, True), ("b", True, True), ("c", True, True), ("d", True, False)]  # in plan order
    assert events.events[0] == JobSkipped(("a", "b", "c"))
    assert [e for e in events.events if isinstance(e, JobSkipped)] == [events.events[0]]
    assert outcomes[0].outputs == (out / "a.mp4",)


async def test_a_resume_does_not_vouch_for_a_clip_deleted_since(tmp_path: Path) -> None:
    api = FakeApi()
    out = tmp_path / "out"
    p = plan(job("a", out), job("b", out))
    _, _, run_dir = await run(api, p, tmp_path)
    (out / "b.mp4").unlink()  # somebody cleaned up the output folder between the runs
    again = Journal(run_dir)
    again.write({"type": "run", "recipe": "recipe.yaml", "recipe_hash": "h"})
    events = Collect()
    outcomes = await Engine(api, again, events, EngineOptions(),
                            resume=fold(read_journal(run_dir), run_dir.name)).run(p)
    again.close()
    assert [(o.job, o.ok) for o in outcomes] == [("a", True), ("b", False)]
    assert outcomes[1].error == (f"{out / 'b.mp4'}, delivered by the run being resumed, is no longer there; "
                                 "make it again with `motionctl run recipe.yaml --job b`")
    assert JobSkipped(("a",)) in events.events
    assert [e.job for e in events.events if isinstance(e, JobFailed)] == ["b"]


async def test_a_download_that_does_not_decode_is_not_done_and_a_resume_downloads_it_again(
        tmp_path: Path) -> None:
    api = FakeApi()
    api.damaged_downloads = 1
    out = tmp_path / "out"
    p = plan(job("a", out))
    outcomes, _, run_dir = await run(api, p, tmp_path)
    assert not outcomes[0].ok
    assert outcomes[0].where == "recipe.yaml:6:5, step 3 (export)"
    assert (outcomes[0].error or "").startswith("not done: the downloaded a.mp4 does not decode (")
    assert not [r for r in read_journal(run_dir) if r["type"] in ("output", "job_finished")]

    again = Journal(run_dir)
    again.write({"type": "run", "recipe": "recipe.yaml", "recipe_hash": "h"})
    outcomes = await Engine(api, again, Collect(), EngineOptions(),
                            resume=fold(read_journal(run_dir), run_dir.name)).run(p)
    again.close()
    assert outcomes[0].ok, outcomes[0].error
    assert [c[0] for c in api.calls].count("render") == 1  # the render was fine: only fetched again
    assert [c[0] for c in api.calls].count("download") == 2


@pytest.mark.parametrize(("effect", "done"), [
    (Effect("music", volume=30, mood="calm"), True),
    (Effect("music", volume=30, mood="lo-fi"), False),
    (Effect("music", volume=30, file="song.wav"), False),
    (Effect("music", volume=40, mood="calm"), False),
])
async def test_a_music_step_is_done_only_with_the_asked_mood_file_and_volume(
        tmp_path: Path, effect: Effect, done: bool) -> None:
    music = Say("Add background music at 30% volume.", where(3, "music"), effect=effect)
    outcomes, _, run_dir = await run(FakeApi(), plan(job("a", tmp_path / "out", music)), tmp_path)
    assert outcomes[0].ok is done, outcomes[0].error
    if not done:
        assert outcomes[0].where == "recipe.yaml:6:5, step 3 (music)"
        assert (outcomes[0].error or "").startswith("not done: the music")
        assert [r["index"] for r in read_journal(run_dir) if r["type"] == "step_refused"] == [3]
        assert not (tmp_path / "out" / "a.mp4").exists()
