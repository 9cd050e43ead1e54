"""The loudness meter against BS.1770's own reference points, and the moods' levels against the mock's
loops (runner/qc/moods.json is data the runner may read without importing the mock)."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from motionctl.runner.qc import loudness
from motionctl.runner.qc.reference import of_mood, of_samples
from tests.qc.moods_table import TABLE, table

RATE = loudness.RATE


def sine(freq: float, dbfs: float, seconds: float = 5.0, phase: float = 0.0) -> np.ndarray:
    t = np.arange(int(seconds * RATE)) / RATE
    return (10 ** (dbfs / 20) * np.sin(2 * np.pi * freq * t + phase)).astype(np.float32)


def test_a_997_hz_sine_reads_its_level_on_two_channels_and_3_db_less_on_one() -> None:
    s = sine(997, -20)
    assert loudness.integrated(np.vstack([s, s])) == pytest.approx(-20.0, abs=0.05)
    assert loudness.integrated(np.vstack([s, np.zeros_like(s)])) == pytest.approx(-23.01, abs=0.05)


def test_gating_ignores_silence_and_quiet_passages() -> None:
    s = sine(997, -20)
    half = s.copy()
    half[: len(s) // 2] = 0  # silence is below the absolute gate
    # (the 400 ms blocks straddling the edge are partly silent and still counted: a quarter dB down)
    assert loudness.integrated(np.vstack([half, half])) == pytest.approx(-20.0, abs=0.3)
    quiet = s.copy()
    quiet[: len(s) // 2] *= 10 ** (-30 / 20)  # 30 dB down: below the relative gate
    assert loudness.integrated(np.vstack([quiet, quiet])) == pytest.approx(-20.0, abs=0.3)
    assert loudness.integrated(np.zeros((2, RATE), np.float32)) == -math.inf


def test_true_peak_finds_the_peak_between_samples() -> None:
    # A quarter of the rate at 45°: every sample is at 0.707 of the wave's peak, which lies between them.
    s = sine(RATE / 4, 0.0, seconds=1.0, phase=math.pi / 4)
    x = np.vstack([s, s])
    assert loudness.sample_peak(x) == pytest.approx(-3.01, abs=0.05)
    assert loudness.true_peak(x) == pytest.approx(0.0, abs=0.2)


def test_the_moods_table_is_the_mocks_moods() -> None:
    assert json.loads(TABLE.read_text()) == json.loads(json.dumps(table(), separators=(",", ":")))


def test_a_reference_gives_the_loudness_of_the_stretch_the_clip_plays() -> None:
    s = sine(997, -20, seconds=3.0)
    loud = np.vstack([s, s])
    loud[:, RATE:2 * RATE] *= 10 ** (-6 / 20)  # the middle second 6 dB down
    ref = of_samples(loud, 3.0)
    assert ref.loudness(0.0, 1.0) == pytest.approx(loudness.integrated(loud[:, :RATE]), abs=0.05)
    assert ref.loudness(1.0, 2.0) == pytest.approx(-26.0, abs=0.05)
    assert ref.peak_db(0.0, 3.0) == pytest.approx(-20.0, abs=0.01)
    lofi = of_mood("lo-fi")
    assert lofi is not None and -20 < lofi.loudness(0.5, 4.5) < -12
    assert of_mood("polka") is None
