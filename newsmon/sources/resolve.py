"""Turning a URL the user typed (a feed or a homepage) into feed URLs, with a short timeout. Used by the CLI.

Every fetch obeys robots.txt (with the parser Scrapy's RobotsTxtMiddleware uses) and the fetch guard: the typed URL
is the origin, so a homepage on an intranet keeps working, while a feed it announces or a redirect pointing at
another private address or at the search node is not fetched.
"""

from __future__ import annotations

import logging
import urllib.error
import urllib.request
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from protego import Protego

from newsmon.feeds.discovery import discover_feeds, wordpress_candidates
from newsmon.feeds.parse import FeedError, parse_feed
from newsmon.fetchguard import FetchPolicy, resolve

log = logging.getLogger(__name__)
MAX_BYTES = 5 * 1024 * 1024


class NoFeedFound(Exception):
    """Neither the URL itself, its <link rel="alternate"> feeds nor the WordPress fallbacks are feeds."""


class _Refused(urllib.error.URLError):
    pass


@dataclass
class Page:
    body: bytes
    url: str  # after redirects
    status: int
    headers: dict[str, str]


class _Fetcher:
    """GETs for one discovery: robots.txt per site (fetched once) and the fetch guard on every URL and redirect."""

    def __init__(self, origin: str, user_agent: str, timeout: float, policy: FetchPolicy) -> None:
        self.origin, self.user_agent, self.timeout, self.policy = origin, user_agent, timeout, policy
        self.robots: dict[str, Protego | None] = {}
        guard = self

        class GuardedRedirects(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[no-untyped-def]
                if reason := guard.refusal(newurl):
                    raise _Refused(reason)
                return super().redirect_request(req, fp, code, msg, headers, newurl)

        self.opener = urllib.request.build_opener(GuardedRedirects)

    def refusal(self, url: str) -> str | None:
        """Why the fetch guard refuses url (logged), or None; resolved here unless a proxy will fetch it."""
        parts = urlsplit(url)
        direct = parts.scheme not in urllib.request.getproxies() or urllib.request.proxy_bypass(parts.hostname or "")
        addresses = resolve(url) if direct else None
        origin_addresses = resolve(self.origin) if direct else ()
        reason = self.policy.refusal(url, origin=self.origin, addresses=addresses, origin_addresses=origin_addresses)
        if reason:
            log.warning("refused %s: %s", url, reason)
        return reason

    def allowed_by_robots(self, url: str) -> bool:
        """robots.txt of url's site (fetched once; the site was already let through by the guard) allows url."""
        site = urljoin(url, "/")
        if site not in self.robots:
            try:
                body = self.download(urljoin(site, "/robots.txt"), limit=512 * 1024).body
                self.robots[site] = Protego.parse(body.decode("utf-8", "replace"))
            except (urllib.error.URLError, TimeoutError, ValueError, OSError):
                self.robots[site] = None  # no robots.txt (or none readable): everything is allowed, as in Scrapy
        parser = self.robots[site]
        return parser is None or parser.can_fetch(url, self.user_agent)

    def download(self, url: str, limit: int = MAX_BYTES) -> Page:
        """GET url, checked already (redirects are checked on the way); raises on network errors and refusals."""
        request = urllib.request.Request(url, headers={"User-Agent": self.user_agent})
        with self.opener.open(request, timeout=self.timeout) as response:
            headers = {key.title(): value for key, value in response.headers.items()}
            return Page(response.read(limit + 1), response.geturl(), response.status, headers)

    def fetch(self, url: str) -> Page | None:
        """The page at url, or None (logged) when refused, disallowed or failed."""
        try:
            return self.get(url)
        except (urllib.error.URLError, TimeoutError, ValueError, OSError) as error:
            log.info("%s: %s", url, getattr(error, "reason", error))
            return None

    def get(self, url: str) -> Page:
        """The page at url; URLError (with the reason) when refused, disallowed or failed."""
        if reason := self.refusal(url):
            raise _Refused(f"refused: {reason}")
        if not self.allowed_by_robots(url):
            raise _Refused("disallowed by the site's robots.txt")
        return self.download(url)


def fetch_page(url: str, user_agent: str, timeout: float, policy: FetchPolicy) -> Page:
    """One guarded, robots.txt-abiding GET (for `crawl --explain`); URLError with the reason when it fails."""
    return _Fetcher(url, user_agent, timeout, policy).get(url)


def _is_feed(url: str, fetched: Page | None) -> bool:
    if fetched is None:
        return False
    try:
        parse_feed(fetched.body, url, fetched.headers.get("Content-Type"))
    except FeedError:
        return False
    return True


def find_feeds(
    url: str,
    *,
    user_agent: str,
    timeout: float = 10.0,
    categories: list[str] | None = None,
    policy: FetchPolicy | None = None,
) -> list[str]:
    """[url] when it is a feed; else the feeds its page announces; else the WordPress feeds that answer."""
    if urlsplit(url).scheme not in ("http", "https"):
        raise NoFeedFound(f"{url}: only http:// and https:// addresses can be sources")
    fetcher = _Fetcher(url, user_agent, timeout, policy or FetchPolicy())
    if reason := fetcher.refusal(url):
        raise NoFeedFound(f"{url}: refused: {reason}")
    if not fetcher.allowed_by_robots(url):
        raise NoFeedFound(f"{url}: disallowed by the site's robots.txt")
    page = fetcher.fetch(url)
    if page is None:
        raise NoFeedFound(f"{url}: could not be fetched")
    if _is_feed(url, page):
        return [url]
    announced = [feed for feed in discover_feeds(page.body, url) if not fetcher.refusal(feed)]
    if announced:
        return announced
    found = [c for c in wordpress_candidates(url, categories) if _is_feed(c, fetcher.fetch(c))]
    if not found:
        raise NoFeedFound(f"{url}: no feed announced on the page and no WordPress feed (/feed/) answered")
    return found
