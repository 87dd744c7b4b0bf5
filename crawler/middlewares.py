"""HTTP concerns of newsmon's requests that Scrapy does not cover itself."""

from __future__ import annotations

import asyncio
import logging
import socket
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import ClassVar
from urllib.request import getproxies, proxy_bypass

from scrapy import Request
from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.statscollectors import StatsCollector
from scrapy.utils.httpobj import urlparse_cached

from newsmon.config import Settings
from newsmon.fetchguard import Endpoint, FetchPolicy, IPAddress, addresses_of, literal_address

log = logging.getLogger(__name__)


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


class RefusedURL(IgnoreRequest):
    """The fetch guard refused the URL (already logged, with the reason)."""


class FetchGuardMiddleware:
    """Check every request, redirects and robots.txt included, against newsmon.fetchguard before it is sent.

    Runs before RobotsTxtMiddleware, so a refused host is not even asked for its robots.txt. Where newsmon connects
    directly the host's resolved addresses are judged too; through a proxy only the host as written (the proxy is
    trusted to resolve it). A request's origin is the feed it comes from (`feed_state` / `listed_by` in its meta);
    a request without one (robots.txt) is allowed on hosts already allowed in this crawl, else judged as public.
    """

    def __init__(self, settings: Settings, stats: StatsCollector, proxies: dict[str, str]) -> None:
        self.settings = settings
        self.stats = stats
        self.proxies = proxies
        self.policy: FetchPolicy | None = None
        self.resolved: dict[Endpoint, list[IPAddress]] = {}
        self.allowed_hosts: set[Endpoint] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> FetchGuardMiddleware:
        proxies = getproxies() if crawler.settings.getbool("HTTPPROXY_ENABLED") else {}
        return cls(crawler.settings["NEWSMON_SETTINGS"], crawler.stats, proxies)

    async def process_request(self, request: Request) -> None:
        policy = self.policy or await self._make_policy()
        origin_state = request.meta.get("feed_state") or request.meta.get("listed_by")
        origin = origin_state.url if origin_state is not None else None
        target = Endpoint.of(request.url)
        if origin is None and target in self.allowed_hosts:
            return
        direct = not self._proxied(request)
        addresses = await self._resolve(target) if direct else None
        origin_addresses = await self._resolve(Endpoint.of(origin)) if direct and origin else []
        reason = policy.refusal(request.url, origin=origin, addresses=addresses, origin_addresses=origin_addresses)
        if reason is None:
            self.allowed_hosts.add(target)
            return
        redirected = request.meta.get("redirect_urls")
        via = f" (redirected from {redirected[0]})" if redirected else ""
        log.warning("refused %s%s: %s", request.url, via, reason)
        self.stats.inc_value("newsmon/urls_refused")
        raise RefusedURL(reason)

    async def _make_policy(self) -> FetchPolicy:
        nodes = {url: await self._resolve(Endpoint.of(url)) for url in self.settings.es_urls}
        self.policy = FetchPolicy.of(self.settings.allow_private_networks, nodes)
        return self.policy

    def _proxied(self, request: Request) -> bool:
        """Whether HttpProxyMiddleware (which runs after this one) will send the request through a proxy."""
        if "proxy" in request.meta:
            return request.meta["proxy"] is not None
        parsed = urlparse_cached(request)
        return parsed.scheme in self.proxies and not (parsed.hostname and proxy_bypass(parsed.hostname))

    async def _resolve(self, endpoint: Endpoint) -> list[IPAddress]:
        """What the download handler will connect to (the same getaddrinfo, once per crawl); a name that does not
        resolve is left for the download to fail on."""
        if not endpoint.host:
            return []
        if (literal := literal_address(endpoint.host)) is not None:
            return [literal]
        if endpoint not in self.resolved:
            loop = asyncio.get_running_loop()
            try:
                infos = await loop.getaddrinfo(endpoint.host, endpoint.port, type=socket.SOCK_STREAM)
            except (OSError, UnicodeError):
                infos = []
            self.resolved[endpoint] = addresses_of(infos)
        return self.resolved[endpoint]


class RateLimited(IgnoreRequest):
    """The host asked newsmon to wait (HTTP 429 / Retry-After) longer than a crawl waits; fetched next poll."""


class RetryAfterMiddleware:
    """Honour HTTP 429 and Retry-After per host: wait (up to RETRY_AFTER_MAX_WAIT seconds) and retry once, else
    hold every request to that host until the time is up and raise RateLimited for it.

    The pauses are kept for the process, so `newsmon run` respects them across crawls. Feeds keep their own 429
    handling (the feed state backs off, see FeedState.failed) and pause nothing else.
    """

    paused: ClassVar[dict[str, float]] = {}  # host -> time.monotonic() when it may be asked again; for the process

    def __init__(self, max_wait: float, stats: StatsCollector) -> None:
        self.max_wait = max_wait
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RetryAfterMiddleware:
        return cls(crawler.settings.getfloat("RETRY_AFTER_MAX_WAIT"), crawler.stats)

    async def process_request(self, request: Request) -> None:
        host = urlparse_cached(request).netloc
        wait = self.paused.get(host, 0) - time.monotonic()
        if wait <= 0:
            return
        if wait > self.max_wait:
            raise RateLimited(f"{host} asked to wait {wait:.0f}s more (HTTP 429 / Retry-After)")
        await asyncio.sleep(wait)

    def process_response(self, request: Request, response: Response) -> Request | Response:
        delay = retry_after(response)
        if response.status != 429 and not (response.status == 503 and delay is not None):
            return response
        if response.status in request.meta.get("handle_httpstatus_list", ()):
            return response  # the callback handles it: a feed's state backs off on its own
        wait = (delay or timedelta(seconds=self.max_wait)).total_seconds()
        host = urlparse_cached(request).netloc
        self.paused[host] = max(self.paused.get(host, 0), time.monotonic() + wait)
        log.warning("%s: HTTP %s: pausing %s for %.0fs", request.url, response.status, host, wait)
        self.stats.inc_value("newsmon/rate_limited")
        if wait <= self.max_wait and not request.meta.get("retried_after"):
            retry = request.replace(dont_filter=True)
            retry.meta["retried_after"] = True
            return retry  # process_request holds it until the pause is over
        raise RateLimited(f"{host} asked to wait {wait:.0f}s (HTTP {response.status})")


def retry_after(response: Response) -> timedelta | None:
    """The Retry-After header (seconds or an HTTP date) as a duration; None when absent or unreadable."""
    value = response.headers.get("Retry-After")
    text = value.decode("latin-1").strip() if value else ""
    if not text:
        return None
    if text.isdigit():
        return timedelta(seconds=int(text))
    try:
        return max(timedelta(0), parsedate_to_datetime(text) - datetime.now(UTC))
    except (TypeError, ValueError):
        return None


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
