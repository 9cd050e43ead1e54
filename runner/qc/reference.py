"""What the music should sound like in the clip: the source track's own level over time.

The asked volume is relative to the track itself, so the level check needs the track's loudness over the
same stretch of time the clip plays (a loop is played from its start, looped if the clip is longer, cut if
shorter, as specs/instructions.md's renderer does). An uploaded track is on this machine and measured
directly. The bundled mock's moods are synthesised by its renderer, which the runner does not import: their
levels are data, ``moods.json`` (tests/qc/test_qc_loudness.py checks it against the mock's loops, so it cannot
drift). The live API's mood library is not published, so a mood there has no reference and its level is
"not checked" — an ``expect: clip: loudness`` target checks it instead.
"""

from __future__ import annotations

import functools
import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from . import loudness

HOP_S = 0.1  # the reference's resolution: one value per 100 ms


@dataclass(frozen=True)
class Reference:
    """A track at 100 % volume, per 100 ms from its start: block mean squares (K-weighted, 400 ms blocks
    starting there, wrapping round the loop) and sample peaks."""

    powers: npt.NDArray[np.float64]
    peaks: npt.NDArray[np.float64]  # linear, per 100 ms
    loops: bool = True

    def _span(self, values: npt.NDArray[np.float64], start_s: float, end_s: float) -> npt.NDArray[np.float64]:
        first, last = round(start_s / HOP_S), round(end_s / HOP_S)
        index = np.arange(first, max(first, last))
        if self.loops:
            return np.asarray(values[index % len(values)])
        return np.asarray(values[index[index < len(values)]])

    def loudness(self, start_s: float, end_s: float) -> float:
        """Integrated loudness of the stretch [start, end) as played at 100 %, LUFS."""
        return loudness.gated(self._span(self.powers, start_s, end_s - 0.4 + HOP_S))

    def peak_db(self, start_s: float, end_s: float) -> float:
        span = self._span(self.peaks, start_s, end_s)
        peak = float(span.max()) if span.size else 0.0
        return 20 * math.log10(peak) if peak > 0 else -math.inf

    def momentary(self, start_s: float, end_s: float) -> npt.NDArray[np.float64]:
        """Momentary loudness per 100 ms over [start, end − 0.4], LUFS at 100 %."""
        with np.errstate(divide="ignore"):
            return np.asarray(
                -0.691
                + 10 * np.log10(np.maximum(self._span(self.powers, start_s, end_s - 0.4 + HOP_S), 1e-20))
            )


def of_samples(samples: loudness.Samples, length_s: float) -> Reference:
    """The reference of a track as the clip plays it: looped or cut to ``length_s``."""
    need = math.ceil((length_s + 0.5) * loudness.RATE)
    if samples.shape[1] == 0:
        return Reference(np.zeros(1), np.zeros(1), loops=False)
    repeats = max(1, math.ceil(need / samples.shape[1]))
    played = np.tile(samples, (1, repeats))[:, :need]
    _, powers = loudness.block_powers(played)
    hop = int(HOP_S * loudness.RATE)
    count = played.shape[1] // hop
    peaks = np.abs(played[:, : count * hop]).reshape(played.shape[0], count, hop).max(axis=(0, 2))
    return Reference(powers, peaks.astype(np.float64), loops=False)


@functools.cache
def _moods() -> dict[str, Reference]:
    data = json.loads((Path(__file__).with_name("moods.json")).read_text(encoding="utf-8"))
    return {name: Reference(np.array(m["powers"]), np.array(m["peaks"])) for name, m in data["moods"].items()}


def of_mood(name: str) -> Reference | None:
    return _moods().get(name)


def table_entry(loop: loudness.Samples) -> dict[str, list[float]]:
    """One mood's entry in moods.json, from its loop (the loop is wrapped so every block is whole)."""
    hop = int(HOP_S * loudness.RATE)
    wrapped = np.concatenate([loop, loop[:, : int(0.4 * loudness.RATE)]], axis=1)
    _, powers = loudness.block_powers(wrapped)
    count = loop.shape[1] // hop
    peaks = np.abs(loop[:, : count * hop]).reshape(loop.shape[0], count, hop).max(axis=(0, 2))
    blocks = len(range(0, loop.shape[1], hop))
    return {
        "powers": [float(f"{p:.6g}") for p in powers[:blocks]],
        "peaks": [float(f"{p:.5g}") for p in peaks],
    }
