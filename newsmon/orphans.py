"""Worker processes that exit when the process that started them dies, even by SIGKILL or the OOM killer.

A pool's workers otherwise outlive a killed parent: they wait on a pipe whose other end they hold themselves. A
parent-death signal (prctl PR_SET_PDEATHSIG) fires when the *thread* that forked the worker exits, which in a
threaded parent can be any time, so each worker watches its parent's pid instead.
"""

from __future__ import annotations

import os
import threading
import time

CHECK_EVERY = 0.5  # seconds


def exit_with_parent(parent: int) -> None:
    """Pool initializer: a daemon thread ends this process once its parent is gone (it is re-parented)."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(CHECK_EVERY)
        os._exit(1)  # nothing to flush: the parent that would read our results is dead

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()
