"""The anonymous-token cache: ``<config dir>/credentials.json``, mode 0600, one entry per base URL.

The file is created 0600 (never chmod-ed after, so there is no moment it is readable by others) and
replaced atomically. It is the only place a token is ever written to disk.

The cache is a convenience, never a reason for a command to fail: a damaged file (bad JSON, wrong types,
an expiry no clock can hold, a directory in its place) reads as empty and is replaced by the next write;
a cache that cannot be written (the config dir is a file, read-only, immutable) is one warning, and the
client keeps its token in memory for the rest of the process.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import uuid
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

FILE_NAME = "credentials.json"
# Renew a little before the expiry so a token does not lapse between check and use.
EXPIRY_MARGIN = timedelta(minutes=5)


def new_client_id() -> str:
    """A fresh ``X-Client-Id``."""
    return str(uuid.uuid4())


def parse_expiry(value: object) -> datetime | None:
    """``expires_at`` as the API sends it (ISO-8601, or epoch seconds/ms) → aware datetime."""
    # Beyond datetime's range (1e300, inf, nan, year 0) is "no usable expiry", never an OverflowError.
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            seconds = value / 1000 if value > 1e11 else value
            return datetime.fromtimestamp(seconds, UTC)
        except (OverflowError, OSError, ValueError):
            return None
    if isinstance(value, str) and value:
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return None


@dataclass(frozen=True)
class Credentials:
    """A client id and, once fetched, its anonymous token with the expiry."""

    client_id: str
    token: str | None = field(default=None, repr=False)
    expires_at: datetime | None = None

    def usable(self, now: datetime) -> bool:
        """Whether the token can be used now (present and not about to expire)."""
        if not self.token or self.expires_at is None:
            return False
        try:
            return now < self.expires_at - EXPIRY_MARGIN
        except OverflowError:  # an expiry at datetime.min
            return False

    def without_token(self) -> Credentials:
        return replace(self, token=None, expires_at=None)

    def __repr__(self) -> str:
        token = "None" if self.token is None else "'***'"
        return f"Credentials(client_id={self.client_id!r}, token={token}, expires_at={self.expires_at!r})"


class CredentialStore:
    """Reads and writes the cache file; see the module docstring for what a damaged or unwritable one does."""

    def __init__(self, config_dir: Path) -> None:
        self.path = Path(config_dir) / FILE_NAME
        self._unwritable = False  # warned once; later saves are skipped quietly

    def _read_all(self) -> dict[str, Any]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError, RecursionError):  # unreadable, a directory, bad JSON or UTF-8
            log.debug("credentials cache %s is unreadable; treating it as empty", self.path)
            return {}
        apis = data.get("apis") if isinstance(data, dict) else None
        return apis if isinstance(apis, dict) else {}

    def load(self, base_url: str) -> Credentials | None:
        """The cached entry for ``base_url``, or ``None`` (also for an entry of the wrong shape)."""
        entry = self._read_all().get(base_url)
        client_id = entry.get("client_id") if isinstance(entry, dict) else None
        if not isinstance(client_id, str) or not client_id.strip() or len(client_id) > 200:
            return None
        assert isinstance(entry, dict)
        token = entry.get("token")
        return Credentials(
            client_id=client_id,
            token=token if isinstance(token, str) and token else None,
            expires_at=parse_expiry(entry.get("expires_at")),
        )

    def save(self, base_url: str, credentials: Credentials) -> bool:
        """Write the entry for ``base_url``, keeping the others; ``False`` if the cache cannot be written
        (warned about once, and the caller keeps the credentials in memory)."""
        if self._unwritable:
            return False
        apis = self._read_all()
        apis[base_url] = {
            "client_id": credentials.client_id,
            "token": credentials.token,
            "expires_at": credentials.expires_at.isoformat() if credentials.expires_at else None,
        }
        try:
            self._write({"version": 1, "apis": apis})
        except OSError as exc:
            self._unwritable = True
            reason = exc.strerror or type(exc).__name__
            log.warning("motionctl: warning: cannot write the credentials cache %s (%s); the token is kept "
                        "in memory for this run only (fix the folder, or set NEMO_TOKEN)", self.path, reason)
            return False
        return True

    def _write(self, document: dict[str, Any]) -> None:
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        if self.path.is_dir() and not self.path.is_symlink():
            # A directory where the file belongs (a mistaken mkdir): an empty one is replaced; one with
            # contents is somebody's, so it stays and the write fails (and warns) below.
            with contextlib.suppress(OSError):
                self.path.rmdir()
        temp = self.path.with_name(f".{FILE_NAME}.{uuid.uuid4().hex}.tmp")
        # O_EXCL + mode 0o600: the file holds a secret from its first byte.
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(document, handle, indent=2)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temp, self.path)
        except BaseException:
            temp.unlink(missing_ok=True)
            raise
