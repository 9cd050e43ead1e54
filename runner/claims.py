"""Claiming the files a run writes in ``--out``, so that two runs at once never write the same clip.

Two runs into one ``--out`` used to both exit 0, the second silently overwriting the first's clips. A run
now claims its export destinations before its first call: ``<out>/.motionctl-claim-<pid>-<n>.json`` lists
them, and the run holds an exclusive ``flock`` on that file until it ends, when it is removed. A second run
whose destinations overlap a live claim is refused (exit 2), naming the other run and a file both would
write; runs that write different files (the shards of one campaign, ``--job`` selections) go on side by
side. The kernel releases a lock when its process dies, so a claim left by a killed run is stale the moment
it is found, and removed. A short-held ``flock`` on the ``--out`` folder itself makes check-then-claim one
step.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from .confined import folder_inside
from .errors import UsageError

try:
    import fcntl
except ImportError:  # pragma: no cover — Windows: no flock; runs are not checked against each other
    fcntl = None  # type: ignore[assignment]

CLAIM_PREFIX = ".motionctl-claim-"
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


class OutputInUse(UsageError):
    """Another run is writing a file this run would write (exit 2)."""


@contextlib.contextmanager
def claimed(out_dir: Path, dests: Iterable[Path], what: str) -> Iterator[None]:
    """Hold a claim on ``dests`` (inside ``out_dir``) for the block; ``what`` says who claims (a command).

    Raises:
        OutputInUse: a live run claims one of ``dests``.
    """
    files = sorted({os.path.relpath(d, out_dir) for d in dests})
    if fcntl is None or not files:
        yield
        return
    made = not out_dir.exists()  # then it goes again if the run leaves nothing in it
    with _locked(out_dir) as folder:
        for claim in sorted(folder.glob(f"{CLAIM_PREFIX}*.json")):
            other = _live(claim)
            shared = sorted(set(files) & set(other.get("files", ()))) if other is not None else []
            if other is not None and shared:
                since = time.strftime("%H:%M:%S", time.localtime(other.get("since", 0)))
                raise OutputInUse(
                    f"{out_dir / shared[0]} is being written by another run ({other.get('what')}, pid "
                    f"{other.get('pid')}, since {since})" + (f" with {len(shared) - 1} more of this run's "
                                                             "files" if len(shared) > 1 else ""),
                    hint="wait for it to finish, or give this run another --out")
        fd, path = _new_claim(folder)
        os.write(fd, json.dumps({"what": what, "pid": os.getpid(), "since": time.time(),
                                 "files": files}).encode())
    try:
        yield
    finally:
        with _locked(out_dir) as folder:
            path.unlink(missing_ok=True)
            os.close(fd)
            if made:
                with contextlib.suppress(OSError):  # not empty: clips, or another run's claim
                    folder.rmdir()


def _live(claim: Path) -> dict[str, Any] | None:
    """The claim's content if its run still holds it; a stale claim is removed."""
    try:
        fd = os.open(claim, os.O_RDONLY | _NOFOLLOW)
    except OSError:
        return None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:  # held: its run is alive
            with os.fdopen(os.dup(fd), "rb") as handle:
                try:
                    content = json.load(handle)
                except ValueError:
                    return None
            return content if isinstance(content, dict) else None
        claim.unlink(missing_ok=True)  # nobody holds it: its run is gone
        return None
    finally:
        os.close(fd)


def _new_claim(folder: Path) -> tuple[int, Path]:
    for n in range(1, 1000):
        path = folder / f"{CLAIM_PREFIX}{os.getpid()}-{n}.json"
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, 0o644)
        except FileExistsError:
            continue
        fcntl.flock(fd, fcntl.LOCK_EX)
        return fd, path
    raise OutputInUse(f"{folder}: too many claims by this process")  # pragma: no cover — 999 runs at once


@contextlib.contextmanager
def _locked(out_dir: Path) -> Iterator[Path]:
    """``out_dir`` (made if missing, resolved) while this process alone holds its lock."""
    while True:
        folder = folder_inside(out_dir, out_dir)
        fd = os.open(folder, os.O_RDONLY)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            if os.fstat(fd).st_nlink:  # not removed, by a run that made it and left it empty, meanwhile
                yield folder
                return
        finally:
            os.close(fd)
