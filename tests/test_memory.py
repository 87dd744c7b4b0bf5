"""The crawl process's own memory layout (newsmon.memory); what it saves is measured by bench.ingest, not here."""

from __future__ import annotations

import subprocess
import sys

# Eight threads allocate from glibc malloc at once and keep what they allocated; then glibc lists its arenas.
THREADS = """
import ctypes, sys, threading
if sys.argv[1] == "limited":
    from newsmon.memory import limit_malloc_arenas

    limit_malloc_arenas()
barrier = threading.Barrier(9)

def allocate():
    kept = [bytes(1000) for _ in range(100)]  # over pymalloc's 512 bytes: malloc, from this thread's arena
    barrier.wait()
    barrier.wait()

threads = [threading.Thread(target=allocate) for _ in range(8)]
for thread in threads:
    thread.start()
barrier.wait()
ctypes.CDLL(None).malloc_stats()
barrier.wait()
"""


def arenas(mode: str) -> int:
    result = subprocess.run([sys.executable, "-c", THREADS, mode], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stderr.count("Arena ")


def test_threads_share_two_malloc_arenas_once_limited() -> None:
    assert arenas("default") > 2  # what glibc does on its own: an arena per thread
    assert arenas("limited") == 2


# 40 MB in 1,000-byte objects (malloc, not pymalloc), nine in ten of them freed: holes all over the heap, which
# glibc keeps unless asked (the tenth, still alive, pins the top of the heap).
HOLES = """
import sys
from pathlib import Path

def anonymous_kib():
    rollup = Path("/proc/self/smaps_rollup").read_text().splitlines()
    return next(int(line.split()[1]) for line in rollup if line.startswith("Anonymous:"))

blocks = [bytes(1000) for _ in range(40_000)]
kept = blocks[::10]
del blocks
before = anonymous_kib()
if sys.argv[1] == "release":
    from newsmon.memory import release_free_heap

    release_free_heap()
print(before - anonymous_kib())
"""


def released_kib(mode: str) -> int:
    result = subprocess.run([sys.executable, "-c", HOLES, mode], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr[-2000:]
    return int(result.stdout)


def test_free_heap_memory_goes_back_to_the_system_when_released() -> None:
    assert released_kib("keep") < 1024
    assert released_kib("release") > 20 * 1024
