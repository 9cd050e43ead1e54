"""Key frames of a clip for the HTML report: the first, middle and last frame as small JPEGs.

Decoded here with PyAV rather than through the mock's contact-sheet helper, because the runner must not
depend on the mock (data flows forward: the mock knows no runner, the runner needs no mock to report on a
live run). One decoding pass; only the three chosen frames are ever converted to pictures.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import av
from PIL import Image


@dataclass(frozen=True)
class KeyFrame:
    label: str  # first, middle, last
    time_s: float
    jpeg: bytes
    width: int
    height: int


def key_frames(video: Path, *, height: int = 180) -> list[KeyFrame]:
    """The first, middle and last frame of ``video``, each scaled to ``height`` pixels high.

    Raises:
        ValueError: the file does not decode or has no video frames.
    """
    try:
        with av.open(str(video)) as container:
            if not container.streams.video:
                raise ValueError(f"{video}: no video stream")
            stream = container.streams.video[0]
            total = stream.frames  # the container's count (mp4 states one); 0 if unknown
            middle = total // 2 if total else None
            first: av.VideoFrame | None = None
            mid: av.VideoFrame | None = None
            last: av.VideoFrame | None = None
            for count, frame in enumerate(container.decode(stream)):
                if first is None:
                    first = frame
                if middle is not None and count == middle:
                    mid = frame
                last = frame
    except av.error.FFmpegError as exc:
        raise ValueError(f"{video}: does not decode ({exc})") from exc
    if first is None or last is None:
        raise ValueError(f"{video}: no video frames")
    if mid is None:
        mid = last  # no stated count: the middle is unknown in one pass, the last frame stands in
    return [_picture(label, frame, height) for label, frame in (("first", first), ("middle", mid),
                                                                 ("last", last))]


def _picture(label: str, frame: av.VideoFrame, height: int) -> KeyFrame:
    width = max(2, round(frame.width * height / max(frame.height, 1)))
    image: Image.Image = frame.to_image().resize(  # type: ignore[no-untyped-call]
        (width, height), Image.Resampling.BILINEAR)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=80)
    seconds = float(frame.time) if frame.time is not None else 0.0
    return KeyFrame(label, round(seconds, 3), buffer.getvalue(), width, height)
