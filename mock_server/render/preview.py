"""Contact sheets: the first, middle and last frame of a video side by side, to check a render by eye."""

from __future__ import annotations

from pathlib import Path

import av
from PIL import Image


def contact_sheet(video: Path, out_png: Path, *, height: int = 640) -> Path:
    """Write a PNG of the first, middle and last frame of ``video``, each scaled to ``height`` px.

    Only those three frames are kept: a 1080p clip's every frame as RGB would take about 6 MB each.

    Raises:
        ValueError: the video has no frames.
    """
    with av.open(str(video)) as container:
        stream = container.streams.video[0]
        # The container's count when it states one (mp4, mov), else a counting pass (webm, gif).
        total = stream.frames or sum(1 for _ in container.decode(stream))
    if not total:
        raise ValueError(f"{video}: no video frames to put on a contact sheet")
    wanted = (0, total // 2, total - 1)
    found: dict[int, av.VideoFrame] = {}
    last: av.VideoFrame | None = None
    with av.open(str(video)) as container:
        for index, frame in enumerate(container.decode(video=0)):
            last = frame
            if index in wanted:
                found[index] = frame
            if index >= total - 1:
                break
    if last is None:
        raise ValueError(f"{video}: no video frames to put on a contact sheet")
    # A stated count can exceed what decodes (edit lists): the last decoded frame stands in.
    picks = [Image.fromarray(found.get(i, last).to_ndarray(format="rgb24")) for i in wanted]
    width = round(picks[0].width * height / picks[0].height)
    gap = 8
    sheet = Image.new("RGB", (3 * width + 2 * gap, height), (255, 255, 255))
    for i, image in enumerate(picks):
        sheet.paste(image.resize((width, height), Image.Resampling.LANCZOS), (i * (width + gap), 0))
    out_png.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(out_png)
    return out_png
