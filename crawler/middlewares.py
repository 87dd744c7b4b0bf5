"""HTTP concerns of newsmon's requests that Scrapy does not cover itself."""

from __future__ import annotations

from collections.abc import Callable

from scrapy import Request
from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response


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


class LeaderOnlyDownloadHandler(HTTP11DownloadHandler):
    """Scrapy's HTTP handler, which in `newsmon run` sends nothing once the process may no longer act as leader (it
    could not renew its lease, or woke from a freeze past it): the standby that took over crawls instead. It checks
    at the last moment, after the download slot's delay, so a request queued before a freeze stays unsent after it.
    Setting NEWSMON_MAY_CRAWL holds the check; without it (crawl --once) every request goes."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.may_crawl: Callable[[], bool] | None = crawler.settings.get("NEWSMON_MAY_CRAWL")

    async def download_request(self, request: Request) -> Response:
        if self.may_crawl is not None and not self.may_crawl():
            raise IgnoreRequest(f"not sent, this process no longer leads: {request.url}")
        return await super().download_request(request)
