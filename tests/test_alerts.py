"""Watches -> percolation -> ledger -> outbox -> SMTP, end to end on the real node and the real SMTP fixture."""

from __future__ import annotations

from datetime import timedelta

import pytest
from opensearchpy import OpenSearch

from devsupport.smtp import SmtpServer
from newsmon.alerts import catchup
from newsmon.alerts.catchup import catch_up
from newsmon.alerts.delivery import deliver_due
from newsmon.alerts.ledger import AlertLedger
from newsmon.alerts.matching import match_batch
from newsmon.alerts.query import QueryError
from newsmon.alerts.store import WatchStore
from newsmon.config import Settings
from tests.test_alerts_support import T0, article, index_articles, watch, with_watches

T1 = T0 + timedelta(hours=1)
ATTACK = article("serangan", "Rusia menyerang Kharkiv", "Pasukan Rusia menyerang kota Kharkiv pada Selasa pagi.")


def _statuses(es: OpenSearch, settings: Settings, name: str) -> list[str]:
    return sorted(r.source["status"] for r in AlertLedger(es, settings).records(WatchStore(es, settings).get(name)))


def test_new_matching_article_sends_exactly_one_email(es, settings, smtp_server: SmtpServer) -> None:
    with_watches(es, settings, watch("Kharkiv", "serangan kharkiv"))
    index_articles(es, settings, [ATTACK], indexed_at=T1)  # matching follows indexing; snippets come from the index
    assert match_batch(es, settings, [ATTACK], now=T1) == ["Kharkiv"]
    report = deliver_due(es, settings, T1)
    assert report.emails_sent == 1
    deliver_due(es, settings, T1 + timedelta(minutes=5))
    match_batch(es, settings, [ATTACK], now=T1 + timedelta(minutes=6))  # a re-crawl of the same story
    deliver_due(es, settings, T1 + timedelta(minutes=7))
    [message] = smtp_server.wait_for(1)
    html = message.get_body(("html",)).get_content()
    assert message["Subject"] == "[newsmon] Kharkiv: 1 new article"
    assert f'<a href="{ATTACK.url}"><strong>Rusia menyerang Kharkiv</strong></a>' in html
    assert "<mark>menyerang</mark>" in html and "kompas" in html
    assert _statuses(es, settings, "Kharkiv") == ["sent"]


def test_keyword_outside_title_and_body_alerts_nobody(es, settings) -> None:
    with_watches(es, settings, watch("Gaza", "gaza"))
    sidebar_only = article(
        "pasar", "Harga beras naik", "Harga beras di pasar naik lagi.", tags=["gaza"], section="Gaza"
    )
    assert match_batch(es, settings, [sidebar_only], now=T1) == []
    assert deliver_due(es, settings, T1).emails_sent == 0


def test_phrase_or_exclude_and_filters_pick_the_documented_articles(es, settings) -> None:
    with_watches(
        es,
        settings,
        watch("phrase", '"gencatan senjata"'),
        watch("either", "kharkiv OR odesa"),
        watch("no-football", "ukraina -sepakbola"),
        watch("english-only", "attack OR serangan", languages=["en"]),
        watch("detik-only", "kharkiv", sources=["detik"]),
    )
    articles = [
        ATTACK,
        article("gencatan", "Gencatan senjata di Gaza", "Gencatan senjata antara Israel dan Hamas berlaku."),
        article("senjata", "Senjata untuk Ukraina", "Bantuan senjata dan gencatan yang gagal."),
        article("bola", "Timnas Ukraina menang", "Sepakbola: Ukraina mengalahkan Prancis."),
        article("odesa", "Drone attacks hit Odesa", "Drones attacked the port.", source="reuters", language="en"),
        article("detik-kharkiv", "Kharkiv diserang lagi", "Serangan baru di Kharkiv.", source="detik"),
    ]
    index_articles(es, settings, articles, indexed_at=T1)
    match_batch(es, settings, articles, now=T1)
    ledger, store = AlertLedger(es, settings), WatchStore(es, settings)
    found = {
        name: sorted(item.title for r in ledger.records(store.get(name)) for item in r.items)
        for name in ("phrase", "either", "no-football", "english-only", "detik-only")
    }
    assert found == {
        "phrase": ["Gencatan senjata di Gaza"],
        "either": ["Drone attacks hit Odesa", "Kharkiv diserang lagi", "Rusia menyerang Kharkiv"],
        "no-football": ["Senjata untuk Ukraina"],
        "english-only": ["Drone attacks hit Odesa"],
        "detik-only": ["Kharkiv diserang lagi"],
    }
    assert [i.snippet for r in ledger.records(store.get("phrase")) for i in r.items] == [""]  # made when sent


def test_alert_email_highlights_what_the_watch_matched_in_its_own_article(es, settings, smtp_server) -> None:
    with_watches(es, settings, watch("phrase", '"gencatan senjata"'), watch("stem", "serangan"))
    articles = [
        ATTACK,
        article("gencatan", "Gencatan senjata di Gaza", "Gencatan senjata antara Israel dan Hamas berlaku."),
        article("senjata", "Senjata untuk Ukraina", "Bantuan senjata dan gencatan yang gagal."),
    ]
    index_articles(es, settings, articles, indexed_at=T1)
    match_batch(es, settings, articles, now=T1)
    deliver_due(es, settings, T1)
    texts = {m["Subject"]: m.get_body(("plain",)).get_content() for m in smtp_server.wait_for(2)}
    assert "*Gencatan* *senjata* antara Israel" in texts["[newsmon] phrase: 1 new article"]
    assert "Pasukan Rusia *menyerang* kota" in texts["[newsmon] stem: 1 new article"]  # a stem match is marked too


def test_alert_whose_article_left_the_index_is_sent_without_a_snippet(es, settings, smtp_server) -> None:
    with_watches(es, settings, watch("Kharkiv", "kharkiv"))
    match_batch(es, settings, [ATTACK], now=T1)  # never indexed (or deleted since): nothing to highlight
    assert deliver_due(es, settings, T1).emails_sent == 1
    [message] = smtp_server.wait_for(1)
    assert ATTACK.url in message.get_body(("plain",)).get_content()


def test_smtp_down_keeps_alert_pending_then_sends_once(es, settings, smtp_server: SmtpServer) -> None:
    with_watches(es, settings, watch("Kharkiv", "kharkiv"))
    match_batch(es, settings, [ATTACK], now=T1)
    smtp_server.stop()
    report = deliver_due(es, settings, T1)
    assert report.alerts_failed == 1 and report.emails_sent == 0
    assert _statuses(es, settings, "Kharkiv") == ["retrying"]
    smtp_server.start()
    assert deliver_due(es, settings, T1 + timedelta(seconds=10)).emails_sent == 0  # backoff: not yet
    assert deliver_due(es, settings, T1 + timedelta(minutes=5)).emails_sent == 1
    assert deliver_due(es, settings, T1 + timedelta(hours=2)).emails_sent == 0
    assert len(smtp_server.wait_for(1)) == 1
    assert _statuses(es, settings, "Kharkiv") == ["sent"]


def test_process_killed_between_match_and_send_sends_once_after_restart(es, settings, smtp_server) -> None:
    with_watches(es, settings, watch("Kharkiv", "kharkiv"))
    match_batch(es, settings, [ATTACK], now=T1)
    # The "restart": delivery builds its own store/ledger objects over the same indices.
    assert deliver_due(es, settings, T1 + timedelta(minutes=1)).emails_sent == 1
    assert deliver_due(es, settings, T1 + timedelta(minutes=2)).emails_sent == 0
    assert len(smtp_server.wait_for(1)) == 1


def test_claim_left_by_a_killed_sender_is_sent_once_after_the_timeout(es, settings, smtp_server) -> None:
    with_watches(es, settings, watch("Kharkiv", "kharkiv"))
    match_batch(es, settings, [ATTACK], now=T1)
    ledger = AlertLedger(es, settings)
    ledger.claim(ledger.open_records(T1), "dead-claim", T1)  # claimed, then killed before SMTP
    assert deliver_due(es, settings, T1 + timedelta(minutes=1)).emails_sent == 0  # another run may still hold it
    assert deliver_due(es, settings, T1 + timedelta(minutes=20)).emails_sent == 1
    assert len(smtp_server.wait_for(1)) == 1
    assert _statuses(es, settings, "Kharkiv") == ["sent"]


def test_mail_accepted_before_a_crash_is_not_sent_again(es, settings, smtp_server) -> None:
    from newsmon.alerts.delivery import SentJournal

    with_watches(es, settings, watch("Kharkiv", "kharkiv"))
    match_batch(es, settings, [ATTACK], now=T1)
    ledger = AlertLedger(es, settings)
    [record] = ledger.claim(ledger.open_records(T1), "claim-1", T1)
    SentJournal(settings).append("claim-1", "redaksi@example.test", [record.id])  # SMTP said 250, then: killed
    assert deliver_due(es, settings, T1 + timedelta(minutes=20)).emails_sent == 0
    assert _statuses(es, settings, "Kharkiv") == ["sent"]
    assert smtp_server.messages == []


def test_two_outlets_of_one_story_make_one_email_listing_both(es, settings, smtp_server) -> None:
    with_watches(es, settings, watch("Kharkiv", "kharkiv"))
    kompas = article("a", "Rusia menyerang Kharkiv", "Pasukan Rusia menyerang Kharkiv.", story_id="story-1")
    detik = article("b", "Kharkiv diserang Rusia", "Rusia kembali menyerang Kharkiv.", source="detik")
    detik.story_id, detik.outlets = "story-1", ["kompas", "detik"]
    match_batch(es, settings, [kompas], now=T1)
    match_batch(es, settings, [detik], now=T1)
    assert deliver_due(es, settings, T1).emails_sent == 1
    [message] = smtp_server.wait_for(1)
    assert "kompas, detik" in message.get_body(("plain",)).get_content()
    assert message["Subject"] == "[newsmon] Kharkiv: 1 new article"


def test_daily_digest_gathers_matches_into_one_email_at_the_local_time(es, settings, smtp_server) -> None:
    with_watches(es, settings, watch("Harian", "kharkiv", mode="daily", at="08:00", tz="Asia/Jakarta"))
    for n in range(3):
        match_batch(es, settings, [article(f"k{n}", f"Kharkiv {n}", f"Berita Kharkiv nomor {n}.")], now=T1)
    # T1 is 08:00 WIB on 2 March: the next 08:00 WIB is 3 March 01:00 UTC.
    assert deliver_due(es, settings, T1 + timedelta(hours=23, minutes=59)).emails_sent == 0
    assert deliver_due(es, settings, T1 + timedelta(hours=24)).emails_sent == 1
    [message] = smtp_server.wait_for(1)
    assert message["Subject"] == "[newsmon] Harian: 3 new articles"
    assert all(f"Kharkiv {n}" in message.get_body(("plain",)).get_content() for n in range(3))


def test_catch_up_finds_articles_matching_missed_and_never_doubles(es, settings, smtp_server) -> None:
    with_watches(es, settings, watch("Kharkiv", "serangan"))
    old = article("lama", "Serangan lama", "Serangan sebelum watch dibuat.")
    index_articles(es, settings, [old], indexed_at=T0 - timedelta(hours=1))
    index_articles(es, settings, [ATTACK], indexed_at=T1)  # indexed while matching was down
    assert catch_up(es, settings, T1 + timedelta(minutes=5)) == 1
    assert catch_up(es, settings, T1 + timedelta(minutes=10)) == 0
    match_batch(es, settings, [ATTACK], now=T1)  # live matching reports it late too
    assert deliver_due(es, settings, T1 + timedelta(minutes=11)).emails_sent == 1
    [message] = smtp_server.wait_for(1)
    assert "Rusia menyerang Kharkiv" in message.get_body(("plain",)).get_content()
    assert "Serangan lama" not in message.get_body(("plain",)).get_content()


def test_catch_up_costs_the_same_few_requests_whatever_the_number_of_watches(
    es: OpenSearch, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Once it was a read, a search and an update per watch; now a handful of requests per run, chunked."""
    monkeypatch.setattr(catchup, "CHUNK", 4)
    monkeypatch.setattr(catchup, "SIZE", 1)  # "serangan" matches two articles: read to the end by a scroll
    names = ["serangan", "kharkiv", *(f"sepi{n}" for n in range(8))]
    with_watches(es, settings, *(watch(name, name) for name in names))
    second = article("serangan-2", "Serangan kedua", "Serangan kedua di pelabuhan.")
    index_articles(es, settings, [ATTACK, second], indexed_at=T1)
    requests: list[str] = []
    perform = es.transport.perform_request
    monkeypatch.setattr(
        es.transport, "perform_request", lambda m, url, *a, **k: requests.append(url) or perform(m, url, *a, **k)
    )

    assert catch_up(es, settings, T1 + timedelta(minutes=5)) == 3
    # The watches with their marks; three chunks of four; the scroll of the watch with two hits (search, next page,
    # clear); the ledger's bulk; the marks' bulk. Before, each watch cost a read, a search and an update.
    assert [url.split("-")[-1] if url.startswith("/nmtest") else url for url in requests] == [
        "watches/_refresh",
        "watches/_search",
        *["articles/_msearch"] * 3,
        "articles/_search",
        "/_search/scroll",
        "/_search/scroll",
        "/_bulk",
        "/_bulk",
    ]
    requests.clear()
    assert catch_up(es, settings, T1 + timedelta(minutes=10)) == 0
    ledger = AlertLedger(es, settings)
    assert sorted(i.title for r in ledger.records(WatchStore(es, settings).get("serangan")) for i in r.items) == [
        "Rusia menyerang Kharkiv",
        "Serangan kedua",
    ]


def test_editing_a_watch_keeps_created_at_and_does_not_resend(es, settings, smtp_server) -> None:
    store = with_watches(es, settings, watch("Kharkiv", "kharkiv"))
    match_batch(es, settings, [ATTACK], now=T1)
    deliver_due(es, settings, T1)
    edited = store.update(watch("Kharkiv", "kharkiv OR rusia"), now=T1 + timedelta(minutes=1))
    assert edited.created_at == T0
    match_batch(es, settings, [ATTACK], now=T1 + timedelta(minutes=2))
    catch_up(es, settings, T1 + timedelta(hours=1))
    deliver_due(es, settings, T1 + timedelta(hours=1))
    assert len(smtp_server.wait_for(1)) == 1


def test_paused_watch_matches_nothing(es, settings) -> None:
    store = with_watches(es, settings, watch("Kharkiv", "kharkiv"))
    store.pause("Kharkiv")
    assert match_batch(es, settings, [ATTACK], now=T1) == []
    store.resume("Kharkiv")
    assert match_batch(es, settings, [ATTACK], now=T1) == ["Kharkiv"]


def test_watch_that_only_excludes_is_refused(es, settings) -> None:
    store = with_watches(es, settings)
    with pytest.raises(QueryError, match="only excludes"):
        store.add(watch("Semua", "-sepakbola"))
    assert store.get("Semua") is None


def test_config_watches_import_idempotently(es, settings) -> None:
    store = with_watches(es, settings)
    declared = [watch("Kharkiv", "kharkiv"), watch("Gaza", '"gencatan senjata"')]
    assert store.sync_from_config(declared) == ["Kharkiv", "Gaza"]
    created = store.get("Kharkiv").created_at
    assert store.sync_from_config(declared) == []
    assert store.get("Kharkiv").created_at == created
    assert [w.name for w in store.list()] == ["Gaza", "Kharkiv"]
