"""Finding a site's feeds from its homepage HTML: <link rel="alternate"> first, then WordPress conventions."""

from __future__ import annotations

from urllib.parse import urljoin

import lxml.html

FEED_TYPES = ("application/rss+xml", "application/atom+xml")


def discover_feeds(html: bytes, base_url: str) -> list[str]:
    """Feed URLs announced by the page, in page order, made absolute (no network)."""
    if not html.strip():
        return []
    document = lxml.html.fromstring(html)
    found: list[str] = []
    for link in document.iter("link"):
        rel = (link.get("rel") or "").lower().split()
        kind = (link.get("type") or "").split(";")[0].strip().lower()
        href = (link.get("href") or "").strip()
        # WordPress also announces its comments feed: comments are not news.
        if "alternate" in rel and kind in FEED_TYPES and href and "comments/feed" not in href:
            url = urljoin(base_url, href)
            if url not in found:
                found.append(url)
    return found


def wordpress_candidates(homepage: str, categories: list[str] | None = None) -> list[str]:
    """WordPress serves /feed/ and /category/<slug>/feed/ even when the theme does not announce them."""
    root = urljoin(homepage, "/")
    slugs = [name.strip().lower().replace(" ", "-") for name in categories or []]
    return [urljoin(root, f"/category/{slug}/feed/") for slug in slugs] + [urljoin(root, "/feed/")]
