"""The README's first command: `motionctl run workflows/quickstart.yaml` gives a real, moving 1080p clip."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import av
import cv2
import numpy as np

from tests.integration.conftest import CliResult


def decode_gray(path: Path) -> tuple[list[np.ndarray], str, tuple[int, int]]:
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        codec, size = stream.codec_context.name, (stream.width, stream.height)
        frames = [f.to_ndarray(format="gray") for f in container.decode(video=0)]
    return frames, codec, size


def similarity(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The scale+shift (2×3) that maps frame ``a``'s content onto frame ``b``, from matched ORB features."""
    orb = cv2.ORB_create(2000)  # type: ignore[attr-defined]  # missing from opencv's stubs
    ka, da = orb.detectAndCompute(a, None)
    kb, db = orb.detectAndCompute(b, None)
    matches = cv2.BFMatcher(cv2.NORM_HAMMING, crossCheck=True).match(da, db)
    src = np.array([ka[m.queryIdx].pt for m in matches], dtype=np.float32)
    dst = np.array([kb[m.trainIdx].pt for m in matches], dtype=np.float32)
    matrix, inliers = cv2.estimateAffinePartial2D(src, dst, method=cv2.RANSAC, ransacReprojThreshold=2)
    assert matrix is not None and int(inliers.sum()) >= 20, "too few features to track the motion"
    return np.asarray(matrix, dtype=np.float64)


def test_quickstart_writes_a_1080p_h264_clip_that_zooms_in_and_pans_left(
        cli: Callable[..., CliResult], workflows_copy: Path, tmp_path: Path) -> None:
    result = cli("run", workflows_copy / "quickstart.yaml")  # exactly the README's command, no options

    assert result.code == 0, result.err
    clip = Path("out/quickstart.mp4")  # under ./out, the default --out
    assert result.out.splitlines()[0] == str(clip)  # the output path is printed, as the user would type it
    frames, codec, size = decode_gray(tmp_path / clip)
    assert codec == "h264" and size == (1920, 1080)
    assert len(frames) == 4 * 30  # 4 s at 30 fps

    m = similarity(frames[0], frames[-1])
    scale = float(np.hypot(m[0, 0], m[1, 0]))
    centre = np.array([size[0] / 2, size[1] / 2, 1.0])
    dx, dy = m @ centre - centre[:2]
    assert 1.08 < scale < 1.12  # slow zoom in: 1.0 → 1.1, the centre content grows
    assert 0.03 * size[0] < dx < 0.07 * size[0]  # camera pans left 5% of the width: content moves right
    assert abs(dy) < 0.01 * size[1]

    # The run is recorded: a journal line per step, the summary, no half-written files.
    run_dir = next((tmp_path / "runs").iterdir())
    steps = [json.loads(line) for line in (run_dir / "journal.jsonl").read_text().splitlines()]
    assert [s["kind"] for s in steps if s["type"] == "step"] == ["upload", "say", "say", "say", "expect",
                                                                     "export"]
    assert json.loads((run_dir / "summary.json").read_text())["outputs"] == [str(clip)]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["quickstart.mp4"]  # no half files
    assert "step 2 (motion)" in result.err  # plain progress lines when not on a terminal
    events = [json.loads(line)["event"] for line in (run_dir / "events.jsonl").read_text().splitlines()]
    assert events[0] == "RunStarted" and events[-1] == "RunFinished" and "RenderProgress" in events
