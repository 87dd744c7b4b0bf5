"""Processes seen through /proc (Linux): state, children, and a check that the test suite leaves none behind."""

from __future__ import annotations

import ctypes
import os
import signal
import sys
from pathlib import Path

PR_SET_CHILD_SUBREAPER = 36


def _stat(pid: int) -> list[str]:
    """The fields of /proc/PID/stat after the command name: [state, ppid, ...]; [] when the process is gone."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return []


def state(pid: int) -> str:
    """R, S, T (stopped), Z (exited, not yet reaped)..., or "gone"."""
    fields = _stat(pid)
    return fields[0] if fields else "gone"


def alive(pid: int) -> bool:
    return state(pid) not in ("gone", "Z")


def children(parent: int) -> list[int]:
    """The live processes whose parent is `parent`."""
    pids = (int(entry.name) for entry in Path("/proc").iterdir() if entry.name.isdigit())
    return [pid for pid in pids if (fields := _stat(pid)) and fields[0] != "Z" and int(fields[1]) == parent]


def descendants(parent: int) -> list[int]:
    """The live processes below `parent`: its children, theirs, and so on."""
    found, pending = [], [parent]
    while pending:
        below = children(pending.pop())
        found += below
        pending += below
    return found


def adopt_orphans() -> bool:
    """Make this process the subreaper of its descendants, so one orphaned by a killed child becomes our child
    (and visible to `children(os.getpid())`) instead of init's. False where that is not available."""
    if not sys.platform.startswith("linux"):
        return False
    return ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0


def kill_leftovers() -> list[str]:
    """SIGKILL every live child of this process; returns their command lines (to say what was left behind)."""
    left = []
    for pid in children(os.getpid()):
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            left.append(f"{pid}: {command[:200]}")
            os.kill(pid, signal.SIGKILL)
        except (FileNotFoundError, ProcessLookupError):
            continue
    return left
