"""feeds/: parsing, the international rule, polling policy, discovery and news sitemaps (pure, no server)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from newsmon.feeds.discovery import discover_feeds, wordpress_candidates
from newsmon.feeds.international import rule_reason
from newsmon.feeds.parse import FeedEntry, FeedError, parse_feed
from newsmon.feeds.sitemaps import parse_news_sitemap
from newsmon.feeds.state import FeedState, PollOutcome, plan_next_poll
from newsmon.sources.model import InternationalRule, Source

SITES = Path(__file__).parent / "fixtures" / "sites"
BASE = "http://news.test"


def fixture(name: str, **replacements: str) -> bytes:
    body = (SITES / name).read_bytes().replace(b"{BASE}", BASE.encode())
    for key, value in replacements.items():
        body = body.replace(f"{{{key}}}".encode(), value.encode())
    return body


# -- parsing ---------------------------------------------------------------------------------------------
def test_rss2_entries_carry_url_title_categories_dates_guid_and_feed_ttl() -> None:
    feed = parse_feed(fixture("mixed/feed.xml"), f"{BASE}/feed/", "application/rss+xml; charset=utf-8")
    first = feed.entries[0]
    assert len(feed.entries) == 5
    assert first.title == "Gencatan senjata di Gaza diperpanjang"
    assert first.url.startswith(f"{BASE}/internasional/gencatan-senjata?utm_source=rss")
    assert first.categories == ("Internasional",)
    assert first.published == datetime(2026, 11, 25, 1, 0, tzinfo=UTC)
    assert first.updated is None  # pubDate is not an update time
    assert first.guid == "kc-1001"
    assert feed.ttl == timedelta(minutes=30)
    assert feed.warning is None


def test_atom_entries_have_alternate_link_categories_and_updated() -> None:
    feed = parse_feed(fixture("feeds/world.atom"), f"{BASE}/world.atom")
    assert [e.url for e in feed.entries] == [f"{BASE}/world/summit-pledge", f"{BASE}/world/dutch-elections"]
    assert feed.entries[0].categories == ("World",)
    assert feed.entries[0].updated == datetime(2026, 11, 25, 9, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("name", "url"), [("feeds/rss10.rdf", "/world/rdf-story"), ("feeds/rss091.xml", "/world/old-style")]
)
def test_rss_1_0_and_0_91_parse(name: str, url: str) -> None:
    assert [e.url for e in parse_feed(fixture(name), BASE).entries] == [BASE + url]


def test_malformed_feed_keeps_readable_items_with_a_warning() -> None:
    feed = parse_feed(fixture("feeds/malformed.xml"), f"{BASE}/rusak.xml")
    assert [e.title for e in feed.entries] == ["Bursa Asia & Eropa melemah", "Krisis di Sudan"]
    assert feed.warning is not None and f"{BASE}/rusak.xml" in feed.warning


@pytest.mark.parametrize(
    ("name", "content_type"),
    [
        ("feeds/windows-1252.xml", "application/rss+xml"),
        ("feeds/windows-1252.xml", "application/rss+xml; charset=windows-1252"),
        ("feeds/undeclared-1252.xml", "application/rss+xml"),
        ("feeds/undeclared-1252.xml", None),
    ],
)
def test_windows_1252_feed_decodes_declared_or_not(name: str, content_type: str | None) -> None:
    feed = parse_feed(fixture(name), BASE, content_type)
    assert feed.title == "Café Monde"
    assert feed.entries[0].title == "“Président” – résumé du sommet"


def test_iso_8859_1_feed_decodes() -> None:
    assert parse_feed(fixture("feeds/latin1.xml"), BASE).entries[0].title == '"Président" - résumé du sommet'


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"", "empty body"),
        (b"  \n", "empty body"),
        ((SITES / "pages/not-a-feed.html").read_bytes(), "an HTML page, not a feed"),
        (b'{"items": []}', "not RSS or Atom"),
        ((SITES / "mixed/feed.xml").read_bytes()[:900], "truncated"),
        (b"<rss>" + b" " * (5 * 1024 * 1024 + 1) + b"</rss>", "over the"),
    ],
    ids=["empty", "blank", "html", "json", "truncated", "huge"],
)
def test_unusable_bodies_raise_feed_error_naming_the_url(body: bytes, message: str) -> None:
    with pytest.raises(FeedError, match=message) as caught:
        parse_feed(body, "http://news.test/feed/", "text/html")
    assert "http://news.test/feed/" in str(caught.value)


# -- international rule ----------------------------------------------------------------------------------
def entry(url: str = f"{BASE}/berita/x", *categories: str) -> FeedEntry:
    return FeedEntry(url=url, categories=categories)


def test_category_rule_matches_any_case() -> None:
    rule = InternationalRule(categories=["Internasional", "World"])
    assert rule_reason(rule, entry(f"{BASE}/a", "INTERNASIONAL")) == "category INTERNASIONAL"
    assert rule_reason(rule, entry(f"{BASE}/a", "Nasional", "world")) == "category world"
    assert rule_reason(rule, entry(f"{BASE}/a", "Nasional")) is None


def test_path_rule_searches_the_url_path_only() -> None:
    rule = InternationalRule(paths=["/dunia/", "^/world/"])
    assert rule_reason(rule, entry(f"{BASE}/dunia/pemilu")) == "path /dunia/"
    assert rule_reason(rule, entry(f"{BASE}/World/x")) == "path ^/world/"
    assert rule_reason(rule, entry("http://dunia.test/ekonomi/x?next=/dunia/")) is None


def test_all_items_rule_accepts_everything_and_no_rule_leaves_the_page_to_decide() -> None:
    assert rule_reason(InternationalRule(all_items=True), entry()) == "feed is international-only"
    assert rule_reason(InternationalRule(), entry()) is None
    assert InternationalRule().decides_pages and InternationalRule(categories=["Dunia"], auto=True).decides_pages
    assert not InternationalRule(categories=["Dunia"]).decides_pages


# -- polling policy --------------------------------------------------------------------------------------
SOURCE = Source(name="kabar", feeds=[f"{BASE}/feed/"], interval="20m", min_interval="5m", max_interval="2h")


def test_new_items_shorten_the_interval_down_to_the_minimum() -> None:
    plan = plan_next_poll(timedelta(minutes=20), PollOutcome(new_items=3), SOURCE)
    assert plan.interval == plan.wait == timedelta(minutes=10)
    assert "3 new item(s)" in plan.reason
    assert plan_next_poll(timedelta(minutes=6), PollOutcome(new_items=1), SOURCE).interval == timedelta(minutes=5)


def test_quiet_feeds_lengthen_the_interval_up_to_the_maximum() -> None:
    plan = plan_next_poll(timedelta(minutes=20), PollOutcome(), SOURCE)
    assert plan.interval == timedelta(minutes=30)
    assert plan.reason.startswith("no new items")
    assert plan_next_poll(timedelta(minutes=100), PollOutcome(), SOURCE).interval == timedelta(hours=2)


def test_failures_back_off_exponentially_within_the_maximum() -> None:
    outcome = PollOutcome(error="timeout")
    assert plan_next_poll(timedelta(minutes=20), outcome, SOURCE, consecutive_errors=1).wait == timedelta(minutes=40)
    third = plan_next_poll(timedelta(minutes=20), outcome, SOURCE, consecutive_errors=3)
    assert third.wait == timedelta(hours=2)
    assert third.interval == timedelta(minutes=20)  # the learnt interval survives the outage
    assert "3 consecutive error(s)" in third.reason


def test_ttl_and_retry_after_are_honoured() -> None:
    ttl = plan_next_poll(timedelta(minutes=20), PollOutcome(new_items=1, ttl=timedelta(minutes=60)), SOURCE)
    assert ttl.wait == timedelta(minutes=60) and "<ttl>" in ttl.reason
    limited = PollOutcome(rate_limited=True, retry_after=timedelta(hours=5), error="429")
    plan = plan_next_poll(timedelta(minutes=20), limited, SOURCE, consecutive_errors=1)
    assert plan.wait == timedelta(hours=5)  # the server's word beats our maximum
    assert plan.reason == "server asked to wait 5h (HTTP 429)"


def test_feed_state_records_outcomes_and_round_trips_as_a_document() -> None:
    now = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
    state = FeedState(url=f"{BASE}/feed/", source="kabar", etag='"abc"', body_hash="h")
    state.failed(SOURCE, now, f"{BASE}/feed/: HTTP 500")
    assert (state.consecutive_errors, state.last_error, state.etag) == (1, f"{BASE}/feed/: HTTP 500", '"abc"')
    state.succeeded(SOURCE, now, new_items=2, items_seen=10)
    assert (state.consecutive_errors, state.items_seen, state.interval) == (0, 10, timedelta(minutes=10))
    assert state.next_poll == now + timedelta(minutes=10)
    state.article_failed(now, f"{BASE}/a: HTTP 404")
    assert state.body_hash is None and state.etag is None  # the next poll re-reads the feed
    assert FeedState.from_doc(state.to_doc()) == state


# -- discovery and sitemaps ------------------------------------------------------------------------------
def test_discovery_finds_rss_and_atom_links_made_absolute() -> None:
    found = discover_feeds(fixture("pages/home.html"), f"{BASE}/index.html")
    assert found == [f"{BASE}/feed/", f"{BASE}/dunia.atom"]
    assert discover_feeds(fixture("pages/wordpress-home.html"), BASE) == []


def test_wordpress_fallbacks_cover_category_feeds_and_the_main_feed() -> None:
    assert wordpress_candidates(f"{BASE}/some/page", ["Internasional", "Luar Negeri"]) == [
        f"{BASE}/category/internasional/feed/",
        f"{BASE}/category/luar-negeri/feed/",
        f"{BASE}/feed/",
    ]


def test_news_sitemap_keeps_news_entries_from_the_last_two_days() -> None:
    now = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
    body = fixture("news-sitemap.xml", RECENT=(now - timedelta(hours=3)).isoformat())
    feed = parse_news_sitemap(body, f"{BASE}/news-sitemap.xml", now=now)
    assert [(e.url, e.title, e.categories) for e in feed.entries] == [
        (f"{BASE}/dunia/fresh-story", "Cerita baru", ("Dunia", "Politik"))
    ]
    with pytest.raises(FeedError, match="not a sitemap"):
        parse_news_sitemap(fixture("pages/not-a-feed.html"), f"{BASE}/sitemap.xml")
