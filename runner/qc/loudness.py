"""Loudness as ITU-R BS.1770-4 / EBU R128 measure it, in numpy: K-weighting, gated integrated loudness,
momentary loudness and true peak.

The K-weighting filters (a high shelf, then the RLB high-pass) are applied as their exact frequency response
on the zero-padded FFT of the signal rather than sample by sample, which needs no DSP library; the padding
leaves room for the filters' tails. True peak is the largest sample after 4× band-limited oversampling (the
standard's Annex 2 oversamples 4× too). tests/qc/test_qc_loudness.py checks the meter against the standard's
own reference points (a 997 Hz sine at −20 dBFS reads −20 LKFS on one channel, −3 dB more on two).
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

Samples = npt.NDArray[np.float32]  # (channels, n)

RATE = 48_000
# BS.1770-4 Table 1 and 2: the filters' coefficients at 48 kHz.
_SHELF = ([1.53512485958697, -2.69169618940638, 1.19839281085285], [1.0, -1.69065929318241, 0.73248077421585])
_HIGHPASS = ([1.0, -2.0, 1.0], [1.0, -1.99004745483398, 0.99007225036621])
_BLOCK_S, _HOP_S = 0.4, 0.1  # momentary loudness: 400 ms blocks, 75 % overlap
_ABSOLUTE_GATE = -70.0
_RELATIVE_GATE = -10.0
_PAD_S = 0.25  # room for the filters' tails in the FFT


def _response(coeffs: tuple[list[float], list[float]], n: int) -> npt.NDArray[np.complex128]:
    b, a = coeffs
    z = np.exp(-1j * np.pi * np.arange(n // 2 + 1) / (n // 2))
    return np.asarray(np.polyval(b[::-1], z) / np.polyval(a[::-1], z))


def k_weighted(x: Samples) -> npt.NDArray[np.float64]:
    """The signal through the K-weighting filters (same shape)."""
    n = x.shape[1]
    size = 1 << max(1, math.ceil(math.log2(n + int(_PAD_S * RATE))))
    h = _response(_SHELF, size) * _response(_HIGHPASS, size)
    spectrum = np.fft.rfft(x.astype(np.float64), n=size, axis=1)
    return np.asarray(np.fft.irfft(spectrum * h, n=size, axis=1)[:, :n])


def _power(mean_square: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    with np.errstate(divide="ignore"):
        return np.asarray(-0.691 + 10 * np.log10(np.maximum(mean_square, 1e-20)))


def block_powers(x: Samples) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """(start times in s, channel-summed mean square per 400 ms block, every 100 ms) of the K-weighted
    signal."""
    y = k_weighted(x) ** 2
    block, hop = int(_BLOCK_S * RATE), int(_HOP_S * RATE)
    if y.shape[1] < block:
        return np.zeros(0), np.zeros(0)
    csum = np.concatenate([np.zeros((y.shape[0], 1)), np.cumsum(y, axis=1)], axis=1)
    starts = np.arange(0, y.shape[1] - block + 1, hop)
    per_channel = (csum[:, starts + block] - csum[:, starts]) / block
    return starts / RATE, per_channel.sum(axis=0)


def integrated(x: Samples) -> float:
    """Gated integrated loudness, LUFS (−inf for silence or less than one block)."""
    _, z = block_powers(x)
    return gated(z)


def gated(z: npt.NDArray[np.float64]) -> float:
    loud = z[_power(z) > _ABSOLUTE_GATE]
    if loud.size == 0:
        return -math.inf
    threshold = _power(np.array([loud.mean()]))[0] + _RELATIVE_GATE
    kept = loud[_power(loud) > threshold]
    return float(_power(np.array([kept.mean()]))[0])


def momentary(x: Samples) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """(block centre times in s, momentary loudness in LUFS): the loudness curve."""
    starts, z = block_powers(x)
    return starts + _BLOCK_S / 2, _power(z)


def true_peak(x: Samples) -> float:
    """The largest absolute value after 4× oversampling, dBTP (−inf for silence)."""
    if x.size == 0:
        return -math.inf
    # Zero-padded to a power of two: no wrap-around between the ends, and the fastest FFT sizes.
    size = 1 << math.ceil(math.log2(x.shape[1] + int(0.05 * RATE)))
    spectrum = np.fft.rfft(x.astype(np.float64), n=size, axis=1)
    up = np.fft.irfft(spectrum, n=4 * size, axis=1) * 4
    peak = float(np.abs(up).max())
    return 20 * math.log10(peak) if peak > 0 else -math.inf


def sample_peak(x: Samples) -> float:
    peak = float(np.abs(x).max()) if x.size else 0.0
    return 20 * math.log10(peak) if peak > 0 else -math.inf


def window_levels(x: Samples, window_s: float = 0.05) -> npt.NDArray[np.float64]:
    """RMS level of each ``window_s`` window (the louder channel), dBFS."""
    n = int(window_s * RATE)
    count = x.shape[1] // n
    if count == 0:
        return np.zeros(0)
    blocks = x[:, : count * n].astype(np.float64).reshape(x.shape[0], count, n)
    rms = np.sqrt((blocks**2).mean(axis=2)).max(axis=0)
    with np.errstate(divide="ignore"):
        return np.asarray(20 * np.log10(np.maximum(rms, 1e-10)))
