"""A session's editing history, as a value: the drafts before and after each change (for undo and redo) and
what the last changes touched (for "it", "that title", "faster").

Pure and immutable: every method returns a new ``History``. The interpreter reads one and returns the next;
the mock's store keeps one per session (so callers never see each other's), and records uploads in it too.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

Draft = dict[str, Any]

# How many changes "undo" can take back (and "redo" bring again). Each level keeps two drafts of a few KB,
# so a session's history stays small whatever its length; 20 is more than a conversation about one clip
# goes back in practice (CapCut's own assistant keeps 20 too).
UNDO_DEPTH = 20
# How many touched things "that title" / "the one I just added" may look back over.
_RECENT = 12


@dataclass(frozen=True)
class Step:
    """One change of the draft: the drafts around it, the reply's words for it and what it touched.

    ``touched`` names things of the draft: ``motion:zoom``, ``motion:x``, ``motion:y``, ``motion:roll``,
    ``text:<segment id>``, ``music``, ``clip``, ``aspect``, ``image``. ``message`` is the instruction that
    made it ("again" reads it once more); ``relative`` holds the words of its relative edits, the ones that
    changed a value by a step ("make the music quieter"): "a bit more" takes those steps again, and only
    those (not the title the same message added).
    """

    before: Draft
    after: Draft
    summary: str
    touched: tuple[str, ...]
    message: str = ""
    relative: tuple[str, ...] = ()


@dataclass(frozen=True)
class History:
    """``done`` oldest first (at most ``UNDO_DEPTH``), ``undone`` in the order they were undone."""

    done: tuple[Step, ...] = ()
    undone: tuple[Step, ...] = ()
    recent: tuple[str, ...] = ()  # things touched, most recent first, each once
    last: tuple[str, ...] = ()  # what the latest change (or undo, or redo) touched: what "it" means first

    def record(self, step: Step) -> History:
        """After a new change: it can be undone, and nothing undone before it can be redone any more."""
        return History(done=(*self.done, step)[-UNDO_DEPTH:], undone=(),
                       recent=_touch(self.recent, step.touched), last=step.touched)

    def undo(self, count: int) -> tuple[History, list[Step]]:
        """Take back up to ``count`` changes: the new history and the steps undone, latest first."""
        done, undone, steps = _shift(self.done, self.undone, count)
        return self._after(done, undone, steps), steps

    def redo(self, count: int) -> tuple[History, list[Step]]:
        """Bring back up to ``count`` undone changes: the new history and the steps redone, in order."""
        undone, done, steps = _shift(self.undone, self.done, count)
        return self._after(done, undone, steps), steps

    def _after(self, done: tuple[Step, ...], undone: tuple[Step, ...], steps: list[Step]) -> History:
        if not steps:
            return self
        touched = tuple(t for s in steps for t in s.touched)
        return replace(self, done=done, undone=undone, recent=_touch(self.recent, touched), last=touched)


def _shift(source: tuple[Step, ...], target: tuple[Step, ...],
           count: int) -> tuple[tuple[Step, ...], tuple[Step, ...], list[Step]]:
    """Move the last ``count`` steps of ``source`` onto ``target`` (latest first, each kept bounded)."""
    steps = list(reversed(source[len(source) - min(count, len(source)):]))
    return source[:len(source) - len(steps)], (*target, *steps)[-UNDO_DEPTH:], steps


def _touch(recent: tuple[str, ...], touched: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys((*touched, *recent)))[:_RECENT]
