"""Named stop points for fault-injection tests: NEWSMON_FAULT_POINT=NAME[:ACTION] makes the process act at `NAME`.

ACTION is `kill` (SIGKILL itself, as an OOM kill or a power cut would; the default), `stop` (SIGSTOP itself: frozen
until someone sends SIGCONT) or `raise` (a RuntimeError, as a bug would). Unset, a point costs one dict lookup.
"""

from __future__ import annotations

import os
import signal
import threading

POINTS = (
    "after-match",
    "after-claim",
    "before-smtp",
    "after-smtp",
    "after-journal",
    "after-sent-to",
    "dedupe-lookup",
    "index-write",
)


class InjectedFault(RuntimeError):
    """Raised at a point whose action is `raise`."""


def point(name: str) -> None:
    wanted, _, action = os.environ.get("NEWSMON_FAULT_POINT", "").partition(":")
    if wanted != name:
        return
    if action == "raise":
        raise InjectedFault(f"fault injected at {name}")
    # To this thread, not the process: a process-wide signal may be taken by another thread while this one runs on
    # for a moment (and, say, sends the mail it was meant to stop before).
    signal.pthread_kill(threading.get_ident(), signal.SIGSTOP if action == "stop" else signal.SIGKILL)
