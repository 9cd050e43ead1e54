"""Which font draws a text: the caller's file, else Pillow's embedded one, else a system font with the glyphs.

Pillow's embedded font covers ASCII and little more, so "Café —" or Chinese text would be drawn as boxes.
When a text needs glyphs it lacks, a system font that has them all is looked for (fontconfig's ``fc-match``
when present, then well-known paths); only when none is found are readable stand-ins drawn instead. The
same text can therefore look different on machines with different fonts: ``RenderOptions.font`` pins it.
"""

from __future__ import annotations

import functools
import shutil
import subprocess
import threading
import unicodedata
from collections.abc import Iterable
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

Font = ImageFont.FreeTypeFont | ImageFont.ImageFont

# Tried after fontconfig's answers, in order: Latin/Greek/Cyrillic first, then CJK, on Debian-likes,
# macOS and Windows.
WELL_KNOWN_FONTS: tuple[Path, ...] = tuple(
    Path(p)
    for p in (
        "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf",
        "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
        "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
        "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
        "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
        "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
        "/System/Library/Fonts/PingFang.ttc",
        "/System/Library/Fonts/Supplemental/Arial Unicode.ttf",
        "C:/Windows/Fonts/msyh.ttc",
        "C:/Windows/Fonts/arial.ttf",
    )
)
_FC_CANDIDATES = 8  # fontconfig ranks coverage first; past the first few, no font has the glyphs
_PROBE_PX = 32

# Stand-ins for characters Pillow's embedded font (ASCII and a little more) has no glyph for.
_STAND_INS = {"—": "-", "–": "-", "−": "-", "€": "EUR", "£": "GBP", "•": "·", "✓": "v", "×": "x"}


class _GlyphProbe:
    """Tells which characters a font draws as its "missing glyph" box (memoised per character)."""

    def __init__(self, font: Font) -> None:
        self._font = font
        self._size = round(font.getlength("M") * 3) + 8
        self._seen: dict[str, bytes] = {}
        self._lock = threading.Lock()  # renders run in threads; a FreeType face is not safe to share
        # A noncharacter, which no font maps (private-use code points are mapped by some older CJK fonts).
        self._missing = self._ink("\uffff")

    def _ink(self, ch: str) -> bytes:
        with self._lock:
            if ch not in self._seen:
                canvas = Image.new("L", (self._size, self._size))
                ImageDraw.Draw(canvas).text((4, 0), ch, font=self._font, fill=255)
                self._seen[ch] = canvas.tobytes()
            return self._seen[ch]

    def drawable(self, ch: str) -> bool:
        return ch.isspace() or self._ink(ch) != self._missing

    def lacking(self, text: str) -> str:
        """The distinct characters of ``text`` the font cannot draw, in order of first use."""
        return "".join(dict.fromkeys(ch for ch in text if not self.drawable(ch)))


def lacking_in_default(text: str) -> str:
    """The distinct characters of ``text`` that Pillow's embedded font cannot draw."""
    return _default_probe().lacking(text)


def with_stand_ins(text: str) -> str:
    """``text`` with what the embedded font lacks replaced: accents dropped, dashes made ASCII."""
    probe = _default_probe()
    out: list[str] = []
    for ch in text:
        if probe.drawable(ch):
            out.append(ch)
            continue
        stand_in = _STAND_INS.get(ch)
        if stand_in is None:
            stand_in = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
        out.append(stand_in if stand_in and all(probe.drawable(c) for c in stand_in) else "")
    return "".join(out)


@functools.cache
def _default_probe() -> _GlyphProbe:
    return _GlyphProbe(ImageFont.load_default(_PROBE_PX))


@functools.cache
def system_font_for(chars: str) -> Path | None:
    """A system font file that draws every one of ``chars``, or None when this machine has none.

    Asks fontconfig first (it ranks fonts by coverage), then tries :data:`WELL_KNOWN_FONTS`; every
    candidate is checked glyph by glyph, since fontconfig answers with its closest font even when that
    one lacks the glyphs. Cached: a render job's overlays ask about the same characters again.
    """
    for path in dict.fromkeys([*_fontconfig_candidates(chars), *WELL_KNOWN_FONTS]):
        if path.is_file() and _covers(path, chars):
            return path
    return None


def _fontconfig_candidates(chars: str) -> Iterable[Path]:
    fc_match = shutil.which("fc-match")
    if fc_match is None:
        return []
    charset = " ".join(f"{ord(ch):x}" for ch in chars)
    try:
        found = subprocess.run(
            [fc_match, "-s", "-f", "%{file}\n", f"sans-serif:charset={charset}"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return []
    return [Path(line) for line in found.stdout.splitlines()[:_FC_CANDIDATES] if line]


def _covers(path: Path, chars: str) -> bool:
    try:
        font = ImageFont.truetype(str(path), _PROBE_PX)
    except OSError:
        return False
    return not _GlyphProbe(font).lacking(chars)
