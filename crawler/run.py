"""Running one crawl in the current process, on Scrapy's asyncio reactor, as often as the scheduler likes.

`crawl_once` loads the feed states (one request), runs the news spider, stores the states back (one bulk request)
and returns the counts. The reactor is scheduler.runtime's business (`newsmon run`, `newsmon crawl --once`).
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import threading
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, fields
from functools import cache
from typing import Any

from scrapy.crawler import AsyncCrawlerRunner, Crawler
from scrapy.settings import Settings as ScrapySettings

from newsmon import memory, orphans
from newsmon.config import Settings
from newsmon.crawler.signals import articles_indexed
from newsmon.crawler.spiders.news import REJECTED_PREFIX, NewsSpider
from newsmon.feeds import gazetteer
from newsmon.index import decisions, feedstate
from newsmon.index.articles import ArticleStore
from newsmon.index.client import make_client
from newsmon.orphans import die_with_parent
from newsmon.sources.model import Source


@dataclass(frozen=True)
class CrawlReport:
    """Counts from one crawl (the spider's `newsmon/<field>` stats)."""

    feeds_polled: int = 0
    feeds_unchanged: int = 0
    feed_errors: int = 0
    items_not_international: int = 0  # feed items a source's rule leaves out (not fetched)
    items_too_old: int = 0
    items_known: int = 0
    items_skipped: int = 0  # unreadable feed items, each logged with its feed; the rest of the feed goes on
    articles_requested: int = 0
    articles_fetched: int = 0
    articles_rejected: int = 0
    articles_domestic: int = 0  # pages of auto sources decided domestic (not indexed, not fetched again)
    articles_failed: int = 0
    articles_deferred: int = 0  # the host sent 429 / Retry-After: fetched on a later poll, not a failure
    urls_refused: int = 0  # by the fetch guard (crawler.middlewares), each logged with its reason
    articles_indexed: int = 0  # new or materially changed, as announced by the index pipeline
    rejected: dict[str, int] = field(default_factory=dict)  # rejection reason (without details) -> count

    @classmethod
    def from_stats(cls, stats: dict[str, Any], articles_indexed: int = 0) -> CrawlReport:
        counted = (f.name for f in fields(cls) if f.name not in ("articles_indexed", "rejected"))
        counts = {name: int(stats.get(f"newsmon/{name}", 0)) for name in counted}
        rejected = {k.removeprefix(REJECTED_PREFIX): v for k, v in stats.items() if k.startswith(REJECTED_PREFIX)}
        return cls(**counts, articles_indexed=articles_indexed, rejected=rejected)


def scrapy_settings(settings: Settings, overrides: dict[str, Any] | None = None) -> ScrapySettings:
    """crawler.settings + this installation's Settings (read by the pipelines as NEWSMON_SETTINGS) + overrides."""
    result = ScrapySettings()
    result.setmodule("newsmon.crawler.settings", priority="project")
    result.set("NEWSMON_SETTINGS", settings, priority="project")
    result.set("USER_AGENT", settings.user_agent, priority="project")
    result.set("DOWNLOAD_TIMEOUT", settings.download_timeout, priority="project")
    for name, value in (overrides or {}).items():
        result.set(name, value, priority="cmdline")
    return result


# Imported once in the fork server, so every worker forked from it shares these pages instead of importing its own
# copy as a spawned worker would: what the workers run (code, parsers, the language model). It ends with gc.freeze(),
# which keeps the collector (and so copy-on-write) off everything imported. The `newsmon` command's script, which
# multiprocessing imports again in every worker, imports nothing heavy (newsmon.__main__).
POOL_PRELOAD = ["newsmon.crawler.preload"]


_pool_lock = threading.Lock()
# Seconds between two malloc_trim calls during a crawl: each takes a few milliseconds (off the reactor thread).
RELEASE_EVERY = 1.0


@cache
def _pool() -> ProcessPoolExecutor:
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(POOL_PRELOAD)
    os.environ[orphans.PARENT] = str(os.getpid())  # inherited by the fork server, read by crawler.preload
    # die_with_parent: no worker outlives the fork server, which itself watches this process (crawler.preload)
    pool = ProcessPoolExecutor(max_workers=os.cpu_count() or 2, mp_context=context, initializer=die_with_parent)
    # The first worker waits for the fork server to import and warm the cleaning code (seconds on a loaded machine):
    # done here, in whichever thread asks first, so the reactor thread never waits for it (the lease is renewed
    # from that thread's loop, see scheduler.service).
    pool.submit(int).result()
    return pool


def _build_gazetteer(home: str) -> None:
    """Build the gazetteer in a throwaway process forked from the pool's fork server (started by process_pool), so
    that this long-lived process keeps the table and not the memory its building touched."""
    context = multiprocessing.get_context("forkserver")
    with ProcessPoolExecutor(1, mp_context=context, initializer=die_with_parent) as once:
        gazetteer.build_apart(home, once)


def process_pool() -> ProcessPoolExecutor:
    """One pool per process for feed parsing and article cleaning, started and warm. Workers come from a fork server
    (a fresh single-threaded process, so they share no reactor, threads or sockets) that has the cleaning code
    loaded. Blocks the first time: call it off the reactor thread."""
    with _pool_lock:
        return _pool()


async def _release_free_heap_every(seconds: float) -> None:
    while True:
        await asyncio.sleep(seconds)
        await asyncio.to_thread(memory.release_free_heap)


async def crawl_once(
    settings: Settings,
    sources: list[Source],
    overrides: dict[str, Any] | None = None,
    on_crawler: Callable[[Crawler], None] | None = None,
) -> CrawlReport:
    """Poll the sources' feeds once and fetch their new international articles. Needs the asyncio reactor running.

    `on_crawler` is handed the Scrapy crawler before it starts (e.g. to show its live stats).
    """
    client = make_client(settings)
    try:
        await asyncio.to_thread(feedstate.ensure, client, settings)
        await asyncio.to_thread(decisions.ensure, client, settings)
        store = feedstate.FeedStateStore(client, settings)
        decided = decisions.DecisionStore(client, settings)
        urls = [url for source in sources for url in (*source.feeds, *source.sitemaps)]
        states = await asyncio.to_thread(store.load, urls)
        pool = await asyncio.to_thread(process_pool)
        auto = {s.international.home_country or settings.home_country for s in sources if s.international.decides_pages}
        for home in auto:  # once per process, off the reactor thread
            await asyncio.to_thread(_build_gazetteer, home)
        runner = AsyncCrawlerRunner(scrapy_settings(settings, overrides))
        crawler = runner.create_crawler(NewsSpider)
        indexed: list[int] = []  # batch sizes announced by the index pipeline

        def count(articles: list, **_: Any) -> None:
            indexed.append(len(articles))

        crawler.signals.connect(count, signal=articles_indexed, weak=False)
        if on_crawler:
            on_crawler(crawler)
        lookup = ArticleStore(client, settings).lookup
        releasing = asyncio.ensure_future(_release_free_heap_every(RELEASE_EVERY))
        try:
            await runner.crawl(
                crawler, sources=sources, states=states, lookup=lookup, decided=decided.lookup, pool=pool
            )
        finally:
            releasing.cancel()
        may_crawl = (overrides or {}).get("NEWSMON_MAY_CRAWL")
        if may_crawl is None or may_crawl():  # a process that stopped leading mid-crawl leaves the states to the leader
            await asyncio.to_thread(store.save_many, list(states.values()))
            spider = crawler.spider
            assert isinstance(spider, NewsSpider)  # the runner crawled NewsSpider above
            if spider.decisions:
                await asyncio.to_thread(decided.save_many, spider.decisions)
    finally:
        client.close()
    return CrawlReport.from_stats(crawler.stats.get_stats(), articles_indexed=sum(indexed))
