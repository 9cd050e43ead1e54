"""CDN URLs work for anyone who has them, and a run's directory and reports are CI artifacts: they keep no
capability link unless asked (issue 18: pre-launch product photos and clips leaked through reports)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from motionctl.runner.cli import main
from motionctl.runner.journal import redact_links, restore_links
from tests.runner.reporting.conftest import IMAGE

# The mock's CDN keys (u + 32 hex digits for uploads, a long key for renders): what must not leak.
CAPABILITY = re.compile(r"/cdn/(?:renders/)?[A-Za-z0-9_-]{16,}/")

RECIPE = """\
version: 1
name: leak
defaults: {duration: 1s}
steps:
  - upload: images/sneaker.jpg
  - motion: {zoom: in}
  - export: leak.mp4
"""


def _written(folder: Path) -> dict[Path, str]:
    return {p: p.read_text(encoding="utf-8") for p in folder.rglob("*")
            if p.is_file() and p.suffix in (".jsonl", ".json", ".html", ".xml")}


@pytest.fixture
def recipe(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    (tmp_path / "images").mkdir()
    (tmp_path / "images" / "sneaker.jpg").write_bytes(IMAGE.read_bytes())
    path = tmp_path / "leak.yaml"
    path.write_text(RECIPE, encoding="utf-8")
    return path


def test_no_run_file_or_report_keeps_a_capability_link(recipe: Path, tmp_path: Path) -> None:
    assert main(["run", str(recipe), "--preview", "-q", "--report-html", "html", "--report-json", "r.json",
                 "--report-junit", "j.xml"]) == 0
    files = {**_written(tmp_path / "runs"), **_written(tmp_path / "html"),
             **{p: p.read_text() for p in (tmp_path / "r.json", tmp_path / "j.xml")}}
    assert any("states" in p.parts for p in files) and any(p.name == "events.jsonl" for p in files)
    leaks = {str(p): CAPABILITY.findall(text) for p, text in files.items() if CAPABILITY.search(text)}
    assert leaks == {}
    journal = next(text for p, text in files.items() if p.name == "journal.jsonl")
    # What a reader needs stays: the host and the file name, and a tag telling two links apart.
    assert re.search(r"http://127\.0\.0\.1:\d+/cdn/\[redacted:[0-9a-f]{6}\]/sneaker\.jpg", journal)


def test_keep_urls_keeps_them_and_a_report_redacts_unless_asked_too(recipe: Path, tmp_path: Path) -> None:
    assert main(["run", str(recipe), "--preview", "-q", "--keep-urls"]) == 0
    (run_dir,) = (tmp_path / "runs").iterdir()
    assert CAPABILITY.search((run_dir / "journal.jsonl").read_text(encoding="utf-8"))
    assert main(["report", str(run_dir), "--json", "plain.json"]) == 0
    assert not CAPABILITY.search((tmp_path / "plain.json").read_text(encoding="utf-8"))
    assert main(["report", str(run_dir), "--json", "kept.json", "--keep-urls"]) == 0
    assert CAPABILITY.search((tmp_path / "kept.json").read_text(encoding="utf-8"))


def test_redaction_keeps_plain_links_and_tells_links_apart() -> None:
    upload = "http://127.0.0.1:8787/cdn/u69f991f18302b9fbf9dead490f2c10d6/cat.webp"
    signed = "https://cdn.example.com/media/photo.jpg?Expires=1&Signature=abcDEF123"
    text = f"uploaded {upload} and {signed}; docs at https://nemovideo.com/docs/api"
    redacted = redact_links(text)
    assert "69f991f18302" not in redacted and "Signature" not in redacted
    assert "https://nemovideo.com/docs/api" in redacted and "/cat.webp" in redacted
    assert redact_links(upload.replace("6", "7")) != redact_links(upload)
    assert redact_links(redacted) == redacted  # scrubbing twice changes nothing
    # A resume gives them back from the server's state, to compare and render real links.
    server = {"draft": {"t": [{"sg": [{"src": upload}]}]}, "video_infos": [{"cdn_url": signed}]}
    assert restore_links({"a": [redact_links(upload)], "b": redact_links(signed)}, server) == {
        "a": [upload], "b": signed}
