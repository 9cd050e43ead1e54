"""What the tests ask of other processes (render workers, a run in a subprocess), read from Linux's /proc."""

from __future__ import annotations

import contextlib
import os
import shutil
from pathlib import Path


def _stat(pid: int) -> list[str]:
    # The fields after "(comm)": state, ppid, …; comm may hold spaces and parentheses, hence the split.
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def alive(pid: int) -> bool:
    """Running: not gone, and not a zombie waiting for a parent that no longer exists to reap it."""
    try:
        return _stat(pid)[0] != "Z"
    except OSError:
        return False


def children(pid: int) -> list[int]:
    """The processes whose parent is ``pid``."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, IndexError, ValueError):
            if int(_stat(int(stat.parent.name))[1]) == pid:
                found.append(int(stat.parent.name))
    return found


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time the process has used so far."""
    fields = _stat(pid)
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def lacks(program: str) -> bool:
    """Whether a test that runs ``program`` should be skipped: never in CI (``CI`` set), where .ci/run
    installs every program a test needs, so a missing one fails there instead of passing as a skip."""
    return shutil.which(program) is None and not os.environ.get("CI")
