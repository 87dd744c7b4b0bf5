"""Worker processes that exit when the process that started them dies, even by SIGKILL or the OOM killer.

A pool's workers otherwise outlive a killed parent: they wait on a pipe whose other end they hold themselves (each
worker also holds the fork server's keep-alive pipe, so the fork server never notices either). Two means, by parent:
- a parent-death signal (prctl PR_SET_PDEATHSIG) fires when the *thread* that forked the process exits. That is
  exact for the cleaning workers, whose parent is the single-threaded fork server;
- the fork server's own parent is the threaded crawl process, where the forking thread may end any time, so the
  fork server watches its parent's pid instead.
"""

from __future__ import annotations

import ctypes
import os
import signal
import threading
import time

CHECK_EVERY = 0.5  # seconds
# The pid of the process a fork server works for, handed down in the environment: a fork server whose parent was
# killed while it was still starting would otherwise take its new parent (init, a subreaper) for its own.
PARENT = "NEWSMON_POOL_PARENT"
PR_SET_PDEATHSIG = 1  # from <sys/prctl.h>


def exit_with_parent(parent: int) -> None:
    """A daemon thread ends this process once its parent `parent` is gone (it is re-parented), or at once when
    `parent` is already not its parent."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(CHECK_EVERY)
        os._exit(1)  # nothing to flush: the parent that would read our results is dead

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


def die_with_parent() -> None:
    """Pool initializer: have Linux kill this process when the thread that forked it (the fork server's) ends."""
    parent = os.getppid()
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(1)
