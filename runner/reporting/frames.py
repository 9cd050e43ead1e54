"""Key frames of a clip for the HTML report: the first, middle and last frame as JPEGs, thumbnail and whole.

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
    jpeg: bytes  # the thumbnail
    width: int  # the thumbnail's size
    height: int
    full: bytes  # the frame at the clip's own size, to open from the thumbnail


# A thumbnail's short side: a 9:16 frame is 240×427, on which a title at the default size is still ~14 px
# tall (readable), and a defect along an edge shows.
THUMB_SHORT_SIDE = 240


def key_frames(video: Path, *, short_side: int = THUMB_SHORT_SIDE) -> list[KeyFrame]:
    """The first, middle and last frame of ``video``, each as a thumbnail (``short_side`` px) and whole.

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
    return [_picture(label, frame, short_side) for label, frame in (("first", first), ("middle", mid),
                                                                     ("last", last))]


def _picture(label: str, frame: av.VideoFrame, short_side: int) -> KeyFrame:
    image: Image.Image = frame.to_image()  # type: ignore[no-untyped-call]
    scale = short_side / max(1, min(image.width, image.height))
    size = (max(2, round(image.width * scale)), max(2, round(image.height * scale)))
    thumb = image.resize(size, Image.Resampling.LANCZOS)
    seconds = float(frame.time) if frame.time is not None else 0.0
    return KeyFrame(label, round(seconds, 3), _jpeg(thumb), size[0], size[1], _jpeg(image))


def _jpeg(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=85)
    return buffer.getvalue()
