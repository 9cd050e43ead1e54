"""Normalised text → clauses of tokens, by the rows of ``vocabulary`` (longest phrase first).

A token is a vocabulary row found in the text, an amount ("20%", "1.5x", "10 degrees", "0.2"), a move
length ("over the first 2 seconds"), or an unknown word. Clauses end at punctuation, brackets and the
``break`` words ("but") and a spaced dash; a Pika-style " -camera" parameter starts a clause of its own.
English phrases are looked up by their words (longest first, a verb's inflections included), Chinese ones
by their characters: a table lookup per word rather than one regex of every phrase, which was 7x slower.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from .lexicon import lengths_by_first_word
from .vocabulary import VOCABULARY

_NUM = r"(\d+(?:\.\d+)?)"
# Amounts and lengths, tried before the words; each group name is the token's kind.
_AMOUNTS = (
    ("pika", r"-motion\s+(\d)"),
    ("focusat", rf"focus(?:ed)? at {_NUM}\s*% {_NUM}\s*%"),
    ("length", r"(?<![a-z])(?:over|in|during|within|for|across|lasting|that lasts|which lasts|taking|"
               r"that takes|which takes)(?: the (?:first|last|next))?(?: about| around| roughly)?\s+"
               rf"{_NUM}\s*(?:s|secs?|seconds?)(?![a-z])"),
    # "a 6-second push-in", "3s pan left": a length said before its move.
    ("length", rf"{_NUM}\s*-?\s*(?:s|secs?|seconds?)(?:\s*-?\s*long)?(?=[\s-]+(?:[a-z]+[\s-]+){{0,2}}?"
               r"(?:zoom|pan|tilt|push|pull|dolly|truck|track|crane|boom|orbit|roll|rotat|spin|drift|slide|"
               r"glide|move|shot|crash|whip|arc|pedestal|ken burns|reveal|scroll|camera))"),
    ("length", rf"(?:在?前|用){_NUM}\s*秒钟?(?:之?内)?|{_NUM}\s*秒钟?之?内"),
    ("pct", rf"{_NUM}\s*(?:%|percent(?![a-z])|per cent(?![a-z])|pct(?![a-z]))"),
    ("factor", rf"{_NUM}\s*(?:x(?![a-z])|×|times(?![a-z])|倍)"),
    ("deg", rf"{_NUM}\s*(?:degrees?(?![a-z])|deg(?![a-z])|°|度)"),
    ("frac", r"(?<![\d.])(0?\.\d+)(?![\d.%])"),
    ("number", r"\d+(?:\.\d+)?"),
)
_BREAK = r"[.;!?。；！？\n,、:()\[\]{}…\"“”「」]|(?<=\s)-(?=[a-z])|^-(?=[a-z])|\s-+\s"


@dataclass(frozen=True)
class Token:
    """One word or phrase of an instruction. ``meaning`` is the vocabulary's, or the amount's unit."""

    kind: str
    meaning: str
    text: str
    start: int
    end: int
    inflected: bool = False
    number: float | None = None


@dataclass(frozen=True)
class Clause:
    text: str
    tokens: tuple[Token, ...]


_Entry = tuple[str, str, str]  # kind, meaning, phrase


def _forms(word: str) -> set[str]:
    """A verb's inflections: pan → pans, panned, panning; rise → rises, rising; dolly → dollies."""
    if word.endswith("e"):
        return {word, word + "s", word + "d", word[:-1] + "ing"}
    if word.endswith("y"):
        return {word, word[:-1] + "ies", word[:-1] + "ied", word + "ing", word + "s"}
    return {word, word + "s", word + "es", word + "ed", word + "ing", word + word[-1] + "ing",
            word + word[-1] + "ed"}


@lru_cache(maxsize=1)
def _tables() -> tuple[dict[tuple[str, ...], tuple[_Entry, bool]], dict[str, _Entry], int]:
    """English phrases by their words (with each verb's inflections), Chinese phrases by their text, and the
    longest Chinese phrase's length."""
    english: dict[tuple[str, ...], tuple[_Entry, bool]] = {}
    chinese: dict[str, _Entry] = {}
    for phrase, kind, meaning in VOCABULARY:
        entry = ("move" if kind == "verb" else kind, meaning, phrase)
        if not phrase.isascii():
            chinese[phrase] = entry
            continue
        english.setdefault(tuple(re.split(r"[\s-]+", phrase)), (entry, False))
    for phrase, kind, meaning in VOCABULARY:  # a row of its own wins over a verb's form ("sweeping")
        if kind == "verb" and phrase.isascii():
            words = tuple(re.split(r"[\s-]+", phrase))
            for form in _forms(words[0]) - {words[0]}:
                english.setdefault((form, *words[1:]), (("move", meaning, phrase), True))
    return english, chinese, max(map(len, chinese))


@lru_cache(maxsize=1)
def _lengths() -> dict[str, tuple[int, ...]]:
    return lengths_by_first_word(_tables()[0])


@lru_cache(maxsize=1)
def _lexer() -> re.Pattern[str]:
    alternatives: list[str] = []
    for i, (kind, pattern) in enumerate(_AMOUNTS):
        alternatives.append(f"(?P<a{i}>{pattern})")
        if kind == "pika":  # "-motion 3" before " -" starts a clause; the other amounts after it
            alternatives.append(f"(?P<brk>{_BREAK})")
    alternatives += [r"(?P<en>[a-z]+(?:'[a-z]+)?)", r"(?P<zh>[\u3400-\u9fff]+)"]
    return re.compile("|".join(alternatives))


def split(text: str) -> list[Clause]:
    """The clauses of normalised ``text``, each with its tokens in order (empty clauses dropped)."""
    pattern = _lexer()
    english, chinese, _ = _tables()
    clauses: list[Clause] = []
    tokens: list[Token] = []
    words: list[re.Match[str]] = []  # a run of English words joined by spaces or hyphens
    start = 0

    def flush_words() -> None:
        tokens.extend(_english_tokens(words, english))
        words.clear()

    def close(end: int) -> None:
        nonlocal tokens
        flush_words()
        begin, part = start, []
        for tok in [*tokens, Token("break", "", "", end, end)]:  # "but", "但是" end a clause too
            if tok.kind != "break":
                part.append(tok)
                continue
            if part:
                clauses.append(Clause(text[begin:tok.start].strip(" -"), tuple(part)))
            begin, part = tok.end, []
        tokens = []

    for m in pattern.finditer(text):
        name = m.lastgroup
        assert name is not None
        if name == "en":
            if words and not re.fullmatch(r"[\s-]+", text[words[-1].end():m.start()]):
                flush_words()
            words.append(m)
            continue
        flush_words()
        if name == "brk":
            close(m.start())
            start = m.end()
        elif name == "zh":
            tokens.extend(_chinese_tokens(m, chinese))
        else:
            kind = _AMOUNTS[int(name[1:])][0]
            values = [g for g in m.groups()[m.re.groupindex[name]:] if g is not None]
            number = float(m[0]) if kind == "number" else (float(values[0]) if values else None)
            tokens.append(Token(kind, kind, m[0], m.start(), m.end(), number=number))
    close(len(text))
    return clauses


def _english_tokens(words: list[re.Match[str]],
                    table: dict[tuple[str, ...], tuple[_Entry, bool]]) -> list[Token]:
    """Longest phrase first: "tilt up" before "tilt", "ken burns effect" before "ken burns"."""
    out: list[Token] = []
    lengths = _lengths()
    i = 0
    while i < len(words):
        for n in lengths.get(words[i][0], ()):  # only the lengths a phrase starting with this word has
            if i + n > len(words):
                continue
            found = table.get(tuple(w[0] for w in words[i:i + n]))
            if found is None:
                continue
            (kind, meaning, _), inflected = found
            first, last = words[i], words[i + n - 1]
            text = first.string[first.start():last.end()]
            if kind == "break":
                out.append(Token("break", "", text, first.start(), last.end()))
            else:
                out.append(Token(kind, meaning, text, first.start(), last.end(), inflected))
            i += n
            break
        else:
            out.append(Token("word", "", words[i][0], words[i].start(), words[i].end()))
            i += 1
    return out


def _chinese_tokens(m: re.Match[str], table: dict[str, _Entry]) -> list[Token]:
    out: list[Token] = []
    run, base, longest = m[0], m.start(), _tables()[2]
    i = 0
    while i < len(run):
        for n in range(min(longest, len(run) - i), 0, -1):
            entry = table.get(run[i:i + n])
            if entry is not None:
                out.append(Token(entry[0], entry[1], run[i:i + n], base + i, base + i + n))
                i += n
                break
        else:
            out.append(Token("word", "", run[i], base + i, base + i + 1))
            i += 1
    return out
