"""render_draft: a draft and its media → a finished video file, frames made and encoded in parallel."""

from __future__ import annotations

import concurrent.futures
import contextlib
import os
import queue
import threading
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .audio import mix
from .camera import CameraPath, camera_path, frame_progress
from .encode import effective_fps, encode_settings, video_writer
from .errors import RenderInputError
from .frames import BLACK_YUV, FrameBuffer, YuvPicture, warp_into, yuv_picture
from .geometry import FrameSize, frame_size
from .options import RenderOptions, RenderResult
from .source import load_picture
from .text import Overlay, blend, prepare_overlay
from .timeline import Timeline, VideoSegment, read_timeline

ProgressCallback = Callable[[float], None]

# Frames made ahead of the encoder; the ring holds these, the one being made and the one being encoded.
_QUEUE_DEPTH = 3
_RING = _QUEUE_DEPTH + 3


@dataclass(frozen=True)
class _Shot:
    """A video segment ready to draw: its frames on the output timeline and its camera."""

    first: int
    end: int  # exclusive
    move_frames: int
    picture: YuvPicture
    path: CameraPath


def render_draft(
    draft: Mapping[str, Any],
    media: Mapping[str, Path],
    out_path: Path,
    options: RenderOptions | None = None,
    progress: ProgressCallback | None = None,
) -> RenderResult:
    """Render ``draft`` to ``out_path`` following its camera motion, aspect, text and music.

    The file appears at ``out_path`` only when complete (written beside it, then renamed). Safe to call
    from several threads at once: nothing is shared between calls.

    Args:
        draft: the short-key draft (specs/draft.schema.json).
        media: each segment ``src`` (an upload's cdn_url) → a local image or audio file;
            ``mood:<name>`` audio sources need no entry.
        out_path: where the video goes.
        options: format, quality, resolution, font.
        progress: called with the fraction done (0..1), from the calling thread.

    Raises:
        RenderInputError: the draft or its media cannot be rendered (message names the segment or file).
    """
    options = options or RenderOptions()
    timeline = read_timeline(draft)
    try:
        settings = encode_settings(options.format, options.quality)
        size = frame_size(timeline.aspect, options.resolution)
    except ValueError as exc:
        raise RenderInputError(f"render options: {exc}") from None
    total = timeline.frame_count()
    # The soundtrack (synthesis, decoding) is made on a second core while the pictures load; gif has none.
    audio_segments = () if settings.container == "gif" else timeline.audio
    with concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="render-audio") as pool:
        soundtrack = pool.submit(mix, audio_segments, media, total / timeline.fps)
        shots = [_prepare_shot(seg, timeline, size, media) for seg in timeline.video]
        audio = soundtrack.result()
    overlays = [
        prepare_overlay(
            seg,
            size,
            timeline.fps,
            timeline.reference_short_side,
            options.font,
            keep_safe=options.safe_area,
            platform=timeline.platform,
        )
        for seg in timeline.text
    ]

    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    temp = out_path.with_name(f".{out_path.stem}.{uuid.uuid4().hex[:8]}.part{out_path.suffix}")
    writer = video_writer(temp, settings, (size.width, size.height), timeline.fps, total, audio)
    try:
        _run_pipeline(shots, overlays, size, total, writer.write, progress)
        writer.close()
        os.replace(temp, out_path)
    except BaseException:
        writer.abort()
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()
        raise
    return RenderResult(
        path=out_path,
        width=size.width,
        height=size.height,
        fps=effective_fps(settings, timeline.fps),
        duration_s=total / timeline.fps,
        has_audio=audio is not None,
        size_bytes=out_path.stat().st_size,
    )


def _prepare_shot(seg: VideoSegment, timeline: Timeline, size: FrameSize, media: Mapping[str, Path]) -> _Shot:
    fps = timeline.fps
    first = _frame_at(seg.start_ms, fps)
    end = _frame_at(seg.start_ms + seg.duration_ms, fps)
    move_ms = (
        seg.duration_ms if seg.motion.duration_ms is None else min(seg.motion.duration_ms, seg.duration_ms)
    )
    move_frames = max(1, _frame_at(seg.start_ms + move_ms, fps) - first)
    local = media.get(seg.src)
    if local is None:
        raise RenderInputError(f"{seg.where}.src: no local file for {seg.src!r}; add it to the media map")
    out = (size.width, size.height)
    where = f"{seg.where}.motion"

    def scale_for(original: tuple[int, int]) -> float:
        return camera_path(seg.motion, original, out, where=where).max_scale()

    picture = load_picture(Path(local), scale_for, name=seg.src)
    path = camera_path(seg.motion, picture.size, out, where=where)
    frames = yuv_picture(picture.pixels, picture.size, min_scale=path.min_scale(), max_scale=path.max_scale())
    return _Shot(first, max(end, first + 1), move_frames, frames, path)


def _frame_at(ms: int, fps: int) -> int:
    # The first frame whose time is at or after ``ms``.
    return -(-ms * fps // 1000)


class _FrameMaker:
    """Draws frame after frame; a pose that repeats (a still shot, the hold after a move) is copied, not
    warped again."""

    def __init__(self, shots: list[_Shot], overlays: list[Overlay], size: FrameSize) -> None:
        self._shots = shots
        self._overlays = overlays
        self._held = FrameBuffer.allocate(size.width, size.height)
        self._held_pose: tuple[int, bytes] | None = None

    def _pose(self, index: int) -> tuple[int, bytes] | None:
        # The latest-starting segment that covers the frame wins; uncovered frames are black (None).
        for number in range(len(self._shots) - 1, -1, -1):
            shot = self._shots[number]
            if shot.first <= index < shot.end:
                matrix = shot.path.matrix(frame_progress(index - shot.first, shot.move_frames))
                return number, matrix.tobytes()
        return None

    def draw(self, index: int, buffer: FrameBuffer) -> None:
        """Draw frame ``index`` into ``buffer``: picture, then text."""
        pose = self._pose(index)
        if pose is not None and pose == self._held_pose:
            np.copyto(buffer.data, self._held.data)
        elif pose is None:
            buffer.fill(BLACK_YUV)
        else:
            number, matrix = pose
            shot = self._shots[number]
            warp_into(shot.picture, np.frombuffer(matrix).reshape(2, 3), *buffer.planes())
            if self._pose(index + 1) == pose:
                np.copyto(self._held.data, buffer.data)
                self._held_pose = pose
        planes = buffer.planes()
        for overlay in self._overlays:
            blend(overlay, *planes, overlay.opacity(index))


def _run_pipeline(
    shots: list[_Shot],
    overlays: list[Overlay],
    size: FrameSize,
    total: int,
    write: Callable[[FrameBuffer], None],
    progress: ProgressCallback | None,
) -> None:
    # Frames are made in a worker thread (cv2 releases the GIL) while this thread encodes; the bounded
    # queue keeps at most a few frames in memory and the ring of buffers avoids allocating per frame.
    ring = [FrameBuffer.allocate(size.width, size.height) for _ in range(_RING)]
    frames: queue.Queue[FrameBuffer | BaseException | None] = queue.Queue(maxsize=_QUEUE_DEPTH)
    stop = threading.Event()
    maker = _FrameMaker(shots, overlays, size)

    def produce() -> None:
        try:
            for index in range(total):
                if stop.is_set():
                    return
                buffer = ring[index % _RING]
                maker.draw(index, buffer)
                frames.put(buffer)
            frames.put(None)
        except BaseException as exc:  # handed to the encoding thread, which re-raises it
            frames.put(exc)

    worker = threading.Thread(target=produce, name="render-frames", daemon=True)
    worker.start()
    try:
        done = 0
        while True:
            item = frames.get()
            if item is None:
                break
            if isinstance(item, BaseException):
                raise item
            write(item)
            done += 1
            if progress is not None:
                progress(done / total)
    finally:
        stop.set()
        # Unblock a producer waiting on a full queue, then wait for it to finish.
        while worker.is_alive():
            with contextlib.suppress(queue.Empty):
                frames.get(timeout=0.05)
        worker.join()
