"""The mock's "agent": turns a message into a draft edit and a reply, read against the conversation. Pure.

- ``instruction``: the entry point, ``interpret(text, draft, library, history)``; ``history``: the undo and
  redo levels and what the last changes touched, as a value the store keeps per session.
- ``canonical``: the canonical sentences of specs/instructions.md. ``commands``: undo, redo, again.
- ``free_text``: free words, clause by clause: ``requests`` reads what each asks, ``references`` resolves
  what it speaks of ("it", "the second title"), ``perform`` acts through ``adjust_camera``,
  ``adjust_media`` and ``titles``; the rest goes to ``camera``, the camera grammar, whose moves merge into
  the current motion.
- ``vocabulary`` (camera words) and ``edit_words`` (editing words, relative steps) are the words, as data;
  ``clauses`` and ``lexicon`` find them in ``normalise``d text.
"""

from .camera import Reading, read_camera
from .history import UNDO_DEPTH, History, Step
from .instruction import Interpretation, interpret

__all__ = ["UNDO_DEPTH", "History", "Interpretation", "Reading", "Step", "interpret", "read_camera"]
