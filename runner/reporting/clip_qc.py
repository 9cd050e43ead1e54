"""The clip QC's part of the HTML report: per clip, what a reviewer looks at before approving it.

The measured camera path drawn over the asked one (zoom, the picture's shift and roll against time), the
music's loudness curve over the level the track should have, and a frame from each text's window with the
box the QC found and the platform's safe zone drawn on it; then every check with its measurement. Plain
inline SVG and JPEG data URIs, no script, styles inline: html.py places it with one call per job, whatever
its own layout.
"""

from __future__ import annotations

import base64
import html
import io
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import av
from PIL import Image

from ..qc import check_from_dict
from .runs import ClipReport, JobReport

_W, _H = 300, 110  # one plot, px
_MEASURED, _ASKED = "#cf222e", "#57606a"
_BOX, _ZONE = "#ff2d55", "#2da44e"


def sections(job: JobReport) -> str:
    """Every clip check of ``job`` as HTML (empty when the run checked none)."""
    return "".join(_section(clip) for clip in job.clips)


def _section(clip: ClipReport) -> str:
    series = _series(clip.series)
    parts = []
    camera = series.get("camera") or {}
    if camera.get("t"):
        parts.append(
            _plot(
                "zoom (×)",
                camera["t"],
                [("measured", camera["zoom"], _MEASURED), ("asked", camera["zoom_asked"], _ASKED)],
            )
        )
        parts.append(
            _plot(
                "picture shift (% of frame)",
                camera["t"],
                [
                    ("x measured", [100 * v for v in camera["x"]], _MEASURED),
                    ("x asked", [100 * v for v in camera["x_asked"]], _ASKED),
                    ("y measured", [100 * v for v in camera["y"]], "#bf8700"),
                    ("y asked", [100 * v for v in camera["y_asked"]], "#8c959f"),
                ],
            )
        )
        if any(abs(v) > 0.01 for v in camera["roll"] + camera["roll_asked"]):
            parts.append(
                _plot(
                    "roll (°)",
                    camera["t"],
                    [("measured", camera["roll"], _MEASURED), ("asked", camera["roll_asked"], _ASKED)],
                )
            )
    loudness = series.get("loudness") or {}
    if loudness.get("t"):
        lines = [("measured", loudness["lufs"], _MEASURED)]
        if loudness.get("lufs_asked"):
            lines.append(("the track at the asked volume", loudness["lufs_asked"], _ASKED))
        parts.append(_plot("loudness (LUFS, 400 ms)", loudness["t"], lines, floor=-60.0))
    texts = series.get("texts") or []
    if texts and clip.path.is_file():
        parts.append(_text_frames(clip.path, texts))
    checks = [check_from_dict(c) for c in clip.checks]
    rows = "".join(
        f"<tr style='color:{_colour(c.status)}'>"
        f"<td>{_e(c.title)}</td><td>{_e(c.status.replace('_', ' '))}</td><td>{_e(c.measured)}</td>"
        f"<td>{_e(c.asked)}</td></tr>"
        for c in sorted(checks, key=lambda c: (not c.failed, c.name))
    )
    verdict = "ok" if clip.ok else "FAILED"
    colour = "#1a7f37" if clip.ok else "#cf222e"
    failed = sum(c.failed for c in checks)
    # Column widths of its own: the page's table rules are the steps table's.
    head = "".join(f"<th style='width:{w}'>{t}</th>" for t, w in (("check", "22%"), ("result", "8%"),
                                                                  ("measured", "35%"), ("asked", "35%")))
    return (
        f"<div class='clip-qc' data-clip='{_e(clip.path.name)}' data-ok='{str(clip.ok).lower()}' "
        f"style='flex-basis:100%;margin-top:4px'><div>clip check of {_e(clip.path.name)} ({_e(clip.level)}): "
        f"<b style='color:{colour}'>{verdict}</b></div><div style='display:flex;flex-wrap:wrap;gap:12px;"
        f"margin:6px 0'>{''.join(parts)}</div><details{' open' if failed else ''}><summary "
        f"style='cursor:pointer;color:#57606a'>{len(checks)} checks</summary><table><thead><tr>{head}</tr>"
        f"</thead><tbody>{rows}</tbody></table></details></div>"
    )


def _colour(status: str) -> str:
    return {"failed": "#cf222e", "not_checked": "#57606a"}.get(status, "inherit")


def _series(path: Path | None) -> dict[str, Any]:
    if path is None:
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _plot(
    title: str, t: Sequence[float], lines: list[tuple[str, Sequence[float], str]], floor: float | None = None
) -> str:
    """A small line chart: time across, every series on one scale, the measured line solid."""
    values = [v for _, ys, _ in lines for v in ys if floor is None or v >= floor]
    if not t or not values:
        return ""
    low, high = min(values), max(values)
    if high - low < 1e-6:
        low, high = low - 1, high + 1
    t0, t1 = min(t), max(t) or 1.0
    pad = 4

    def point(x: float, y: float) -> str:
        y = max(y, low) if floor is not None else y
        px = pad + (x - t0) / max(t1 - t0, 1e-9) * (_W - 2 * pad)
        py = _H - pad - (y - low) / (high - low) * (_H - 2 * pad)
        return f"{px:.1f},{py:.1f}"

    paths = []
    legend = []
    for name, ys, colour in lines:
        dash = "" if "asked" not in name and "track" not in name else " stroke-dasharray='4 3'"
        pts = " ".join(point(x, y) for x, y in zip(t, ys, strict=False))
        paths.append(f"<polyline fill='none' stroke='{colour}' stroke-width='1.5'{dash} points='{pts}'/>")
        legend.append(f"<span style='color:{colour}'>— {_e(name)}</span>")
    return (
        f"<figure style='margin:0;font-size:11px'><figcaption>{_e(title)}: {high:.3g} … {low:.3g}, "
        f"{t0:.1f}–{t1:.1f} s</figcaption><svg class='qc-plot' width='{_W}' height='{_H}' "
        f"viewBox='0 0 {_W} {_H}' style='background:#f6f8fa;border:1px solid #d0d7de'>{''.join(paths)}"
        f"</svg><div>{' '.join(legend)}</div></figure>"
    )


def _text_frames(video: Path, texts: list[dict[str, Any]], height: int = 200) -> str:
    """A frame from each text's window, the found box (red) and the safe zone (green, dashed) drawn on it."""
    wanted = sorted({float(t.get("t", 0.0)) for t in texts})
    try:
        frames = _frames_at(video, wanted)
    except (av.error.FFmpegError, OSError, ValueError):
        return ""
    out = []
    for t in texts:
        frame = frames.get(float(t.get("t", 0.0)))
        if frame is None:
            continue
        w, h = frame.size
        scale = height / h
        thumb = frame.resize((max(2, round(w * scale)), height), Image.Resampling.BILINEAR)
        buffer = io.BytesIO()
        thumb.save(buffer, format="JPEG", quality=80)
        uri = "data:image/jpeg;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")
        rects = []
        for box, colour, dash in ((t.get("zone"), _ZONE, "5 3"), (t.get("box"), _BOX, "")):
            if isinstance(box, list) and len(box) == 4:
                x0, y0, x1, y1 = (float(v) * scale for v in box)
                rects.append(
                    f"<rect x='{x0:.1f}' y='{y0:.1f}' width='{x1 - x0:.1f}' height='{y1 - y0:.1f}' "
                    f"fill='none' stroke='{colour}' stroke-width='2' stroke-dasharray='{dash}'/>"
                )
        tw = thumb.size[0]
        out.append(
            f"<figure class='qc-text' style='margin:0;font-size:11px'><svg width='{tw}' height='{height}' "
            f"viewBox='0 0 {tw} {height}'><image href='{uri}' width='{tw}' height='{height}'/>"
            f"{''.join(rects)}</svg><figcaption>{_e(str(t.get('text', '')))} at "
            f"{float(t.get('t', 0.0)):.2f} s</figcaption></figure>"
        )
    return "".join(out)


def _frames_at(video: Path, times: list[float]) -> dict[float, Image.Image]:
    """The frames nearest ``times`` (seconds), decoded in one pass that stops after the last."""
    found: dict[float, Image.Image] = {}
    with av.open(str(video)) as container:
        for frame in container.decode(video=0):
            at = float(frame.time or 0.0)
            for t in times:
                if t not in found and at >= t - 1e-3:
                    found[t] = frame.to_image()  # type: ignore[no-untyped-call]
            if len(found) == len(times):
                break
    return found


def _e(text: str) -> str:
    return html.escape(text, quote=True)
