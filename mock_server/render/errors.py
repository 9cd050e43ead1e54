"""The renderer's one error (the draft or its media cannot be rendered as given) and the file check
every media input goes through first."""

from __future__ import annotations

from pathlib import Path

from ...units import format_size

# The API's upload limit for images; music files are held to the same.
MAX_FILE_BYTES = 50 * 1024 * 1024


class RenderInputError(ValueError):
    """Bad render input: no video segment, missing or unreadable media, impossible values.

    The message is one line that names the segment or file and says what to fix. The mock server turns it
    into a failed render job; it is deliberately not a ``runner.errors`` class (the mock knows nothing of
    the runner). ``detail`` is the message without the draft location it starts with, for checks that
    locate it themselves (measure.py).
    """

    def __init__(self, message: str, *, detail: str | None = None) -> None:
        super().__init__(message)
        self.detail = detail or message


def check_media_file(path: Path, label: str) -> None:
    """Refuse a media file that cannot be read or is over the 50 MB limit, before decoding it.

    Args:
        path: the local file.
        label: how messages name it, e.g. ``"image cdn://x.jpg"``.

    Raises:
        RenderInputError: naming ``label`` and what to do.
    """
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise RenderInputError(f"{label}: cannot read {path} ({exc.strerror}); check the media map") from None
    if size > MAX_FILE_BYTES:
        limit = format_size(MAX_FILE_BYTES)
        raise RenderInputError(f"{label}: {format_size(size)} is over the {limit} limit; use a smaller file")
