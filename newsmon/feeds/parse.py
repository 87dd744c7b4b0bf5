"""Feed bytes -> entries, with feedparser. Pure: no network (never `feedparser.parse(url)`, which has no timeout)."""

from __future__ import annotations

import calendar
import logging
import re
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import feedparser

log = logging.getLogger(__name__)

# A feed larger than this is not a feed we want to parse (the crawler's DOWNLOAD_MAXSIZE normally stops it first).
MAX_FEED_BYTES = 5 * 1024 * 1024

# A malformed feed with at most this many items is re-read item by item (a few ms each).
MAX_ITEMS_ALONE = 1000
_ITEM_START = re.compile(rb"<(?:item|entry)[\s>]", re.IGNORECASE)
_ITEM_END = re.compile(rb"</(?:item|entry)\s*>", re.IGNORECASE)
_DOCTYPE = re.compile(rb"<!DOCTYPE[^[>]*(\[.*?\])?\s*>", re.IGNORECASE | re.DOTALL)

# The XML parser's words for a document that stops early: a cut download, not a feed with a bad item.
_TRUNCATION = ("no element found", "unclosed token")


class FeedError(Exception):
    """The bytes are not a usable feed; the message says why in one line and names the URL."""


@dataclass(frozen=True)
class FeedEntry:
    url: str
    title: str = ""
    categories: tuple[str, ...] = ()
    published: datetime | None = None
    updated: datetime | None = None
    guid: str | None = None
    summary: str = ""


@dataclass(frozen=True)
class ParsedFeed:
    url: str
    title: str = ""
    entries: list[FeedEntry] = field(default_factory=list)
    ttl: timedelta | None = None  # RSS <ttl>: the publisher asks not to be polled more often
    warning: str | None = None  # set when feedparser had to recover from malformed XML or a wrong charset
    skipped: int = 0  # items that could not be read (each logged with the feed URL)


def parse_feed(body: bytes, url: str, content_type: str | None = None) -> ParsedFeed:
    """Parse RSS 0.9x/1.0/2.0 or Atom bytes; raise FeedError for anything that is not a feed."""
    if not body.strip():
        raise FeedError(f"{url}: empty body")
    if len(body) > MAX_FEED_BYTES:
        raise FeedError(f"{url}: feed is {len(body)} bytes, over the {MAX_FEED_BYTES} byte limit")
    # content-location: the base feedparser resolves relative item links against.
    headers = {"content-location": url} | ({"content-type": content_type} if content_type else {})
    parsed = feedparser.parse(body, response_headers=headers)
    problem = parsed.get("bozo_exception") if parsed.get("bozo") else None
    if not parsed.get("version"):
        looks_html = body.lstrip()[:200].lower().startswith((b"<!doctype html", b"<html"))
        kind = "an HTML page" if looks_html else f"not RSS or Atom ({content_type or 'no content type'})"
        raise FeedError(f"{url}: {kind}, not a feed")
    if problem is not None and any(word in str(problem) for word in _TRUNCATION):
        raise FeedError(f"{url}: feed is truncated ({problem})")
    entries, skipped = _entries(parsed.entries, url)
    if problem is not None:
        # A broken item can swallow the items after it; read each item on its own and keep what reads best.
        one_by_one = [entry for raw in _items_one_by_one(body, headers) for entry in _entries([raw], url)[0]]
        if len(one_by_one) > len(entries):
            entries = one_by_one
    warning = f"{url}: feed is malformed, kept {len(entries)} readable items ({problem})" if problem else None
    return ParsedFeed(
        url=url,
        title=str(parsed.feed.get("title", "")),
        entries=entries,
        ttl=_ttl(parsed.feed.get("ttl")),
        warning=warning,
        skipped=skipped,
    )


def _entries(raws: list[feedparser.FeedParserDict], url: str) -> tuple[list[FeedEntry], int]:
    """The readable entries, and how many raised (each logged): one unusual item must not cost the rest."""
    entries, skipped = [], 0
    for raw in raws:
        try:
            entry = _entry(raw)
        except Exception as error:
            log.warning("%s: skipped item %s: %s: %s", url, raw.get("link"), error.__class__.__name__, error)
            skipped += 1
            continue
        if entry is not None:
            entries.append(entry)
    return entries, skipped


def _items_one_by_one(body: bytes, headers: dict[str, str]) -> list[feedparser.FeedParserDict]:
    """Each <item>/<entry> parsed alone, between the feed's own head and tail (up to MAX_ITEMS_ALONE of them)."""
    starts = [match.start() for match in _ITEM_START.finditer(body)]
    ends = [match.end() for match in _ITEM_END.finditer(body)]
    if not starts or not ends or len(starts) > MAX_ITEMS_ALONE:
        return []
    last = max(ends[-1], starts[-1])
    head, tail = _DOCTYPE.sub(b"", body[: starts[0]]), body[last:]  # no DTD: its entities are expanded once only
    raws = []
    for start, end in zip(starts, [*starts[1:], last], strict=True):
        raws += feedparser.parse(head + body[start:end] + tail, response_headers=headers).entries
    return raws


def _entry(raw: feedparser.FeedParserDict) -> FeedEntry | None:
    link = raw.get("link") or _guid_link(raw)
    if not link:
        return None
    return FeedEntry(
        url=link.strip(),
        title=(raw.get("title") or "").strip(),
        categories=tuple(tag["term"].strip() for tag in raw.get("tags", []) if tag.get("term")),
        published=_when(raw.get("published_parsed")),
        # dict.get: feedparser's own .get falls back from updated to published, hiding "never updated".
        updated=_when(dict.get(raw, "updated_parsed")),
        guid=raw.get("id"),
        summary=raw.get("summary", ""),
    )


def _guid_link(raw: feedparser.FeedParserDict) -> str | None:
    # RSS items without <link> often carry the article URL as a permalink <guid>.
    guid = raw.get("id") or ""
    return guid if guid.startswith(("http://", "https://")) else None


def _when(value: time.struct_time | None) -> datetime | None:
    return datetime.fromtimestamp(calendar.timegm(value), tz=UTC) if value else None


def _ttl(value: str | None) -> timedelta | None:
    try:
        minutes = int(value) if value else 0
    except ValueError:
        return None
    return timedelta(minutes=minutes) if minutes > 0 else None
