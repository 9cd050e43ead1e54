"""Finding the rows of ``edit_words`` in normalised text, per kind, longest phrase first.

English phrases match whole words (spaces or hyphens between them, and a one-word ``target`` or ``verb``
in its inflections: zoom → zooms, zooming, zoomed); Chinese phrases match anywhere in a run of characters.
A text is cut into words once, and each kind is a table lookup per word (as clauses.py does for the camera
vocabulary): one regex of every phrase per kind was ten times slower.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, lru_cache

from .edit_words import EDIT_WORDS

_INFLECTED = ("target", "verb")
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_CJK = re.compile(r"[\u3400-\u9fff]+")
_JOIN = re.compile(r"[\s-]+")

_Row = tuple[str, str]  # phrase, meaning


@dataclass(frozen=True)
class Hit:
    """One row found in a text: where, what it says and the phrase as the row writes it."""

    start: int
    end: int
    meaning: str
    phrase: str


def _forms(word: str) -> list[str]:
    if word.endswith("e"):
        return [word[:-1] + s for s in ("es", "ed", "ing", "e")] + [word + "s", word + "d"]
    if word.endswith("y"):
        return [word[:-1] + "ies", word + "ing", word[:-1] + "ied", word + "s", word]
    return [word + s for s in ("s", "es", "ed", "ing", word[-1] + "ing", word[-1] + "ed", "")]


def lengths_by_first_word(phrases: Iterable[tuple[str, ...]]) -> dict[str, tuple[int, ...]]:
    """For each word that starts one of ``phrases`` (each a tuple of words), the lengths in words of the
    phrases it starts, longest first: the lengths worth looking up at that word (here and in clauses.py)."""
    lengths: dict[str, set[int]] = {}
    for words in phrases:
        lengths.setdefault(words[0], set()).add(len(words))
    return {w: tuple(sorted(n, reverse=True)) for w, n in lengths.items()}


@cache
def _tables(kind: str) -> tuple[dict[tuple[str, ...], _Row], dict[str, _Row], int]:
    """English phrases of ``kind`` by their words (with inflections), Chinese ones by their text, and the
    longest Chinese phrase's length."""
    english: dict[tuple[str, ...], _Row] = {}
    chinese: dict[str, _Row] = {}
    for phrase, row_kind, meaning in EDIT_WORDS:
        if row_kind != kind:
            continue
        if not phrase.isascii():
            chinese.setdefault(phrase, (phrase, meaning))
            continue
        words = tuple(_JOIN.split(phrase))
        english.setdefault(words, (phrase, meaning))
    for words, row in list(english.items()):  # inflections never shadow a row of their own
        if kind in _INFLECTED and len(words) == 1 and words[0].isalpha():
            for form in _forms(words[0]):
                english.setdefault((form,), row)
    return english, chinese, max(map(len, chinese), default=0)


@cache
def _lengths(kind: str) -> dict[str, tuple[int, ...]]:
    return lengths_by_first_word(_tables(kind)[0])


@lru_cache(maxsize=4096)
def _words(text: str) -> tuple[tuple[tuple[int, int, str], ...], ...]:
    """Runs of English words joined only by spaces or hyphens, each word with its place."""
    runs: list[list[tuple[int, int, str]]] = []
    for m in _WORD.finditer(text):
        if runs and runs[-1] and _JOIN.fullmatch(text[runs[-1][-1][1]:m.start()]):
            runs[-1].append((m.start(), m.end(), m[0]))
        else:
            runs.append([(m.start(), m.end(), m[0])])
    return tuple(tuple(r) for r in runs)


@lru_cache(maxsize=16384)
def find(kind: str, text: str) -> tuple[Hit, ...]:
    """Every non-overlapping row of ``kind`` in normalised ``text``, left to right."""
    english, chinese, longest_zh = _tables(kind)
    lengths = _lengths(kind)
    hits: list[Hit] = []
    for run in _words(text):
        i = 0
        while i < len(run):
            for n in lengths.get(run[i][2], ()):
                if i + n > len(run):
                    continue
                row = english.get(tuple(w for _, _, w in run[i:i + n]))
                if row is not None:
                    hits.append(Hit(run[i][0], run[i + n - 1][1], row[1], row[0]))
                    i += n
                    break
            else:
                i += 1
    if chinese:
        for m in _CJK.finditer(text):
            chars, i = m[0], 0
            while i < len(chars):
                for n in range(min(longest_zh, len(chars) - i), 0, -1):
                    row = chinese.get(chars[i:i + n])
                    if row is not None:
                        hits.append(Hit(m.start() + i, m.start() + i + n, row[1], row[0]))
                        i += n
                        break
                else:
                    i += 1
    return tuple(sorted(hits, key=lambda h: h.start))


def phrases(kind: str) -> list[str]:
    """The phrases of ``kind``, as written in the rows."""
    return [p for p, k, _ in EDIT_WORDS if k == kind]
