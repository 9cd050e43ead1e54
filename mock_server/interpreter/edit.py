"""What reading one part of a message gives: an edit of the draft, or a reason it gives none."""

from __future__ import annotations

from dataclasses import dataclass

from ..drafts import Draft


@dataclass(frozen=True)
class Edit:
    """A new draft, the reply's words for the change, what it touched (history.py's names), whether it
    changed the camera motion (the mock's generation tool) rather than the timeline only, and the words of
    the message that asked for it (for ``motionctl explain``): a clause of its own, or (``whole``) the words
    left to the free-text reading of the aspect, the duration and the camera grammar."""

    draft: Draft
    summary: str
    touched: tuple[str, ...] = ()
    motion: bool = False
    words: str = ""
    whole: bool = False
    relative: bool = False  # a step of a relative word ("quieter"), not a value said


class NotUnderstood(Exception):
    """An instruction that parsed but cannot apply to this draft; the message says why."""


class Ask(Exception):
    """An instruction that has nothing to act on (no music to make quieter, nothing to undo): the message
    is the whole reply, and nothing changes. A clause that raises it is left to the other readings first:
    "no rotation, slow push in" of a still image is a push in."""


class Answer(Ask):
    """A definite answer that ends the message: what it asks cannot be done here, and the reply says why
    ("the camera move always starts with the clip")."""


class Ambiguous(Answer):
    """An instruction the draft does not settle ("the title" of two): the reply asks which, and nothing
    changes, whatever else the message says. It never guesses."""


def fmt(x: float) -> str:
    """A number as the replies write it: no trailing zeros, at most two decimals."""
    return f"{round(x, 2):g}"


def seconds(ms: float) -> str:
    return f"{fmt(ms / 1000)} s"
