"""Hostile input, crawled for real: a feed on 127.0.0.2 (for the guard, "the open web": another host than this
machine's 127.0.0.1) points its items at this machine in every spelling, at the search node, at file:// and through
a redirect; malformed items; rate limits. Crawls as in test_crawl (one process per poll, the real search node)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from ipaddress import ip_network

import pytest
from prometheus_client import REGISTRY, generate_latest

from devsupport.site import FIXTURES, FixtureSite
from devsupport.smtp import SmtpServer
from newsmon.config import FileConfig, Settings, save_file
from newsmon.crawler.run import CrawlReport
from newsmon.scheduler import jobs
from newsmon.sources.model import InternationalRule, Source
from tests.test_crawl import ARTICLE, crawl, newsmon_env
from tests.test_service_e2e import PARAGRAPHS, page

pytestmark = pytest.mark.slow  # each test crawls or serves in real newsmon processes (seconds each)


@pytest.fixture
def open_web() -> Iterator[FixtureSite]:
    """A fixture site on 127.0.0.2: for the guard, another host than this machine's 127.0.0.1."""
    site = FixtureSite("127.0.0.2").start()
    yield site
    site.stop()


def _feed(*links: str) -> str:
    items = "".join(f"<item><title>t{n}</title><link>{link}</link></item>" for n, link in enumerate(links))
    return f"<?xml version='1.0'?><rss version='2.0'><channel><title>Web</title>{items}</channel></rss>"


def test_items_pointing_at_this_machine_or_the_search_node_are_refused_and_the_rest_fetched(
    settings: Settings, news_site: FixtureSite, open_web: FixtureSite
) -> None:
    port = news_site.base.rsplit(":", 1)[1]
    news_site.set("/secret", ARTICLE.format(title="secret"))
    unsafe = [
        f"http://127.1:{port}/secret",
        f"http://2130706433:{port}/secret",
        f"http://0x7f000001:{port}/secret",
        f"http://localhost:{port}/secret",
        f"http://[::1]:{port}/secret",
        "file:///etc/passwd",
        f"{settings.es_url}/_cat/indices",
        open_web.url("/moved"),  # redirects to 127.0.0.1
    ]
    open_web.set("/moved", b"", status=302, headers={"Location": news_site.url("/secret")})
    open_web.set("/world/story", ARTICLE.format(title="story"))
    open_web.set("/feed/", _feed(*unsafe, open_web.url("/world/story")), "application/rss+xml")
    source = Source(name="web", feeds=[open_web.url("/feed/")], international=InternationalRule(all_items=True))

    poll = crawl(settings, [source])

    assert [i["title"] for i in poll.items] == ["story"]
    assert news_site.requests == []
    # One line each: refused by the guard, or (the IPv6 literal, which canonical_url cannot take) skipped as an item.
    # feedparser makes it file://etc/passwd; the spider never builds a request for a link that is not http(s)
    assert "skipped item file://etc/passwd: ValueError: item link 'file://etc/passwd' is not an http(s) URL" in poll.log
    for url in (u for u in unsafe[:-1] if not u.startswith("file:")):
        lines = [line for line in poll.log.splitlines() if url in line]
        assert len(lines) == 1 and ("refused" in lines[0] or "skipped item" in lines[0]), (url, lines)
    assert f"refused {news_site.url('/secret')} (redirected from {open_web.url('/moved')}): 127.0.0.1 is a " in poll.log
    assert poll.report["urls_refused"] + poll.report["items_skipped"] == len(unsafe)
    assert poll.report["articles_failed"] == 0


def test_a_source_on_this_machine_keeps_working_but_never_reaches_the_search_node(
    settings: Settings, news_site: FixtureSite, open_web: FixtureSite
) -> None:
    news_site.set("/world/story", ARTICLE.format(title="story"))
    open_web.set("/world/elsewhere", ARTICLE.format(title="elsewhere"))
    links = (news_site.url("/world/story"), f"{settings.es_url}/_search", open_web.url("/world/elsewhere"))
    news_site.set("/feed/", _feed(*links), "application/rss+xml")
    source = Source(name="local", feeds=[news_site.url("/feed/")], international=InternationalRule(all_items=True))

    poll = crawl(settings, [source])
    assert [i["title"] for i in poll.items] == ["story"]  # 127.0.0.2 is another host than the feed's own
    assert f"refused {settings.es_url}/_search: the search node is never fetched" in poll.log
    assert poll.report["urls_refused"] == 2

    settings.allow_private_networks = [ip_network("127.0.0.2/32")]
    news_site.set("/feed/", _feed(*links, news_site.url("/world/next")), "application/rss+xml")
    poll = crawl(settings, [source])
    assert [i["title"] for i in poll.items] == ["elsewhere"]


def test_through_a_proxy_the_host_as_written_is_judged(settings: Settings, news_site: FixtureSite) -> None:
    feed = _feed("http://kabar.invalid/world/story", "http://127.1/secret", "http://localhost/secret")
    news_site.set("http://kabar.invalid/feed/", feed, "application/rss+xml")
    news_site.set("http://kabar.invalid/world/story", ARTICLE.format(title="story"))
    news_site.set("http://127.1/secret", ARTICLE.format(title="secret"))
    source = Source(name="kabar", feeds=["http://kabar.invalid/feed/"], international=InternationalRule(all_items=True))

    poll = crawl(settings, [source], env_extra={"http_proxy": news_site.base, "no_proxy": "127.0.0.1"})

    assert [i["title"] for i in poll.items] == ["story"]
    assert poll.report["urls_refused"] == 2
    assert not [r for r in news_site.requests if "secret" in r.path]


def test_crawl_once_skips_a_bad_item_and_refused_urls_and_summarises_them(
    settings: Settings, news_site: FixtureSite, open_web: FixtureSite, smtp_server: SmtpServer
) -> None:
    port = news_site.base.rsplit(":", 1)[1]
    links = [
        "http://kabar.example:99999/port-out-of-range",
        f"http://localhost:{port}/secret",
        f"{settings.es_url}/_cluster/settings",
        open_web.url("/world/story"),
    ]
    open_web.set("/feed/", _feed(*links), "application/rss+xml")
    open_web.set("/world/story", page("Jepang bantu nelayan korban badai", PARAGRAPHS))
    news_site.set("/secret", "secret")
    source = Source(name="web", feeds=[open_web.url("/feed/")], international=InternationalRule(all_items=True))
    save_file(settings.config, FileConfig(sources=[source]))
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("NEWSMON_")}, **newsmon_env(settings)}
    command = [sys.executable, "-m", "newsmon", "crawl", "--once"]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=180)

    assert done.returncode == 0, done.stderr[-3000:]
    assert "1 unreadable (skipped)" in done.stdout
    assert "refused: 2 URL(s)" in done.stdout
    assert "articles: 1 fetched, 1 indexed" in done.stdout
    assert "kabar.example:99999/port-out-of-range" in done.stderr and news_site.requests == []


def test_skipped_items_and_refused_urls_are_counted_on_metrics() -> None:
    def value(name: str) -> float:
        return REGISTRY.get_sample_value(name) or 0.0

    before = value("newsmon_feed_items_skipped_total"), value("newsmon_urls_refused_total")
    jobs.record(CrawlReport(items_skipped=2, urls_refused=3))
    text = generate_latest().decode()  # what /metrics serves
    assert (value("newsmon_feed_items_skipped_total"), value("newsmon_urls_refused_total")) == (
        before[0] + 2,
        before[1] + 3,
    )
    assert "# HELP newsmon_urls_refused_total" in text


# -- responses: charsets and content types, through the real cleaner ------------------------------------------
def _served_variants(site: FixtureSite) -> dict[str, str]:
    """english-world.html (its author made "Zoë", its quotes curly) served in five odd ways: path -> URL."""
    text = (FIXTURES / "pages/english-world.html").read_text(encoding="utf-8").replace("Daniel Hart", "Zoë Hart")
    text = text.replace("&quot;We can make up a day", "\u201cWe can make up a day").replace(
        " a week,&quot;", " a week,\u201d"
    )
    bare = text.replace('<meta charset="utf-8">', "")
    site.set("/world/cp1252-undeclared/", bare.encode("cp1252"), "text/html")
    site.set("/world/cp1252-as-latin1/", bare.encode("cp1252"), "text/html; charset=iso-8859-1")
    site.set("/world/utf16-bom/", "\ufeff".encode("utf-16-le") + bare.encode("utf-16-le"), "text/html")
    site.set("/world/octet-stream/", text.encode("utf-8"), "application/octet-stream")
    site.set("/world/no-type/", text.encode("utf-8"), "")
    return {path: site.url(path) for path in site.routes}


def test_pages_are_decoded_as_a_browser_would_and_judged_by_their_bytes(
    settings: Settings, news_site: FixtureSite
) -> None:
    urls = _served_variants(news_site)
    news_site.set("/feed/", _feed(*urls.values()), "application/rss+xml")
    source = Source(name="harbour", feeds=[news_site.url("/feed/")], international=InternationalRule(all_items=True))

    poll = crawl(settings, [source], NEWSMON_CLEANER="newsmon.cleaning.clean")

    by_url = {item["url"]: item for item in poll.items}
    assert sorted(by_url) == sorted(urls.values()), poll.report["rejected"]
    for item in by_url.values():
        assert item["authors"] == ["Zoë Hart"], item["url"]
        assert "\u201cWe can make up a day, sometimes two, but not a week,\u201d" in item["body"], item["url"]
        assert "\ufffd" not in item["body"]


def test_an_article_page_over_the_cap_is_cut_off_while_downloading(settings: Settings, news_site: FixtureSite) -> None:
    news_site.set("/world/huge", b"<html><body><article><h1>huge</h1>" + b"<p>x</p>" * 500_000 + b"</article>")
    news_site.set("/world/story", ARTICLE.format(title="story"))
    news_site.set("/feed/", _feed(news_site.url("/world/huge"), news_site.url("/world/story")), "application/rss+xml")
    source = Source(name="big", feeds=[news_site.url("/feed/")], international=InternationalRule(all_items=True))

    poll = crawl(settings, [source])

    assert [i["title"] for i in poll.items] == ["story"]
    assert poll.report["articles_failed"] == 1
    assert f"article {news_site.url('/world/huge')} failed" in poll.log
    assert "larger than download max size (3145728)" in poll.log


# -- rate limits on article pages ----------------------------------------------------------------------------------
def _busy_site(site: FixtureSite, wait: str) -> Source:
    """Two calm articles and a busy one (last in the feed: requested first, Scrapy's queue is LIFO) that answers 429
    once."""
    site.set("/world/calm-1", ARTICLE.format(title="calm-1"))
    site.set("/world/calm-2", ARTICLE.format(title="calm-2"))
    busy = site.set("/world/busy", ARTICLE.format(title="busy"))
    site.set("/world/busy", b"slow down", "text/plain", status=429, headers={"Retry-After": wait}, then=busy)
    links = (site.url("/world/calm-1"), site.url("/world/calm-2"), site.url("/world/busy"))
    site.set("/feed/", _feed(*links), "application/rss+xml")
    return Source(name="busy", feeds=[site.url("/feed/")], international=InternationalRule(all_items=True))


def test_a_short_retry_after_on_an_article_is_waited_for_and_the_page_fetched(
    settings: Settings, news_site: FixtureSite
) -> None:
    poll = crawl(settings, [_busy_site(news_site, "1")])
    assert sorted(i["title"] for i in poll.items) == ["busy", "calm-1", "calm-2"]
    assert [r.status for r in news_site.requested("/world/busy")] == [429, 200]
    assert poll.report["articles_failed"] == 0


def test_a_long_retry_after_holds_the_host_until_a_later_poll_and_is_no_failure(
    settings: Settings, news_site: FixtureSite
) -> None:
    source = _busy_site(news_site, "3600")
    # One request at a time: requests reach the downloader middlewares after the 429, and those are held.
    poll = crawl(settings, [source], CONCURRENT_REQUESTS=1)
    assert poll.items == [] and poll.report["articles_failed"] == 0
    assert poll.report["articles_deferred"] == 3
    assert news_site.requested("/world/calm-1") == [] and news_site.requested("/world/calm-2") == []
    assert f"{news_site.url('/world/busy')}: HTTP 429: pausing" in poll.log
