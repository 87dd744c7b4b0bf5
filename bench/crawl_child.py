"""One benchmark crawl process: crawl_once over the corpus sources, ROUNDS times, timed; JSON on stdout.

Run by bench.harness.run_crawls as `python -m bench.crawl_child PORT main|poll ROUNDS`, with the NEWSMON_* env of a
fresh index prefix. Like `newsmon crawl --once`, it has its own asyncio reactor and the process pool that cleans pages
on both cores; the pool is warmed (workers started, cleaning imported) before the clock starts, as it is in the
long-running service, and the clock covers crawl_once only.
"""

from __future__ import annotations

import json
import sys
import time
from dataclasses import asdict
from functools import partial


def main(port: int, feeds: str, rounds: int) -> None:
    # Imported here, not at the top: multiprocessing imports the main module again in every pool worker, and the
    # `newsmon` command's own script imports nothing heavy there either (newsmon.__main__), and, like it, limits
    # malloc's arenas before any thread starts.
    from newsmon.memory import limit_malloc_arenas

    limit_malloc_arenas()
    from scrapy.utils.log import configure_logging

    from bench.corpus import article_files, sites
    from bench.harness import CRAWL_OVERRIDES, corpus_sources
    from newsmon.alerts import store
    from newsmon.config import load_settings
    from newsmon.crawler import pooled
    from newsmon.crawler.run import crawl_once, process_pool, scrapy_settings
    from newsmon.index.client import make_client
    from newsmon.scheduler import runtime

    settings = load_settings()
    configure_logging(scrapy_settings(settings, CRAWL_OVERRIDES))
    client = make_client(settings)
    store.ensure(client, settings)  # the service creates the watches index at start-up; matching needs it
    client.close()
    sources = corpus_sources(sites(port), poll_feeds=feeds == "poll")
    pool = process_pool()
    # More tasks than workers, so all start; through the crawl's own reference to the cleaner, so this process
    # imports no more than the service's crawl does.
    tasks = pool._max_workers * 4
    list(
        pool.map(partial(pooled.clean, source="warm"), [article_files()[0].read_bytes()] * tasks, ["http://x/"] * tasks)
    )

    async def timed() -> list[dict]:
        results = []
        for _ in range(rounds):
            started = time.perf_counter()
            report = await crawl_once(settings, sources, CRAWL_OVERRIDES)
            results.append({"seconds": time.perf_counter() - started, "report": asdict(report)})
        return results

    print(json.dumps(runtime.run(timed)))


if __name__ == "__main__":
    main(int(sys.argv[1]), sys.argv[2], int(sys.argv[3]))
