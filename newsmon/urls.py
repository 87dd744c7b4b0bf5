"""URL canonicalisation and article ids: one URL form per article, however a feed or page spells it."""

from __future__ import annotations

import hashlib
import re
from urllib.parse import urljoin, urlsplit, urlunsplit

from w3lib.url import canonicalize_url, url_query_cleaner

# Tracking parameters that never change which article a URL points at.
_TRACKING = re.compile(
    r"^(utm_.*|fbclid|gclid|dclid|gbraid|wbraid|msclkid|mc_cid|mc_eid|yclid|igshid|_ga|ref|ref_src)$", re.IGNORECASE
)
_DEFAULT_PORTS = {"http": 80, "https": 443}


def published_url(link: str, base: str) -> str | None:
    """The URL to fetch for a feed's link: the link exactly as published, made absolute against the feed's URL;
    None unless it is an http(s) URL with a host. Never canonicalised: sites need their own query spelling."""
    url = urljoin(base, link.strip())
    parts = urlsplit(url)
    return url if parts.scheme in _DEFAULT_PORTS and parts.hostname else None


def canonical_url(url: str) -> str:
    """The identity of a URL, never the URL to fetch (see published_url): lowercase scheme and host, no default
    port, no fragment, no tracking parameters, sorted query."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if parts.port and parts.port != _DEFAULT_PORTS.get(scheme):
        host = f"{host}:{parts.port}"
    path = parts.path or "/"
    cleaned = urlunsplit((scheme, host, path, parts.query, ""))
    keep = [k for k in _query_keys(parts.query) if not _TRACKING.match(k.lower())]
    cleaned = url_query_cleaner(cleaned, keep, unique=False, keep_fragments=False)
    return canonicalize_url(cleaned, keep_fragments=False)


def _query_keys(query: str) -> list[str]:
    return [pair.split("=", 1)[0] for pair in query.split("&") if pair]


_DIGITS = re.compile(r"\d+")


def path_shape(url: str) -> str:
    """The shape of a URL, to compare a page with the source's articles: host and path, digit runs as "9" and slugs
    (segments with two or more hyphens, or longer than 24 characters) as "*".
    https://kabar.example/dunia/2025/05/14/rusia-dan-korea-utara/ -> kabar.example/dunia/9/9/9/*/"""
    parts = urlsplit(url)
    segments = []
    for segment in parts.path.split("/"):
        segment = _DIGITS.sub("9", segment.lower())
        segments.append("*" if segment.count("-") >= 2 or len(segment) > 24 else segment)
    return (parts.hostname or "").removeprefix("www.") + "/".join(segments)


def article_id(url: str) -> str:
    """The document id of an article: a hash of its canonical URL, so re-indexing is idempotent."""
    return hashlib.sha256(canonical_url(url).encode("utf-8")).hexdigest()[:32]
