"""Which bundled face draws a text: one face per text (Latin, else CJK), emoji from the emoji font.

The fonts ship in ``fonts/`` (subsets of Noto Sans, Noto Sans CJK SC and Noto Color Emoji, SIL OFL 1.1;
``fonts/make_subset.py`` makes them), so a text looks the same on every machine and no system font is
looked for. Noto Sans CJK has Latin letters of its own: a line with any CJK character in it is drawn in
that face throughout, never Latin words in one face and hanzi in another. A character no bundled face
draws is refused with a message naming it, instead of being drawn as a box or a stand-in.
"""

from __future__ import annotations

import functools
import json
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from .errors import RenderInputError

FONT_DIR = Path(__file__).resolve().parent / "fonts"

# Joiners and selectors that belong to the emoji before them (ZWJ sequences, VS16, skin tones, keycaps).
_EMOJI_COMBINING = frozenset({0x200D, 0xFE0E, 0xFE0F, 0x20E3, *range(0x1F3FB, 0x1F400)})
_VS16 = 0xFE0F


@dataclass(frozen=True)
class Face:
    """A bundled font file and the code points it draws."""

    name: str
    file: str
    coverage: frozenset[int]

    @property
    def path(self) -> Path:
        return FONT_DIR / self.file

    def draws(self, ch: str) -> bool:
        return ord(ch) in self.coverage


@functools.cache
def _coverage() -> dict[str, frozenset[int]]:
    ranges: dict[str, list[list[int]]] = json.loads((FONT_DIR / "coverage.json").read_text())
    return {
        name: frozenset(cp for low, high in spans for cp in range(low, high + 1))
        for name, spans in ranges.items()
    }


@functools.cache
def text_faces() -> tuple[Face, ...]:
    """The text faces in order of preference: Latin first, then CJK (which has Latin too)."""
    cov = _coverage()
    return (
        Face("Noto Sans Bold", "NotoSans-Bold.subset.ttf", cov["NotoSans-Bold.subset.ttf"]),
        Face("Noto Sans CJK SC Bold", "NotoSansCJKsc-Bold.subset.otf", cov["NotoSansCJKsc-Bold.subset.otf"]),
    )


@functools.cache
def emoji_face() -> Face:
    return Face("Noto Color Emoji", "NotoColorEmoji.subset.ttf", _coverage()["NotoColorEmoji.subset.ttf"])


# Noto Color Emoji is a bitmap font with one strike: FreeType loads it at this size only; it is scaled after.
EMOJI_STRIKE_PX = 109


@dataclass(frozen=True)
class Run:
    """A stretch of one line drawn with one font: text in the line's face, or emoji."""

    text: str
    emoji: bool


def _is_emoji_at(text: str, i: int, face: Face | None) -> bool:
    ch = text[i]
    if not emoji_face().draws(ch):
        return False
    followed_by_vs16 = i + 1 < len(text) and ord(text[i + 1]) == _VS16
    # ❤ or ✔ with VS16, or anything the text face lacks, is an emoji; a plain digit or © stays text.
    return followed_by_vs16 or face is None or not face.draws(ch)


def runs(line: str, face: Face) -> list[Run]:
    """``line`` cut into text and emoji runs (a joiner or selector stays with its emoji)."""
    out: list[Run] = []
    for i, ch in enumerate(line):
        emoji = _is_emoji_at(line, i, face) or (ord(ch) in _EMOJI_COMBINING and bool(out) and out[-1].emoji)
        if ord(ch) in _EMOJI_COMBINING and not emoji:
            continue  # a stray selector draws nothing
        if out and out[-1].emoji == emoji:
            out[-1] = Run(out[-1].text + ch, emoji)
        else:
            out.append(Run(ch, emoji))
    return out


def _text_chars(text: str) -> list[str]:
    """The characters of ``text`` a text face must draw: not emoji, joiners, spaces or line breaks."""
    return [
        ch
        for i, ch in enumerate(text)
        if not ch.isspace() and ord(ch) not in _EMOJI_COMBINING and not _is_emoji_at(text, i, None)
    ]


def face_for(text: str, where: str) -> Face:
    """The one face that draws every non-emoji character of ``text`` (Latin preferred).

    Raises:
        RenderInputError: some character is drawn by no bundled font; the message names it.
    """
    chars = _text_chars(text)
    for face in text_faces():
        if all(face.draws(ch) for ch in chars):
            return face
    # Emoji count as drawn only when no text face has them either (checked above as text chars).
    drawn = set().union(*(f.coverage for f in text_faces()))
    missing = list(dict.fromkeys(ch for ch in chars if ord(ch) not in drawn))
    if not missing:  # each character has a face, but no one face has them all (e.g. ő with 中)
        cjk = text_faces()[-1]
        missing = list(dict.fromkeys(ch for ch in chars if not cjk.draws(ch)))
    named = ", ".join(f"{ch!r} (U+{ord(ch):04X} {unicodedata.name(ch, 'unnamed')})" for ch in missing[:3])
    more = f" and {len(missing) - 3} more" if len(missing) > 3 else ""
    shown = text if len(text) <= 40 else text[:39] + "…"
    detail = (
        f"the renderer has no glyph for {named}{more}; it draws Latin, Chinese (GB 2312 level 1), Japanese "
        "kana and common kanji, and common emoji: rewrite the text without them"
    )
    raise RenderInputError(f"{where}.text {shown!r}: {detail}", detail=detail)
