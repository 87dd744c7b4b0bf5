"""HTTP concerns of newsmon's requests that Scrapy does not cover itself."""

from __future__ import annotations

from collections.abc import Callable

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest


class FeedValidatorsMiddleware:
    """Turn a feed's stored ETag / Last-Modified into a conditional GET, so an unchanged feed costs a 304."""

    def process_request(self, request: Request) -> None:
        state = request.meta.get("feed_state")
        if state is None:
            return
        if state.etag:
            request.headers.setdefault("If-None-Match", state.etag)
        if state.last_modified:
            request.headers.setdefault("If-Modified-Since", state.last_modified)


class Uncopied:
    """A callable for a Scrapy setting: Scrapy deep-copies its settings, which would copy a bound method's object
    (the whole service) along with it."""

    def __init__(self, func: Callable[[], bool]) -> None:
        self.func = func

    def __call__(self) -> bool:
        return self.func()

    def __deepcopy__(self, memo: dict) -> Uncopied:
        return self


class LeaderOnlyMiddleware:
    """In `newsmon run`, no request leaves once the process may no longer act as leader (it could not renew its
    lease, or woke from a freeze past it): the standby that took over crawls instead. Setting NEWSMON_MAY_CRAWL
    holds the check; without it (crawl --once) every request goes."""

    def __init__(self, may_crawl: Callable[[], bool] | None) -> None:
        self.may_crawl = may_crawl

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> LeaderOnlyMiddleware:
        return cls(crawler.settings.get("NEWSMON_MAY_CRAWL"))

    def process_request(self, request: Request) -> None:
        if self.may_crawl is not None and not self.may_crawl():
            raise IgnoreRequest(f"not sent, this process no longer leads: {request.url}")
