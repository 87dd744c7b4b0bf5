"""The crawl end to end: crawler.run.crawl_once against fixture sites on 127.0.0.1 and the real search node.

Each poll is its own process (`python -m tests.test_crawl`, on the asyncio reactor as in the service), so it is also
a restart: everything a poll knows from the last one came from the node.
Articles are cleaned by a trivial stand-in (this file's `stand_in_clean`) and go through the real index pipeline,
plus a pipeline that writes what the spider yielded to a JSON Lines file.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from scrapy.crawler import Crawler
from scrapy.utils.log import configure_logging

from devsupport.site import FixtureSite
from newsmon.cleaning.article import Article, Rejection
from newsmon.config import FileConfig, Settings, load_file, load_settings, save_file
from newsmon.crawler.run import crawl_once, scrapy_settings
from newsmon.feeds.state import FeedState
from newsmon.index.articles import ArticleStore
from newsmon.index.client import make_client
from newsmon.index.feedstate import FeedStateStore
from newsmon.scheduler import runtime
from newsmon.sources.model import InternationalRule, Source
from newsmon.urls import article_id, canonical_url

pytestmark = pytest.mark.slow  # each test crawls or serves in real newsmon processes (seconds each)

ROOT = Path(__file__).resolve().parent.parent
ARTICLE = "<html><body><article><h1>{title}</h1><p>Isi berita {title}.</p></article></body></html>"
ITEM = "<item><title>{title}</title><link>{{BASE}}{path}</link><category>Dunia</category></item>"


def stand_in_clean(
    html: bytes,
    url: str,
    *,
    source: str,
    headers: dict | None = None,
    language_hint: str | None = None,
    like_articles: bool = False,
) -> Article | Rejection:
    """A trivial cleaner: the <h1> is the title, no <article> is a rejection."""
    text = html.decode("utf-8", "replace")
    title = re.search(r"<h1>(.*?)</h1>", text)
    if "<article>" not in text or not title:
        return Rejection(url, "no <article> element")
    body = re.sub(r"<[^>]+>", " ", text).strip()
    return Article(
        url=url, canonical_url=canonical_url(url), source=source, title=title.group(1), body=body, language="id",
        content_hash=article_id(body),
    )  # fmt: skip


class CollectPipeline:
    """Writes each yielded item as one JSON line to NEWSMON_COLLECT_PATH."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CollectPipeline:
        return cls(Path(crawler.settings["NEWSMON_COLLECT_PATH"]))

    def process_item(self, item: Article) -> Article:
        with self.path.open("a", encoding="utf-8") as out:
            out.write(json.dumps(item.to_dict()) + "\n")
        return item


def newsmon_env(settings: Settings) -> dict[str, str]:
    """The NEWSMON_* environment that makes load_settings() return these settings."""
    env = {}
    for name in Settings.model_fields:
        value = getattr(settings, name)
        value = value.get_secret_value() if hasattr(value, "get_secret_value") else value
        if isinstance(value, list):
            value = ",".join(map(str, value))
        if value is not None:
            env[f"NEWSMON_{name.upper()}"] = str(value)
    return env


@dataclass
class Poll:
    report: dict[str, int]
    items: list[dict[str, Any]]
    log: str


def crawl(settings: Settings, sources: list[Source], env_extra: dict[str, str] | None = None, **extra: Any) -> Poll:
    save_file(settings.config, FileConfig(sources=sources))
    collected = settings.data_dir / f"items-{len(list(settings.data_dir.glob('items-*')))}.jsonl"
    collected.parent.mkdir(parents=True, exist_ok=True)
    overrides = {
        "ITEM_PIPELINES": {
            "newsmon.crawler.pipelines.indexing.IndexPipeline": 200,
            "tests.test_crawl.CollectPipeline": 900,
        },
        "NEWSMON_CLEANER": "tests.test_crawl.stand_in_clean",
        "NEWSMON_COLLECT_PATH": str(collected),
        "AUTOTHROTTLE_ENABLED": False,
        "DOWNLOAD_TIMEOUT": 5,
        **extra,
    }
    command = [sys.executable, "-m", "tests.test_crawl", json.dumps(overrides)]
    env = {**os.environ, **newsmon_env(settings), **(env_extra or {})}
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-4000:]
    items = [json.loads(line) for line in collected.read_text().splitlines()] if collected.exists() else []
    return Poll(json.loads(done.stdout.strip().splitlines()[-1]), items, done.stderr)


def states(settings: Settings) -> dict[str, FeedState]:
    return {s.url: s for s in FeedStateStore(make_client(settings), settings).all()}


def serve_articles(site: FixtureSite, *paths: str) -> None:
    """Article pages titled like their items in the fixture feeds (else after their last path segment), so the
    spider sees no title change between feed and index."""
    for path in paths:
        site.set(path, ARTICLE.format(title=FEED_TITLES.get(path, path.rsplit("/", 1)[-1])))


def article_requests(site: FixtureSite) -> list[str]:
    return sorted(r.path for r in site.requests if not r.path.endswith((".xml", ".atom", "/robots.txt", "/feed/")))


def international_only(site: FixtureSite, **feeds: str) -> list[Source]:
    """One international-only source per name=feed path."""
    rule = InternationalRule(all_items=True)
    return [Source(name=name, feeds=[site.url(path)], international=rule) for name, path in feeds.items()]


FEED_TITLES = {
    "/world/summit-pledge": "Summit ends with climate pledge",
    "/world/dutch-elections": "Elections called in the Netherlands",
    "/internasional/gencatan-senjata": "Gencatan senjata di Gaza diperpanjang",
    "/ekonomi/harga-cabai": "Harga cabai naik di pasar lokal",
    "/dunia/pemilu-jerman": "Pemilu di Jerman: koalisi baru terbentuk",
    "/olahraga/timnas-menang": "Timnas menang 2-0",
}
MIXED_PATHS = (
    "/internasional/gencatan-senjata",
    "/ekonomi/harga-cabai",
    "/dunia/pemilu-jerman",
    "/olahraga/timnas-menang",
)


def mixed_source(site: FixtureSite) -> Source:
    site.set_file("/feed/", "sites/mixed/feed.xml")
    serve_articles(site, *MIXED_PATHS)
    rule = InternationalRule(categories=["Internasional"], paths=["^/dunia/"])
    return Source(name="kabar", feeds=[site.url("/feed/")], international=rule)


def test_only_international_items_are_fetched_and_tracking_variants_give_one_article(
    settings: Settings, news_site: FixtureSite
) -> None:
    poll = crawl(settings, [mixed_source(news_site)])
    # Fetched as published (tracking parameters and all); identified without them.
    gaza_link = "/internasional/gencatan-senjata?utm_source=rss&utm_medium=feed"
    assert article_requests(news_site) == ["/dunia/pemilu-jerman", gaza_link]
    assert sorted(i["title"] for i in poll.items) == [
        FEED_TITLES["/internasional/gencatan-senjata"],
        FEED_TITLES["/dunia/pemilu-jerman"],
    ]
    assert {i["source"] for i in poll.items} == {"kabar"}
    assert poll.report["articles_fetched"] == 2 and poll.report["items_not_international"] == 2
    gaza = news_site.url("/internasional/gencatan-senjata?utm_source=rss&utm_medium=feed")
    stored = ArticleStore(make_client(settings), settings).lookup([article_id(gaza)])
    assert [doc["title"] for doc in stored.values()] == [FEED_TITLES["/internasional/gencatan-senjata"]]


def test_feeds_and_articles_are_fetched_through_the_http_proxy_of_the_environment(
    settings: Settings, news_site: FixtureSite
) -> None:
    # kabar.invalid resolves nowhere: the fixture server answers as the proxy (absolute-URI requests).
    article = "http://kabar.invalid/world/summit-pledge"
    feed = (
        "<?xml version='1.0'?><rss version='2.0'><channel><title>Kabar</title><link>http://kabar.invalid/</link>"
        f"<item><title>{FEED_TITLES['/world/summit-pledge']}</title><link>{article}</link></item></channel></rss>"
    )
    news_site.set("http://kabar.invalid/feed/", feed, "application/rss+xml")
    news_site.set(article, ARTICLE.format(title=FEED_TITLES["/world/summit-pledge"]))
    source = Source(name="kabar", feeds=["http://kabar.invalid/feed/"], international=InternationalRule(all_items=True))

    poll = crawl(settings, [source], env_extra={"http_proxy": news_site.base, "no_proxy": "127.0.0.1,localhost"})

    assert [i["url"] for i in poll.items] == [article]
    proxied = {r.path for r in news_site.requests}
    assert {"http://kabar.invalid/robots.txt", "http://kabar.invalid/feed/", article} <= proxied


def test_an_international_only_feed_yields_every_item(settings: Settings, news_site: FixtureSite) -> None:
    news_site.set_file("/world.atom", "sites/feeds/world.atom")
    serve_articles(news_site, "/world/summit-pledge", "/world/dutch-elections")
    poll = crawl(settings, international_only(news_site, world="/world.atom"))
    assert sorted(i["title"] for i in poll.items) == [
        FEED_TITLES["/world/dutch-elections"],
        FEED_TITLES["/world/summit-pledge"],
    ]


def test_a_failed_article_is_recorded_against_its_feed_and_retried_next_poll(
    settings: Settings, news_site: FixtureSite
) -> None:
    news_site.set_file("/world.atom", "sites/feeds/world.atom")
    serve_articles(news_site, "/world/summit-pledge")  # the other article is a 404 for now
    sources = international_only(news_site, world="/world.atom")
    first = crawl(settings, sources)
    assert first.report["articles_failed"] == 1
    state = states(settings)[news_site.url("/world.atom")]
    assert state.last_error == f"{news_site.url('/world/dutch-elections')}: HTTP 404"

    serve_articles(news_site, "/world/dutch-elections")
    second = crawl(settings, sources)  # the feed did not change, but it is read again for the failed item
    assert [i["title"] for i in second.items] == [FEED_TITLES["/world/dutch-elections"]]
    assert news_site.requested("/world/summit-pledge")[1:] == []


def test_unchanged_feed_costs_a_304_and_a_new_item_is_fetched_next_poll(
    settings: Settings, news_site: FixtureSite
) -> None:
    source = mixed_source(news_site)
    crawl(settings, [source])
    second = crawl(settings, [source])
    feed_requests = news_site.requested("/feed/")
    assert "If-None-Match" not in feed_requests[0].headers and feed_requests[1].headers["If-None-Match"]
    assert [r.status for r in feed_requests] == [200, 304]
    assert second.report["feeds_unchanged"] == 1 and second.items == []
    assert len(article_requests(news_site)) == 2

    news_site.add_rss_item("/feed/", ITEM.format(title="Baru", path="/dunia/kabar-baru"))
    serve_articles(news_site, "/dunia/kabar-baru")
    third = crawl(settings, [source])
    assert [i["title"] for i in third.items] == ["kabar-baru"]
    assert third.report["items_known"] == 2  # the two indexed articles were not fetched again
    assert article_requests(news_site).count("/dunia/pemilu-jerman") == 1


def test_identical_body_is_unchanged_whatever_the_validators_say(settings: Settings, news_site: FixtureSite) -> None:
    source = mixed_source(news_site)
    route = news_site.set_file("/feed/", "sites/mixed/feed.xml", conditional=False, etag='"v1"')
    crawl(settings, [source])
    route.etag = '"v2"'  # a server that changes its ETag without changing the feed
    second = crawl(settings, [source])
    assert [r.status for r in news_site.requested("/feed/")] == [200, 200]
    assert second.report["feeds_unchanged"] == 1 and second.items == []
    assert states(settings)[source.feeds[0]].etag == '"v2"'  # new validators are kept anyway


def test_feed_state_survives_a_restart(settings: Settings, news_site: FixtureSite) -> None:
    source = mixed_source(news_site)
    crawl(settings, [source])
    state = states(settings)[source.feeds[0]]  # read back from the node by this (other) process
    assert state.source == "kabar" and state.etag and state.body_hash
    assert state.items_seen == 5 and state.new_items_last_poll == 2 and state.consecutive_errors == 0
    assert state.next_poll is not None and state.next_poll_reason.startswith("2 new item(s)")
    assert "<ttl> asks for 30m" in state.next_poll_reason


def test_news_sitemap_entries_from_the_last_two_days_are_fetched(settings: Settings, news_site: FixtureSite) -> None:
    recent = datetime.now(UTC) - timedelta(hours=1)
    body = (
        (Path(__file__).parent / "fixtures/sites/news-sitemap.xml").read_text().replace("{RECENT}", recent.isoformat())
    )
    news_site.set("/news-sitemap.xml", body, "application/xml")
    serve_articles(news_site, "/dunia/fresh-story", "/dunia/old-story")
    source = Source(name="peta", sitemaps=[news_site.url("/news-sitemap.xml")], international={"paths": ["^/dunia/"]})
    poll = crawl(settings, [source])
    assert [i["title"] for i in poll.items] == ["fresh-story"]
    assert not news_site.requested("/dunia/old-story")


def test_robots_disallowed_urls_are_never_requested(settings: Settings, news_site: FixtureSite) -> None:
    news_site.set_file("/robots.txt", "sites/robots.txt")
    news_site.set(
        "/feed/",
        "<rss version='2.0'><channel><title>t</title>"
        + ITEM.format(title="Rahasia", path="/private/rahasia")
        + ITEM.format(title="Terbuka", path="/dunia/terbuka")
        + "</channel></rss>",
        "application/rss+xml",
    )
    news_site.set("/private/feed.xml", "<rss version='2.0'><channel><title>t</title></channel></rss>")
    serve_articles(news_site, "/private/rahasia", "/dunia/terbuka")
    poll = crawl(settings, international_only(news_site, open="/feed/", closed="/private/feed.xml"))
    assert [i["title"] for i in poll.items] == ["terbuka"]
    assert not news_site.requested("/private/rahasia") and not news_site.requested("/private/feed.xml")
    closed = states(settings)[news_site.url("/private/feed.xml")]
    assert "robots.txt" in closed.last_error and news_site.url("/private/feed.xml") in closed.last_error


def test_bad_feeds_get_a_clear_error_each_and_the_crawl_goes_on(settings: Settings, news_site: FixtureSite) -> None:
    news_site.set_file("/html.xml", "sites/pages/not-a-feed.html", "text/html")
    news_site.set("/empty.xml", b"", "application/rss+xml")
    news_site.set("/huge.xml", b"<rss>" + b"x" * 200_000 + b"</rss>", "application/rss+xml")
    news_site.set("/truncated.xml", (Path(__file__).parent / "fixtures/sites/mixed/feed.xml").read_bytes()[:900])
    news_site.set("/limited.xml", b"slow down", "text/plain", status=429, headers={"Retry-After": "7200"})
    news_site.set_file("/malformed.xml", "sites/feeds/malformed.xml")
    serve_articles(news_site, "/dunia/bursa-melemah", "/dunia/krisis-sudan")
    bad = ["/html.xml", "/empty.xml", "/huge.xml", "/truncated.xml", "/limited.xml"]
    rule = InternationalRule(categories=["dunia"])
    sources = [Source(name=f"bad{n}", feeds=[news_site.url(p)], international=rule) for n, p in enumerate(bad)]
    sources.append(Source(name="good", feeds=[news_site.url("/malformed.xml")], international=rule))
    poll = crawl(settings, sources, DOWNLOAD_MAXSIZE=100_000, DOWNLOAD_WARNSIZE=50_000)

    assert sorted(i["title"] for i in poll.items) == ["bursa-melemah", "krisis-sudan"]
    assert poll.report["feed_errors"] == len(bad) and poll.report["feeds_polled"] == len(bad) + 1
    errors = {url.removeprefix(news_site.base): s.last_error for url, s in states(settings).items() if s.last_error}
    assert set(errors) == set(bad)
    assert "an HTML page, not a feed" in errors["/html.xml"]
    assert "empty body" in errors["/empty.xml"]
    assert "truncated" in errors["/truncated.xml"]
    assert "HTTP 429" in errors["/limited.xml"]
    assert all(message.startswith(news_site.url(path)) for path, message in errors.items())
    assert states(settings)[news_site.url("/limited.xml")].next_poll_reason == "server asked to wait 2h (HTTP 429)"
    assert "larger than download max size" in errors["/huge.xml"]
    assert f"feed {news_site.url('/huge.xml')} failed" in poll.log
    assert "feed is malformed, kept 2 readable items" in poll.log


def test_a_hanging_feed_times_out_without_blocking_the_others(settings: Settings, news_site: FixtureSite) -> None:
    news_site.set("/hang.xml", b"", hang=True)
    news_site.set_file("/world.atom", "sites/feeds/world.atom")
    serve_articles(news_site, "/world/summit-pledge", "/world/dutch-elections")
    sources = international_only(news_site, stuck="/hang.xml", world="/world.atom")
    poll = crawl(settings, sources, DOWNLOAD_TIMEOUT=1, RETRY_ENABLED=False)
    assert len(poll.items) == 2
    stuck = states(settings)[news_site.url("/hang.xml")]
    assert stuck.last_error == f"{news_site.url('/hang.xml')}: timed out after 1.0s"
    assert stuck.consecutive_errors == 1 and "backing off" in stuck.next_poll_reason


def _one_poll(overrides: str) -> None:
    """The child process: one crawl of every configured source, its report as JSON on stdout."""
    settings = load_settings()
    configure_logging(scrapy_settings(settings))
    sources = load_file(settings.config).sources
    report = runtime.run(lambda: crawl_once(settings, sources, json.loads(overrides)))
    print(json.dumps(asdict(report)))


if __name__ == "__main__":
    _one_poll(sys.argv[1])
