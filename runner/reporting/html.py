"""``--report-html DIR``: one page for a run (or merged runs) that a person opens after CI.

``DIR/index.html`` is self-contained: styles inline, the contact sheets (first, middle, last frame) inline
as JPEG data URIs, no script and no request to any server. The clips are copied beside it into
``DIR/clips/`` and played inline by ``<video>`` from there, and each thumbnail opens its frame at full size
from ``DIR/frames/``, so the folder can be uploaded as one CI artifact and opened anywhere. Thumbnails are
240 px on their short side, so a vertical clip's title is readable and an edge defect shows. Failed jobs
come first, then the others in plan order, with the step that failed and why; every job lists its steps
with the sentence sent, the reply, the state diff, timings and credits.
"""

from __future__ import annotations

import base64
import html
import json
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

from ..confined import copy_file, write_bytes, write_text
from . import clip_qc
from .frames import KeyFrame, key_frames
from .runs import JobReport, Report, StepReport
from .text import counted

INDEX = "index.html"
CLIPS = "clips"
FRAMES = "frames"
VIDEO_SUFFIXES = frozenset({".mp4", ".mov", ".webm", ".m4v"})


def write_html(report: Report, out_dir: Path, *, title: str | None = None) -> Path:
    """Write ``out_dir/index.html`` and copy the clips it plays into ``out_dir/clips/``; returns the page."""
    out_dir.mkdir(parents=True, exist_ok=True)
    cards = [_job_card(job, out_dir) for job in report.failures_first()]
    page = _PAGE.format(title=_e(title or _title(report)), style=_STYLE, header=_header(report, title),
                        golden=_golden(report), cards="\n".join(cards))
    path = out_dir / INDEX
    write_text(path, page, durable=False)
    return path


def _title(report: Report) -> str:
    names = sorted({r.recipe_name for r in report.runs})
    return f"motionctl report: {', '.join(names) or 'no runs'}"


def _header(report: Report, title: str | None) -> str:
    c = report.counts()
    verdict = "passed" if report.ok else "failed"
    chips = [f'<span class="chip {verdict}">{"all passed" if report.ok else "failed"}</span>',
             f'<span class="chip">{counted(c["total"], "job")}</span>',
             f'<span class="chip passed">{c["passed"]} passed</span>']
    if c["failed"]:
        chips.append(f'<span class="chip failed">{c["failed"]} failed</span>')
    if c["skipped"]:
        chips.append(f'<span class="chip">{c["skipped"]} skipped (done before)</span>')
    if c["not_run"]:
        chips.append(f'<span class="chip">{c["not_run"]} not run</span>')
    differs = sum(1 for r in report.runs if (r.golden or {}).get("outcome") in ("differs", "missing"))
    if differs:
        verb = "golden files differ" if differs > 1 else "golden file differs"
        chips.append(f'<span class="chip failed">{differs} {verb}</span>')
    credits = [j.credits for j in report.jobs if j.credits is not None]
    if credits:
        estimated = any(j.credits_estimated for j in report.jobs)
        chips.append(f'<span class="chip">{counted(sum(credits), "credit")}{" (est.)" if estimated else ""}'
                     '</span>')
    runs = "".join(
        f"<li><code>{_e(r.run_id)}</code> — {_e(r.recipe)} on {_e(r.backend)}"
        f"{_when(r.started_at)}{'' if r.elapsed_s is None else f', {r.elapsed_s:.1f} s'}</li>"
        for r in report.runs)
    notes = "".join(f"<li>{_e(n)}</li>" for n in report.notes)
    return (f'<h1>{_e(title or _title(report))}</h1><div class="chips" id="summary" '
            f'data-ok="{str(report.ok).lower()}" data-total="{c["total"]}" '
            f'data-failed="{c["failed"]}">{"".join(chips)}</div>'
            f'<ul class="runs">{runs}</ul>' + (f'<ul class="notes">{notes}</ul>' if notes else ""))


def _golden(report: Report) -> str:
    parts = []
    for r in report.runs:
        outcome = (r.golden or {}).get("outcome")
        if outcome not in ("differs", "missing"):
            continue
        path = str((r.golden or {}).get("path", ""))
        what = "differs from this run" if outcome == "differs" else "does not exist"
        diff = f"<pre class='diff'>{_diff_lines(r.golden_diff)}</pre>" if r.golden_diff else ""
        parts.append(f'<section class="golden failed"><h2>Golden {_e(path)} {what}</h2>{diff}</section>')
    return "\n".join(parts)


def _job_card(job: JobReport, out_dir: Path) -> str:
    facts = [f"recipe <code>{_e(Path(job.recipe).name)}</code>", f"run <code>{_e(job.run_id)}</code>"]
    if job.duration_s is not None:
        facts.append(f"{job.duration_s:.2f} s")
    if job.credits is not None:
        facts.append(f"{counted(job.credits, 'credit')}{' (est.)' if job.credits_estimated else ''}")
    failure = ""
    if job.status == "failed":
        failure = (f'<div class="failure"><div class="where">Failed at {_e(job.where or "an unknown step")}'
                   f'</div><pre>{_e(job.error)}</pre></div>')
    media = "".join(_clip(job, path, out_dir) for path in job.outputs) + clip_qc.sections(job)
    if not media and job.status == "passed":
        media = '<p class="muted">no clip exported</p>'
    steps = "".join(_step_row(s) for s in job.steps)
    opened = " open" if job.status == "failed" else ""
    table = (f'<details class="steps"{opened}><summary>{counted(len(job.steps), "step")}</summary>'
             f'<table><thead><tr><th>#</th><th>step</th><th>sent</th><th>reply</th>'
             f'<th>state diff</th><th>time</th></tr></thead><tbody>{steps}</tbody></table></details>')
    return (f'<section class="job {job.status}" id="job-{_slug(job.job)}" data-job="{_e(job.job)}" '
            f'data-status="{job.status}"><h2><span class="badge {job.status}">{_status(job.status)}</span> '
            f'{_e(job.job)}</h2><div class="facts">{" · ".join(facts)}</div>{failure}'
            f'<div class="media">{media}</div>{table}</section>')


def _clip(job: JobReport, path: Path, out_dir: Path) -> str:
    """A clip's figure: its contact sheet (each frame opening at full size), the player and its name."""
    if path.suffix.lower() not in VIDEO_SUFFIXES:
        return f'<p class="muted">output {_e(str(path))}</p>'
    if not path.is_file():
        return f'<p class="missing">clip {_e(str(path))} is not on this machine</p>'
    try:
        frames = key_frames(path)
    except ValueError as exc:
        return f'<p class="missing">clip {_e(str(path))}: {_e(str(exc))}</p>'
    place = Path(_slug(job.run_id)) / _slug(job.job)
    rel = _copy(path, out_dir, Path(CLIPS) / place / path.name)
    sheet = "".join(_thumb(frame, job, out_dir, place / f"{path.stem}-{frame.label}.jpg") for frame in frames)
    middle = frames[1]
    return (f'<figure class="clip"><div class="sheet">{sheet}</div>'
            f'<video controls preload="metadata" width="{middle.width}" height="{middle.height}" '
            f'poster="{_data_uri(middle)}" src="{_e(rel)}"></video>'
            f'<figcaption><a href="{_e(rel)}">{_e(path.name)}</a></figcaption></figure>')


def _copy(source: Path, out_dir: Path, rel: Path) -> str:
    """``source`` copied to ``out_dir/rel`` (unless that size is there already); its link from the page."""
    copy = out_dir / rel
    if not copy.exists() or copy.stat().st_size != source.stat().st_size:
        copy_file(source, copy, root=out_dir)
    return rel.as_posix()


def _thumb(frame: KeyFrame, job: JobReport, out_dir: Path, rel: Path) -> str:
    full = out_dir / FRAMES / rel
    write_bytes(full, frame.full, root=out_dir)
    link = (Path(FRAMES) / rel).as_posix()
    return (f'<a class="frame" href="{_e(link)}" title="open the {frame.label} frame at full size">'
            f'<img class="thumb" alt="{_e(job.job)} {frame.label} frame" width="{frame.width}" '
            f'height="{frame.height}" src="{_data_uri(frame)}">'
            f'<span>{frame.label} · {frame.time_s:.2f} s</span></a>')


def _step_row(s: StepReport) -> str:
    reply = "<span class='muted'>no text</span>" if s.no_text else _e(s.reply)
    first_reply = s.reply.splitlines()[0][:160] if s.reply else ""
    if s.summary and s.summary != first_reply:
        reply += f"<div class='summary'>{_e(s.summary)}</div>"
    if s.failed:
        reply += f"<div class='error'>{_e(s.error.partition(chr(10))[0])}</div>"
    ops = "".join(f"<div class='op'>{_e(_op(op))}</div>" for op in s.patch) or "<span class='muted'>—</span>"
    timing = "" if s.duration_s is None else f"{s.duration_s:.2f} s"
    if s.credits is not None:
        timing += f"<div class='muted'>{s.credits} cr</div>"
    return (f"<tr class='{'failed' if s.failed else ''}'><td>{s.index}</td><td>{_e(s.label)}</td>"
            f"<td>{_e(s.sent)}</td><td>{reply}</td><td class='patch'>{ops}</td><td>{timing}</td></tr>")


def _op(op: dict[str, object]) -> str:
    value = "" if "value" not in op else " " + json.dumps(op["value"], ensure_ascii=False)
    if len(value) > 240:
        value = value[:237] + "…"
    return f"{op.get('op', '?')} {op.get('path', '')}{value}"


def _diff_lines(diff: str) -> str:
    out = []
    for line in diff.splitlines():
        cls = "add" if line.startswith("+") and not line.startswith("+++") else \
            "del" if line.startswith("-") and not line.startswith("---") else ""
        out.append(f"<span class='{cls}'>{_e(line)}</span>")
    return "\n".join(out)


def _data_uri(frame: KeyFrame) -> str:
    return "data:image/jpeg;base64," + base64.b64encode(frame.jpeg).decode("ascii")


def _status(status: str) -> str:
    return {"failed": "FAILED", "not_run": "not run"}.get(status, status)


def _when(at: float | None) -> str:
    return "" if at is None else ", " + datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-") or "job"


def _e(text: str | Iterable[str]) -> str:
    return html.escape(text if isinstance(text, str) else " ".join(text), quote=True)


_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title><style>{style}</style></head>
<body><header>{header}</header><main>{golden}
{cards}
</main></body></html>
"""

_STYLE = """
:root { color-scheme: light; --ok: #1a7f37; --bad: #cf222e; --muted: #57606a; --line: #d0d7de; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0; color: #1f2328;
       background: #f6f8fa; }
header { background: #fff; border-bottom: 1px solid var(--line); padding: 16px 24px; }
h1 { font-size: 20px; margin: 0 0 8px; }
h2 { font-size: 16px; margin: 0 0 4px; word-break: break-all; }
main { padding: 16px 24px; display: grid; gap: 16px; }
.chips { display: flex; flex-wrap: wrap; gap: 6px; }
.chip { border: 1px solid var(--line); border-radius: 12px; padding: 1px 10px; background: #fff; }
.chip.passed { color: var(--ok); border-color: var(--ok); }
.chip.failed { color: #fff; background: var(--bad); border-color: var(--bad); font-weight: 600; }
.runs, .notes { margin: 8px 0 0; padding-left: 18px; color: var(--muted); }
section.job, section.golden { background: #fff; border: 1px solid var(--line); border-radius: 8px;
                              padding: 12px 16px; }
section.failed { border-left: 6px solid var(--bad); }
section.passed { border-left: 6px solid var(--ok); }
.badge { font-size: 12px; border-radius: 4px; padding: 1px 6px; color: #fff; background: var(--muted);
         vertical-align: 2px; }
.badge.passed { background: var(--ok); }
.badge.failed { background: var(--bad); }
.facts { color: var(--muted); margin-bottom: 8px; }
.failure { background: #ffebe9; border: 1px solid #ff8182; border-radius: 6px; padding: 8px 12px;
           margin: 8px 0; }
.failure .where { font-weight: 600; color: var(--bad); }
.failure pre { white-space: pre-wrap; margin: 4px 0 0; font-size: 13px; }
.media { display: flex; flex-wrap: wrap; gap: 16px; align-items: flex-start; }
figure.clip { margin: 0; display: flex; flex-wrap: wrap; gap: 8px;
              align-items: flex-start; }
figcaption { flex-basis: 100%; }
.sheet { display: flex; gap: 8px; flex: 0 1 auto; min-width: 0; }
.frame { display: flex; flex-direction: column; align-items: center; font-size: 12px; color: var(--muted);
         text-decoration: none; flex: 0 1 auto; min-width: 0; }
.frame img { max-width: 100%; height: auto; border-radius: 4px; border: 1px solid var(--line);
             background: #000; cursor: zoom-in; }
.frame:hover img { outline: 2px solid #0969da; }
video { display: block; max-width: 100%; height: auto; background: #000; border-radius: 4px; }
figcaption { font-size: 12px; }
details.steps { margin-top: 8px; }
details.steps summary { cursor: pointer; color: var(--muted); }
table { border-collapse: collapse; width: 100%; margin-top: 6px; font-size: 13px; table-layout: fixed; }
th, td { border-top: 1px solid var(--line); padding: 4px 6px; text-align: left; vertical-align: top;
         overflow-wrap: anywhere; }
th:nth-child(1) { width: 32px; } th:nth-child(2) { width: 120px; } th:nth-child(6) { width: 64px; }
tr.failed td { background: #ffebe9; }
td.patch { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 12px; }
.summary, .muted { color: var(--muted); }
.error, .missing { color: var(--bad); }
pre.diff { background: #f6f8fa; padding: 8px; overflow: auto; max-height: 32em; font-size: 12px; }
main > section { min-width: 0; }
pre.diff .add { color: var(--ok); } pre.diff .del { color: var(--bad); }
"""
