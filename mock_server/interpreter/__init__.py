"""The mock's "agent": turns one instruction into a draft edit, purely.

- ``instruction``: the canonical sentences of specs/instructions.md and the free-text edits (text, music,
  aspect, duration, removal, switching images), and the reply.
- ``camera``: the camera grammar for free text: it reads the moves a person describes (English and
  Chinese) and builds specs/motion.md's ``motion`` value, saying what it understood and what it ignored.
- ``clauses`` splits normalised text (``normalise``) into clauses of tokens from ``vocabulary``.
"""

from .camera import Reading, read_camera
from .instruction import Interpretation, interpret

__all__ = ["Interpretation", "Reading", "interpret", "read_camera"]
