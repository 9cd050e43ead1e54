"""Resume reads a large journal fast, skipping finished jobs' lines: it must fold to the same progress."""

from __future__ import annotations

from pathlib import Path

from motionctl.runner.journal import Journal, fold, read_for_resume, read_journal

STATE = {"draft": {"t": []}, "video_infos": []}
PATCH = [{"op": "add", "path": "/video_infos/0", "value": {"filename": "a.jpg", "job": "x"}}]


def _write_job(journal: Journal, job: str, *, finished: bool) -> None:
    journal.write({"type": "session", "job": job, "session_id": f"s-{job}", "task_id": "t", "replay": False,
                   "state": STATE, "names": {}})
    journal.write({"type": "intent", "job": job, "index": 1, "label": "step 1 (upload)", "kind": "upload"})
    journal.write({"type": "step", "job": job, "index": 1, "kind": "upload", "patch": PATCH,
                   "names": {"a.jpg": "a.jpg"}})
    journal.write({"type": "intent", "job": job, "index": 2, "label": "step 2 (export)", "kind": "export",
                   "render_id": f"render_{len(job)}"})
    if finished:
        journal.write({"type": "output", "job": job, "index": 2, "path": f"out/{job}.mp4", "bytes": 10})
        journal.write({"type": "job_finished", "job": job, "outputs": [f"out/{job}.mp4"]})


def test_read_for_resume_folds_to_what_the_whole_journal_folds_to(tmp_path: Path) -> None:
    journal = Journal(tmp_path)
    journal.write({"type": "run", "recipe": "r.yaml", "recipe_hash": "h", "options": {}})
    names = ['done-1', 'todo-"quoted"-é', 'done-2', 'todo-2']
    for name in names:
        _write_job(journal, name, finished=name.startswith("done"))
    journal.close()
    with (tmp_path / "journal.jsonl").open("a", encoding="utf-8") as f:
        f.write('{"type": "step", "job": "todo-2", "ind')  # a half-written last line

    whole, fast = fold(read_journal(tmp_path), "r"), fold(read_for_resume(tmp_path), "r")
    assert set(fast.jobs) == set(whole.jobs) == set(names)
    for name in names:
        a, b = whole.jobs[name], fast.jobs[name]
        assert (b.finished, b.outputs) == (a.finished, a.outputs), name
        if not a.finished:
            assert b == a, name  # everything resume needs for a job still to do
    assert fast.jobs['todo-"quoted"-é'].state == {"draft": {"t": []}, "video_infos": [PATCH[0]["value"]]}
    assert len(read_for_resume(tmp_path)) < len(read_journal(tmp_path))  # finished jobs' steps were skipped
