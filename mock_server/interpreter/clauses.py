"""Normalised text → clauses of tokens, by the rows of ``vocabulary`` (longest phrase first).

A token is a vocabulary row found in the text, an amount ("20%", "1.5x", "10 degrees", "0.2"), a move
length ("over the first 2 seconds"), or an unknown word. Clauses end at punctuation, brackets and the
``break`` words ("but"); a Pika-style " -camera" parameter starts a clause of its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from mock_server.interpreter.vocabulary import VOCABULARY

_NUM = r"(\d+(?:\.\d+)?)"
# Amounts and lengths, tried before the words; each group name is the token's kind.
_AMOUNTS = (
    ("pika", r"-motion\s+(\d)"),
    ("focusat", rf"focus(?:ed)? at {_NUM}\s*% {_NUM}\s*%"),
    ("length", r"(?<![a-z])(?:over|in|during|within|for|across|lasting)(?: the (?:first|last|next))?\s+"
               rf"{_NUM}\s*(?:s|secs?|seconds?)(?![a-z])"),
    ("length", rf"(?:在?前|用){_NUM}\s*秒钟?(?:之?内)?|{_NUM}\s*秒钟?之?内"),
    ("pct", rf"{_NUM}\s*(?:%|percent(?![a-z])|per cent(?![a-z])|pct(?![a-z]))"),
    ("factor", rf"{_NUM}\s*(?:x(?![a-z])|×|times(?![a-z])|倍)"),
    ("deg", rf"{_NUM}\s*(?:degrees?(?![a-z])|deg(?![a-z])|°|度)"),
    ("frac", r"(?<![\d.])(0?\.\d+)(?![\d.%])"),
    ("number", r"\d+(?:\.\d+)?"),
)
_BREAK = r"[.;!?。；！？\n,、:()\[\]{}…\"“”「」]|(?<=\s)-(?=[a-z])|^-(?=[a-z])"
_WORD = r"[a-z]+(?:'[a-z]+)?|[\u3400-\u9fff]"


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


def _english(phrase: str, verb: bool) -> str:
    words = [re.escape(w) for w in phrase.split(" ")]
    if verb:
        first = phrase.split(" ")[0]
        if first.endswith("e"):
            words[0] = re.escape(first[:-1]) + "(?:e|es|ed|ing)"
        elif first.endswith("y"):
            words[0] = re.escape(first[:-1]) + "(?:y|ies|ied|ying)"
        else:
            words[0] = re.escape(first) + f"(?:s|es|ed|ing|{first[-1]}ing|{first[-1]}ed)?"
    return r"(?<![a-z])" + r"[\s-]+".join(words) + r"(?![a-z])"


@lru_cache(maxsize=1)
def _lexer() -> tuple[re.Pattern[str], dict[str, tuple[str, str, str]]]:
    groups: dict[str, tuple[str, str, str]] = {}
    alternatives: list[str] = []
    for i, (kind, pattern) in enumerate(_AMOUNTS):
        groups[f"a{i}"] = (kind, kind, "")
        alternatives.append(f"(?P<a{i}>{pattern})")
        if kind == "pika":  # "-motion 3" before " -" starts a clause; the other amounts after it
            alternatives.append(f"(?P<brk>{_BREAK})")
    # Longest phrase first, so "tilt up" wins over "tilt" and "不要" over "不".
    rows = sorted(enumerate(VOCABULARY), key=lambda r: -len(r[1][0]))
    for i, (phrase, kind, meaning) in rows:
        ascii_phrase = phrase.isascii()
        body = _english(phrase, kind == "verb") if ascii_phrase else re.escape(phrase)
        groups[f"v{i}"] = ("move" if kind == "verb" else kind, meaning, phrase)
        alternatives.append(f"(?P<v{i}>{body})")
    alternatives.append(f"(?P<word>{_WORD})")
    return re.compile("|".join(alternatives)), groups


def split(text: str) -> list[Clause]:
    """The clauses of normalised ``text``, each with its tokens in order (empty clauses dropped)."""
    pattern, groups = _lexer()
    clauses: list[Clause] = []
    tokens: list[Token] = []
    start = 0

    def close(end: int) -> None:
        nonlocal tokens
        if tokens:
            clauses.append(Clause(text[start:end].strip(" -"), tuple(tokens)))
        tokens = []

    for m in pattern.finditer(text):
        name = m.lastgroup
        assert name is not None
        if name == "brk" or (name in groups and groups[name][0] == "break"):
            close(m.start())
            start = m.end()
            continue
        if name == "word":
            tokens.append(Token("word", "", m[0], m.start(), m.end()))
            continue
        kind, meaning, phrase = groups[name]
        number = None
        if name.startswith("a"):
            values = [g for g in m.groups()[m.re.groupindex[name]:] if g is not None]
            number = float(values[0]) if values and kind != "number" else (
                float(m[0]) if kind == "number" else None)
        surface = m[0]
        first = surface.split()[0].split("-")[0]
        inflected = kind == "move" and phrase.isascii() and first != phrase.split()[0]
        tokens.append(Token(kind, meaning, surface, m.start(), m.end(), inflected, number))
    close(len(text))
    return clauses
