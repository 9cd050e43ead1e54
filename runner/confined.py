"""Writing a file inside a folder and nowhere else: links are resolved before, and never followed at the end.

A recipe may come from someone else's repository, and so may the folders a run writes into: ``out/sub`` can
be a link to the user's home, ``report.json`` a link to a file they care about. The ``..`` and absolute-path
checks read only the text of a path; these read the disk. Every file a run writes (clips, goldens, reports,
its records) is written here:

- its folder is made if missing and resolved, links and all, and must lie inside the root the user chose
  (``--out``, the run directory, the report folder); otherwise ``OutsideFolder`` names the link;
- the file is written under a fresh name (``O_CREAT | O_EXCL | O_NOFOLLOW``) through a descriptor of that
  checked folder, then renamed over its destination: a link there is replaced, never written through, and
  readers see the old file or the new one, never half.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from .errors import UsageError

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_DIRECTORY = getattr(os, "O_DIRECTORY", 0)
# openat() and renameat(): the folder checked is the folder written (POSIX; elsewhere paths are used).
_AT = os.open in os.supports_dir_fd and os.rename in os.supports_dir_fd


class OutsideFolder(UsageError):
    """A path a run would write leads outside its folder through a link (exit 2)."""


def escape(root: Path, path: Path) -> str | None:
    """Why ``path`` (inside ``root`` as written) does not lie inside ``root`` once links are resolved, naming
    the first link on the way that leads out; ``None`` if it stays inside."""
    real_root = root.resolve()
    current = root
    for part in path.relative_to(root).parts:
        current = current / part
        try:
            link = stat.S_ISLNK(os.lstat(current).st_mode)
        except OSError:  # missing (or not a folder): nothing past it can be a link yet
            return None
        if link and not current.resolve().is_relative_to(real_root):
            return f"{current} is a link to {current.resolve()}, outside {root}"
    return None


def folder_inside(root: Path, folder: Path) -> Path:
    """``folder`` made (with its parents) and resolved, once it is known to lie inside ``root``.

    Raises:
        OutsideFolder: a link on the way leads out of ``root``; nothing was made.
    """
    problem = escape(root, folder)
    if problem is None:
        folder.mkdir(parents=True, exist_ok=True)
        problem = escape(root, folder)  # what was made in between, by someone else
    if problem:
        raise OutsideFolder(f"{folder} is not inside {root}: {problem}",
                            hint="remove the link, or write somewhere else")
    return folder.resolve()


@contextlib.contextmanager
def replacing(root: Path, dest: Path, *, durable: bool = False) -> Iterator[BinaryIO]:
    """A new file to write ``dest``'s content into; on a clean exit it replaces ``dest`` (a link there too).

    ``dest`` must be inside ``root`` as written (``root / relative``); on any error ``dest`` is left as it
    was and the partial file is removed. ``durable`` fsyncs the content before the rename.

    Raises:
        OutsideFolder: ``dest``'s folder leads out of ``root`` through a link.
    """
    folder = folder_inside(root, dest.parent)
    temp = f".{uuid.uuid4().hex[:16]}.part"  # short: a 255-byte name stays a legal name beside it
    if not _AT:  # pragma: no cover — Windows: no descriptor-relative calls, the resolved folder's paths
        with _new_file(str(folder / temp), None) as handle:
            yield handle
            if durable:
                os.fsync(handle.fileno())
        os.replace(folder / temp, folder / dest.name)
        return
    fd = os.open(folder, os.O_RDONLY | _DIRECTORY)
    try:
        if not os.path.samestat(os.fstat(fd), os.stat(folder)):  # pragma: no cover — swapped in between
            raise OutsideFolder(f"{dest.parent} changed while it was being written", hint="run again")
        try:
            with _new_file(temp, fd) as handle:
                yield handle
                if durable:
                    handle.flush()
                    os.fsync(handle.fileno())
            os.replace(temp, dest.name, src_dir_fd=fd, dst_dir_fd=fd)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temp, dir_fd=fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def _new_file(name: str, folder_fd: int | None) -> Iterator[BinaryIO]:
    # O_EXCL: never a file someone else made; O_NOFOLLOW: never through a link; 0o666 & umask like any file.
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | getattr(os, "O_BINARY", 0)
    fd = os.open(name, flags, 0o666, dir_fd=folder_fd)
    with os.fdopen(fd, "wb") as handle:
        yield handle


def write_bytes(path: Path, data: bytes, *, root: Path | None = None, durable: bool = False) -> None:
    """Write ``data`` to ``path`` inside ``root`` (default: its own folder), atomically."""
    with replacing(root or path.parent, path, durable=durable) as handle:
        handle.write(data)


def write_text(path: Path, text: str, *, root: Path | None = None, durable: bool = True) -> None:
    """Write ``text`` (UTF-8) to ``path`` inside ``root`` (default: its own folder), atomically."""
    write_bytes(path, text.encode("utf-8"), root=root, durable=durable)


def copy_file(source: Path, dest: Path, *, root: Path) -> None:
    """Copy ``source`` to ``dest`` inside ``root``, atomically."""
    with source.open("rb") as reader, replacing(root, dest) as handle:
        shutil.copyfileobj(reader, handle)


def open_append(path: Path) -> int:
    """A descriptor appending to ``path`` (made if missing), refusing a link in its place."""
    return os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | _NOFOLLOW, 0o666)
