"""`newsmon crawl --once`: one full cycle in the foreground — poll, fetch, clean, index, match, send immediate
alerts — with live progress on a terminal and a summary at the end."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.text import Text
from scrapy.crawler import Crawler

from newsmon.alerts.delivery import DeliveryReport, deliver_due
from newsmon.config import ConfigError, FileConfig, Settings
from newsmon.crawler.run import CrawlReport, crawl_once
from newsmon.index.client import make_client
from newsmon.index.spool import Spool
from newsmon.scheduler.startup import prepare
from newsmon.sources.model import Source

log = logging.getLogger(__name__)

# Scrapy stats behind the progress display; an article is done when it was cleaned, rejected, failed or filtered.
_ARTICLES_DONE = (
    "newsmon/articles_fetched",
    "newsmon/articles_rejected",
    "newsmon/articles_failed",
    "dupefilter/filtered",
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
            f"{c.items_too_old} too old, {c.items_skipped} unreadable (skipped)",
            f"  articles: {c.articles_fetched} fetched, {c.articles_indexed} indexed (new or updated), "
            f"{c.articles_domestic} domestic (not indexed), {c.articles_rejected} skipped, "
            f"{c.articles_failed} failed to download, {c.articles_deferred} deferred (the site asked to wait)",
        ]
        if c.urls_refused:
            lines.append(f"  refused: {c.urls_refused} URL(s) pointing at this machine or a private network (logged)")
        lines += [f"    skipped: {reason} x{count}" for reason, count in sorted(c.rejected.items())]
        lines.append(f"  alerts: {self.delivery.emails_sent} email(s) sent, {self.delivery.alerts_failed} failed")
        if self.spooled:
            lines.append(f"  spool: {self.spooled} article(s) wait for the search node (indexed on the next run)")
        return "\n".join(lines)


async def run_cycle(
    settings: Settings, config: FileConfig, sources: list[Source], *, console: Console | None = None
) -> CycleSummary:
    """One cycle; with a terminal `console`, a live progress display on it while the crawl runs."""
    client = make_client(settings)
    try:
        await asyncio.to_thread(prepare, client, settings, config)
    except Exception as error:
        raise ConfigError(f"search node at {settings.es_url} is unreachable: {error}") from None
    crawlers: list[Crawler] = []
    crawl = crawl_once(settings, sources, on_crawler=crawlers.append)
    if console is not None:
        feeds = sum(len(s.feeds) + len(s.sitemaps) for s in sources)
        report = await _with_progress(crawl, crawlers, console, feeds)
    else:
        report = await crawl
    delivery = await asyncio.to_thread(deliver_due, client, settings, datetime.now(UTC))
    for problem in delivery.errors:
        log.warning("alert delivery: %s", problem)
    spooled = Spool(settings.spool_dir).backlog()
    return CycleSummary(report, delivery, spooled, [s.name for s in sources])


class _Rate(ProgressColumn):
    """Items a second: rich's recent-window speed, else (too few samples yet) the average since the start."""

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed or (task.completed / task.elapsed if task.elapsed else None)
        return Text(f"{speed:.1f}/s" if speed else "-/s", style="progress.data.speed")


async def _with_progress(
    crawl: Awaitable[CrawlReport], crawlers: list[Crawler], console: Console, feeds: int
) -> CrawlReport:
    """Feeds (total known up front) and articles (total growing as feeds list new ones), with rate and elapsed time.
    Log lines go through the same console (newsmon.logs), so they print above the display."""
    task = asyncio.ensure_future(crawl)
    columns = (TextColumn("{task.description:<8}"), BarColumn(), MofNCompleteColumn(), _Rate(), TimeElapsedColumn())
    with Progress(*columns, TextColumn("{task.fields[detail]}"), console=console) as progress:
        feed_bar = progress.add_task("feeds", total=feeds, detail="")
        article_bar = progress.add_task("articles", total=None, start=False, detail="")
        while True:
            stats = crawlers[0].stats.get_stats() if crawlers and crawlers[0].stats else {}
            requested = _show(progress, feed_bar, article_bar, stats)
            if task.done():
                break
            await asyncio.wait([task], timeout=0.25)
        if not requested:
            progress.update(article_bar, total=0, detail="none new")
    return task.result()


def _show(progress: Progress, feed_bar: TaskID, article_bar: TaskID, stats: dict[str, Any]) -> int:
    """Update both bars from the crawl's stats; returns how many articles were requested so far."""

    def count(key: str) -> int:
        return int(stats.get(key, 0))

    unchanged, failed = count("newsmon/feeds_unchanged"), count("newsmon/feed_errors")
    progress.update(feed_bar, completed=count("newsmon/feeds_polled"), detail=f"{unchanged} unchanged, {failed} failed")
    requested = count("newsmon/articles_requested")
    if requested:  # the total grows while feeds are still being read
        skipped, failed = count("newsmon/articles_rejected"), count("newsmon/articles_failed")
        progress.start_task(article_bar)
        progress.update(
            article_bar,
            total=requested,
            completed=sum(count(key) for key in _ARTICLES_DONE),
            detail=f"{skipped} skipped, {failed} failed",
        )
    return requested
