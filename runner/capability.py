"""Which part of a link works like a password, by one rule for everything a run writes down.

A CDN or signed URL gives its file to whoever holds it (README, "The mock server"). Cassettes
(runner/cassette/scrub.py) and journals and reports (runner/journal.py) both hide such parts; with two rules
a key one of them missed stayed whole in a cassette and passed ``cassette verify``. A secret's rule errs on
the side of hiding: a random key may have a single digit in it (``Xk9aQpLrTzWmBvNcYh2dEf``).

Pure, and at the bottom of the runner's layers, so every side may import it.
"""

from __future__ import annotations

import re

# Long, of URL-safe characters, with a digit in it: a CDN's random key, a signed name. File names (they have
# a dot) and words stay.
_UNGUESSABLE = re.compile(r"(?=[^/]*\d)[A-Za-z0-9_-]{16,}")


def unguessable(segment: str) -> bool:
    """Whether a URL path segment is one nobody could guess, so it must not be written down."""
    return _UNGUESSABLE.fullmatch(segment) is not None
