"""Kill `motionctl run` at seeded random moments, resume it, and check every step happened exactly once.

    .venv/bin/python bench/kill_resume.py [--kills 24] [--seed 1] [--per-trial 3]

Each trial runs a small recipe (upload, motion, text, expect, export) as a real subprocess against one
mock served in this process, SIGKILLs it at a random moment (after a random number of journal records,
plus a random few milliseconds, so kills land between a step's intent and its outcome as often as
between steps), then runs the printed resume command, killing that too, ``--per-trial`` times; a last
resume runs to the end. The mock's request log must then show at most one upload into each session
(exactly one into the job's last), one render submit per job (plus one per render the journal records
as replaced) and the expect holding; the MP4 must decode whole. Prints kills, trials, failures and time.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
# Run as a script, this folder comes first on sys.path and bench/runner.py would shadow the `runner`
# package: put the project root there instead.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != _HERE]

RECIPE = """\
version: 1
name: killed
defaults: {duration: 1s}
steps:
  - upload: sneaker.jpg
  - motion: {zoom: in, speed: slow}
  - text: {content: "Once", at: 0s, for: 1s}
  - expect: {tracks: {video: 1, text: 1}}
  - export: {to: killed.mp4}
"""
RequestLog = Callable[[str], list[dict[str, Any]]]


def _journal_lines(run_dir: Path | None) -> int:
    if run_dir is None or not (run_dir / "journal.jsonl").is_file():
        return 0
    return len((run_dir / "journal.jsonl").read_bytes().splitlines())


def _run_dir(workdir: Path) -> Path | None:
    runs = workdir / "runs"
    found = sorted(runs.iterdir()) if runs.is_dir() else []
    return found[0] if found else None


def _once(url: str, run_dir: Path, read_log: RequestLog) -> str | None:
    """What broke exactly-once in this trial, or ``None``."""
    records = [json.loads(line) for line in (run_dir / "journal.jsonl").read_text().splitlines() if line]
    sessions = [r["session_id"] for r in records if r["type"] == "session"]
    log = read_log(url)

    def handled(r: dict[str, Any]) -> bool:
        return r.get("status") == 200 and not set(str(r.get("fault") or "").split(",")) & {"respond", "reset"}

    uploads = [r["path"].rsplit("/", 1)[-1] for r in log
               if r["method"] == "POST" and r["path"].startswith("/api/upload-video/") and handled(r)]
    if any(uploads.count(s) > 1 for s in uploads) or not sessions or uploads.count(sessions[-1]) != 1:
        return f"uploads per session {uploads} (sessions {sessions})"
    submits = sum(1 for r in log if r["method"] == "POST" and r["path"] == "/api/render/proxy/lambda"
                  and handled(r))
    replaced = sum(1 for r in records if r["type"] == "render_replaced")
    if submits != 1 + replaced:
        return f"{submits} render submits, {replaced} replaced"
    texts = [r for r in log if r["method"] == "POST" and r["path"] == "/run_sse" and handled(r)]
    if not texts:
        return "no instruction reached the mock"
    return None


def trial(url: str, token: str, workdir: Path, rng: random.Random, kills: int, read_log: RequestLog,
          *, timeout: float = 60) -> tuple[int, str | None]:
    """One recipe killed ``kills`` times and resumed; returns (kills that landed, what broke or None)."""
    workdir.mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "workflows" / "images" / "sneaker.jpg", workdir / "sneaker.jpg")
    (workdir / "killed.yaml").write_text(RECIPE)
    env = {**os.environ, "NEMO_TOKEN": token, "XDG_CONFIG_HOME": str(workdir / "config"),
           "PYTHONPATH": str(ROOT)}
    landed = 0
    for attempt in range(kills + 1):
        run_dir = _run_dir(workdir)
        args = [sys.executable, "-m", "motionctl", "run", "killed.yaml", "--preview", "--no-credit-check"]
        args += ["--resume", str(run_dir)] if run_dir else ["--base-url", url]
        proc = subprocess.Popen(args, cwd=workdir, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        if attempt < kills:
            start = _journal_lines(run_dir)
            target = start + rng.randint(1, 14)
            deadline = time.monotonic() + timeout
            while proc.poll() is None and time.monotonic() < deadline:
                if _journal_lines(_run_dir(workdir)) >= target:
                    time.sleep(rng.uniform(0, 0.03))
                    break
                time.sleep(0.005)
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
                landed += 1
        try:
            _, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            return landed, "a run hung"
        if attempt == kills and proc.returncode != 0:
            return landed, f"the last resume failed ({proc.returncode}): {err.decode()[-400:]}"
    run_dir = _run_dir(workdir)
    assert run_dir is not None
    problem = _once(url, run_dir, read_log)
    if problem is None:
        import av

        with av.open(str(workdir / "out" / "killed.mp4")) as clip:
            if sum(1 for _ in clip.decode(video=0)) != 30:
                problem = "the clip is not whole"
    return landed, problem


def new_token(url: str) -> str:
    import httpx

    # The attribution headers the API requires on every call, the token endpoint included.
    answer = httpx.post(f"{url}/api/auth/anonymous-token",
                        headers={"X-Client-Id": str(uuid.uuid4()), "X-Skill-Source": "bench",
                                 "X-Skill-Version": "0", "X-Skill-Platform": "unknown"})
    return str(answer.json()["data"]["token"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=24, help="kills in all (at least 20 for the report)")
    parser.add_argument("--per-trial", type=int, default=3, help="kills before a trial's last resume")
    parser.add_argument("--seed", type=int, default=1)
    options = parser.parse_args()
    import tempfile

    from motionctl.mock_server import MockConfig, serve_in_thread
    from tests.integration.conftest import mock_admin, mock_requests

    rng = random.Random(options.seed)
    started = time.monotonic()
    landed = trials = 0
    failures: list[str] = []
    with tempfile.TemporaryDirectory(prefix="kill-resume-") as tmp, \
            serve_in_thread(MockConfig(seed=options.seed, initial_credits=10**7, render_speed=1.0)) as mock:
        while landed < options.kills:
            trials += 1
            kills, problem = trial(mock.url, new_token(mock.url), Path(tmp) / f"t{trials}", rng,
                                   options.per_trial, mock_requests)
            landed += kills
            if problem:
                failures.append(f"trial {trials}: {problem}")
            mock_admin(mock.url, "reset")  # a fresh log per trial: each trial reads only its own calls
    print(f"kills: {landed} in {trials} trials (seed {options.seed}), failures: {len(failures)}, "
          f"{time.monotonic() - started:.1f} s")
    for failure in failures:
        print("  " + failure)
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
