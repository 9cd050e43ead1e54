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
