"""HTTP concerns of newsmon's requests that Scrapy does not cover itself."""

from __future__ import annotations

import asyncio
import logging
import socket
from urllib.request import getproxies, proxy_bypass

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
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
        self.resolved: dict[tuple[str, int], list[IPAddress]] = {}
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
        addresses = await self._resolve(target.host, target.port) if direct and target.host else None
        origin_addresses = await self._resolve(*_host_port(origin)) if direct and origin else []
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
        node = Endpoint.of(self.settings.es_url)
        addresses = await self._resolve(node.host, node.port)
        self.policy = FetchPolicy.of(self.settings.allow_private_networks, self.settings.es_url, addresses)
        return self.policy

    def _proxied(self, request: Request) -> bool:
        """Whether HttpProxyMiddleware (which runs after this one) will send the request through a proxy."""
        if "proxy" in request.meta:
            return request.meta["proxy"] is not None
        parsed = urlparse_cached(request)
        return parsed.scheme in self.proxies and not (parsed.hostname and proxy_bypass(parsed.hostname))

    async def _resolve(self, host: str, port: int) -> list[IPAddress]:
        """What the download handler will connect to (the same getaddrinfo); a name that does not resolve is
        left for the download to fail on."""
        if not host:
            return []
        if (literal := literal_address(host)) is not None:
            return [literal]
        key = (host, port)
        if key not in self.resolved:
            try:
                infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
            except (OSError, UnicodeError):
                infos = []
            self.resolved[key] = addresses_of(infos)
        return self.resolved[key]


def _host_port(url: str) -> tuple[str, int]:
    endpoint = Endpoint.of(url)
    return endpoint.host, endpoint.port
