"""One message → a draft edit and its reply, read against the session's draft and its history. Pure.

In order: a command about earlier changes (undo, redo, again: commands.py, history.py), a canonical
sentence of specs/instructions.md (canonical.py), free text (free_text.py). A message that edits nothing
is answered: "I didn't understand …" when nothing in it was understood, else the question or the reason
(which title?, nothing to undo), and the draft is unchanged either way.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from . import commands, free_text, lexicon
from .canonical import canonical, is_canonical
from .edit import Ask, Edit, NotUnderstood
from .history import History, Step

Kind = Literal["generation", "edit", "answer", "none"]
GENERATE_TOOL = "generate_video_with_seedance"
EDIT_TOOL = "edit_multitrack"

# Quoted content is kept byte for byte; only the words around it have their spacing normalised. Free text's
# '…' is not protected: an apostrophe ("don't") cannot be told from an opening quote.
_MORE = re.compile(r"(?:(a bit|a little|a touch|slightly|much|a lot|way|even|just a bit)\s+)?more"
                   r"(?:\s+please)?[.!]*|再多一点|再来一点")
_VERBATIM = re.compile(r'"(?:[^"\\]|\\"|\\)*"|“[^”]*”|「[^」]*」')


@dataclass(frozen=True)
class Interpretation:
    """What a message does. ``understood``: it edits the draft (``kind`` generation or edit); an
    ``answer`` (a question, "nothing to undo") and ``none`` (not understood) leave it as it was.
    ``draft`` is a new dict either way, and ``history`` the session's history after the message.
    ``edits`` are its parts, each with the words that asked for it."""

    understood: bool
    draft: dict[str, Any]
    reply: str
    kind: Kind
    tool: str
    history: History = field(default_factory=History)
    edits: tuple[Edit, ...] = ()


def interpret(text: str, draft: dict[str, Any], library: Sequence[dict[str, Any]],
              history: History | None = None) -> Interpretation:
    """Interpret ``text`` against the session's ``draft``, uploaded ``library`` (its ``video_infos``) and
    ``history`` (none: a message on its own). Pure: the inputs are not modified."""
    history = history or History()
    sentence = normalise_spacing(text)
    try:
        command = None if is_canonical(sentence) else commands.read(sentence)
        if command is not None:
            return _command(command, text, draft, library, history)
        if (more := _MORE.fullmatch(sentence.lower())) and history.done and history.done[-1].relative:
            # "a bit more" after "make the music quieter": its relative edits once more (not the rest of that
            # message), each a step of the size said now ("more": a plain step, "a bit more": a small one).
            # The step keeps that message, so a further "more" or "again" reads the same words.
            step = history.done[-1]
            degree = next((h.meaning for h in lexicon.find("degree", more[0])), None)
            steps = free_text.read(", ".join(step.relative), draft, library, history, degree=degree)
            if not steps:
                return _refuse(text, draft, None, history)
            return _done(step.message, draft, steps, history)
        if (last := commands.trailing(sentence)) is not None:
            # "that's worse, undo", "never mind, redo": the words before only comment on the command
            head, command = last
            if command.kind != "again" or not interpret(head, draft, library, history).understood:
                return _command(command, text, draft, library, history)
        if (first := commands.leading(sentence)) is not None:  # "undo that and pan left instead"
            command, rest = first
            undone = _command(command, text, draft, library, history)
            if not undone.understood:
                return undone
            then = interpret(rest, undone.draft, library, undone.history)
            if not then.understood:
                return undone
            return _then(undone, then, draft, history)
        edits = canonical(sentence, draft, library)
        if edits is None:
            edits = free_text.read(sentence, draft, library, history)
    except NotUnderstood as exc:
        return _refuse(text, draft, str(exc), history)
    except Ask as exc:
        return _answer(str(exc), draft, history)
    if not edits:
        return _refuse(text, draft, None, history)
    return _done(text, draft, edits, history)


def normalise_spacing(text: str) -> str:
    """``text`` with runs of whitespace outside quotes made one space, and the ends stripped."""
    out, pos = [], 0
    for m in _VERBATIM.finditer(text):
        out += [re.sub(r"\s+", " ", text[pos:m.start()]), m[0]]
        pos = m.end()
    out.append(re.sub(r"\s+", " ", text[pos:]))
    return "".join(out).strip()


def _done(text: str, draft: dict[str, Any], edits: list[Edit], history: History) -> Interpretation:
    result = edits[-1].draft
    summary = " ".join(e.summary for e in edits)
    if result != draft:  # a change that changes nothing ("make it 9:16" of a 9:16 clip) is no undo level
        touched = tuple(dict.fromkeys(t for e in edits for t in e.touched))
        relative = tuple(dict.fromkeys(e.words for e in edits if e.relative))
        history = history.record(Step(draft, result, summary, touched, text, relative))
    generation = any(e.motion for e in edits)
    return Interpretation(True, result, "Done. " + summary, "generation" if generation else "edit",
                          GENERATE_TOOL if generation else EDIT_TOOL, history, tuple(edits))


def _command(command: commands.Command, text: str, draft: dict[str, Any], library: Sequence[dict[str, Any]],
             history: History) -> Interpretation:
    if command.kind == "restore":  # "put it back": what was just undone, else what the last change did
        command = replace(command, kind="redo" if history.undone else "undo")
    if command.kind == "again":
        if not history.done:
            return _answer("There is no earlier change to do again.", draft, history)
        message = history.done[-1].message
        again = interpret(message, draft, library, history)
        if again.understood:
            return again
        return _answer(f'Doing "{message}" again changes nothing: {again.reply}', draft, history)
    if command.kind in ("undo", "undo-all"):
        count = len(history.done) if command.kind == "undo-all" else command.count
        after, steps = history.undo(count)
        if not steps:
            return _answer("There is nothing to undo: no change has been made in this session yet."
                           if not history.undone else "There is nothing more to undo.", draft, history)
        restored = steps[-1].before
        words = "; ".join(_quiet(s.summary) for s in steps)
        reply = f"Done. Undid {_count(len(steps), count)}: {words}"
    else:
        after, steps = history.redo(command.count)
        if not steps:
            return _answer("There is nothing to redo.", draft, history)
        restored = steps[-1].after
        words = "; ".join(_quiet(s.summary) for s in steps)
        reply = f"Done. Redid {_count(len(steps), command.count)}: {words}"
    return Interpretation(True, copy.deepcopy(restored), reply, "edit", EDIT_TOOL, after)


def _then(first: Interpretation, then: Interpretation, draft: dict[str, Any],
          history: History) -> Interpretation:
    """A command and the edit after it, as one turn: both replies, the edit's kind, and one undo level.

    The message is one change (specs/instructions.md, "Undo and redo": every understood message that changes
    something is one level, and "undo" restores the draft as it was before it): its step goes from the
    draft before the command to the draft after the edit, on the history before the command. So after
    "pan right", "undo that and pan left instead", an "undo" takes back the whole message (the pan left
    goes, the pan right is back) and a second "undo" the pan right. The step keeps the edit's own words and
    relative words: "again" and "more" take the edit once more, never the command. When the rest is a
    command too ("undo, undo") or changes nothing, the command's history stands; a message whose parts
    cancel out ("undo that and pan right" after "pan right") changes nothing and is no level."""
    reply = first.reply + " Then: " + then.reply.removeprefix("Done. ")
    if then.draft == draft:
        return Interpretation(True, then.draft, reply, then.kind, then.tool, history)
    done = then.history.done
    if then.history is first.history or not done or done[-1].after is not then.draft:
        return Interpretation(True, then.draft, reply, then.kind, then.tool, then.history)
    step = replace(done[-1], before=draft, summary=reply.removeprefix("Done. "))
    return Interpretation(True, then.draft, reply, then.kind, then.tool, history.record(step))


def _quiet(summary: str) -> str:
    return summary[0].lower() + summary[1:] if summary else summary


def _count(done: int, asked: int) -> str:
    if done == 1:
        return "the last change" if asked <= 1 else "the only change there was"
    return f"the last {done} changes" + (f" (all there were; {asked} asked)" if done < asked else "")


def _answer(reply: str, draft: dict[str, Any], history: History) -> Interpretation:
    return Interpretation(False, copy.deepcopy(draft), reply, "answer", "", history)


def _refuse(text: str, draft: dict[str, Any], reason: str | None, history: History) -> Interpretation:
    shown = text.strip()
    shown = shown if len(shown) <= 80 else shown[:77] + "..."
    reply = f'I didn\'t understand "{shown}"' + (f": {reason}" if reason else
        ". Try for example: \"animate this image with a slow zoom-in and leftward pan\".")
    return Interpretation(False, copy.deepcopy(draft), reply, "none", "", history)
