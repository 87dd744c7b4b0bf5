"""The news spider: poll each source's feeds, request only the new international articles, yield clean Articles.

It only yields: conditional-GET headers come from crawler.middlewares, storage is behind the `lookup` callable and
the `states` dict that crawler.run passes in, and parsing/cleaning run in a process pool off the reactor thread.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import AsyncIterator, Callable
from concurrent.futures import Executor
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

import scrapy
from scrapy.crawler import Crawler
from scrapy.exceptions import DownloadTimeoutError
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.misc import load_object
from twisted.internet.error import TimeoutError as TwistedTimeoutError
from twisted.python.failure import Failure

from newsmon.cleaning.article import Article, Rejection
from newsmon.feeds.international import is_international
from newsmon.feeds.parse import FeedEntry, FeedError, parse_feed
from newsmon.feeds.sitemaps import parse_news_sitemap
from newsmon.feeds.state import FeedState
from newsmon.sources.model import Source
from newsmon.urls import article_id, canonical_url

log = logging.getLogger(__name__)

Lookup = Callable[[list[str]], dict[str, dict]]
REJECTED_PREFIX = "newsmon/rejected/"


class NewsSpider(scrapy.Spider):
    name = "news"

    def __init__(
        self,
        sources: list[Source],
        states: dict[str, FeedState],
        lookup: Lookup,
        pool: Executor,
        cleaner: Callable[..., Article | Rejection],
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.sources = sources
        self.states = states  # filled in as feeds are polled; crawler.run stores them afterwards
        self.lookup = lookup
        self.pool = pool
        self.cleaner = cleaner

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> NewsSpider:
        # NEWSMON_CLEANER lets a test swap in a trivial cleaner; production uses cleaning.clean.
        kwargs.setdefault(
            "cleaner", load_object(crawler.settings.get("NEWSMON_CLEANER", "newsmon.crawler.pooled.clean"))
        )
        return super().from_crawler(crawler, *args, **kwargs)

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for source in self.sources:
            for kind, urls in (("feed", source.feeds), ("sitemap", source.sitemaps)):
                for url in urls:
                    state = self.states.setdefault(url, FeedState(url=url, source=source.name))
                    yield scrapy.Request(
                        url,
                        callback=self.parse_feed,
                        errback=self.feed_failed,
                        priority=10,  # every feed is polled before the article backlog
                        dont_filter=True,
                        meta={"feed_state": state, "handle_httpstatus_list": [304, 429]},
                        cb_kwargs={"source": source, "kind": kind},
                    )

    # -- feeds ---------------------------------------------------------------------------------------
    async def parse_feed(self, response: Response, source: Source, kind: str) -> AsyncIterator[scrapy.Request]:
        state: FeedState = response.meta["feed_state"]
        now = datetime.now(UTC)
        self._count("feeds_polled")
        if response.status == 429:
            self._feed_error(state, source, f"{response.url}: HTTP 429 Too Many Requests", response, rate_limited=True)
            return
        # Servers send fresh validators with unchanged bodies (and with 304s): keep the newest.
        state.etag = _header(response, "ETag") or state.etag
        state.last_modified = _header(response, "Last-Modified") or state.last_modified
        body_hash = hashlib.sha256(response.body).hexdigest()
        if response.status == 304 or body_hash == state.body_hash:
            self._count("feeds_unchanged")
            state.succeeded(source, now, new_items=0)
            return
        try:
            if kind == "sitemap":
                parsed = await self._off_reactor(parse_news_sitemap, response.body, response.url)
            else:
                content_type = _header(response, "Content-Type")
                parsed = await self._off_reactor(parse_feed, response.body, response.url, content_type)
        except FeedError as error:
            self._feed_error(state, source, str(error), response)
            return
        if parsed.warning:
            log.warning(parsed.warning)
        wanted = self._wanted_entries(source, parsed.entries, now)
        known = await asyncio.to_thread(self.lookup, list(wanted))
        fresh = [(url, entry) for id_, (url, entry) in wanted.items() if _needs_fetch(entry, known.get(id_))]
        state.body_hash = body_hash
        state.succeeded(source, now, new_items=len(fresh), items_seen=len(parsed.entries), ttl=parsed.ttl)
        self._count("items_known", len(wanted) - len(fresh))
        for url, entry in fresh:
            self._count("articles_requested")
            yield scrapy.Request(
                url,
                callback=self.parse_article,
                errback=self.article_failed,
                meta={"listed_by": state},
                cb_kwargs={"source": source, "entry": entry},
            )

    def _wanted_entries(self, source: Source, entries: list[FeedEntry], now: datetime) -> dict[str, tuple]:
        """id -> (canonical URL, entry) for the international entries within the source's max_age, one per id."""
        wanted: dict[str, tuple[str, FeedEntry]] = {}
        for entry in entries:
            if not is_international(source.international, entry):
                self._count("items_not_international")
                continue
            when = entry.published or entry.updated
            if source.max_age and when and now - when > source.max_age:
                self._count("items_too_old")
                continue
            url = canonical_url(entry.url)
            wanted.setdefault(article_id(url), (url, entry))
        return wanted

    def feed_failed(self, failure: Failure) -> None:
        request = failure.request
        self._count("feeds_polled")
        response = failure.value.response if failure.check(HttpError) else None
        reason = f"{request.url}: {self._describe(failure)}"
        self._feed_error(request.meta["feed_state"], request.cb_kwargs["source"], reason, response)

    def _feed_error(self, state: FeedState, source: Source, reason: str, response: Response | None, **kw: Any) -> None:
        self._count("feed_errors")
        log.error("feed %s failed: %s", state.url, reason)
        retry_after = _retry_after(response) if response is not None else None
        state.failed(source, datetime.now(UTC), reason, retry_after=retry_after, **kw)

    # -- articles ------------------------------------------------------------------------------------
    async def parse_article(self, response: Response, source: Source, entry: FeedEntry) -> AsyncIterator[Article]:
        headers = {k.decode("latin-1"): v[0].decode("latin-1") for k, v in response.headers.items() if v}
        try:
            result = await self._off_reactor(
                self.cleaner,
                response.body,
                response.url,
                source=source.name,
                headers=headers,
                language_hint=source.language,
            )
        except Exception as error:  # a cleaner bug must cost one article, not the crawl
            log.exception("cleaning %s crashed", response.url)
            result = Rejection(response.url, f"cleaner crashed: {error.__class__.__name__}: {error}")
        if isinstance(result, Rejection):
            self._count("articles_rejected")
            # "too little text (42 words)" counts as "too little text": few distinct reasons, usable as a label
            self.crawler.stats.inc_value(REJECTED_PREFIX + result.reason.split("(")[0].split(":")[0].strip())
            log.info("rejected %s: %s", result.url, result.reason)
            return
        result.source = source.name
        result.feed_title, result.feed_updated = entry.title, entry.updated
        result.fetched_at = datetime.now(UTC)
        self._count("articles_fetched")
        yield result

    def article_failed(self, failure: Failure) -> None:
        request = failure.request
        self._count("articles_failed")
        reason = f"{request.url}: {self._describe(failure)}"
        log.error("article %s failed: %s", request.url, reason)
        request.meta["listed_by"].article_failed(datetime.now(UTC), reason)

    # -- helpers -------------------------------------------------------------------------------------
    async def _off_reactor(self, function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        return await asyncio.wrap_future(self.pool.submit(function, *args, **kwargs))

    def _count(self, key: str, amount: int = 1) -> None:
        self.crawler.stats.inc_value(f"newsmon/{key}", amount)

    def _describe(self, failure: Failure) -> str:
        if failure.check(HttpError):
            return f"HTTP {failure.value.response.status}"
        if failure.check(DownloadTimeoutError, TwistedTimeoutError):
            return f"timed out after {self.crawler.settings.getfloat('DOWNLOAD_TIMEOUT')}s"
        return f"{failure.value.__class__.__name__}: {failure.getErrorMessage()}"


def _needs_fetch(entry: FeedEntry, indexed: dict | None) -> bool:
    """New, or the feed says the indexed article changed: another title, or updated after it was indexed."""
    if indexed is None:
        return True
    if entry.title and entry.title != (indexed.get("feed_title") or indexed.get("title")):
        return True
    if not entry.updated:
        return False
    stored = indexed.get("feed_updated") or indexed.get("first_indexed_at")
    if not stored:
        return True
    stored_at = datetime.fromisoformat(stored)
    return stored_at.replace(tzinfo=stored_at.tzinfo or UTC) < entry.updated


def _header(response: Response, name: str) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None


def _retry_after(response: Response) -> timedelta | None:
    value = _header(response, "Retry-After")
    if not value:
        return None
    if value.strip().isdigit():
        return timedelta(seconds=int(value))
    try:
        return max(timedelta(0), parsedate_to_datetime(value) - datetime.now(UTC))
    except (TypeError, ValueError):
        return None
