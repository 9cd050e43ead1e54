"""Contact sheets: the first, middle and last frame of a video side by side, to check a render by eye."""

from __future__ import annotations

from pathlib import Path

import av
from PIL import Image


def contact_sheet(video: Path, out_png: Path, *, height: int = 640) -> Path:
    """Write a PNG of the first, middle and last frame of ``video``, each scaled to ``height`` px.

    Raises:
        ValueError: the video has no frames.
    """
    with av.open(str(video)) as container:
        frames = [Image.fromarray(frame.to_ndarray(format="rgb24")) for frame in container.decode(video=0)]
    if not frames:
        raise ValueError(f"{video}: no video frames to put on a contact sheet")
    picks = [frames[0], frames[len(frames) // 2], frames[-1]]
    width = round(picks[0].width * height / picks[0].height)
    gap = 8
    sheet = Image.new("RGB", (3 * width + 2 * gap, height), (255, 255, 255))
    for i, image in enumerate(picks):
        sheet.paste(
            image.convert("RGB").resize((width, height), Image.Resampling.LANCZOS), (i * (width + gap), 0)
        )
    out_png.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(out_png)
    return out_png
