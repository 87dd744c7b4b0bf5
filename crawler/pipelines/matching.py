"""MatchPipeline: percolates each bulk of newly indexed articles against the watches, into the alert ledger.

It listens to the index pipeline's `articles_indexed` signal rather than to items, so it sees exactly the articles
that were written (new or materially changed), one batch per bulk. Sending is not its job: the scheduler (or the CLI)
runs `alerts.delivery.deliver_due`. A failure here is logged and left to the periodic catch-up search.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from opensearchpy import OpenSearch
from scrapy.crawler import Crawler

from newsmon.alerts.matching import match_batch
from newsmon.cleaning.article import Article
from newsmon.config import Settings
from newsmon.crawler.signals import articles_indexed
from newsmon.index.client import make_client

log = logging.getLogger(__name__)


class MatchPipeline:
    def __init__(self, settings: Settings, client: OpenSearch) -> None:
        self.settings, self.client = settings, client

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> MatchPipeline:
        settings: Settings = crawler.settings["NEWSMON_SETTINGS"]
        pipeline = cls(settings, make_client(settings))
        crawler.signals.connect(pipeline.articles_indexed, signal=articles_indexed)
        return pipeline

    async def articles_indexed(self, articles: list[Article]) -> None:
        try:  # one percolate request per batch, off the reactor thread
            watches = await asyncio.to_thread(match_batch, self.client, self.settings, articles)
        except Exception:  # matching must never stop the crawl; catch-up finds what this batch missed
            log.exception("matching %d indexed articles failed (first: %s)", len(articles), articles[0].url)
            return
        if watches:
            log.info("%d indexed articles matched watches: %s", len(articles), ", ".join(watches))

    def process_item(self, item: Any) -> Any:
        return item  # matching works on whole indexed batches (the articles_indexed signal), not single items
