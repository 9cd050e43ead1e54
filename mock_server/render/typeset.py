"""Typesetting a text: its face, size and lines inside a zone, and the size of the block they make.

Measured with the fonts, drawn nowhere: the renderer rasterises what this lays out (text.py), and checks
before any render ask the same questions (measure.py) without loading the frame machinery (NumPy, OpenCV).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from PIL import ImageFont

from ...safezones import SafeZone
from .errors import RenderInputError
from .fonts import EMOJI_STRIKE_PX, Face, Run, emoji_face, face_for, runs
from .geometry import FrameSize
from .layout import NO_ZONE
from .timeline import TextSegment

# Default size in px at a 1080 short side when the segment gives none.
DEFAULT_SIZE = 64
LINE_PITCH = 1.3  # baseline to baseline, of the font size
_EMOJI_SCALE = 1.0  # an emoji's em against the text's: Noto's emoji sit a little taller than capitals
_MIN_PX = 8
# A line may break before any of these (CJK has no spaces) but not before closing punctuation.
_CJK_BREAKABLE = re.compile(r"[\u2E80-\u2FFF\u3040-\u30FF\u3400-\u9FFF\uF900-\uFAFF]")
_NO_LINE_START = frozenset("、。，．！？）」』】〕》〉：；!?,.)]}ーｰ々…")


def load_font(font: Path, px: int) -> ImageFont.FreeTypeFont:
    """The font file at ``px``.

    Raises:
        RenderInputError: the font file cannot be read.
    """
    try:
        return ImageFont.truetype(str(font), px)
    except OSError as exc:
        raise RenderInputError(f"font {font}: not a readable TrueType/OpenType file ({exc})") from None


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
        room = right - left - 2 * padding(seg, px)
        lines = _balanced_wrap(seg.text, fonts.measure, room)
        fits = fonts.block_height(len(lines), padding(seg, px)) <= bottom - top
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
    def wider(px: int) -> bool:
        return Fonts(fonts.file, px, fonts.face).measure(word) + 2 * padding(seg, px) > zone_width

    px = min(fonts.px, int(fonts.px * zone_width / (fonts.measure(word) + 2 * padding(seg, fonts.px))) + 2)
    while px > _MIN_PX and wider(px):
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
        return round(self.px * LINE_PITCH) * (lines - 1) + ascent + descent + 2 * pad

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


def stroke_width(seg: TextSegment, px: int) -> int:
    """The outline around each glyph, px (none on a boxed text)."""
    return 0 if seg.box else max(1, round(px / 12))


def padding(seg: TextSegment, px: int) -> int:
    """The room around the ink: the box's margin, or the outline plus two pixels."""
    return round(px * 0.35) if seg.box else stroke_width(seg, px) + 2


def measured_extent(seg: TextSegment, fonts: Fonts, lines: list[str]) -> tuple[int, int]:
    """The size text.py's rasteriser gives the block (ink plus padding, even), from each line's glyph mask
    alone.

    The lines are laid out as the rasteriser lays them (centred, at the same sub-pixel start), so this is
    exact for text, and cheaper than drawing the block (no canvas, no glyph boxes); emoji are measured by
    the text face's stand-ins. For checks that do not render (measure.py).
    """
    stroke, pad = stroke_width(seg, fonts.px), padding(seg, fonts.px)
    pitch = round(fonts.px * LINE_PITCH)
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
    return even(width + 2 * pad), even(height + 2 * pad)


def even(value: float) -> int:
    """The even size at least ``value`` (and at least 2): chroma planes are half size."""
    return max(2, 2 * ((int(value) + 1) // 2))
