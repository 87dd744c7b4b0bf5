"""What the crawl process hands to its cleaning pool, by a reference that does not import the work itself: pickling
a function imports its module, and the crawl process has no use for trafilatura's ~60 MB."""

from __future__ import annotations

from typing import Any


def clean(*args: Any, **kwargs: Any) -> Any:
    """newsmon.cleaning.clean, imported in the worker (where the pool's fork server has loaded it already)."""
    from newsmon.cleaning.cleaner import clean as run

    return run(*args, **kwargs)
