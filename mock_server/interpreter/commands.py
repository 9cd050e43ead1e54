"""Whole messages about earlier changes: undo, redo, undo everything, do it again; with a count ("undo
twice", "go back two steps", "撤销两步"). Pure: the words are edit_words' rows.

A message is a command when, once its politeness words and count are set aside, it is one command
phrase followed only by words that point at a change ("the last change", "that", "to how it was"):
"go back to vertical" names a value, so it is an edit, not an undo.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from . import lexicon
from .normalise import normalise
from .requests import QUOTE

_COUNT_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
                "nine": 9, "ten": 10, "twice": 2, "thrice": 3, "一": 1, "两": 2, "二": 2, "三": 3, "四": 4,
                "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
_COUNT = re.compile(
    r"(?<![a-z])(?:(\d+|one|two|three|four|five|six|seven|eight|nine|ten)\s*(?:x\s*)?(?:times|steps?|changes?|"
    r"edits?|levels?|things|of them)|(twice|thrice)|x\s*(\d+))(?![a-z])|"
    r"(?:上)?([一两二三四五六七八九十\d]+)\s*(?:步|次|个修改|处)")
# Words that may follow a command phrase and still point at a change, not at a value of the draft.
_TAIL = re.compile(
    r"(?<![a-z])(?:the|last|latest|change|changes|edit|edits|step|steps|one|ones|that|it|this|my|previous|"
    r"version|before|to|how|what|way|was|again|please|for|me|thing|move|instruction)(?![a-z])|"
    r"上一步|上一个|这一步|这个|那个|刚才|修改|操作|改动|一下|的|步")
_PUNCTUATION = re.compile(r"[.,!?;:。，！？；：~…\"“”'’()（）]")


_KINDS = ("undo-all", "undo", "redo", "restore", "again")
_REPEATED = re.compile(r"(undo|redo|撤销|撤回|重做)(?: \1)+")


@dataclass(frozen=True)
class Command:
    kind: str  # undo, redo, undo-all, restore (redo after an undo, else undo), again
    count: int
    phrase: str


def read(sentence: str) -> Command | None:
    """The command ``sentence`` is, or ``None``."""
    raw = " ".join(_PUNCTUATION.sub(" ", normalise(sentence)).split())
    if m := _REPEATED.fullmatch(raw):  # "undo, undo", "撤销撤销" is not "undo the undo" when said apart
        words = raw.split()
        return Command("undo" if m[1] in ("undo", "撤销", "撤回") else "redo", len(words), m[1])
    low = raw
    for hit in sorted(lexicon.find("politeness", low), key=lambda h: h.start, reverse=True):
        low = low[:hit.start] + " " + low[hit.end:]
    for kind in _KINDS:  # a whole phrase first: "actually keep it"
        if any(h.start == 0 and h.end == len(raw) for h in lexicon.find(kind, raw)):
            return Command(kind, 1, raw)
    count = 1
    if m := _COUNT.search(low):
        word = next(g for g in m.groups() if g)
        count = int(word) if word.isdigit() else _COUNT_WORDS.get(word, 1)
        low = low[:m.start()] + " " + low[m.end():]
    low = " ".join(low.split())
    if not low:
        return None
    for kind in _KINDS:
        for hit in lexicon.find(kind, low):
            if hit.start != 0:
                continue
            tail = low[hit.end:]
            if not _TAIL.sub(" ", tail).strip():
                return Command(kind, max(1, min(count, 100)), hit.phrase)
    return None


_STOP = "[,.;!?，。；！？]"
_LEADING = re.compile(rf"^(?P<head>[^,.;!?，。；！？]+?)(?:{_STOP}\s*|\s+)(?:and then|and|then|然后|再)\s+"
                      rf"(?P<rest>.+)$|^(?P<head2>[^,.;!?，。；！？]+?){_STOP}\s*(?P<rest2>.+)$")


def _hidden(sentence: str) -> str:
    """``sentence`` with each quoted span blanked out (same length): quoted text is never a command."""
    return QUOTE.sub(lambda m: "\x00" * len(m[0]), sentence)


def leading(sentence: str) -> tuple[Command, str] | None:
    """A command that starts a longer message, and the rest: "undo that and pan left instead"."""
    m = _LEADING.match(_hidden(sentence))
    if m is None:
        return None
    head, rest = ("head", "rest") if m["head"] else ("head2", "rest2")
    if "\x00" in m[head]:
        return None
    command = read(m[head])
    rest_text = sentence[m.start(rest):m.end(rest)]
    if command is None or command.kind == "again" or not rest_text.strip():
        return None
    return command, rest_text.strip()


_TRAILING = re.compile(rf"^(?P<head>.+){_STOP}\s*(?P<tail>[^,.;!?，。；！？]+?)\s*{_STOP}*$")


def trailing(sentence: str) -> tuple[str, Command] | None:
    """Words, then a command: "that's worse, undo", "never mind, redo" (the words before, and the command).
    The command is never inside quotes: 'add the title "Wait, undo"' adds a title."""
    m = _TRAILING.match(_hidden(sentence))
    if m is None or "\x00" in m["tail"]:
        return None
    command = read(m["tail"])
    return None if command is None else (sentence[:m.end("head")], command)
