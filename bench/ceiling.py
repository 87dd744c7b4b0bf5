"""The ceiling for ingest: plain trafilatura.extract over the corpus pages in two worker processes, no fetching,
no indexing (the cleaning step's own options). Also clean() the same way, to show what the cleaning step leaves.

    .venv/bin/python -m bench.ceiling [--workers 2]
"""

from __future__ import annotations

import argparse
import logging
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import trafilatura

from bench.corpus import article_files, generate
from newsmon.cleaning import clean
from newsmon.cleaning.cleaner import EXTRACT_OPTIONS

URL = "http://127.0.0.1/internasional/bench/"


def extract_plain(path: Path) -> int:
    return len(trafilatura.extract(path.read_bytes(), url=URL, **EXTRACT_OPTIONS) or "")


def extract_clean(path: Path) -> int:
    return len(getattr(clean(path.read_bytes(), URL, source="bench"), "body", ""))


def warm(path: Path) -> None:
    logging.disable(logging.WARNING)
    extract_clean(path)  # imports, the language model and lxml's first parse are start-up, not per-page costs


def pages_per_second(extract: Callable[[Path], int], pages: list[Path], workers: int) -> float:
    with ProcessPoolExecutor(workers, initializer=warm, initargs=(pages[0],)) as pool:
        list(pool.map(warm, [pages[0]] * workers))
        started = time.perf_counter()
        extracted = list(pool.map(extract, pages, chunksize=16))
        elapsed = time.perf_counter() - started
    if not all(extracted):
        raise RuntimeError(f"{extracted.count(0)} pages gave no text")
    return len(pages) / elapsed


def measure(workers: int = 2) -> dict[str, float]:
    pages = article_files() or (generate() and article_files())
    return {
        "plain": pages_per_second(extract_plain, pages, workers),
        "clean": pages_per_second(extract_clean, pages, workers),
        "pages": len(pages),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    figures = measure(args.workers)
    pages, workers = figures["pages"], args.workers
    print(f"ceiling: plain trafilatura {figures['plain']:.1f} pages/s ({pages:.0f} pages, {workers} processes)")
    print(
        f"cleaning step: clean() {figures['clean']:.1f} pages/s on the same pages "
        f"({figures['plain'] / figures['clean'] - 1:+.0%} time over plain trafilatura)"
    )


if __name__ == "__main__":
    main()
