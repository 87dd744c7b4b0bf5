"""The service's jobs. Crawls are async (Scrapy on this loop); the rest are blocking calls the service runs in a
worker thread with a timeout."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial

from opensearchpy import OpenSearch
from scrapy.crawler import Crawler

from newsmon.alerts.catchup import catch_up as catch_up_watches
from newsmon.alerts.delivery import deliver_due
from newsmon.alerts.matching import match_batch
from newsmon.config import Settings, load_file
from newsmon.crawler.middlewares import Uncopied
from newsmon.crawler.run import CrawlReport, crawl_once
from newsmon.index.feedstate import FeedStateStore
from newsmon.index.spool import Spool, replay
from newsmon.scheduler import metrics
from newsmon.sources.model import Source

log = logging.getLogger(__name__)

STALLED_AFTER = timedelta(minutes=15)


class Crawls:
    """One crawl task per due source, so a slow or hanging site never delays the others."""

    def __init__(self, settings: Settings, client: OpenSearch, may_crawl: Callable[[], bool] | None = None) -> None:
        self.settings = settings
        self.client = client
        # Checked before every request is sent (LeaderOnlyDownloadHandler).
        self.overrides = {"NEWSMON_MAY_CRAWL": Uncopied(may_crawl) if may_crawl else None}
        self.in_flight: dict[str, asyncio.Task[None]] = {}
        self.crawlers: dict[str, Crawler] = {}
        self.started: dict[str, datetime] = {}
        self.poll_lag = 0.0  # seconds the most overdue feed waited at the last check
        # source -> (when, rejection reason -> count) of its latest crawl that rejected pages, for the web page
        self.rejections: dict[str, tuple[datetime, dict[str, int]]] = {}

    async def start_due(self, now: datetime | None = None) -> list[str]:
        """Start a crawl for every source with a feed due; return the names started."""
        now = now or datetime.now(UTC)
        sources = load_file(self.settings.config).sources  # re-read: `newsmon source add` works while running
        urls = [url for source in sources for url in (*source.feeds, *source.sitemaps)]
        states = await asyncio.wait_for(asyncio.to_thread(FeedStateStore(self.client, self.settings).load, urls), 30)
        lag = 0.0
        started = []
        for source in sources:
            next_polls = [getattr(states.get(url), "next_poll", None) for url in (*source.feeds, *source.sitemaps)]
            due = [when for when in next_polls if when is None or when <= now]
            if not due:
                continue
            lag = max([lag, *((now - when).total_seconds() for when in due if when is not None)])
            if source.name not in self.in_flight:
                self.started[source.name] = now
                self.in_flight[source.name] = asyncio.ensure_future(self._crawl(source))
                started.append(source.name)
        self.poll_lag = lag
        metrics.POLL_LAG.set(lag)
        return started

    async def _crawl(self, source: Source) -> None:
        keep = partial(self.crawlers.__setitem__, source.name)  # so a leader stepping down can stop it
        try:
            report = await crawl_once(self.settings, [source], self.overrides, on_crawler=keep)
            record(report)
            if report.rejected:
                self.rejections[source.name] = (datetime.now(UTC), report.rejected)
        except Exception:
            log.exception("crawl of source %s failed; its feeds are polled again at their next time", source.name)
        finally:
            self.in_flight.pop(source.name, None)
            self.crawlers.pop(source.name, None)

    def stalled(self, now: datetime) -> list[str]:
        return [name for name in self.in_flight if now - self.started[name] > STALLED_AFTER]

    async def stop(self) -> None:
        """Stop every in-flight crawl now (a leader stepping down): no new requests; what was fetched is flushed
        to the index, or to the spool if the node is unreachable."""
        for name, crawler in list(self.crawlers.items()):
            log.warning("stopping the crawl of source %s", name)
            await crawler.stop_async()

    async def wait(self) -> None:
        """Let in-flight crawls finish: their pipelines flush to the index or to the spool."""
        if self.in_flight:
            await asyncio.gather(*self.in_flight.values(), return_exceptions=True)


def record(report: CrawlReport) -> None:
    """Add one crawl's figures to the service's Prometheus counters."""
    metrics.FEEDS_POLLED.inc(report.feeds_polled)
    metrics.FEED_ERRORS.inc(report.feed_errors)
    metrics.ARTICLES_FETCHED.inc(report.articles_fetched)
    metrics.ARTICLES_INDEXED.inc(report.articles_indexed)
    metrics.FEED_ITEMS_SKIPPED.inc(report.items_skipped)
    metrics.URLS_REFUSED.inc(report.urls_refused)
    for reason, count in report.rejected.items():
        metrics.ARTICLES_SKIPPED.labels(reason=reason).inc(count)
    metrics.ARTICLES_SKIPPED.labels(reason="domestic").inc(report.articles_domestic)  # decided by `auto`


def deliver(client: OpenSearch, settings: Settings) -> None:
    report = deliver_due(client, settings, datetime.now(UTC))
    metrics.ALERTS_SENT.inc(report.emails_sent)
    metrics.ALERTS_FAILED.inc(report.alerts_failed)
    metrics.ALERTS_UNDELIVERABLE.inc(report.alerts_undeliverable)
    for error in report.errors:
        log.warning("alert delivery: %s", error)


def replay_spool(client: OpenSearch, settings: Settings) -> None:
    spool = Spool(settings.spool_dir)
    if spool.backlog():
        # Articles fetched during an outage are matched as soon as they are indexed, like any other batch.
        indexed = replay(client, settings, on_result=lambda result: match_batch(client, settings, result.to_alert))
        log.info("spool replay: %d articles indexed", indexed)
    metrics.SPOOL_BACKLOG.set(spool.backlog())


def catch_up(client: OpenSearch, settings: Settings) -> None:
    found = catch_up_watches(client, settings, datetime.now(UTC))
    if found:
        log.info("catch-up search recorded %d alert(s) that live matching missed", found)


def watchdog(client: OpenSearch, settings: Settings, crawls: Crawls) -> None:
    """Say so when a crawl has stalled or feeds are overdue; the poll job's lag gauge has the figure."""
    now = datetime.now(UTC)
    for name in crawls.stalled(now):
        log.warning("crawl of source %s has run for over %s: stalled?", name, STALLED_AFTER)
    if crawls.poll_lag > 300:
        log.warning("feed polls are %.0f s overdue", crawls.poll_lag)
