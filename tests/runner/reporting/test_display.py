"""What a person reads in a terminal while a campaign runs, checked line by line through the plain reporter
(no screenshots): one line per job with -q, one per step by default, what was sent with -v; the jobs counter,
session ids, defaults not numbered as steps, waits, render time against its timeout, and summaries at scale.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from motionctl.runner.cli import main
from motionctl.runner.events import (
    Event,
    JobFailed,
    JobFinished,
    JobSkipped,
    JobStarted,
    RenderProgress,
    RunFinished,
    RunStarted,
    SessionReplaced,
    StepFinished,
    StepStarted,
    Waiting,
)
from motionctl.runner.reporting import PlainReporter, Verbosity
from motionctl.runner.reporting.console import RichReporter

RUN = RunStarted("20261201-120000-campaign", Path("runs/x"), "campaign", ("shoe-tiktok", "bag-youtube"),
                 "the embedded mock (seed 0)")


def job_events(job: str, session: str, *, fail: bool = False) -> list[Event]:
    events: list[Event] = [
        JobStarted(job, 4, session),
        StepStarted(job, 1, "step 1 (upload)", "shoe.jpg"),
        StepFinished(job, 1, "step 1 (upload)", (), "image set to shoe.jpg"),
        StepStarted(job, 2, "step 0 (defaults)", "Set the aspect ratio to 9:16."),
        StepFinished(job, 2, "step 0 (defaults)", (), "Done. Set the aspect ratio to 9:16."),
        StepStarted(job, 3, "step 2 (motion)", "Animate the image with camera motion: slow zoom in."),
    ]
    if fail:
        return [*events, JobFailed(job, "c.yaml:9:5, step 2 (motion)", "boom\n  more about the boom")]
    return [
        *events,
        StepFinished(job, 3, "step 2 (motion)", (), "Done. Animated the image."),
        StepStarted(job, 4, "step 3 (export)", "out/a.mp4"),
        RenderProgress(job, 4, "render_1", "pending", 0.0, elapsed=1.0, timeout=900.0),
        RenderProgress(job, 4, "render_1", "processing", 42.0, elapsed=72.0, timeout=900.0),
        RenderProgress(job, 4, "render_1", "processing", 80.0, elapsed=80.0, timeout=900.0),
        RenderProgress(job, 4, "render_1", "completed", 100.0, elapsed=90.0, timeout=900.0),
        StepFinished(job, 4, "step 3 (export)", (), f"wrote out/{job}.mp4", output=Path(f"out/{job}.mp4")),
        JobFinished(job, (Path(f"out/{job}.mp4"),)),
    ]


EVENTS = [RUN, *job_events("shoe-tiktok", "5529798706024415233"),
          *job_events("bag-youtube", "5529798706024415234", fail=True),
          RunFinished(RUN.run_id, RUN.run_dir, (Path("out/shoe-tiktok.mp4"),), ("bag-youtube",))]


def lines(verbosity: Verbosity, events: list[Event] = EVENTS) -> list[str]:
    stream = io.StringIO()
    reporter = PlainReporter(stream, verbosity)
    for event in events:
        reporter.handle(event)
    reporter.close()
    return stream.getvalue().splitlines()


def test_quiet_is_one_line_per_job_with_the_counter_session_and_outputs_or_failure() -> None:
    assert lines(Verbosity.QUIET) == [
        "run 20261201-120000-campaign: 2 jobs on the embedded mock (seed 0)",
        "[1/2] ok      shoe-tiktok  session 5529798706024415233  out/shoe-tiktok.mp4",
        "[2/2] FAILED  bag-youtube  session 5529798706024415234  at c.yaml:9:5, step 2 (motion): boom",
        "  more about the boom",
    ]


def test_the_default_is_one_line_per_step_and_defaults_carry_no_step_number() -> None:
    shown = lines(Verbosity.NORMAL)
    assert shown[:6] == [
        "run 20261201-120000-campaign: 2 jobs on the embedded mock (seed 0)",
        "[shoe-tiktok] started · session 5529798706024415233",
        "[shoe-tiktok] step 1 (upload) ok: image set to shoe.jpg",
        "[shoe-tiktok] defaults ok: Done. Set the aspect ratio to 9:16.",
        "[shoe-tiktok] step 2 (motion) ok: Done. Animated the image.",
        "[shoe-tiktok] render_1 pending 0% · 0:01 of 15:00",
    ]
    assert "[shoe-tiktok] render_1 rendering 42% · 1:12 of 15:00" in shown
    assert not any("step 0" in line for line in shown)
    assert not any("Animate the image with camera motion" in line for line in shown)  # the sentence is -v
    # status changes only: 80% and "completed" add nothing the export's own line does not say
    assert sum("render_1" in line for line in shown) == 2
    assert "[1/2] ok      shoe-tiktok  session 5529798706024415233  out/shoe-tiktok.mp4" in shown


def test_verbose_adds_what_each_step_sent_and_every_render_status() -> None:
    shown = lines(Verbosity.VERBOSE)
    assert "[shoe-tiktok] started · session 5529798706024415233 · 4 actions" in shown
    assert "[shoe-tiktok] step 2 (motion): Animate the image with camera motion: slow zoom in." in shown
    assert "[shoe-tiktok] defaults: Set the aspect ratio to 9:16." in shown
    assert "[shoe-tiktok] render_1 rendering 80% · 1:20 of 15:00" in shown
    assert "[shoe-tiktok] render_1 rendering 100% · 1:30 of 15:00" in shown
    assert len(shown) > len(lines(Verbosity.NORMAL)) > len(lines(Verbosity.QUIET))


def test_a_wait_says_how_long_and_why() -> None:
    events: list[Event] = [RUN, JobStarted("shoe-tiktok", 4, "1"),
                           Waiting("shoe-tiktok", 30.0, "rate limited (429)"),
                           Waiting("shoe-tiktok", 90.0, "server error 503, retry 2 of 3")]
    assert lines(Verbosity.NORMAL, events)[-2:] == [
        "[shoe-tiktok] waiting 30s: rate limited (429)",
        "[shoe-tiktok] waiting 1:30: server error 503, retry 2 of 3",
    ]
    assert lines(Verbosity.QUIET, events) == lines(Verbosity.QUIET, [RUN])  # -q: jobs only


def test_a_render_without_a_timeout_shows_its_elapsed_time_alone() -> None:
    events: list[Event] = [RUN, JobStarted("shoe-tiktok", 1, "1"),
                           RenderProgress("shoe-tiktok", 1, "render_9", "processing", 5.0, elapsed=3725.0)]
    assert lines(Verbosity.NORMAL, events)[-1] == "[shoe-tiktok] render_9 rendering 5% · 1:02:05"


class FakeClock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


class Sink(io.StringIO):
    """Keeps the lines that are not per-job, so 10,000 jobs cost the test no memory to speak of."""

    def __init__(self) -> None:
        super().__init__()
        self.summaries: list[str] = []
        self.failures: list[str] = []
        self.job_lines = 0

    def write(self, text: str) -> int:
        for line in text.splitlines():
            if line.startswith("jobs "):
                self.summaries.append(line)
            elif " FAILED " in line:
                self.failures.append(line)
            elif line.startswith("["):
                self.job_lines += 1
        return len(text)


def test_ten_thousand_jobs_read_as_job_lines_failures_and_a_summary_with_rate() -> None:
    jobs = tuple(f"campaign-{i:05d}" for i in range(10_000))
    clock, sink = FakeClock(), Sink()
    reporter = PlainReporter(sink, Verbosity.QUIET, summary_every=30.0, now=clock)
    reporter.handle(RunStarted("r", Path("runs/r"), "campaign", jobs, "the embedded mock (seed 0)"))
    for i, job in enumerate(jobs):
        clock.t += 0.1  # ten jobs a second
        reporter.handle(JobStarted(job, 5, str(10**18 + i)))
        if i % 1000 == 999:
            reporter.handle(JobFailed(job, "big.yaml:7:5, step 2 (motion)", "no credits"))
        else:
            reporter.handle(JobFinished(job, (Path(f"out/{job}.mp4"),)))
    assert sink.job_lines == 10_000 - 10
    assert [f.split()[0] for f in sink.failures] == [f"[{n}000/10000]" for n in range(1, 11)]
    assert len(sink.summaries) == 33  # one every 30 s of a 1000 s run
    assert sink.summaries[0] == ("jobs 299/10000 done: 299 ok, 0 failed · 1 running · 10 jobs/s · "
                                  "about 16:13 left")
    assert sink.summaries[-1] == ("jobs 9931/10000 done: 9922 ok, 9 failed · 1 running · 10 jobs/s · "
                                  "about 0:07 left")
    assert reporter._running == {}  # nothing kept for finished jobs: memory flat in the number of jobs


def test_the_terminal_bar_agrees_with_its_label() -> None:
    clock = FakeClock()
    reporter = RichReporter(io.StringIO(), Verbosity.NORMAL, now=clock)
    events: list[Event] = [RUN, JobStarted("shoe-tiktok", 7, "1")]
    events += [StepFinished("shoe-tiktok", i, f"step {i} (text)", (), "ok") for i in range(1, 7)]
    events += [RenderProgress("shoe-tiktok", 7, "render_1", "processing", 5.0, elapsed=4, timeout=900),
               JobStarted("bag-youtube", 4, "2"), Waiting("bag-youtube", 30.0, "rate limited (429)")]
    for event in events:
        reporter.handle(event)
    rows = {task.fields["name"].strip(): (task.percentage, reporter._label(task))
            for task in reporter._progress.tasks}
    reporter.close()
    assert rows["shoe-tiktok"] == (5.0, "rendering 5% · 0:04 of 15:00")  # not 6/7 of the bar
    assert rows["jobs"][0] == 0.0 and rows["jobs"][1] == "0/2 · 0 ok · 0 failed · 2 running"
    assert rows["bag-youtube"][1] == "waiting 30s: rate limited (429)"
    clock.t += 12
    tasks = {task.fields["name"].strip(): task for task in reporter._progress.tasks}
    assert reporter._label(tasks["bag-youtube"]) == "waiting 18s: rate limited (429)"  # counts down


def test_the_live_display_keeps_the_end_of_a_long_job_id() -> None:
    # Ids of one campaign share their start and differ at the end (issue 18: cut at the end, they all
    # read "spring-launch-astronaut-ti…").
    jobs = ("spring-launch-astronaut-instagram-feed", "spring-launch-astronaut-instagram-square")
    reporter = RichReporter(io.StringIO(), Verbosity.NORMAL, now=FakeClock())
    for event in [RunStarted("r", Path("runs/r"), "spring-launch", jobs, "mock"),
                  *(JobStarted(job, 3, "1") for job in jobs)]:
        reporter.handle(event)
    names = [task.fields["name"] for task in reporter._progress.tasks][1:]
    reporter.close()
    assert [len(n) for n in names] == [28, 28]
    assert names[0].endswith("instagram-feed") and names[1].endswith("agram-square")
    assert names[0].startswith("spring-launch") and "…" in names[0]


def test_a_replaced_session_is_the_one_the_job_line_names_in_both_displays() -> None:
    # 1002, or a new token after 1001: the clip is made in the new session (issue 19.8).
    events: list[Event] = [RUN, JobStarted("shoe-tiktok", 4, "5444"),
                           SessionReplaced("shoe-tiktok", "5459", "5444", 2),
                           JobFinished("shoe-tiktok", (Path("out/a.mp4"),))]
    assert lines(Verbosity.QUIET, events)[-1] == "[1/2] ok      shoe-tiktok  session 5459  out/a.mp4"
    replaced = lines(Verbosity.NORMAL, events)[-2]
    assert replaced == ("[shoe-tiktok] session 5444 was lost (gone, or left with the old token or client "
                        "id): 2 steps sent again in session 5459")
    stream = io.StringIO()
    reporter = RichReporter(stream, Verbosity.QUIET)
    for event in events:
        reporter.handle(event)
    reporter.close()
    assert "shoe-tiktok  session 5459  out/a.mp4" in stream.getvalue()
    assert "5444" not in stream.getvalue()


def test_quiet_and_verbose_together_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "workflows/quickstart.yaml", "-q", "-v"]) == 2
    assert capsys.readouterr().err == ("motionctl: error: -q and -v exclude each other "
                                       "(pick one: -q a line per job, -v every detail)\n")


def test_a_resumed_run_counts_the_jobs_it_skips() -> None:
    resumed = RunStarted(RUN.run_id, RUN.run_dir, "campaign", RUN.jobs, "the embedded mock (seed 0)",
                         resumed=True)
    shown = lines(Verbosity.QUIET, [resumed, JobSkipped(("shoe-tiktok",)), *job_events("bag-youtube", "7")])
    assert shown == [
        "resuming 20261201-120000-campaign: 2 jobs on the embedded mock (seed 0)",
        "[1/2] skipped shoe-tiktok  -  finished in the run being resumed",
        "[2/2] ok      bag-youtube  session 7  out/bag-youtube.mp4",
    ]


def test_a_resume_that_skips_many_jobs_says_so_in_one_line() -> None:
    jobs = tuple(f"job-{n}" for n in range(1, 10_001))
    resumed = RunStarted(RUN.run_id, RUN.run_dir, "campaign", jobs, "the embedded mock (seed 0)",
                         resumed=True)
    shown = lines(Verbosity.QUIET, [resumed, JobSkipped(jobs[:-1]), *job_events("job-10000", "7")])
    assert " ".join(shown[1].split()) == "[9999/10000] skipped 9,999 jobs - finished in the run being resumed"
    assert shown[2].split()[:3] == ["[10000/10000]", "ok", "job-10000"]
