"""The crawl process's C heap: few malloc arenas (set before any thread starts), free pages given back."""

from __future__ import annotations

import ctypes

M_ARENA_MAX = -8  # from <malloc.h>
ARENAS = 2


def limit_malloc_arenas(arenas: int = ARENAS) -> None:
    """Have glibc keep at most `arenas` malloc arenas. By default each new thread gets an arena of its own (up to 8
    per core), and what a thread frees stays in its arena: the crawl process's worker threads (index, dedupe, lease)
    held ~15 MiB that way during the ingest benchmark, at the same speed with 2 (bench/README.md)."""
    mallopt = getattr(ctypes.CDLL(None), "mallopt", None)
    if mallopt is not None:  # glibc; another C library has its own allocator and nothing to limit here
        mallopt(M_ARENA_MAX, arenas)


def release_free_heap() -> None:
    """Give the pages malloc holds free back to the system (glibc's malloc_trim): pages, bodies and parsed objects
    come and go during a crawl, and the holes they leave in the heap stay in the process otherwise."""
    trim = getattr(ctypes.CDLL(None), "malloc_trim", None)
    if trim is not None:
        trim(0)
