"""``check_clip``: one exported clip against what its job asked, at a level (the library's entry point).

The file is probed, then decoded once (footage.py); every check reads that pass. Nothing here knows the
engine, the backend or the journal: the runner calls this from a worker thread at each export, and
``motionctl qc`` calls it on any file.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from . import audio, format, motion, ocr, picture, text
from .asked import AskedClip, AskedMotion, Readable, Unknown
from .footage import decode, decode_audio, work_scale
from .model import Path as MovePath
from .model import cover_zoom, focus_offset
from .probe import ClipUnreadable, probe
from .reference import Reference, of_mood, of_samples
from .tolerances import TOLERANCES as TOL
from .verdict import Check, Level, Options, Verdict, failed, judged, not_checked

FULL = "read at the full level: run --qc full, or qc --level full"


def check_clip(path: Path, asked: AskedClip, level: Level = "fast",
               options: Options | None = None) -> Verdict:
    """Check the clip at ``path`` against ``asked``; never raises for a bad clip (that is a failed check).

    ``off`` is the caller's to honour: the runner does not call this at all then (nothing is journaled).
    """
    options = options or Options()
    started = time.thread_time()
    try:
        info = probe(path)
    except ClipUnreadable as exc:
        return Verdict(
            level,
            (failed("format.container", f"unreadable ({exc})", asked.format),),
            cpu_s=time.thread_time() - started,
        )
    checks: list[Check] = format.container_checks(info, asked)
    series: dict[str, object] = {}
    if info.video is None:
        return Verdict(level, tuple(checks), cpu_s=time.thread_time() - started)
    v = info.video
    size = (v.width, v.height)
    fps = v.fps or float(asked.video_fps)
    frames = v.frames or max(1, round(v.duration_s * fps))
    scale = work_scale(*size)
    work = (max(2, round(size[0] * scale)), max(2, round(size[1] * scale)))
    known_motion = not isinstance(asked.motion, Unknown)
    move = asked.motion if isinstance(asked.motion, AskedMotion) else AskedMotion()
    image = _image_size(asked.image) if asked.image is not None else None
    path_model = MovePath(
        move, size, fps, frames, focus_offset(move.focus, image, size), cover_zoom(move, image, size)
    )
    aspect = asked.aspect if isinstance(asked.aspect, str) else "9:16"
    texts = asked.texts if not isinstance(asked.texts, Unknown) else ()
    wins = text.windows(texts, fps, frames, size, asked.platform, aspect)
    around_text = text.frames_needed(wins, frames)
    keep = set(motion.sample_frames(frames, path_model.end_frame())) | around_text
    readable = [r for a in asked.assertions for r in a.readable]
    colour: set[int] = set()
    if level == "full" and ocr.available():  # full-size colour frames to read
        colour = {(w.first + w.end - 1) // 2 for w in wins}
        colour |= {min(frames - 1, round(r.at_ms * fps / 1000)) for r in readable}
    footage = decode(path, keep=keep, chroma=around_text, colour=colour, audio=info.audio is not None)
    checks += format.decode_checks(footage, info, asked)

    bands = {i: text.mask_for(wins, i, work, scale) for i in keep}
    text_free = _rows_without_text(wins, size)
    image_flat = asked.image is not None and _image_flat(asked.image)
    checks.append(picture.blank(footage.tiny, text_free, image_flat))
    checks.append(picture.black(footage.tiny, fps, text_free))
    checks.append(picture.bars(footage.edges))
    checks.append(picture.corrupt_edges(footage.edges))

    # The camera first (text rows masked by where the texts should be), then the texts, which fall back on
    # the measured camera where two frames have too few points between them.
    measured = motion.measure(path_model, footage.kept, footage.scale, lambda i: bands.get(i))
    moving = known_motion and not move.still
    found = text.find(wins, footage.kept, footage.chroma, footage.scale, frames, bands, moving,
                      lambda i, j: measured.between(i, j, footage.scale))
    if known_motion:
        asked_from = _from(asked, "motion")
        motion_checks, camera = motion.checks(measured, asked_from)
        checks += motion_checks
        series["camera"] = camera
        checks.append(picture.frozen(measured.poses, path_model))
    else:
        checks += [not_checked(n, _say_words(asked.motion)) for n in ("motion", "picture.frozen")]

    if isinstance(asked.texts, Unknown):
        checks.append(not_checked("text", _say_words(asked.texts)))
    else:
        text_checks, text_boxes = text.checks(found, fps, footage.scale)
        checks += text_checks
        series["texts"] = text_boxes
        checks += _spelling(found, footage.colour, level, size)
    checks += _readable(readable, footage.colour, level, fps, frames)

    music = asked.music
    heard = footage.audio is not None and footage.audio.shape[1] > 0
    if isinstance(music, Unknown):
        checks.append(not_checked("audio", _say_words(music)))
    elif music is not None and heard:
        duration = v.duration_s
        ref, why = _reference(music, duration, options)
        audio_checks, curve = audio.checks(footage.audio, music, ref, duration, asked.assertions, why)
        checks += audio_checks
        series["loudness"] = curve
    else:
        if music is not None and info.audio is not None:
            # The stream is there but gave no samples: every audio check would be silently skipped.
            checks.append(_undecoded(footage.audio_error))
        # An assertion on the sound of a clip with no music (or no audio stream) cannot hold.
        checks += [failed("expect.loudness", "no music", f"{a.loudness:g} LUFS ({a.step})")
                   for a in asked.assertions if a.loudness is not None]
    return Verdict(level, tuple(checks), series, cpu_s=time.thread_time() - started)


def _undecoded(error: str) -> Check:
    """The audio stream that the music asked for does not decode (or decodes to nothing)."""
    measured = f"does not decode ({error})" if error else "decodes to no samples"
    return failed("audio.decodes", measured, "the audio stream decoding (music asked)")


def _from(asked: AskedClip, field: str) -> str:
    source = asked.sources.get(field)
    return f", as {source} left it" if source else ""


def _say_words(value: object) -> str:
    return value.why() if isinstance(value, Unknown) else ""


def _rows_without_text(
    wins: list[text.Window], size: tuple[int, int]
) -> Callable[[int, int], np.ndarray | None]:
    """For a frame and a picture height, the rows no text of that frame is drawn on (None: no text)."""

    def rows(index: int, height: int) -> np.ndarray | None:
        shown = [w for w in wins if w.first <= index < w.end]
        if not shown:
            return None
        keep = np.ones(height, bool)
        for w in shown:
            top, bottom = w.band
            keep[max(0, int(top / size[1] * height)) : max(0, int(bottom / size[1] * height) + 1)] = False
        return keep

    return rows


def _image_size(image: Path) -> tuple[int, int] | None:
    """The picture's size as shown (EXIF orientation applied), or None when it cannot be read."""
    from PIL import Image, ImageOps

    try:
        if image.suffix.lower() in (".heic", ".heif"):
            import pillow_heif

            pillow_heif.register_heif_opener()
        with Image.open(image) as im:
            w, h = im.size
            orientation = (
                ImageOps.exif_transpose(im, in_place=False).size if im.getexif().get(0x0112) else (w, h)
            )
            return orientation
    except (OSError, ValueError):
        return None


def _image_flat(image: Path) -> bool:
    """Whether the asked picture has no texture itself (then a flat clip is what was asked); False when it
    cannot be read, so the clip is still judged."""
    from PIL import Image

    try:
        if image.suffix.lower() in (".heic", ".heif"):
            import pillow_heif

            pillow_heif.register_heif_opener()
        with Image.open(image) as im:
            im.draft("L", (256, 256))  # a JPEG decodes at a fraction of its size: spread needs no detail
            small = im.convert("L").resize((64, 64))
    except (OSError, ValueError):
        return False
    return picture.spread(np.asarray(small)) <= TOL.blank_spread


def _reference(music: object, duration: float, options: Options) -> tuple[Reference | None, str]:
    from .asked import AskedMusic

    assert isinstance(music, AskedMusic)
    if music.mood is not None:
        ref = of_mood(music.mood) if options.moods else None
        why = (
            "the live API publishes no loudness for its moods; assert one with expect: clip: loudness"
            if not options.moods
            else f"no level known for the mood '{music.mood}'"
        )
        return ref, why
    if music.file is None:
        return None, f"the track '{music.name}' is not on this machine"
    try:
        samples = decode_audio(music.file)
    except Exception as exc:
        return None, f"the track {music.file.name} does not decode ({str(exc)[:80]})"
    if samples is None:
        return None, f"the track {music.file.name} has no audio stream"
    return of_samples(samples, duration), ""


def _spelling(
    found: list[text.Found], colour: dict[int, np.ndarray], level: Level, size: tuple[int, int]
) -> list[Check]:
    if level != "full" or not ocr.available():
        why = (
            FULL
            if ocr.available()
            else f"reading needs the OCR extra: {ocr.INSTALL}" + ("" if level == "full" else f"; then {FULL}")
        )
        return [not_checked("text.spelling", why)] if found else []
    out = []
    for f in found:
        win = f.window
        wanted = ocr.normalised(win.text.content)
        subject = f"'{win.text.content}'"
        if not wanted:
            out.append(not_checked("text.spelling", "nothing to read (emoji and symbols only)", subject))
            continue
        frame = colour.get((win.first + win.end - 1) // 2)
        if frame is None:
            continue
        box = f.box or (0.0, *win.band[:1], float(size[0]), win.band[1])
        x0, y0, x1, y1 = text.crop_box(box, size, margin=max(12.0, win.px * 0.5))
        got, score = ocr.read(frame[y0:y1, x0:x1])
        gap = ocr.distance(ocr.normalised(got), wanted)
        out.append(
            judged(
                gap <= len(wanted) // TOL.ocr_slip_every and bool(got),
                "text.spelling",
                f"reads '{got}' (confidence {score:.2f})",
                f"'{win.text.content}'",
                subject,
                read=got,
                distance=gap,
            )
        )
    return out


def _readable(
    readable: list[Readable], colour: dict[int, np.ndarray], level: Level, fps: float, frames: int
) -> list[Check]:
    out = []
    for r in readable:
        subject = f"'{r.text}' at {r.at_ms / 1000:g} s"
        if level != "full" or not ocr.available():
            why = FULL if ocr.available() else f"reading needs the OCR extra: {ocr.INSTALL}; then {FULL}"
            out.append(not_checked("expect.readable", why, subject))
            continue
        frame = colour.get(min(frames - 1, round(r.at_ms * fps / 1000)))
        got = ocr.read(frame)[0] if frame is not None else ""
        wanted = ocr.normalised(r.text)
        # Anywhere in the frame, among whatever else it shows.
        out.append(judged(bool(wanted) and wanted in ocr.normalised(got), "expect.readable", f"reads '{got}'",
                          f"'{r.text}' in the frame", subject))
    return out
