"""What the crawl process hands to its cleaning pool, by a reference that does not import the work itself: pickling
a function imports its module, and the crawl process has no use for trafilatura's ~60 MB."""

from __future__ import annotations

import ctypes
import os
import signal
from typing import Any

PR_SET_PDEATHSIG = 1  # from <sys/prctl.h>


def clean(*args: Any, **kwargs: Any) -> Any:
    """newsmon.cleaning.clean, imported in the worker (where the pool's fork server has loaded it already)."""
    from newsmon.cleaning.cleaner import clean as run

    return run(*args, **kwargs)


def die_with_parent() -> None:
    """Have Linux kill this process when its parent dies. The fork server (child of the crawl process) and each worker
    (child of the fork server) call it, so a crawl process killed outright takes its whole pool with it: each
    worker holds the fork server's keep-alive pipe, so neither would ever notice on its own."""
    parent = os.getppid()
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(1)
