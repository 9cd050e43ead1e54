"""Make the bundled font subsets from Debian's Noto packages (a dev-time tool; not shipped, not imported).

    apt-get install -y fonts-noto-core fonts-noto-cjk fonts-noto-color-emoji
    pip install fonttools
    python mock_server/render/fonts/make_subset.py

Writes, beside this file:

- ``NotoSans-Bold.subset.ttf``: Latin (ASCII, Latin-1, Latin Extended-A, general punctuation, currency).
- ``NotoSansCJKsc-Bold.subset.otf``: the Simplified Chinese face of Noto Sans CJK with GB 2312 level 1
  (the 3,755 most common hanzi), JIS X 0208 level 1 kanji (the 2,965 common Japanese ones), kana, CJK and
  full-width punctuation, and its own Latin, so a line with any CJK in it is drawn in this one face.
- ``NotoColorEmoji.subset.ttf``: the Emoticons block and a list of emoji common in product videos.
- ``coverage.json``: the characters each file draws, as code point ranges (the renderer reads it to pick
  one face per text and to refuse what none draws, without opening the fonts).
- ``LICENSES/*.copyright``: the Debian copyright files of the three packages (SIL OFL 1.1 for the fonts),
  and ``LICENSES/OFL.txt``, the licence's full text as Debian's fonts-noto-cjk quotes it.

The character sets come from Python's own codecs (gb2312, euc_jp), so the same packages give the same files.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTCollection, TTFont

HERE = Path(__file__).resolve().parent
LATIN_SRC = Path("/usr/share/fonts/truetype/noto/NotoSans-Bold.ttf")
CJK_SRC = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc")
CJK_FACE = "Noto Sans CJK SC Bold"
EMOJI_SRC = Path("/usr/share/fonts/truetype/noto/NotoColorEmoji.ttf")
COPYRIGHTS = ("fonts-noto-core", "fonts-noto-cjk", "fonts-noto-color-emoji")

LATIN_RANGES = [
    (0x20, 0x7E),
    (0xA0, 0x17F),  # ASCII, Latin-1, Latin Extended-A (é, ß, ł, ő …)
    (0x2010, 0x2027),
    (0x2030, 0x205E),  # dashes, quotes, bullets, ellipsis, primes
    (0x20A0, 0x20C0),  # currency (€, ₹ …)
    (0x2122, 0x2122),
    (0x2190, 0x2193),
    (0x2212, 0x2212),
    (0x00D7, 0x00D7),
]
CJK_RANGES = [
    (0x3000, 0x303F),  # CJK punctuation (、。「」【】)
    (0x3040, 0x30FF),  # hiragana, katakana
    (0x31F0, 0x31FF),  # katakana phonetic extensions
    (0xFF01, 0xFF5E),
    (0xFF61, 0xFF9F),
    (0xFFE0, 0xFFE6),  # full-width and half-width forms
]
# Emoji beyond the Emoticons block that titles of product clips use; extend the list and re-run to add more.
EMOJI_EXTRA = (
    "❤🧡💛💚💙💜🖤🤍🤎💔❣💕💞💓💗💖💘💝✨⭐🌟💫⚡🔥💥💯✅✔❌❗❓‼⚠🎉🎊🎁🎈🎀🏆🥇🎯🚀🛒🛍💰💸💵💳"
    "🏷📦🚚⏰⌛⏳📅📣📢🔔🆕🆓🔝👉👈👆👇👍👎👏🙌🙏💪👌✌🤞🤝👋🤩🥰🥳🤗🤔🤯🥺🤤🤑🤫"
    "🌈☀🌙☕🍕🍔🍟🍰🎂🍩🍪🍫🍦🍓🍒🍑🍎🍋🥑🌸🌹🌺🌻🌷💐🍀🌿🌴🎄🎃💎👑💄👗👟👠👜"
    "🕶⌚📱💻📷🎥🎬🎵🎶🎧🏠🌍✈🏖⚽🏀🐶🐱🦄🐾☝✋🤙💋👀🆗🔴🟢⬆⬇➡⬅"
)


def _codepoints(ranges: list[tuple[int, int]]) -> set[int]:
    return {cp for low, high in ranges for cp in range(low, high + 1)}


def _from_codec(codec: str, rows: range) -> set[int]:
    """The characters of rows ``rows`` (EUC row numbers 1..94) of a two-byte national standard."""
    found: set[int] = set()
    for row in rows:
        for cell in range(1, 95):
            try:
                found.update(map(ord, bytes([0xA0 + row, 0xA0 + cell]).decode(codec)))
            except UnicodeDecodeError:
                continue
    return found


def cjk_codepoints() -> set[int]:
    gb2312_level1 = _from_codec("gb2312", range(16, 56))
    jis_level1 = _from_codec("euc_jp", range(16, 48))
    return gb2312_level1 | jis_level1 | _codepoints(CJK_RANGES) | _codepoints(LATIN_RANGES)


def emoji_codepoints() -> set[int]:
    return _codepoints([(0x1F600, 0x1F64F)]) | {ord(ch) for ch in EMOJI_EXTRA}


def _ranges(codepoints: set[int]) -> list[list[int]]:
    ranges: list[list[int]] = []
    for cp in sorted(codepoints):
        if ranges and ranges[-1][1] == cp - 1:
            ranges[-1][1] = cp
        else:
            ranges.append([cp, cp])
    return ranges


def _subset(font: TTFont, codepoints: set[int], out: Path, *, bitmaps: bool = False) -> list[list[int]]:
    options = subset.Options()
    options.layout_features = ["*"]  # keep kerning, ligatures and emoji sequences among the kept glyphs
    options.name_IDs = ["*"]
    options.notdef_outline = True
    options.drop_tables += ["vhea", "vmtx", "VORG"]  # vertical metrics: titles are horizontal
    if not bitmaps:
        options.hinting = False  # the renderer draws at 30-200 px, where hints do nothing visible
    available = set(font.getBestCmap())
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=sorted(codepoints & available))
    subsetter.subset(font)
    font.save(str(out))
    print(f"{out.name}: {len(codepoints & available)} characters, {out.stat().st_size / 1e6:.2f} MB")
    return _ranges(set(TTFont(str(out)).getBestCmap()))


def main() -> None:
    coverage = {}
    name = "NotoSans-Bold.subset.ttf"
    coverage[name] = _subset(
        TTFont(str(LATIN_SRC), recalcTimestamp=False), _codepoints(LATIN_RANGES), HERE / name
    )
    faces = [
        f
        for f in TTCollection(str(CJK_SRC), recalcTimestamp=False).fonts
        if f["name"].getDebugName(4) == CJK_FACE
    ]
    if not faces:
        raise SystemExit(f"{CJK_SRC} has no face named {CJK_FACE!r}")
    name = "NotoSansCJKsc-Bold.subset.otf"
    coverage[name] = _subset(faces[0], cjk_codepoints(), HERE / name)
    name = "NotoColorEmoji.subset.ttf"
    coverage[name] = _subset(
        TTFont(str(EMOJI_SRC), recalcTimestamp=False), emoji_codepoints(), HERE / name, bitmaps=True
    )
    (HERE / "coverage.json").write_text(json.dumps(coverage, separators=(",", ":")) + "\n")
    licences = HERE / "LICENSES"
    licences.mkdir(exist_ok=True)
    for package in COPYRIGHTS:
        shutil.copyfile(f"/usr/share/doc/{package}/copyright", licences / f"{package}.copyright")
    (licences / "OFL.txt").write_text(_ofl_text(Path("/usr/share/doc/fonts-noto-cjk/copyright")))


def _ofl_text(copyright_file: Path) -> str:
    """The ``License: SIL-1.1`` paragraph of a Debian copyright file, as plain text."""
    lines: list[str] = []
    inside = False
    for line in copyright_file.read_text().splitlines():
        if line.startswith("License: SIL-1.1") and not inside:
            inside = True
        elif inside and not line.startswith(" "):
            if len(lines) > 10:
                break
            lines, inside = [], line.startswith("License: SIL-1.1")
        elif inside:
            lines.append("" if line == " ." else line[1:])
    if not any("SIL OPEN FONT LICENSE Version 1.1" in line for line in lines):
        raise SystemExit(f"{copyright_file}: no SIL OFL 1.1 text found")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
