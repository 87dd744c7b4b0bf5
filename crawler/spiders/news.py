"""The news spider: poll each source's feeds, request only the new international articles, yield clean Articles.

International is decided before fetching by the source's rule, or (`auto` sources) after fetching and cleaning each
page the rule does not match: domestic pages are counted, remembered (the `decisions` dict, stored by crawler.run)
so they are not fetched again, and not yielded.

It only yields: conditional-GET headers come from crawler.middlewares, storage is behind the `lookup` callable and
the `states` dict that crawler.run passes in, and parsing/cleaning run in a process pool off the reactor thread.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import AsyncIterator, Callable
from concurrent.futures import Executor
from datetime import UTC, datetime
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
from newsmon.cleaning.gate import MAX_PAGE_BYTES
from newsmon.cleaning.normalise import comparable
from newsmon.cleaning.template import strip_learned
from newsmon.crawler.middlewares import RateLimited, RefusedURL, retry_after
from newsmon.feeds.international import PageSignals, decide, rule_reason, section_key
from newsmon.feeds.parse import FeedEntry, FeedError, parse_feed
from newsmon.feeds.sitemaps import parse_news_sitemap
from newsmon.feeds.state import FeedState, merged_history
from newsmon.sources.model import Source
from newsmon.urls import article_id, path_shape, published_url

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
        decided: Lookup | None = None,
        home_country: str = "ID",
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.sources = sources
        self.states = states  # filled in as feeds are polled; crawler.run stores them afterwards
        self.lookup = lookup
        self.pool = pool
        self.cleaner = cleaner
        self.decided = decided  # id -> stored decision, for the pages auto sources found domestic earlier
        self.home_country = home_country  # NEWSMON_HOME_COUNTRY, unless the source says otherwise
        self.decisions: dict[str, dict[str, Any]] = {}  # id -> domestic decision made in this crawl
        self.history: dict[str, dict[str, tuple[int, int]]] = {}  # source -> section -> counts, as of the start

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> NewsSpider:
        # NEWSMON_CLEANER lets a test swap in a trivial cleaner; production uses cleaning.clean.
        kwargs.setdefault(
            "cleaner", load_object(crawler.settings.get("NEWSMON_CLEANER", "newsmon.crawler.pooled.clean"))
        )
        kwargs.setdefault("home_country", getattr(crawler.settings.get("NEWSMON_SETTINGS"), "home_country", "ID"))
        return super().from_crawler(crawler, *args, **kwargs)

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for source in self.sources:
            feeds = (*source.feeds, *source.sitemaps)
            self.history[source.name] = merged_history([self.states[u] for u in feeds if u in self.states])
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
        except Exception as error:  # a parser bug must cost one feed, not the crawl
            log.exception("parsing feed %s crashed", response.url)
            self._feed_error(state, source, f"{response.url}: parser crashed: {error.__class__.__name__}", response)
            return
        if parsed.warning:
            log.warning(parsed.warning)
        self._count("items_skipped", parsed.skipped)
        wanted = self._wanted_entries(state, source, parsed.entries, now, response.url)
        known = await asyncio.to_thread(self.lookup, list(wanted))
        decided: dict[str, dict] = {}
        if source.international.decides_pages and self.decided:
            decided = await asyncio.to_thread(self.decided, [id_ for id_ in wanted if id_ not in known])
        fresh = [
            (url, entry, because, known.get(id_), id_ in known or id_ in decided)
            for id_, (url, entry, because) in wanted.items()
            if _needs_fetch(entry, known.get(id_) or decided.get(id_))
        ]
        state.body_hash = body_hash
        state.succeeded(source, now, new_items=len(fresh), items_seen=len(parsed.entries), ttl=parsed.ttl)
        self._count("items_known", len(wanted) - len(fresh))
        for url, entry, because, indexed, seen in fresh:
            if indexed and because is None:  # indexed before: an update keeps the decision it was indexed with
                because = indexed.get("international_reason") or "indexed as international before"
            try:
                request = scrapy.Request(
                    url,
                    callback=self.parse_article,
                    errback=self.article_failed,
                    meta={"listed_by": state, "download_maxsize": MAX_PAGE_BYTES},  # cut off while downloading
                    cb_kwargs={"source": source, "entry": entry, "because": because, "first_decision": not seen},
                )
            except Exception as error:  # one unusual item must not stop the rest of its feed
                self._item_skipped(state, entry, error)
                continue
            self._count("articles_requested")
            yield request

    def _wanted_entries(
        self, state: FeedState, source: Source, entries: list[FeedEntry], now: datetime, feed_url: str
    ) -> dict[str, tuple[str, FeedEntry, str | None]]:
        """id -> (URL to fetch, entry, why the rule says international) for the entries to consider, within the
        source's max_age, one per id: those the rule matches, and for auto sources every other one too (None).

        The URL fetched is the link as published (made absolute against the feed): sites answer 404 to a
        canonicalised form (sorted query, empty values dropped); the canonical form is only the identity key."""
        wanted: dict[str, tuple[str, FeedEntry, str | None]] = {}
        for entry in entries:
            try:
                because = rule_reason(source.international, entry)
                if because is None and not source.international.decides_pages:
                    self._count("items_not_international")
                    continue
                when = entry.published or entry.updated
                if source.max_age and when and now - when > source.max_age:
                    self._count("items_too_old")
                    continue
                url = published_url(entry.url, feed_url)
                if url is None:
                    raise ValueError(f"item link {entry.url[:200]!r} is not an http(s) URL")
                wanted.setdefault(article_id(url), (url, entry, because))
            except Exception as error:  # one unusual item must not stop the rest of its feed
                self._item_skipped(state, entry, error)
        return wanted

    def _item_skipped(self, state: FeedState, entry: FeedEntry, error: Exception) -> None:
        self._count("items_skipped")
        log.warning("feed %s: skipped item %s: %s: %s", state.url, entry.url, error.__class__.__name__, error)

    def feed_failed(self, failure: Failure) -> None:
        request = failure.request  # type: ignore[attr-defined]  # Scrapy attaches the request to the Failure
        self._count("feeds_polled")
        response = failure.value.response if isinstance(failure.value, HttpError) else None
        reason = f"{request.url}: {self._describe(failure)}"
        logged = bool(failure.check(RefusedURL))  # the guard logged the refusal already
        self._feed_error(request.meta["feed_state"], request.cb_kwargs["source"], reason, response, logged=logged)

    def _feed_error(
        self, state: FeedState, source: Source, reason: str, response: Response | None, logged: bool = False, **kw: Any
    ) -> None:
        self._count("feed_errors")
        if not logged:
            log.error("feed %s failed: %s", state.url, reason)
        wait = retry_after(response) if response is not None else None
        state.failed(source, datetime.now(UTC), reason, retry_after=wait, **kw)

    # -- articles ------------------------------------------------------------------------------------
    async def parse_article(
        self, response: Response, source: Source, entry: FeedEntry, because: str | None, first_decision: bool
    ) -> AsyncIterator[Article]:
        headers = {k.decode("latin-1"): v[0].decode("latin-1") for k, v in response.headers.items() if v}
        state: FeedState = response.meta["listed_by"]
        try:
            result = await self._off_reactor(
                self.cleaner,
                response.body,
                response.url,
                source=source.name,
                headers=headers,
                language_hint=source.language,
                like_articles=path_shape(response.url) in state.article_shapes,
            )
        except Exception as error:  # a cleaner bug must cost one article, not the crawl
            log.exception("cleaning %s crashed", response.url)
            result = Rejection(response.url, f"cleaner crashed: {error.__class__.__name__}: {error}")
        if isinstance(result, Rejection):
            self._count("articles_rejected")
            # "too little text (42 words)" counts as "too little text": few distinct reasons, usable as a label
            self.crawler.stats.inc_value(REJECTED_PREFIX + result.reason.split("(")[0].split(":")[0].strip())
            log.info("rejected %s: %s", result.url, result.reason)
            state.rejected(result.url, result.reason, datetime.now(UTC))
            return
        state.kept(result.url)
        result = strip_learned(result, article_id(result.canonical_url), state.boilerplate)
        result.source = source.name
        result.feed_title, result.feed_updated = entry.title, entry.updated
        result.fetched_at = datetime.now(UTC)
        self._count("articles_fetched")
        if not self._international(result, source, entry, because, response.meta["listed_by"], first_decision):
            return
        yield result

    def _international(
        self, article: Article, source: Source, entry: FeedEntry, because: str | None, state: FeedState, first: bool
    ) -> bool:
        """Set the article's decision; count it (auto sources) and remember a domestic one. True: international."""
        signals = page_signals(article, entry.categories)
        if because is not None:
            article.international, article.international_reason = True, because
        else:
            home = source.international.home_country or self.home_country
            decision = decide(signals, home, self.history.get(source.name))
            article.international, article.international_reason = decision.international, decision.reason
        if source.international.decides_pages and first:
            state.decided(section_key(signals), article.international)
        if article.international:
            return True
        self._count("articles_domestic")
        log.info("domestic, not indexed: %s: %s", article.url, article.international_reason)
        self.decisions[article_id(published_url(entry.url, state.url) or entry.url)] = {  # the key the feed looks up
            "url": article.url,
            "source": source.name,
            "title": article.title,
            "feed_title": entry.title,
            "feed_updated": entry.updated.isoformat() if entry.updated else None,
            "decided_at": article.fetched_at.isoformat() if article.fetched_at else None,
            "international": False,
            "international_reason": article.international_reason,
        }
        return False

    def article_failed(self, failure: Failure) -> None:
        if failure.check(RefusedURL):
            return  # logged and counted by the guard; fetching it again would be refused again
        request = failure.request  # type: ignore[attr-defined]  # Scrapy attaches the request to the Failure
        if failure.check(RateLimited):  # not a failure: the host asked to wait; the next poll fetches it
            self._count("articles_deferred")
            request.meta["listed_by"].article_failed(datetime.now(UTC), f"{request.url}: {failure.getErrorMessage()}")
            return
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
        if isinstance(failure.value, HttpError):
            return f"HTTP {failure.value.response.status}"
        if failure.check(RefusedURL):
            return f"refused: {failure.getErrorMessage()}"
        if failure.check(DownloadTimeoutError, TwistedTimeoutError):
            return f"timed out after {self.crawler.settings.getfloat('DOWNLOAD_TIMEOUT')}s"
        return f"{failure.value.__class__.__name__}: {failure.getErrorMessage()}"


def page_signals(article: Article, categories: tuple[str, ...] = ()) -> PageSignals:
    """What the international decision reads of a cleaned article: its title, lead and first paragraphs (each once),
    section, breadcrumbs and URL, and the feed entry's categories."""
    paragraphs: list[str] = []
    for text in (article.lead, *article.body.split("\n\n", 3)[:3]):
        start = comparable(text)[:60]
        if start and all(not comparable(seen).startswith(start) for seen in paragraphs):
            paragraphs.append(text)
    return PageSignals(
        url=article.url,
        title=article.title,
        paragraphs=tuple(paragraphs[:2]),
        section=article.section,
        breadcrumbs=tuple(article.breadcrumbs),
        categories=tuple(categories),
    )


def _needs_fetch(entry: FeedEntry, indexed: dict | None) -> bool:
    """New, or the feed says the indexed article (or the page decided domestic) changed: another title, or updated
    after it was indexed (decided)."""
    if indexed is None:
        return True
    if entry.title and entry.title != (indexed.get("feed_title") or indexed.get("title")):
        return True
    if not entry.updated:
        return False
    stored = indexed.get("feed_updated") or indexed.get("first_indexed_at") or indexed.get("decided_at")
    if not stored:
        return True
    stored_at = datetime.fromisoformat(stored)
    return stored_at.replace(tzinfo=stored_at.tzinfo or UTC) < entry.updated


def _header(response: Response, name: str) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None
