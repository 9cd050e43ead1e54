"""The renderer's one error: the draft or its media cannot be rendered as given."""

from __future__ import annotations


class RenderInputError(ValueError):
    """Bad render input: no video segment, missing or unreadable media, impossible values.

    The message is one line that names the segment or file and says what to fix. The mock server turns it
    into a failed render job; it is deliberately not a ``runner.errors`` class (the mock knows nothing of
    the runner).
    """
