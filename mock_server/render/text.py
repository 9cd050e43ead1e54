"""Text overlays: each rasterised once to YUV + alpha, then blended into the frames it covers.

Blending a pre-made overlay costs a few multiply-adds over its box per frame; rasterising text per frame
would cost far more and could shimmer.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt
from PIL import Image, ImageDraw, ImageFont

from ...safezones import SafeZone
from .errors import RenderInputError
from .fonts import EMOJI_STRIKE_PX, Face, Run, emoji_face, face_for, runs
from .frames import Plane, rgb_to_yuv_planes
from .geometry import FrameSize
from .layout import NO_ZONE, place, safe_zone
from .timeline import TextSegment

Alpha = npt.NDArray[np.float32]
Box = tuple[int, int, int, int]  # left, top, right, bottom

# Default size in px at a 1080 short side when the segment gives none.
DEFAULT_SIZE = 64
_BOX_RGBA = (0, 0, 0, 150)
_OUTLINE_RGB = (0, 0, 0)
_LINE_PITCH = 1.3  # baseline to baseline, of the font size
_EMOJI_SCALE = 1.0  # an emoji's em against the text's: Noto's emoji sit a little taller than capitals
_MIN_PX = 8
# A line may break before any of these (CJK has no spaces) but not before closing punctuation.
_CJK_BREAKABLE = re.compile(r"[\u2E80-\u2FFF\u3040-\u30FF\u3400-\u9FFF\uF900-\uFAFF]")
_NO_LINE_START = frozenset("、。，．！？）」』】〕》〉：；!?,.)]}ーｰ々…")


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


def load_font(font: Path, px: int) -> ImageFont.FreeTypeFont:
    """The font file at ``px``.

    Raises:
        RenderInputError: the font file cannot be read.
    """
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


def fit_text(
    seg: TextSegment,
    size: FrameSize,
    reference_short_side: int,
    zone: SafeZone,
    font: Path | None = None,
    *,
    fonts_for: Callable[[Path, int, Face], Fonts] | None = None,
) -> tuple[Fonts, list[str]]:
    """The text's face, size and lines inside ``zone``: at the asked size, or smaller until its lines fit
    the zone's height (long, wrapped, big text). Only the line breaks are worked out per size; nothing is
    drawn, so checks before a render can ask too (measure.py).

    ``fonts_for`` makes the fonts for a size (default: fresh ones); a caller that measures many texts
    may share them, with the widths they remember.

    Raises:
        RenderInputError: a character no bundled face draws, a word wider than the zone (it would be cut
            at both edges), or lines that do not fit the zone's height even at 8 px.
    """
    scale = size.short_side / reference_short_side
    px = max(_MIN_PX, round((seg.size or DEFAULT_SIZE) * scale))
    left, top, right, bottom = zone.box(size.width, size.height)
    face = face_for(seg.text, seg.where) if font is None else Face(font.name, str(font), frozenset())
    make = fonts_for or Fonts
    while True:
        fonts = make(font or face.path, px, face)
        room = right - left - 2 * _pad(seg, px)
        lines = _balanced_wrap(seg.text, fonts.measure, room)
        fits = fonts.block_height(len(lines), _pad(seg, px)) <= bottom - top
        if fits or px <= _MIN_PX:
            break
        px = max(_MIN_PX, int(px * 0.85))
    widest = max(lines, key=fonts.measure)
    if fonts.measure(widest) > room:  # one word alone: wrapping breaks every other line
        detail = _too_wide(seg, widest, fonts, right - left, zone, scale)
        raise RenderInputError(f"{seg.where}.text: {detail}", detail=detail)
    if not fits:
        where = _zone_words(zone)
        detail = f"its {len(lines)} lines do not fit the height of {where} even at 8 px; shorten it"
        raise RenderInputError(f"{seg.where}.text: {detail}", detail=detail)
    return fonts, lines


def _too_wide(
    seg: TextSegment, word: str, fonts: Fonts, zone_width: int, zone: SafeZone, scale: float
) -> str:
    """Why a word cannot be drawn whole, with the largest size (in the draft's units) at which it could."""
    # Widths grow in proportion to the size: start just above the proportional guess, then step down.
    px = min(fonts.px, int(fonts.px * zone_width / (fonts.measure(word) + 2 * _pad(seg, fonts.px))) + 2)
    while px > _MIN_PX and Fonts(fonts.file, px, fonts.face).measure(word) + 2 * _pad(seg, px) > zone_width:
        px -= 1
    shown = word if len(word) <= 40 else word[:39] + "…"
    size = round(fonts.px / scale)
    return (f"'{shown}' is {round(fonts.measure(word))} px wide at size {size}, wider "
            f"than {_zone_words(zone)} ({zone_width} px), and a single word is not wrapped; use size "
            f"{max(_MIN_PX, int(px / scale))} or less, or break it with a space")


def _zone_words(zone: SafeZone) -> str:
    return "the frame" if zone is NO_ZONE else f"the safe zone of {zone.label}"


class Fonts:
    """The line's face at ``px`` and, when needed, the emoji font at its one strike size."""

    def __init__(self, file: Path, px: int, face: Face) -> None:
        self.file = file
        self.px = px
        self.face = face
        self.text = load_font(file, px)
        self._emoji: ImageFont.FreeTypeFont | None = None
        self._widths: dict[str, float] = {}

    def measure(self, text: str) -> float:
        """The advance width of ``text`` in px (memoised: wrapping asks about the same words again)."""
        if text not in self._widths:
            self._widths[text] = sum(self.width(r) for r in runs(text, self.face))
        return self._widths[text]

    def block_height(self, lines: int, pad: int) -> int:
        """The height of ``lines`` lines of text with their outline and padding (a bound for the ink)."""
        ascent, descent = self.text.getmetrics()
        return round(self.px * _LINE_PITCH) * (lines - 1) + ascent + descent + 2 * pad

    @property
    def emoji(self) -> ImageFont.FreeTypeFont:
        if self._emoji is None:
            self._emoji = load_font(emoji_face().path, EMOJI_STRIKE_PX)
        return self._emoji

    @property
    def emoji_scale(self) -> float:
        return self.px * _EMOJI_SCALE / EMOJI_STRIKE_PX

    def width(self, run: Run) -> float:
        if run.emoji:
            return self.emoji.getlength(run.text) * self.emoji_scale
        return self.text.getlength(run.text)


def _tokens(paragraph: str, cjk_breaks: bool) -> list[str]:
    """Pieces a line may break between: words and spaces, and with ``cjk_breaks`` each CJK character
    (keeping closing punctuation with the character before it)."""
    tokens: list[str] = []
    for ch in paragraph:
        last = tokens[-1] if tokens else ""
        if last and ch in _NO_LINE_START and not last.isspace():
            tokens[-1] += ch
        elif ch.isspace():
            if last.isspace():
                tokens[-1] += ch
            else:
                tokens.append(ch)
        elif not last or last.isspace() or (cjk_breaks and _cjk_pair(last[-1], ch)):
            tokens.append(ch)
        else:
            tokens[-1] += ch
    return tokens


def _cjk_pair(before: str, ch: str) -> bool:
    return bool(_CJK_BREAKABLE.match(ch) or _CJK_BREAKABLE.match(before))


def _wrap(text: str, measure: Callable[[str], float], max_width: int) -> list[str]:
    lines: list[str] = []
    for paragraph in text.splitlines() or [text]:
        # Where the writer put spaces (Latin, or CJK phrases set apart), lines break there; a CJK phrase
        # too long for a line, or CJK written without spaces, breaks between characters.
        tokens: list[str] = []
        for word in _tokens(paragraph, cjk_breaks=not paragraph.strip().count(" ")):
            wide = measure(word) > max_width and _CJK_BREAKABLE.search(word)
            tokens.extend(_tokens(word, cjk_breaks=True) if wide else [word])
        # Widths add up token by token (kerning across a break opportunity is too small to matter here).
        line, width, space = "", 0.0, ""
        for token in tokens:
            if token.isspace():
                space = space + token if line else ""
                continue
            gap, token_width = (measure(space) if space else 0.0), measure(token)
            if line and width + gap + token_width > max_width:
                lines.append(line)
                line, width = token, token_width
            else:
                line, width = line + space + token, width + gap + token_width
            space = ""
        lines.append(line)
    return lines


def _balanced_wrap(text: str, measure: Callable[[str], float], max_width: int) -> list[str]:
    """Wrapped to as few lines as ``max_width`` allows, as evenly long as possible: a title that needs two
    lines gets two halves, not a full line and one orphaned word."""
    lines = _wrap(text, measure, max_width)
    if len(lines) == 1:
        return lines  # nothing to balance
    low, high = max_width // 3, max_width
    while high - low > 4:
        middle = (low + high) // 2
        if len(_wrap(text, measure, middle)) <= len(lines):
            high = middle
        else:
            low = middle
    return _wrap(text, measure, high)


def _stroke(seg: TextSegment, px: int) -> int:
    return 0 if seg.box else max(1, round(px / 12))


def _pad(seg: TextSegment, px: int) -> int:
    return round(px * 0.35) if seg.box else _stroke(seg, px) + 2


def _rasterise(
    seg: TextSegment, face: Face, fonts: Fonts, lines: list[str]
) -> tuple[Image.Image, list[Glyph]]:
    """The lines drawn centred, cropped to their ink (plus padding), and each glyph's box."""
    px = fonts.px
    stroke, pad = _stroke(seg, px), _pad(seg, px)
    ascent, descent = fonts.text.getmetrics()
    pitch = round(px * _LINE_PITCH)
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
    width, height = _even(ink[2] - ink[0] + 2 * pad), _even(ink[3] - ink[1] + 2 * pad)
    out = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    if seg.box:
        ImageDraw.Draw(out).rounded_rectangle((0, 0, width - 1, height - 1), radius=pad, fill=_BOX_RGBA)
    out.alpha_composite(image.crop(ink), (pad, pad))
    dx, dy = pad - ink[0], pad - ink[1]
    return out, [
        Glyph(g.char, (g.box[0] + dx, g.box[1] + dy, g.box[2] + dx, g.box[3] + dy), g.face) for g in glyphs
    ]


def measured_extent(seg: TextSegment, fonts: Fonts, lines: list[str]) -> tuple[int, int]:
    """The size ``_rasterise`` gives the block (ink plus padding, even), from each line's glyph mask alone.

    The lines are laid out as ``_rasterise`` lays them (centred, at the same sub-pixel start), so this is
    exact for text, and cheaper than drawing the block (no canvas, no glyph boxes); emoji are measured by
    the text face's stand-ins. For checks that do not render (measure.py).
    """
    stroke, pad = _stroke(seg, fonts.px), _pad(seg, fonts.px)
    pitch = round(fonts.px * _LINE_PITCH)
    widths = [fonts.measure(line) for line in lines]
    canvas_w = int(max(widths, default=1)) + 2 * stroke + fonts.px
    boxes = []
    for number, (line, line_width) in enumerate(zip(lines, widths, strict=True)):
        x = (canvas_w - line_width) / 2
        mask, (dx, dy) = fonts.text.getmask2(line, stroke_width=stroke, anchor="ls", start=(x % 1, 0))
        ink = mask.getbbox() or (0, 0, 0, 0)
        left, top = int(x) + dx, dy + number * pitch
        boxes.append((left + ink[0], top + ink[1], left + ink[2], top + ink[3]))
    width = max(box[2] for box in boxes) - min(box[0] for box in boxes)
    height = max(box[3] for box in boxes) - min(box[1] for box in boxes)
    return _even(width + 2 * pad), _even(height + 2 * pad)


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
