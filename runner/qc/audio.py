"""Audio checks: the music is there, at the asked volume of its own track, without gaps, unasked fades or
overs.

The level is the gated integrated loudness (BS.1770) of the music between its edges (half a second in from
each end, where a player's or renderer's edge ramps live), compared with the track's own loudness over the
same stretch plus 20·log10(volume): 30 % is the track 10.5 dB down. A renderer keeps its mix from clipping by
turning the whole mix down (the mock limits samples to −1 dBFS), so a volume that would pass that is expected
to come out lower by exactly as much.
"""

from __future__ import annotations

import math

import numpy as np

from . import loudness
from .asked import AskedMusic, ClipAssertions
from .reference import HOP_S, Reference
from .tolerances import TOLERANCES as TOL
from .verdict import Check, judged, not_checked

LIMIT_DBFS = -1.0  # the renderer's sample ceiling (mock_server/render/audio.py; EBU R128's −1 dBTP)


def steady(duration_s: float) -> tuple[float, float]:
    """The stretch the level is measured over: half a second in from each end (less for short clips)."""
    edge = 0.5 if duration_s >= 2.0 else max(0.0, (duration_s - 0.5) / 2)
    return edge, duration_s - edge


def expected(ref: Reference, volume: float, start: float, end: float, duration_s: float) -> float:
    gain = 20 * math.log10(volume / 100) if volume > 0 else -math.inf
    over = ref.peak_db(0.0, duration_s) + gain - LIMIT_DBFS
    return ref.loudness(start, end) + gain - max(0.0, over)


def _db(value: float) -> str:
    return "silence" if value == -math.inf else f"{value:.1f}"


def checks(
    samples: loudness.Samples | None,
    music: AskedMusic | None,
    ref: Reference | None,
    duration_s: float,
    assertions: tuple[ClipAssertions, ...],
    why_no_ref: str,
) -> tuple[list[Check], dict[str, list[float]]]:
    """The audio checks for a clip whose asked music is ``music`` (``None``: no music asked)."""
    out: list[Check] = []
    if music is None or music.volume <= 0 or samples is None or samples.shape[1] == 0:
        return out, {}  # format.audio says whether a stream is there that should not be, or is missing
    start, end = steady(duration_s)
    rate = loudness.RATE
    span = samples[:, int(start * rate) : int(end * rate)]
    level = loudness.integrated(span)
    what = f"{music.mood} mood" if music.mood else f"'{music.name}'"
    series: dict[str, list[float]] = {}
    times, curve = loudness.momentary(samples)
    series["t"] = [round(float(t), 2) for t in times]
    series["lufs"] = [round(float(v), 2) if math.isfinite(v) else -99.0 for v in curve]
    if ref is None:
        out.append(not_checked("audio.level", why_no_ref))
    else:
        want = expected(ref, music.volume, start, end, duration_s)
        out.append(
            judged(
                abs(level - want) <= TOL.loudness_lu,
                "audio.level",
                f"{_db(level)} LUFS",
                f"{_db(want)} LUFS ±{TOL.loudness_lu:g} LU ({what} at {music.volume:g}% of its own level)",
                measured=level,
                asked=want,
            )
        )
        gain = want - ref.loudness(start, end)
        reference_curve = ref.momentary(0.0, duration_s) + gain
        series["lufs_asked"] = [round(float(v), 2) if math.isfinite(v) else -99.0 for v in reference_curve]
        out.append(_fades(times, curve, reference_curve, duration_s))
    quiet = None if ref is None else ref.momentary(0.0, duration_s) + 20 * math.log10(music.volume / 100)
    out.append(_dropouts(samples, start, end, quiet))
    peak = loudness.true_peak(samples)
    ceiling = min(
        [a.max_true_peak for a in assertions if a.max_true_peak is not None], default=TOL.true_peak_dbtp
    )
    out.append(
        judged(
            peak <= ceiling,
            "audio.true_peak",
            f"{_db(peak)} dBTP",
            f"≤ {ceiling:g} dBTP",
            measured=peak,
            asked=ceiling,
        )
    )
    for a in assertions:
        if a.loudness is not None:
            out.append(
                judged(
                    abs(level - a.loudness) <= a.loudness_tolerance,
                    "expect.loudness",
                    f"{_db(level)} LUFS",
                    f"{a.loudness:g} LUFS ±{a.loudness_tolerance:g} LU ({a.step})",
                    measured=level,
                    asked=a.loudness,
                )
            )
    return out, series


def _fades(times: np.ndarray, curve: np.ndarray, reference: np.ndarray, duration_s: float) -> Check:
    """No fade was asked (a recipe has no way to ask one): the first and last second follow the track."""
    n = min(len(curve), len(reference))
    if n == 0:
        return not_checked("audio.fades", "the clip is shorter than one 400 ms block")
    gap = curve[:n] - reference[:n]
    t = times[:n]
    edges = (t <= 1.0) | (t >= duration_s - 1.0)
    worst = float(gap[edges].min()) if edges.any() else 0.0
    at = float(t[edges][int(np.argmin(gap[edges]))]) if edges.any() else 0.0
    return judged(
        worst >= -TOL.fade_db,
        "audio.fades",
        f"{-worst:.1f} dB below the track at {at:.1f} s" if worst < 0 else "no fade",
        f"no fade (none asked), within {TOL.fade_db:g} dB of the track in the first and last second",
        measured=worst,
    )


def _dropouts(samples: loudness.Samples, start: float, end: float, track: np.ndarray | None) -> Check:
    """No 50 ms stretch of near silence inside the music, where the track itself is not quiet."""
    rate = loudness.RATE
    windows = loudness.window_levels(samples[:, int(start * rate) : int(end * rate)])
    if windows.size == 0:
        return not_checked("audio.dropouts", "the music's steady part is shorter than 50 ms")
    median = float(np.median(windows))
    floor = max(TOL.dropout_floor_dbfs, median - TOL.dropout_db)
    low = windows < floor
    if track is not None and track.size:
        # A pause in the track itself is the track's: only where it plays at least 10 dB over the floor.
        at = np.minimum(((start + np.arange(windows.size) * 0.05) / HOP_S).astype(int), track.size - 1)
        low &= track[at] > floor + 10
    windows_low = np.flatnonzero(low)
    if windows_low.size == 0:
        return judged(True, "audio.dropouts", "none", f"no 50 ms window below {floor:.0f} dBFS")
    at = start + float(windows_low[0]) * 0.05
    return judged(
        False,
        "audio.dropouts",
        f"{windows_low.size} windows of 50 ms below {floor:.0f} dBFS, the first at {at:.2f} s",
        f"no 50 ms window below {floor:.0f} dBFS ({TOL.dropout_db:g} dB under the music's median)",
        at=at,
    )


__all__ = ["HOP_S", "checks", "expected", "steady"]
