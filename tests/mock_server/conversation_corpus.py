"""Reading and checking conversation_corpus.txt: multi-turn editing dialogues, each turn with what the draft
must hold after it. Shared by the corpus test and bench/interpret.py.

A dialogue starts on a draft holding one image (5 s, 9:16, no motion). Each turn is
``> message => check; check …``; the checks (all must hold after that turn):

- camera: ``zoom A B``, ``pan X Y``, ``roll A B``, ``focus X Y``, ``easing E``, ``move-d MS``, ``no move-d``,
  ``no zoom`` (``pan``, ``roll``: that move is not made), ``still`` (no motion);
- music: ``volume V``, ``mood M``, ``fade-out MS``, ``fade-in MS``, ``music-start MS``, ``no music``;
- titles: ``text "C"`` (on the timeline), ``no text "C"``, ``texts N``, ``"C" size N``, ``"C" color #HEX``,
  ``"C" pos top|center|bottom``, ``"C" higher|lower|lefter|righter`` (than after the turn before),
  ``"C" st MS``, ``"C" d MS``, ``"C" box``, ``"C" fade MS``;
- the clip: ``clip MS``, ``aspect R``;
- the turn: ``same`` (the draft is exactly as before it), ``asks`` (a reply without an edit: a question or
  an answer, the draft unchanged), ``reply "…"`` (the reply contains it).
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from motionctl.mock_server import drafts
from motionctl.mock_server.interpreter import History, Interpretation, interpret

CORPUS = Path(__file__).with_name("conversation_corpus.txt")
IMG = "http://mock/cdn/u1/photo.png"
LIBRARY: list[dict[str, Any]] = [{"filename": "photo.png", "file_type": "image", "cdn_url": IMG}]
_NAMED_Y = {"top": 0.1, "center": 0.5, "bottom": 0.8}


@dataclass(frozen=True)
class Turn:
    message: str
    checks: tuple[str, ...]
    line: int


@dataclass(frozen=True)
class Dialogue:
    family: str
    turns: tuple[Turn, ...]


def load(path: Path = CORPUS) -> list[Dialogue]:
    dialogues: list[Dialogue] = []
    family, turns = "", []
    for number, line in enumerate([*path.read_text(encoding="utf-8").splitlines(), ""], start=1):
        if line.startswith("> "):
            message, _, checks = line[2:].rpartition(" => ")
            checked = tuple(c.strip() for c in checks.split(";") if c.strip())
            turns.append(Turn(message.strip(), checked, number))
            continue
        if turns:
            dialogues.append(Dialogue(family, tuple(turns)))
            turns = []
        if line.startswith("## "):
            family = line[3:].strip()
    return dialogues


def start() -> dict[str, Any]:
    return drafts.set_source(drafts.new_draft(), IMG, "photo.png", keep_motion=False)


def run(dialogue: Dialogue) -> list[str]:
    """Every failed check of the dialogue, as ``line N: message: check (got …)``; [] when all hold."""
    draft, history = start(), History()
    failures = []
    for turn in dialogue.turns:
        it = interpret(turn.message, draft, LIBRARY, history)
        for check in turn.checks:
            problem = check_one(check, it, draft)
            if problem:
                failures.append(f"line {turn.line}: {turn.message!r}: {check} ({problem}); reply: {it.reply}")
        draft, history = it.draft, it.history
    return failures


def _motion(draft: dict[str, Any]) -> dict[str, Any] | None:
    segment = drafts.video_segment(draft)
    return segment.get("motion") if segment else None


def _music(draft: dict[str, Any]) -> dict[str, Any] | None:
    track = drafts.track(draft, drafts.AUDIO)
    return track["sg"][0] if track else None


def _text(draft: dict[str, Any], content: str) -> dict[str, Any] | None:
    track = drafts.track(draft, drafts.TEXT)
    return next((s for s in (track["sg"] if track else []) if s.get("text") == content), None)


def _xy(segment: dict[str, Any]) -> tuple[float, float]:
    pos = segment.get("pos", "bottom")
    return (0.5, _NAMED_Y[pos]) if isinstance(pos, str) else (float(pos[0]), float(pos[1]))


def _close(a: Any, b: float) -> bool:
    return isinstance(a, int | float) and abs(float(a) - b) < 1e-6


def check_one(check: str, it: Interpretation, before: dict[str, Any]) -> str | None:
    """``None`` when ``check`` holds after ``it``, else what was found instead."""
    draft = it.draft
    words = shlex.split(check)
    head, args = words[0], words[1:]
    motion, music = _motion(draft) or {}, _music(draft) or {}
    if head == "same":
        return None if draft == before else "the draft changed"
    if head == "asks":
        return None if it.kind == "answer" and draft == before else f"kind {it.kind}"
    if head == "reply":
        return None if args[0] in it.reply else "not in the reply"
    if head in ("zoom", "pan", "roll", "focus"):
        got = motion.get(head)
        want = [float(a) for a in args]
        return None if got and all(_close(g, w) for g, w in zip(got, want, strict=True)) else f"got {got}"
    if head == "easing":
        return None if motion.get("easing") == args[0] else f"got {motion.get('easing')}"
    if head == "move-d":
        return None if motion.get("d") == int(args[0]) else f"got {motion.get('d')}"
    if head == "no" and args[0] in ("zoom", "pan", "roll"):
        value = motion.get(args[0])
        moving = value and (value[0] != 0 if args[0] == "pan" else value[0] != value[1])
        return None if not moving else f"got {value}"
    if head == "no" and args[0] == "move-d":
        return None if "d" not in motion else f"got {motion.get('d')}"
    if head == "still":
        return None if _motion(draft) is None else f"got {_motion(draft)}"
    if head == "volume":
        return None if _close(music.get("vol"), float(args[0])) else f"got {music.get('vol')}"
    if head == "mood":
        return None if music.get("src") == f"mood:{args[0]}" else f"got {music.get('src')}"
    if head in ("fade-out", "fade-in", "music-start"):
        key = {"fade-out": "fo", "fade-in": "fi", "music-start": "st"}[head]
        return None if music.get(key, 0) == int(args[0]) else f"got {music.get(key)}"
    if head == "no" and args[0] == "music":
        return None if not music else "there is music"
    if head == "text":
        return None if _text(draft, args[0]) else f"texts {drafts.texts(draft)}"
    if head == "no" and args[0] == "text":
        return None if not _text(draft, args[1]) else "it is there"
    if head == "texts":
        return None if len(drafts.texts(draft)) == int(args[0]) else f"texts {drafts.texts(draft)}"
    if head == "clip":
        return None if draft.get("d") == int(args[0]) else f"got {draft.get('d')}"
    if head == "aspect":
        return None if draft["m"].get("aspect") == args[0] else f"got {draft['m'].get('aspect')}"
    segment = _text(draft, head)
    if segment is None:
        return f"no text {head!r}: {drafts.texts(draft)}"
    return _check_text(segment, args, _text(before, head))


def _check_text(segment: dict[str, Any], args: list[str], old: dict[str, Any] | None) -> str | None:
    field, value = args[0], args[1] if len(args) > 1 else ""
    if field in ("higher", "lower", "lefter", "righter"):
        if old is None:
            return "it was not there before"
        (x0, y0), (x1, y1) = _xy(old), _xy(segment)
        ok = {"higher": y1 < y0, "lower": y1 > y0, "lefter": x1 < x0, "righter": x1 > x0}[field]
        return None if ok else f"moved from {old.get('pos')} to {segment.get('pos')}"
    if field == "box":
        return None if segment.get("box") else "no box"
    if field == "pos":
        return None if segment.get("pos") == value else f"got {segment.get('pos')}"
    if field == "color":
        colour = str(segment.get("color", "#FFFFFF"))
        return None if colour.upper() == value.upper() else f"got {colour}"
    key = {"size": "size", "st": "st", "d": "d", "fade": "fade"}[field]
    got = segment.get(key, 64 if key == "size" else 0)
    return None if got == int(value) else f"got {got}"


def accuracy(dialogues: list[Dialogue]) -> tuple[dict[str, tuple[int, int]], list[str]]:
    """Per family (right, total), and every failure."""
    per: dict[str, tuple[int, int]] = {}
    misses: list[str] = []
    for dialogue in dialogues:
        failures = run(dialogue)
        right, total = per.get(dialogue.family, (0, 0))
        per[dialogue.family] = (right + (not failures), total + 1)
        misses += [f"[{dialogue.family}] {f}" for f in failures]
    return per, misses

