"""The HTML report as a person sees it: Debian's headless Chromium renders it; we read its DOM and pixels."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image

from motionctl.runner.reporting.reports import ReportTargets, write_reports
from tests.processes import lacks
from tests.runner.reporting.conftest import Runs

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_chromium = pytest.mark.skipif(lacks("chromium") and lacks("chromium-browser"),
                                    reason="Debian's chromium is not installed "
                                    "(.ci/run installs it: apt-get install -y chromium)")

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--hide-scrollbars", "--mute-audio"]


def _chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    return subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={tmp_path / 'profile'}", *args],
                          capture_output=True, text=True, timeout=90, check=True)


@pytest.fixture(scope="module")
def page(runs: Runs, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("html")
    _, [index] = write_reports([runs.whole.run_dir], ReportTargets(html=out / "report"))
    return index


def test_page_is_self_contained(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)=["']https?://""", text)  # nothing fetched from anywhere
    for src in re.findall(r'<video[^>]* src="([^"]+)"', text):
        assert (page.parent / src).is_file() and not Path(src).is_absolute()
    assert "nmv_usr_" not in text


@needs_chromium
def test_chromium_shows_every_job_a_thumbnail_per_clip_and_the_failures_first(page: Path, tmp_path: Path,
                                                                             runs: Runs) -> None:
    dom = _chromium(tmp_path, "--dump-dom", page.as_uri()).stdout
    jobs = re.findall(r'<section class="job (\w+)"[^>]* data-job="([^"]+)"', dom)
    assert sorted(j for _, j in jobs) == sorted(o.job for o in runs.whole.jobs)
    statuses = [s for s, _ in jobs]
    assert statuses == sorted(statuses, key=lambda s: s != "failed")  # failures come first
    assert statuses.count("failed") == 1 and statuses[0] == "failed"
    assert "Failed at " in dom and "shots.yaml:9:5, step 3 (expect)" in dom
    assert "aspect: expected 9:16, got 16:9" in dom
    # The failed job stopped before its export; each of the two others has its clip and three frames.
    assert len(re.findall(r"<video ", dom)) == 2
    assert len(re.findall(r'<img class="thumb"', dom)) == 6

    shot = tmp_path / "shot.png"
    _chromium(tmp_path, "--window-size=1280,1800", f"--screenshot={shot}", page.as_uri())
    image = Image.open(shot).convert("RGB")
    assert image.size == (1280, 1800)
    # The failure box's red and the passed badge's green are on screen, and the thumbnails are not blank:
    # the sneaker's red fills part of each frame, so many pixels are far from the page's greys.
    colours = image.getcolors(maxcolors=1 << 20) or []
    vivid = sum(n for n, (r, g, b) in colours if max(r, g, b) - min(r, g, b) > 80)
    assert vivid > 5000
    assert any(abs(r - 0xCF) < 8 and abs(g - 0x22) < 8 and abs(b - 0x2E) < 8 for _, (r, g, b) in colours)


def test_the_page_is_titled_by_the_recipe_and_counts_in_words(page: Path, runs: Runs, tmp_path: Path) -> None:
    text = page.read_text(encoding="utf-8")
    assert "<title>motionctl report: shots</title>" in text
    # The recipe's name, not its file's (issue 18: a recipe named spring-launch in campaign.yaml).
    copy = tmp_path / "run"
    shutil.copytree(runs.shards[0].run_dir, copy)
    journal = copy / "journal.jsonl"
    header, rest = journal.read_text().split("\n", 1)
    journal.write_text(header.replace("shots.yaml", "campaign.yaml") + "\n" + rest)
    _, [index] = write_reports([copy], ReportTargets(html=tmp_path / "renamed"))
    assert "<title>motionctl report: shots</title>" in index.read_text(encoding="utf-8")
    assert '<span class="chip">3 jobs</span>' in text
    assert re.findall(r"<summary>(\d+ steps?)</summary>", text) and not re.search(r"\b1 (jobs|steps)\b", text)


def test_thumbnails_are_readable_and_open_their_frame_at_full_size(page: Path) -> None:
    # Issue 18: 70-px-wide thumbnails of a vertical clip showed neither its title nor a bad edge.
    text = page.read_text(encoding="utf-8")
    thumbs = re.findall(r'<a class="frame" href="([^"]+)"[^>]*><img class="thumb" [^>]*width="(\d+)" '
                        r'height="(\d+)"', text)
    assert len(thumbs) == 6
    for link, width, height in thumbs:
        assert min(int(width), int(height)) == 240
        with Image.open(page.parent / link) as full:
            assert full.size == (540, 960)  # the preview clip's own frame (9:16 at 540p)
    videos = re.findall(r'<video [^>]*width="(\d+)" height="(\d+)"', text)
    assert videos == [("240", "427")] * 2


@needs_chromium
def test_a_report_of_one_job_says_1_job(tmp_path: Path, runs: Runs) -> None:
    _, [index] = write_reports([runs.shards[0].run_dir], ReportTargets(html=tmp_path / "one"))
    dom = _chromium(tmp_path, "--dump-dom", index.as_uri()).stdout
    assert '<span class="chip">1 job</span>' in dom and "1 jobs" not in dom
