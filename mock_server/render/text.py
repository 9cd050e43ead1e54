"""Text overlays: each rasterised once to YUV + alpha, then blended into the frames it covers.

Blending a pre-made overlay costs a few multiply-adds over its box per frame; rasterising text per frame
would cost far more and could shimmer.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt
from PIL import Image, ImageDraw, ImageFont

from .errors import RenderInputError
from .fonts import Font, lacking_in_default, system_font_for, with_stand_ins
from .frames import Plane, rgb_to_yuv_planes
from .geometry import FrameSize
from .timeline import TextSegment

Alpha = npt.NDArray[np.float32]
log = logging.getLogger(__name__)

# Default size in px at a 1080 short side when the segment gives none.
DEFAULT_SIZE = 64
_BOX_RGBA = (0, 0, 0, 150)
_OUTLINE_RGB = (0, 0, 0)
_LINE_SPACING = 0.25  # of the font size
_MIN_PX = 8


@dataclass(frozen=True)
class SafeArea:
    """Margins (fractions of the frame) that platform UI covers: text stays inside the rest."""

    top: float
    bottom: float
    left: float
    right: float

    def box(self, size: FrameSize) -> tuple[int, int, int, int]:
        """(left, top, right, bottom) in output pixels."""
        return (
            round(size.width * self.left),
            round(size.height * self.top),
            round(size.width * (1 - self.right)),
            round(size.height * (1 - self.bottom)),
        )


def safe_area(size: FrameSize, enabled: bool = True) -> SafeArea:
    """The safe area for a frame: 9:16 keeps clear of the top 14 % and the bottom 35 % (captions, buttons)."""
    if not enabled:
        return SafeArea(0.02, 0.02, 0.02, 0.02)
    if size.height > size.width * 1.5:  # vertical video (9:16): Reels, TikTok, Shorts
        return SafeArea(top=0.14, bottom=0.35, left=0.06, right=0.12)
    return SafeArea(top=0.05, bottom=0.08, left=0.05, right=0.05)


@dataclass(frozen=True)
class Overlay:
    """A rasterised text segment: where it sits, its planes and alpha, and when it shows."""

    left: int  # even, so the chroma planes line up
    top: int  # even
    y: Plane
    uv: Plane  # interleaved, half resolution (NV12 like the frames)
    alpha: Alpha  # full resolution, 0..1
    alpha_half: Alpha  # chroma resolution, with a trailing axis to weigh U and V alike
    first: int  # first frame shown
    end: int  # first frame no longer shown
    fade_frames: int

    def opacity(self, index: int) -> float:
        """How visible the overlay is on frame ``index`` (0 outside its span, fading at both ends)."""
        if not self.first <= index < self.end:
            return 0.0
        if self.fade_frames <= 0:
            return 1.0
        edge = min(index - self.first + 1, self.end - index)
        return min(1.0, edge / (self.fade_frames + 1))


def load_font(font: Path | None, px: int) -> Font:
    """The font at ``px``: the given file, else Pillow's embedded FreeType font (no system fonts needed).

    Raises:
        RenderInputError: the font file cannot be read.
    """
    if font is None:
        return ImageFont.load_default(px)
    try:
        return ImageFont.truetype(str(font), px)
    except OSError as exc:
        raise RenderInputError(f"font {font}: not a readable TrueType/OpenType file ({exc})") from None


def prepare_overlay(
    seg: TextSegment,
    size: FrameSize,
    fps: int,
    reference_short_side: int,
    font: Path | None,
    *,
    keep_safe: bool = True,
) -> Overlay:
    """Rasterise ``seg`` for a frame of ``size`` and place it (inside the safe area unless told not to)."""
    scale = size.short_side / reference_short_side
    px = max(_MIN_PX, round((seg.size or DEFAULT_SIZE) * scale))
    area = safe_area(size, keep_safe)
    left, top, right, bottom = area.box(size)
    font, content = _font_and_content(seg, font)
    # Text too tall for the box (long, wrapped, big) is set smaller until it fits, down to 8 px.
    while True:
        face = load_font(font, px)
        rgba = _rasterise(content, seg, face, px, max_width=right - left)
        if rgba.height <= bottom - top or px <= _MIN_PX:
            break
        px = max(_MIN_PX, int(px * 0.85))
    if rgba.width > size.width or rgba.height > size.height:  # even 8 px does not fit: keep the middle
        crop_w, crop_h = min(rgba.width, size.width), min(rgba.height, size.height)
        x0, y0 = (rgba.width - crop_w) // 2 // 2 * 2, (rgba.height - crop_h) // 2 // 2 * 2
        rgba = rgba.crop((x0, y0, x0 + crop_w, y0 + crop_h))
    width, height = rgba.size
    # The block never leaves the safe box; if it is taller/wider than the box, it is centred on it.
    if isinstance(seg.pos, tuple):
        cx, cy = seg.pos[0] * size.width, seg.pos[1] * size.height
    else:
        cx = size.width / 2  # centred on the frame, nudged inside the safe box only if it must be
        cy = {"top": top + height / 2, "center": size.height / 2, "bottom": bottom - height / 2}[seg.pos]
    x = _clamp(cx - width / 2, left, right - width)
    y = _clamp(cy - height / 2, top, bottom - height)
    x, y = (
        max(0, min(size.width - width, 2 * round(x / 2))),
        max(0, min(size.height - height, 2 * round(y / 2))),
    )
    pixels = np.asarray(rgba, dtype=np.uint8)
    yp, up, vp = rgb_to_yuv_planes(np.ascontiguousarray(pixels[..., :3]))
    alpha = pixels[..., 3].astype(np.float32) / 255.0
    alpha_half = cv2.resize(alpha, (width // 2, height // 2), interpolation=cv2.INTER_AREA).astype(np.float32)
    uv = np.dstack([up, vp])
    first = -(-seg.start_ms * fps // 1000)
    end = -(-(seg.start_ms + seg.duration_ms) * fps // 1000)
    return Overlay(x, y, yp, uv, alpha, alpha_half[..., None], first, end, round(seg.fade_ms * fps / 1000))


def _font_and_content(seg: TextSegment, font: Path | None) -> tuple[Path | None, str]:
    """The font file to draw ``seg`` with (None: the embedded one) and the text to draw.

    A given font wins. Text the embedded font can draw keeps it; other text gets a system font that has
    every glyph, else readable stand-ins and a warning saying how to get the real glyphs.
    """
    if font is not None:
        return font, seg.text
    lacking = lacking_in_default(seg.text)
    if not lacking:
        return None, seg.text
    system = system_font_for(lacking)
    if system is not None:
        return system, seg.text
    log.warning(
        "%s.text: no font on this machine draws %r; drawn with stand-ins; install a font with these "
        "glyphs (e.g. fonts-noto-cjk for Chinese) or set RenderOptions.font",
        seg.where,
        lacking,
    )
    return None, with_stand_ins(seg.text)


def _clamp(value: float, low: float, high: float) -> float:
    if high < low:
        return (low + high) / 2
    return min(max(value, low), high)


def _wrap(text: str, font: Font, max_width: int) -> list[str]:
    lines: list[str] = []
    for paragraph in text.splitlines() or [text]:
        words = paragraph.split(" ")
        line = ""
        for word in words:
            candidate = f"{line} {word}" if line else word
            if not line or font.getlength(candidate) <= max_width:
                line = candidate
            else:
                lines.append(line)
                line = word
        lines.append(line)
    return lines


def _rasterise(content: str, seg: TextSegment, font: Font, px: int, max_width: int) -> Image.Image:
    stroke = 0 if seg.box else max(1, px // 14)
    pad = round(px * 0.35) if seg.box else stroke
    lines = _wrap(content, font, max_width - 2 * pad)
    text = "\n".join(lines)
    spacing = round(px * _LINE_SPACING)
    probe = ImageDraw.Draw(Image.new("RGBA", (1, 1)))
    x0, y0, x1, y1 = probe.multiline_textbbox(
        (0, 0), text, font=font, spacing=spacing, align="center", stroke_width=stroke
    )
    width = _even(x1 - x0 + 2 * pad)
    height = _even(y1 - y0 + 2 * pad)
    image = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    if seg.box:
        draw.rounded_rectangle((0, 0, width - 1, height - 1), radius=pad, fill=_BOX_RGBA)
    colour = tuple(int(seg.color[i : i + 2], 16) for i in (1, 3, 5))
    draw.multiline_text(
        (pad - x0, pad - y0),
        text,
        font=font,
        fill=(*colour, 255),
        spacing=spacing,
        align="center",
        stroke_width=stroke,
        stroke_fill=(*_OUTLINE_RGB, 255),
    )
    return image


def _even(value: float) -> int:
    return max(2, 2 * ((int(value) + 1) // 2))


def blend(overlay: Overlay, y: Plane, uv: Plane, opacity: float) -> None:
    """Alpha-blend ``overlay`` into the frame's Y and UV planes in place, at ``opacity`` (0..1)."""
    if opacity <= 0.0:
        return
    top, left = overlay.top, overlay.left
    for target, source, alpha, row, col in (
        (y, overlay.y, overlay.alpha, top, left),
        (uv, overlay.uv, overlay.alpha_half, top // 2, left // 2),
    ):
        h, w = source.shape[:2]
        region = target[row : row + h, col : col + w]
        weight = alpha * opacity if opacity < 1.0 else alpha
        mixed = region + (source.astype(np.float32) - region) * weight
        region[...] = np.rint(mixed).astype(np.uint8)
