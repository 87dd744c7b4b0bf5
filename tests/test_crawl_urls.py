"""URL identity: the crawler fetches each feed link as published (after resolving it against the feed) and stores
`url` as fetched after redirects and `canonical_url` as the identity; against a real fixture server."""

from __future__ import annotations

import pytest
import scrapy

from devsupport.site import FixtureSite
from newsmon.cleaning import Article, clean
from newsmon.config import Settings
from newsmon.urls import article_id, canonical_url, published_url
from tests.test_crawl import ARTICLE, article_requests, crawl, international_only

pytestmark = pytest.mark.slow  # each test crawls or serves in real newsmon processes (seconds each)

# (link in the feed, path the server must see). Each route exists only at its exact path, so a crawler that asks
# for any other spelling gets a 404 and the test fails.
LINKS = [
    ("{BASE}/berita?id=123&find=&page=1", "/berita?id=123&find=&page=1"),  # empty value, unsorted query
    ("{BASE}/arsip/a%2Fb?x=%41&utm_source=rss", "/arsip/a%2Fb?x=%41&utm_source=rss"),  # escapes and tracking kept
    ("{BASE}/dengan-fragmen#komentar", "/dengan-fragmen"),  # a fragment is never sent
    ("/relatif/berita", "/relatif/berita"),  # relative to the feed
    ("{BASE}/kota/bogor-ü", "/kota/bogor-%C3%BC"),  # non-ASCII path, sent UTF-8 percent-encoded
]


def _feed(links: list[str]) -> str:
    items = "".join(f"<item><title>Berita {n}</title><link>{link}</link></item>" for n, link in enumerate(links))
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>{items}</channel></rss>'


def test_links_are_fetched_as_published_and_stored_with_their_identity(
    settings: Settings, news_site: FixtureSite
) -> None:
    links = [link for link, _ in LINKS] + ["{BASE}/lama"]
    news_site.set("/feed.xml", _feed(links).replace("&", "&amp;"))
    for n, (_, path) in enumerate(LINKS):
        news_site.set(path, ARTICLE.format(title=f"Berita {n}"))
    news_site.set("/lama", b"", status=301, headers={"Location": news_site.url("/baru?ref=feed")})
    news_site.set("/baru?ref=feed", ARTICLE.format(title=f"Berita {len(LINKS)}"))

    poll = crawl(settings, international_only(news_site, kabar="/feed.xml"))

    assert article_requests(news_site) == sorted([path for _, path in LINKS] + ["/lama", "/baru?ref=feed"])
    articles = [r for r in news_site.requests if r.path in article_requests(news_site) and r.path != "/lama"]
    assert all(r.status == 200 for r in articles), [(r.path, r.status) for r in articles]
    stored = {item["title"]: item for item in poll.items}
    assert len(stored) == len(LINKS) + 1
    first = stored["Berita 0"]
    assert first["url"] == news_site.url("/berita?id=123&find=&page=1")
    assert first["canonical_url"] == news_site.url("/berita?find=&id=123&page=1")
    moved = stored[f"Berita {len(LINKS)}"]
    assert moved["url"] == news_site.url("/baru?ref=feed")  # as fetched, after the redirect
    assert moved["canonical_url"] == news_site.url("/baru")


def test_published_url_keeps_the_link_and_refuses_other_schemes() -> None:
    feed = "https://kabar.example/rss/"
    assert (
        published_url(" https://kabar.example/a?id=1&find=&page=2 ", feed)
        == "https://kabar.example/a?id=1&find=&page=2"
    )
    assert published_url("../b?x=%41#top", feed) == "https://kabar.example/b?x=%41#top"
    assert published_url("//cdn.kabar.example/c", feed) == "https://cdn.kabar.example/c"
    for bad in ("javascript:alert(1)", "file:///etc/passwd", "mailto:redaksi@kabar.example", "http://"):
        assert published_url(bad, feed) is None, bad


def test_an_idn_host_is_fetched_in_punycode_and_identified_the_same_either_way() -> None:
    link = published_url("https://bücher.example/Straße?q=é&find=", "https://bücher.example/feed")
    assert scrapy.Request(link).url == "https://xn--bcher-kva.example/Stra%C3%9Fe?q=%C3%A9&find="
    assert canonical_url(link) == canonical_url("https://xn--bcher-kva.example/Stra%C3%9Fe?find=&q=%C3%A9")
    assert article_id(link) == article_id("HTTPS://XN--BCHER-KVA.EXAMPLE:443/Stra%C3%9Fe?q=%C3%A9&find=#x")


def _page(canonical: str) -> bytes:
    text = "".join(
        f"<p>Paragraf {n} tentang pertemuan para menteri luar negeri di Jakarta pekan ini.</p>" for n in range(9)
    )
    head = f"<head><link rel='canonical' href='{canonical}'></head>"
    return f"<html>{head}<body><article>{text}</article></body></html>".encode()


def test_rel_canonical_is_the_identity_only_on_the_same_site() -> None:
    fetched = "https://kabar.example/berita/1?page=1&utm_source=rss"
    same = clean(_page("https://www.kabar.example/berita/1"), fetched, source="kabar")
    elsewhere = clean(_page("https://wire.example/story/99"), fetched, source="kabar")
    assert isinstance(same, Article) and isinstance(elsewhere, Article)
    assert same.url == elsewhere.url == fetched
    assert same.canonical_url == "https://www.kabar.example/berita/1"
    assert elsewhere.canonical_url == "https://kabar.example/berita/1?page=1"
