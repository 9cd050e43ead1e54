"""Text overlays: each rasterised once to YUV + alpha, then blended into the frames it covers.

Blending a pre-made overlay costs a few multiply-adds over its box per frame; rasterising text per frame
would cost far more and could shimmer.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt
from PIL import Image, ImageDraw

from .errors import RenderInputError
from .fonts import Face, emoji_face, runs
from .frames import Plane, rgb_to_yuv_planes
from .geometry import FrameSize
from .layout import NO_ZONE, place, safe_zone
from .timeline import TextSegment
from .typeset import LINE_PITCH, Fonts, even, fit_text, padding, stroke_width

Alpha = npt.NDArray[np.float32]
Box = tuple[int, int, int, int]  # left, top, right, bottom

_BOX_RGBA = (0, 0, 0, 150)
_OUTLINE_RGB = (0, 0, 0)


@dataclass(frozen=True)
class Glyph:
    """Where one character was drawn in the frame (its ink box, px) and by which face."""

    char: str
    box: Box
    face: str


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
    face: str = ""  # the one text face of every line
    glyphs: tuple[Glyph, ...] = ()  # in frame coordinates, for checks and contact sheets

    def opacity(self, index: int) -> float:
        """How visible the overlay is on frame ``index`` (0 outside its span, fading at both ends)."""
        if not self.first <= index < self.end:
            return 0.0
        if self.fade_frames <= 0:
            return 1.0
        edge = min(index - self.first + 1, self.end - index)
        return min(1.0, edge / (self.fade_frames + 1))


def prepare_overlay(
    seg: TextSegment,
    size: FrameSize,
    fps: int,
    reference_short_side: int,
    font: Path | None,
    *,
    keep_safe: bool = True,
    platform: str | None = None,
) -> Overlay:
    """Rasterise ``seg`` for a frame of ``size`` and place it in the platform's safe zone.

    ``font`` replaces the bundled text faces (it must have the text's glyphs); ``keep_safe`` off, or the
    segment's own ``keep_safe`` off, drops the safe zone (see layout.py).

    Raises:
        RenderInputError: a character no bundled font draws, a word wider than the zone, lines that do not
            fit its height even at 8 px, or ``[x, y]`` outside the safe zone.
    """
    safe = keep_safe and seg.keep_safe
    zone = safe_zone(platform, size) if safe else NO_ZONE
    fonts, lines = fit_text(seg, size, reference_short_side, zone, font)
    rgba, glyphs = _rasterise(seg, fonts.face, fonts, lines)
    width, height = rgba.size
    x, y = place((width, height), seg.pos, zone, size, keep_safe=safe, where=seg.where)
    # Whatever lies off the frame (only [x, y] with keep_safe off, or text even 8 px cannot fit) is cut off.
    x0, y0 = max(0, -x), max(0, -y)
    x1, y1 = min(width, size.width - x), min(height, size.height - y)
    if x1 - x0 < 2 or y1 - y0 < 2:
        raise RenderInputError(f"{seg.where}.pos: the text lies entirely outside the frame; move it inside")
    rgba = rgba.crop((x0, y0, x0 + (x1 - x0) // 2 * 2, y0 + (y1 - y0) // 2 * 2))
    x, y = x + x0, y + y0
    width, height = rgba.size
    pixels = np.asarray(rgba, dtype=np.uint8)
    yp, up, vp = rgb_to_yuv_planes(np.ascontiguousarray(pixels[..., :3]))
    alpha = pixels[..., 3].astype(np.float32) / 255.0
    alpha_half = cv2.resize(alpha, (width // 2, height // 2), interpolation=cv2.INTER_AREA).astype(np.float32)
    uv = np.dstack([up, vp])
    first = -(-seg.start_ms * fps // 1000)
    end = -(-(seg.start_ms + seg.duration_ms) * fps // 1000)
    dx, dy = x - x0, y - y0
    placed = tuple(
        Glyph(g.char, (g.box[0] + dx, g.box[1] + dy, g.box[2] + dx, g.box[3] + dy), g.face) for g in glyphs
    )
    return Overlay(
        x,
        y,
        yp,
        uv,
        alpha,
        alpha_half[..., None],
        first,
        end,
        round(seg.fade_ms * fps / 1000),
        fonts.face.name,
        placed,
    )


def _rasterise(
    seg: TextSegment, face: Face, fonts: Fonts, lines: list[str]
) -> tuple[Image.Image, list[Glyph]]:
    """The lines drawn centred, cropped to their ink (plus padding), and each glyph's box."""
    px = fonts.px
    stroke, pad = stroke_width(seg, px), padding(seg, px)
    ascent, descent = fonts.text.getmetrics()
    pitch = round(px * LINE_PITCH)
    widths = [fonts.measure(line) for line in lines]
    canvas_w = int(max(widths, default=1)) + 2 * stroke + px  # room for overhangs (italic-like, emoji)
    canvas_h = pitch * (len(lines) - 1) + ascent + descent + 2 * stroke + px
    image = Image.new("RGBA", (canvas_w, canvas_h), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    colour = tuple(int(seg.color[i : i + 2], 16) for i in (1, 3, 5))
    glyphs: list[Glyph] = []
    for number, (line, line_width) in enumerate(zip(lines, widths, strict=True)):
        baseline = stroke + px // 2 + ascent + number * pitch
        x = (canvas_w - line_width) / 2
        for run in runs(line, face):
            if run.emoji:
                x = _draw_emoji(image, fonts, run.text, x, baseline, glyphs)
                continue
            for i, ch in enumerate(run.text):
                gx = x + fonts.text.getlength(run.text[:i])
                if not ch.isspace():
                    box = draw.textbbox((gx, baseline), ch, font=fonts.text, anchor="ls")
                    glyphs.append(Glyph(ch, (int(box[0]), int(box[1]), int(box[2]), int(box[3])), face.name))
            draw.text(
                (x, baseline),
                run.text,
                font=fonts.text,
                anchor="ls",
                fill=(*colour, 255),
                stroke_width=stroke,
                stroke_fill=(*_OUTLINE_RGB, 255),
            )
            x += fonts.text.getlength(run.text)
    ink = image.getchannel("A").getbbox() or (0, 0, 2, 2)
    width, height = even(ink[2] - ink[0] + 2 * pad), even(ink[3] - ink[1] + 2 * pad)
    out = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    if seg.box:
        ImageDraw.Draw(out).rounded_rectangle((0, 0, width - 1, height - 1), radius=pad, fill=_BOX_RGBA)
    out.alpha_composite(image.crop(ink), (pad, pad))
    dx, dy = pad - ink[0], pad - ink[1]
    return out, [
        Glyph(g.char, (g.box[0] + dx, g.box[1] + dy, g.box[2] + dx, g.box[3] + dy), g.face) for g in glyphs
    ]


def _draw_emoji(
    image: Image.Image, fonts: Fonts, text: str, x: float, baseline: int, glyphs: list[Glyph]
) -> float:
    """Draw the colour emoji ``text`` at ``x`` on ``baseline``; returns the x after it."""
    strike = fonts.emoji
    ascent, descent = strike.getmetrics()
    w = max(1, round(strike.getlength(text)))
    tile = Image.new("RGBA", (w, ascent + descent), (0, 0, 0, 0))
    ImageDraw.Draw(tile).text((0, ascent), text, font=strike, anchor="ls", embedded_color=True)
    s = fonts.emoji_scale
    scaled = tile.resize(
        (max(1, round(w * s)), max(1, round((ascent + descent) * s))), Image.Resampling.LANCZOS
    )
    left, top = round(x), round(baseline - ascent * s)
    image.alpha_composite(scaled, (left, top))
    ink = scaled.getchannel("A").getbbox()
    if ink:
        glyphs.append(
            Glyph(text, (left + ink[0], top + ink[1], left + ink[2], top + ink[3]), emoji_face().name)
        )
    return x + w * s


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
