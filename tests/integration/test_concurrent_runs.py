"""Two runs into one --out never write the same clip (issue 19.6): the second is refused, exit 2, before any
call, while runs that write other files go on, and a killed run's claim does not block anyone.

The other run is a real second process holding its claim (runner/claims.py) until the test lets it go; the
test waits for its "claimed" line, never for time.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from motionctl.runner.cli import main

ROOT = Path(__file__).parents[2]
QUICKSTART = ROOT / "workflows" / "quickstart.yaml"


@contextmanager
def other_run(out: Path, *files: str) -> Iterator[subprocess.Popen[str]]:
    """A second process claiming ``files`` in ``out`` as a run does, until the block ends."""
    code = textwrap.dedent(f"""
        import sys
        from pathlib import Path
        from motionctl.runner.claims import claimed
        out = Path({str(out)!r})
        with claimed(out, [out / f for f in {list(files)!r}], "motionctl run other.yaml"):
            print("claimed", flush=True)
            sys.stdin.read()
    """)
    with subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                          text=True, cwd=ROOT) as proc:
        assert proc.stdout is not None and proc.stdout.readline() == "claimed\n"
        yield proc  # leaving the block closes its stdin: it lets go of its claim and ends


def run(tmp_path: Path) -> list[str]:
    return ["run", str(QUICKSTART), "--preview", "-q", "--out", str(tmp_path / "out"),
            "--runs-dir", str(tmp_path / "runs")]


def test_a_second_run_that_would_write_the_same_clip_is_refused_before_any_call(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "quickstart.mp4").write_bytes(b"the first run's clip")
    with other_run(out, "quickstart.mp4") as other:
        assert main(run(tmp_path)) == 2
        err = capsys.readouterr().err
        assert (f"{out / 'quickstart.mp4'} is being written by another run (motionctl run other.yaml, pid "
                f"{other.pid}, since ") in err
        assert "wait for it to finish, or give this run another --out" in err
    assert (out / "quickstart.mp4").read_bytes() == b"the first run's clip"
    assert not (tmp_path / "runs").exists()  # refused before the run began: no run directory, no call


def test_runs_that_write_other_files_go_on_side_by_side(tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    with other_run(out, "campaign/sneaker-tiktok.mp4"):
        assert main(run(tmp_path)) == 0
    assert (out / "quickstart.mp4").stat().st_size > 0
    assert sorted(p.name for p in out.iterdir()) == ["quickstart.mp4"]  # its claim went with it


def test_a_killed_runs_claim_blocks_nobody(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    with other_run(out, "quickstart.mp4") as other:
        os.kill(other.pid, signal.SIGKILL)
        other.wait(timeout=30)
        assert [p.name for p in out.glob(".motionctl-claim-*")], "the killed run left its claim behind"
        assert main(run(tmp_path)) == 0
    assert sorted(p.name for p in out.iterdir()) == ["quickstart.mp4"]
