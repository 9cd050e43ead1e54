"""What people read while a run works: the rich display on a terminal, plain lines otherwise."""

from __future__ import annotations

import io
from pathlib import Path

from motionctl.runner.events import (
    Event,
    JobFailed,
    JobFinished,
    JobStarted,
    RenderProgress,
    RunInterrupted,
    RunStarted,
    StepFinished,
    StepStarted,
)
from motionctl.runner.reporting import PlainReporter, console_reporter

RUN_DIR = Path("runs/20261124-013500-a-recipe-with-a-long-name")
RESUME = f"motionctl run workflows/a-recipe-with-a-long-name.yaml --resume {RUN_DIR}"
EVENTS: list[Event] = [
    RunStarted("20261124-013500-x", RUN_DIR, "x", ("a", "b"), "the embedded mock (seed 0)"),
    JobStarted("a", 2, "5529798706024415233"),
    StepStarted("a", 1, "step 1 (upload)", "shoe.png"),
    StepFinished("a", 1, "step 1 (upload)", (), "image set to shoe.png [1/2]"),
    RenderProgress("a", 2, "render_1", "processing", 40.0),
    JobFinished("a", (Path("out/a.mp4"),)),
    JobStarted("b", 2, "5529798706024415234"),
    JobFailed("b", "x.yaml:8:5, step 3 (expect)", "the expectation did not hold\n  - aspect: expected 9:16"),
    RunInterrupted("20261124-013500-x", RUN_DIR, RESUME),
]


def test_the_terminal_display_shows_steps_failures_and_an_unbroken_resume_command() -> None:
    stream = io.StringIO()
    reporter = console_reporter(stream, tty=True)
    assert type(reporter).__name__ == "RichReporter"
    for event in EVENTS:
        reporter.handle(event)
    reporter.close()
    lines = stream.getvalue().splitlines()
    assert "a step 1 (upload) ✓ image set to shoe.png [1/2]" in lines  # brackets are text, not markup
    failed = "[2/2] FAILED  b  session 5529798706024415234  at x.yaml:8:5, step 3 (expect): the expectation"
    assert any(line.startswith(failed) for line in lines)
    assert f"continue with: {RESUME}" in lines  # longer than the 80 columns, still one line to copy


def test_plain_lines_for_logs() -> None:
    stream = io.StringIO()
    reporter = console_reporter(stream, tty=False)
    assert isinstance(reporter, PlainReporter)
    for event in EVENTS:
        reporter.handle(event)
    assert stream.getvalue().splitlines() == [
        "run 20261124-013500-x: 2 jobs on the embedded mock (seed 0)",
        "[a] started · session 5529798706024415233",
        "[a] step 1 (upload) ok: image set to shoe.png [1/2]",
        "[a] render_1 rendering 40%",
        "[1/2] ok      a  session 5529798706024415233  out/a.mp4",
        "[b] started · session 5529798706024415234",
        "[2/2] FAILED  b  session 5529798706024415234  at x.yaml:8:5, step 3 (expect): "
        "the expectation did not hold",
        "  - aspect: expected 9:16",
        f"interrupted: finished steps are kept in {RUN_DIR}",
        f"continue with: {RESUME}",
    ]
