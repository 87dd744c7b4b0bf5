"""Pages read over real HTTP from this machine (no password: loopback only), on the real search node."""

from __future__ import annotations

import html
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest
from opensearchpy import OpenSearch

from devsupport.web import WebServer
from newsmon.alerts import store as alert_store
from newsmon.alerts.ledger import AlertLedger
from newsmon.alerts.matching import to_match
from newsmon.config import Settings
from newsmon.index import feedstate
from newsmon.index.cluster import cluster_health
from newsmon.sources.model import InternationalRule, Source
from newsmon.sources.store import add_source
from newsmon.urls import article_id
from newsmon.web.app import create_app
from tests.test_alerts_support import article, index_articles, with_watches
from tests.test_alerts_support import watch as make_watch

WHEN = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def page(es: OpenSearch, settings: Settings) -> Iterator[httpx.Client]:
    alert_store.ensure(es, settings)
    feedstate.ensure(es, settings)
    rejections = {"kabar": (WHEN, {"too little text": 2, "not an article page": 1})}
    web = WebServer(create_app(settings, rejections=lambda: rejections)).start()
    with httpx.Client(base_url=web.base) as client:
        yield client
    web.stop()


def test_article_page_shows_the_clean_text_and_every_outlet_of_the_story(
    page: httpx.Client, es: OpenSearch, settings: Settings
) -> None:
    first = article("a", "Gempa <b>Jepang</b>", "Gempa kuat.\nWarga mengungsi.", story_id="s1")
    copy = article("b", "Gempa di Jepang utara", "Gempa kuat sekali.", source="tempo", story_id="s1")
    index_articles(es, settings, [first, copy], WHEN)
    shown = page.get(f"/articles/{article_id(first.canonical_url)}")
    assert shown.status_code == 200
    assert "<h1>Gempa &lt;b&gt;Jepang&lt;/b&gt;</h1>" in shown.text
    assert "<p>Gempa kuat.</p>" in shown.text and "<p>Warga mengungsi.</p>" in shown.text
    assert "Gempa di Jepang utara" in shown.text and "tempo" in shown.text
    assert page.get("/articles/nothing").status_code == 404


def test_watch_history_shows_a_failed_alert_with_the_smtp_answer(
    page: httpx.Client, es: OpenSearch, settings: Settings
) -> None:
    flood = with_watches(es, settings, make_watch("Banjir", "banjir")).get("Banjir")
    now = datetime.now(UTC)
    ledger = AlertLedger(es, settings)
    ledger.record([to_match(flood, article("x", "Banjir besar", "Banjir."), "", indexed_at=now, now=now)], now)
    record = ledger.claim(ledger.open_records(now), "claim-1", now)[0]
    ledger.refuse([record.id], flood.emails[0], "550 mailbox unavailable")  # a permanent refusal: failed
    ledger.settle(record, flood.emails, now)
    shown = page.get("/watches/Banjir").text
    assert "failed" in shown and "550 mailbox unavailable" in shown and "Banjir besar" in shown
    assert "Banjir besar" in page.get("/").text  # the overview's latest alerts


def test_sources_page_shows_poll_state_and_recent_rejections(page: httpx.Client, settings: Settings) -> None:
    rule = InternationalRule(categories=["Internasional"])
    add_source(settings.config, Source(name="kabar", feeds=["https://kabar.example/feed/"], international=rule))
    shown = page.get("/sources").text
    assert "https://kabar.example/feed/" in shown and "not polled yet" in shown
    assert "too little text ×2" in shown and "not an article page ×1" in shown


def test_overview_says_what_status_says_of_the_search_cluster(
    page: httpx.Client, es: OpenSearch, settings: Settings
) -> None:
    shown = page.get("/").text
    health = cluster_health(es, settings)
    assert health.describe() in html.unescape(shown) and f">{health.status}</span>" in shown
