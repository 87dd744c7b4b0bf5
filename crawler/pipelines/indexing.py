"""Bulk indexing of crawled articles, batched by size and time, spooled to disk while the node is unreachable.

After each bulk write it sends ``crawler.signals.articles_indexed`` with the new and materially changed articles
(spooled articles too, once they are replayed), for the match pipeline. Writes run in a worker thread, one at a
time, so the reactor keeps downloading while a bulk is in flight.

Scrapy settings: ``NEWSMON_SETTINGS`` (the ``newsmon.config.Settings``), ``NEWSMON_INDEX_BATCH_SIZE`` (50),
``NEWSMON_INDEX_BATCH_SECONDS`` (2.0), ``NEWSMON_INDEX_BACKOFF`` (first pause in seconds after the node failed, 1.0;
doubled on each further failure, at most 60 s; meanwhile batches go straight to the spool).
"""

from __future__ import annotations

import asyncio
import logging
import time

from opensearchpy import TransportError
from scrapy.crawler import Crawler
from twisted.internet.defer import Deferred
from twisted.internet.task import LoopingCall

from newsmon import faults
from newsmon.cleaning.article import Article
from newsmon.config import Settings
from newsmon.crawler.signals import articles_indexed
from newsmon.index.articles import ArticleStore, BulkResult
from newsmon.index.client import make_client
from newsmon.index.mappings import read_alias
from newsmon.index.spool import Spool, replay

log = logging.getLogger(__name__)

MAX_BACKOFF = 60.0


class IndexPipeline:
    def __init__(
        self, crawler: Crawler, settings: Settings, *, batch_size: int, batch_seconds: float, backoff: float
    ) -> None:
        self._crawler = crawler
        self._settings = settings
        self._client = make_client(settings)
        self._store = ArticleStore(self._client, settings)
        self._spool = Spool(settings.spool_dir)
        self._batch: list[Article] = []
        self._batch_started = 0.0
        self._batch_size = batch_size
        self._batch_seconds = batch_seconds
        self._first_backoff = backoff
        self._backoff = 0.0
        self._paused_until = 0.0
        self._timer = LoopingCall(self._flush_if_due)
        self._written = False
        self._writing: asyncio.Lock | None = None  # created on the reactor's loop, in open_spider

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> IndexPipeline:
        s = crawler.settings
        return cls(
            crawler,
            s["NEWSMON_SETTINGS"],
            batch_size=s.getint("NEWSMON_INDEX_BATCH_SIZE", 50),
            batch_seconds=s.getfloat("NEWSMON_INDEX_BATCH_SECONDS", 2.0),
            backoff=s.getfloat("NEWSMON_INDEX_BACKOFF", 1.0),
        )

    def open_spider(self) -> None:
        self._writing = asyncio.Lock()
        self._timer.start(self._batch_seconds, now=False)

    async def close_spider(self) -> None:
        if self._timer.running:
            self._timer.stop()
        await self.flush()
        if self._written:  # what a finished crawl indexed is searchable (and visible to lookups) right away
            try:
                await asyncio.to_thread(self._client.indices.refresh, index=read_alias(self._settings))
            except TransportError as error:
                log.warning("could not refresh the articles index after the crawl (%s)", error)
        self._client.close()

    async def process_item(self, item: Article) -> Article:
        if not self._batch:
            self._batch_started = time.monotonic()
        self._batch.append(item)
        if len(self._batch) >= self._batch_size:
            await self.flush()
        return item

    def _flush_if_due(self) -> Deferred | None:
        if self._batch and time.monotonic() - self._batch_started >= self._batch_seconds:
            return Deferred.fromFuture(asyncio.ensure_future(self.flush()))
        return None

    async def flush(self) -> None:
        """Write the current batch (and, once the node answers, the spool); never loses an article."""
        batch, self._batch = self._batch, []
        assert self._writing is not None, "open_spider first"
        async with self._writing:
            results = await asyncio.to_thread(self._write, batch)
        for result in results:
            await self._announce(result)

    def _write(self, batch: list[Article]) -> list[BulkResult]:
        """In a worker thread: the spool's backlog (if any), then the batch; what can't be written is spooled."""
        if time.monotonic() < self._paused_until:
            self._spool.append(batch)
            return []
        results: list[BulkResult] = []
        try:
            if self._spool.path.exists():  # catch up first, so spooled articles keep their order
                replay(self._client, self._settings, on_result=results.append)
            faults.point("index-write")
            results.append(self._store.upsert_many(batch) if batch else BulkResult())
        except TransportError as error:
            self._pause(error, len(batch))
            self._spool.append(batch)
            return results
        except Exception:  # not the node being away: a bug or a refused document; keep the batch, say which
            log.exception("indexing failed; spooled %d articles: %s", len(batch), " ".join(a.url for a in batch))
            self._spool.append(batch)
            return results
        self._backoff = 0.0
        self._spool.append(results[-1].retryable)
        return results

    def _pause(self, error: TransportError, count: int) -> None:
        self._backoff = min(MAX_BACKOFF, self._backoff * 2 or self._first_backoff)
        self._paused_until = time.monotonic() + self._backoff
        log.warning(
            "search node unavailable (%s): spooled %d articles, next try in %.0f s", error, count, self._backoff
        )

    async def _announce(self, result: BulkResult) -> None:
        self._written = self._written or bool(result.new or result.updated)
        if result.to_alert:
            await self._crawler.signals.send_catch_log_async(signal=articles_indexed, articles=result.to_alert)
