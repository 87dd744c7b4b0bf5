"""`newsmon crawl --once`: one full cycle in the foreground — poll, fetch, clean, index, match, send immediate
alerts — with live progress on a terminal and a summary at the end."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from rich.console import Console
from rich.live import Live
from scrapy.crawler import Crawler

from newsmon.alerts.delivery import DeliveryReport, deliver_due
from newsmon.config import ConfigError, FileConfig, Settings
from newsmon.crawler.run import CrawlReport, crawl_once
from newsmon.index.client import make_client
from newsmon.index.spool import Spool
from newsmon.scheduler.startup import prepare
from newsmon.sources.model import Source

log = logging.getLogger(__name__)

_SHOWN = (
    ("feeds polled", "newsmon/feeds_polled"),
    ("unchanged", "newsmon/feeds_unchanged"),
    ("feed errors", "newsmon/feed_errors"),
    ("articles fetched", "newsmon/articles_fetched"),
    ("rejected", "newsmon/articles_rejected"),
)


@dataclass
class CycleSummary:
    crawl: CrawlReport
    delivery: DeliveryReport
    spooled: int = 0
    sources: list[str] = field(default_factory=list)

    def render(self, elapsed: timedelta) -> str:
        c = self.crawl
        lines = [
            f"crawled {len(self.sources)} source(s) in {elapsed.total_seconds():.1f} s",
            f"  feeds: {c.feeds_polled} polled, {c.feeds_unchanged} unchanged, {c.feed_errors} failed",
            f"  items: {c.items_known} already indexed or decided, {c.items_not_international} not international, "
            f"{c.items_too_old} too old",
            f"  articles: {c.articles_fetched} fetched, {c.articles_indexed} indexed (new or updated), "
            f"{c.articles_domestic} domestic (not indexed), {c.articles_rejected} skipped, "
            f"{c.articles_failed} failed to download",
        ]
        lines += [f"    skipped: {reason} x{count}" for reason, count in sorted(c.rejected.items())]
        lines.append(f"  alerts: {self.delivery.emails_sent} email(s) sent, {self.delivery.alerts_failed} failed")
        if self.spooled:
            lines.append(f"  spool: {self.spooled} article(s) wait for the search node (indexed on the next run)")
        return "\n".join(lines)


async def run_cycle(settings: Settings, config: FileConfig, sources: list[Source], *, live: bool) -> CycleSummary:
    client = make_client(settings)
    try:
        await asyncio.to_thread(prepare, client, settings, config)
    except Exception as error:
        raise ConfigError(f"search node at {settings.es_url} is unreachable: {error}") from None
    crawlers: list[Crawler] = []
    if live:
        report = await _with_progress(crawl_once(settings, sources, on_crawler=crawlers.append), crawlers)
    else:
        report = await crawl_once(settings, sources, on_crawler=crawlers.append)
    delivery = await asyncio.to_thread(deliver_due, client, settings, datetime.now(UTC))
    for error in delivery.errors:
        log.warning("alert delivery: %s", error)
    spooled = Spool(settings.spool_dir).backlog()
    return CycleSummary(report, delivery, spooled, [s.name for s in sources])


async def _with_progress(crawl: object, crawlers: list[Crawler]) -> CrawlReport:
    task = asyncio.ensure_future(crawl)  # type: ignore[arg-type]
    console = Console(stderr=True)
    with Live(console=console, refresh_per_second=4, transient=True) as display:
        while not task.done():
            stats = crawlers[0].stats.get_stats() if crawlers and crawlers[0].stats else {}
            display.update(" | ".join(f"{label}: {int(stats.get(key, 0))}" for label, key in _SHOWN))
            await asyncio.wait([task], timeout=0.25)
    return task.result()
