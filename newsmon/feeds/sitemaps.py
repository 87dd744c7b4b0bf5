"""News sitemaps (<news:news> entries) as a second discovery route for sites without feeds. Pure: bytes in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from lxml import etree

from newsmon.feeds.parse import FeedEntry, FeedError, ParsedFeed

_NS = {
    "sm": "http://www.sitemaps.org/schemas/sitemap/0.9",
    "news": "http://www.google.com/schemas/sitemap-news/0.9",
}
RECENT = timedelta(days=2)  # news sitemaps may only list the last two days; older entries are stale


def parse_news_sitemap(body: bytes, url: str, now: datetime | None = None) -> ParsedFeed:
    """The <url> entries with a <news:news> block published within the last two days."""
    if not body.strip():
        raise FeedError(f"{url}: empty body")
    try:
        root = etree.fromstring(body, parser=etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False))
    except etree.XMLSyntaxError as error:
        raise FeedError(f"{url}: not a sitemap ({error})") from None
    if etree.QName(root).localname != "urlset":
        raise FeedError(f"{url}: not a sitemap <urlset> (root is <{etree.QName(root).localname}>)")
    cutoff = (now or datetime.now(UTC)) - RECENT
    entries = []
    for node in root.iterfind("sm:url", _NS):
        news = node.find("news:news", _NS)
        location = node.findtext("sm:loc", namespaces=_NS)
        published = _date(news.findtext("news:publication_date", namespaces=_NS)) if news is not None else None
        if news is not None and location and published and published >= cutoff:
            title = news.findtext("news:title", default="", namespaces=_NS).strip()
            keywords = news.findtext("news:keywords", default="", namespaces=_NS)
            categories = tuple(k.strip() for k in keywords.split(",") if k.strip())
            entries.append(FeedEntry(url=location.strip(), title=title, categories=categories, published=published))
    return ParsedFeed(url=url, entries=entries)


def _date(text: str | None) -> datetime | None:
    try:
        value = datetime.fromisoformat(text.strip()) if text else None
    except ValueError:
        return None
    return value.replace(tzinfo=value.tzinfo or UTC) if value else None
