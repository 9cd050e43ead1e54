"""The journal: one durable line per record, no secrets, and the fold that resume reads."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from motionctl.runner.errors import UsageError
from motionctl.runner.journal import Journal, fold, new_run_id, read_journal


def test_run_ids_sort_by_time_and_name_the_recipe(tmp_path: Path) -> None:
    a = Journal.create(tmp_path, "Spring Sale!")
    b = Journal.create(tmp_path, "Spring Sale!")
    a.close()
    b.close()
    assert a.run_id.endswith("-spring-sale") and b.run_id == a.run_id + "-2"
    assert len(new_run_id("x").split("-")[0]) == 8


def test_records_are_written_at_once_and_secrets_are_masked(tmp_path: Path) -> None:
    journal = Journal.create(tmp_path, "r", secrets=["my-own-token-123"])
    journal.add_secret("nmv_usr_anon_abc")
    journal.write({"type": "step", "job": "a", "index": 1, "sent": "use my-own-token-123",
                   "Authorization": "Bearer x", "text": "here nmv_usr_other_zzz"})
    text = (journal.run_dir / "journal.jsonl").read_text()  # readable before close: flushed
    journal.close()
    record = json.loads(text)
    assert record["sent"] == "use <redacted>"
    assert record["Authorization"] == "<redacted>"
    assert record["text"] == "here <redacted>"
    assert "my-own-token-123" not in text and "nmv_usr" not in text


def test_fold_gives_resume_what_finished_and_what_was_submitted(tmp_path: Path) -> None:
    journal = Journal.create(tmp_path, "r")
    records: list[dict[str, object]] = [
        {"type": "run", "recipe": "r.yaml", "recipe_hash": "h1", "options": {"preview": True}},
        {"type": "session", "job": "a", "session_id": "s1"},
        {"type": "step", "job": "a", "index": 1},
        {"type": "job_finished", "job": "a"},
        {"type": "session", "job": "b", "session_id": "s2"},
        {"type": "step", "job": "b", "index": 1},
        {"type": "render", "job": "b", "index": 2, "render_id": "render_9"},
    ]
    for record in records:
        journal.write(record)
    journal.close()
    with (journal.run_dir / "journal.jsonl").open("a") as f:
        f.write('{"type": "output", "job": "b", "ind')  # the process died mid-line
    run = fold(read_journal(journal.run_dir), journal.run_id)
    assert run.recipe_hash == "h1" and run.options == {"preview": True}
    assert run.jobs["a"].finished and not run.jobs["b"].finished
    assert run.jobs["b"].session_id == "s2"
    assert run.jobs["b"].done_steps == {1}
    assert run.jobs["b"].renders == {2: "render_9"}
    assert run.jobs["b"].outputs == {}


def test_reading_a_directory_that_is_not_a_run_says_so(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"no journal\.jsonl here"):
        read_journal(tmp_path)
