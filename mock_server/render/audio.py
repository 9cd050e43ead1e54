"""Music: bundled moods synthesised deterministically, uploaded files decoded with PyAV, mixed to the clip.

Level targets: each mood is made at −18 dBFS RMS (at 100 % volume) with peaks at or below −1 dBFS, and the
final mix is scaled down as a whole if any sample would pass −1 dBFS, so nothing ever clips.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np
import numpy.typing as npt

from .encode import AUDIO_RATE, Audio
from .errors import RenderInputError, check_media_file
from .timeline import AudioSegment

MOODS = ("lo-fi", "upbeat", "calm", "cinematic")
TARGET_RMS_DBFS = -18.0
PEAK_CEILING_DBFS = -1.0
_EDGE_FADE_S = 0.02  # a segment starting or stopping mid-waveform would click

Mono = npt.NDArray[np.float64]


def _db(value: float) -> float:
    return 10 ** (value / 20)


def _midi(note: int) -> float:
    return 440.0 * 2 ** ((note - 69) / 12)


def _envelope(n: int, attack: float, release: float) -> Mono:
    t = np.arange(n) / AUDIO_RATE
    rise = np.clip(t / max(attack, 1e-4), 0, 1)
    fall = np.clip((n / AUDIO_RATE - t) / max(release, 1e-4), 0, 1)
    return rise * fall


def _tone(freq: float, n: int, harmonics: tuple[float, ...], detune: float = 0.0) -> Mono:
    t = np.arange(n) / AUDIO_RATE
    out = np.zeros(n)
    for k, amp in enumerate(harmonics, start=1):
        out += amp * np.sin(2 * np.pi * freq * k * t)
        if detune:
            out += amp * np.sin(2 * np.pi * freq * k * (1 + detune) * t + 1.3 * k)
    return out


def _kick(n: int) -> Mono:
    t = np.arange(n) / AUDIO_RATE
    freq = 45 + 80 * np.exp(-t * 30)
    phase = 2 * np.pi * np.cumsum(freq) / AUDIO_RATE
    return np.sin(phase) * np.exp(-t * 9)


def _noise_hit(rng: np.random.Generator, n: int, decay: float, bright: bool) -> Mono:
    noise = rng.standard_normal(n)
    if bright:  # a first difference tilts the noise towards the highs (hi-hat)
        noise = np.diff(noise, prepend=0.0)
    t = np.arange(n) / AUDIO_RATE
    return noise * np.exp(-t / decay)


def _place(track: Mono, sound: Mono, at_s: float, gain: float) -> None:
    start = round(at_s * AUDIO_RATE)
    if start >= track.size:
        return
    stop = min(track.size, start + sound.size)
    track[start:stop] += gain * sound[: stop - start]


@dataclass(frozen=True)
class _Mood:
    """A mood's recipe: tempo, chord progression (MIDI notes, one chord per bar), drums, pad timbre."""

    bpm: float
    chords: tuple[tuple[int, ...], ...]
    drums: str | None  # "four" (four on the floor), "lofi" (swung kick/snare), "boom" (slow hits)
    harmonics: tuple[float, ...]
    swing: float = 0.0
    slow_attack: bool = False


_MOODS = {
    "lo-fi": _Mood(78, ((57, 60, 64, 67), (53, 57, 60, 64), (55, 59, 62, 65), (52, 55, 59, 62)), "lofi",
                   (1.0, 0.3, 0.12), swing=0.08),
    "upbeat": _Mood(118, ((60, 64, 67), (67, 71, 74), (69, 72, 76), (65, 69, 72)), "four",
                    (1.0, 0.5, 0.25, 0.12)),
    "calm": _Mood(60, ((60, 64, 67, 71), (57, 60, 64, 67), (65, 69, 72, 76), (62, 65, 69, 72)), None,
                  (1.0, 0.15), slow_attack=True),
    "cinematic": _Mood(64, ((45, 52, 57, 60), (41, 48, 53, 57), (48, 55, 60, 64), (43, 50, 55, 59)), "boom",
                       (1.0, 0.4, 0.2, 0.1)),
}  # fmt: skip
_BEATS_PER_CHORD = 4


def mood_loop(name: str) -> Audio:
    """One loop of a bundled mood (stereo float32 at 48 kHz), the same bytes on every call (read-only).

    Raises:
        RenderInputError: an unknown mood.
    """
    if name not in _MOODS:
        raise RenderInputError(f"music mood:{name}: unknown mood; use one of {', '.join(MOODS)}")
    return _mood_loop(name)


# A cache of four immutable arrays (a few MB): the synthesis takes up to half a second and every render
# with the same mood gets the same bytes. Read-only arrays and lru_cache's own lock keep it thread-safe.
@functools.lru_cache(maxsize=len(_MOODS))
def _mood_loop(name: str) -> Audio:
    mood = _MOODS[name]
    rng = np.random.default_rng(sum(map(ord, name)))  # deterministic per mood
    beat = 60.0 / mood.bpm
    chords = mood.chords
    beats_per_chord = _BEATS_PER_CHORD
    harmonics = mood.harmonics
    chord_s = beat * beats_per_chord
    total = round(chord_s * len(chords) * AUDIO_RATE)
    # Sounds ring past the loop's end into this tail, which is then folded onto the start: seamless loops.
    tail = round(2.0 * AUDIO_RATE)
    left, right = np.zeros(total + tail), np.zeros(total + tail)
    chord_n = round(chord_s * AUDIO_RATE)
    overlap = round(0.25 * AUDIO_RATE)
    for i, chord in enumerate(chords):
        n = chord_n + overlap
        env = _envelope(
            n, attack=0.6 if mood.slow_attack else 0.08, release=0.9 if mood.slow_attack else 0.35
        )
        for j, note in enumerate(chord):
            voice = _tone(_midi(note), n, harmonics, detune=0.003) * env
            pan = 0.35 + 0.3 * (j / max(1, len(chord) - 1))  # spread the chord across the stereo field
            _place(left, voice, i * chord_s, 1 - pan)
            _place(right, voice, i * chord_s, pan)
        bass = _tone(_midi(chord[0] - 12), n, (1.0, 0.25)) * env
        _place(left, bass, i * chord_s, 0.9)
        _place(right, bass, i * chord_s, 0.9)
    drums = mood.drums
    beats = beats_per_chord * len(chords)
    swing = mood.swing
    kick = _kick(round(0.4 * AUDIO_RATE))
    for b in range(beats):
        at = b * beat
        if drums == "four":
            for track in (left, right):
                _place(track, kick, at, 2.2)
            hat = _noise_hit(rng, round(0.05 * AUDIO_RATE), 0.012, bright=True)
            _place(left, hat, at + beat / 2, 0.25)
            _place(right, hat, at + beat / 2, 0.35)
            if b % 2 == 1:
                clap = _noise_hit(rng, round(0.2 * AUDIO_RATE), 0.05, bright=False)
                _place(left, clap, at, 0.5)
                _place(right, clap, at, 0.5)
        elif drums == "lofi":
            if b % 2 == 0:
                for track in (left, right):
                    _place(track, kick, at, 1.8)
            else:
                snare = _noise_hit(rng, round(0.25 * AUDIO_RATE), 0.06, bright=False)
                _place(left, snare, at, 0.45)
                _place(right, snare, at, 0.45)
            for half in (0.0, 0.5 + swing):
                hat = _noise_hit(rng, round(0.04 * AUDIO_RATE), 0.01, bright=True)
                _place(left, hat, at + half * beat, 0.15)
                _place(right, hat, at + half * beat, 0.12)
        elif drums == "boom" and b % 8 == 0:
            boom = _kick(round(1.5 * AUDIO_RATE)) * np.exp(-np.arange(round(1.5 * AUDIO_RATE)) / AUDIO_RATE)
            for track in (left, right):
                _place(track, boom, at, 2.5)
    if drums == "lofi":  # vinyl hiss, quiet
        hiss = rng.standard_normal(total + tail) * 0.01
        left += hiss
        right += np.roll(hiss, 977)
    stereo = np.vstack([left, right])
    stereo[:, :tail] += stereo[:, total:]
    stereo = stereo[:, :total]
    loop = _normalise(stereo).astype(np.float32)
    loop.flags.writeable = False
    return loop


def _normalise(stereo: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    rms = float(np.sqrt(np.mean(stereo**2)))
    if rms == 0.0:
        return stereo
    gain = _db(TARGET_RMS_DBFS) / rms
    peak = float(np.abs(stereo).max()) * gain
    if peak > _db(PEAK_CEILING_DBFS):
        gain *= _db(PEAK_CEILING_DBFS) / peak
    return stereo * gain


def decode_audio_file(path: Path, *, name: str = "") -> Audio:
    """Decode an mp3/wav/m4a/aac (anything FFmpeg reads) to stereo float32 at 48 kHz.

    Raises:
        RenderInputError: missing, too large, or without a decodable audio stream.
    """
    label = name or path.name
    check_media_file(path, f"music {label}")
    chunks: list[npt.NDArray[np.float32]] = []
    try:
        with av.open(str(path)) as container:
            if not container.streams.audio:
                raise RenderInputError(f"music {label}: the file has no audio stream; upload an mp3/wav/m4a")
            # Mono is duplicated to both channels at full level (FFmpeg's upmix would lower it by 3 dB);
            # anything wider is mixed down to stereo.
            mono = container.streams.audio[0].codec_context.channels == 1
            resampler = av.AudioResampler(format="fltp", layout="mono" if mono else "stereo", rate=AUDIO_RATE)
            for frame in container.decode(audio=0):
                for out in resampler.resample(frame):
                    chunks.append(out.to_ndarray().astype(np.float32))
            for out in resampler.resample(None):
                chunks.append(out.to_ndarray().astype(np.float32))
    except av.FFmpegError as exc:
        raise RenderInputError(f"music {label}: not a decodable audio file ({exc}); re-export it") from None
    if not chunks:
        raise RenderInputError(f"music {label}: the audio stream is empty")
    audio = np.concatenate(chunks, axis=1)
    if audio.shape[0] == 1:
        audio = np.repeat(audio, 2, axis=0)
    return np.ascontiguousarray(audio)


def _fit(source: Audio, samples: int) -> Audio:
    # Loop a short source, trim a long one.
    if source.shape[1] >= samples:
        return source[:, :samples]
    repeats = math.ceil(samples / source.shape[1])
    return np.tile(source, (1, repeats))[:, :samples]


def mix(segments: tuple[AudioSegment, ...], media: Mapping[str, Path], duration_s: float) -> Audio | None:
    """The clip's soundtrack: every audio segment fitted, faded and summed; None when there is none.

    Raises:
        RenderInputError: a missing file, an unknown mood, an undecodable file.
    """
    if not segments:
        return None
    total = round(duration_s * AUDIO_RATE)
    out = np.zeros((2, total), dtype=np.float32)
    for seg in segments:
        start = round(seg.start_ms * AUDIO_RATE / 1000)
        end = min(total, round((seg.start_ms + seg.duration_ms) * AUDIO_RATE / 1000))
        if end <= start or seg.volume == 0:
            continue
        source = _source(seg, media)
        part = _fit(source, end - start) * np.float32(seg.volume)
        gain = np.ones(end - start, dtype=np.float32)
        fade_in = min(
            end - start, max(round(_EDGE_FADE_S * AUDIO_RATE), round(seg.fade_in_ms * AUDIO_RATE / 1000))
        )
        gain[:fade_in] = np.linspace(0, 1, fade_in, endpoint=False, dtype=np.float32)
        fade_out = min(
            end - start, max(round(_EDGE_FADE_S * AUDIO_RATE), round(seg.fade_out_ms * AUDIO_RATE / 1000))
        )
        if fade_out > 0:
            gain[end - start - fade_out :] *= np.linspace(1, 0, fade_out, dtype=np.float32)
        out[:, start:end] += part * gain
    peak = float(np.abs(out).max(initial=0.0))
    if peak > _db(PEAK_CEILING_DBFS):
        out *= np.float32(_db(PEAK_CEILING_DBFS) / peak)
    return out


def _source(seg: AudioSegment, media: Mapping[str, Path]) -> Audio:
    if seg.src.startswith("mood:"):
        return mood_loop(seg.src.removeprefix("mood:"))
    local = media.get(seg.src)
    if local is None:
        raise RenderInputError(f"{seg.where}.src: no local file for {seg.src!r}; add it to the media map")
    return decode_audio_file(Path(local), name=seg.src)
