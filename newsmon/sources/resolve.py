"""Turning a URL the user typed (a feed or a homepage) into feed URLs, with a short timeout. Used by the CLI."""

from __future__ import annotations

import logging
import urllib.error
import urllib.request
from urllib.parse import urlsplit

from newsmon.feeds.discovery import discover_feeds, wordpress_candidates
from newsmon.feeds.parse import FeedError, parse_feed

log = logging.getLogger(__name__)
MAX_BYTES = 5 * 1024 * 1024


class NoFeedFound(Exception):
    """Neither the URL itself, its <link rel="alternate"> feeds nor the WordPress fallbacks are feeds."""


def fetch(url: str, user_agent: str, timeout: float) -> tuple[bytes, str | None] | None:
    """(body, Content-Type) of an http(s) URL, at most MAX_BYTES + 1 bytes; None (logged) when it fails."""
    request = urllib.request.Request(url, headers={"User-Agent": user_agent})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.read(MAX_BYTES + 1), response.headers.get("Content-Type")
    except (urllib.error.URLError, TimeoutError, ValueError) as error:
        log.info("%s: %s", url, getattr(error, "reason", error))
        return None


def _is_feed(url: str, fetched: tuple[bytes, str | None] | None) -> bool:
    if fetched is None:
        return False
    try:
        parse_feed(fetched[0], url, fetched[1])
    except FeedError:
        return False
    return True


def find_feeds(url: str, *, user_agent: str, timeout: float = 10.0, categories: list[str] | None = None) -> list[str]:
    """[url] when it is a feed; else the feeds its page announces; else the WordPress feeds that answer."""
    if urlsplit(url).scheme not in ("http", "https"):
        raise NoFeedFound(f"{url}: only http:// and https:// addresses can be sources")
    page = fetch(url, user_agent, timeout)
    if page is None:
        raise NoFeedFound(f"{url}: could not be fetched")
    if _is_feed(url, page):
        return [url]
    announced = discover_feeds(page[0], url)
    if announced:
        return announced
    found = [c for c in wordpress_candidates(url, categories) if _is_feed(c, fetch(c, user_agent, timeout))]
    if not found:
        raise NoFeedFound(f"{url}: no feed announced on the page and no WordPress feed (/feed/) answered")
    return found
