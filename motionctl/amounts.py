"""specs/motion.md's amounts for speed words, shared by the mock's interpreter (which applies them to a
sentence) and the recipe checks (which work out the frame a move needs before anything is sent)."""

from __future__ import annotations

#: speed word → (zoom ``a``, pan/tilt ``a`` as fractions of the frame, roll in degrees).
SPEED_AMOUNTS: dict[str, tuple[float, float, float]] = {
    "slow": (0.10, 0.05, 3.0), "medium": (0.20, 0.10, 6.0), "fast": (0.35, 0.20, 12.0)}
#: The speed of a move that names none.
DEFAULT_SPEED = "medium"
