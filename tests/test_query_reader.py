"""Words match the way a reader reads them: possessives with either apostrophe, soft hyphens, no-break spaces and
zero-width characters. The sentences are real ones from pages of the extraction-dev set (and the issue's own
example); the stored body keeps its characters, only the analysis normalises them."""

from __future__ import annotations

import copy

import pytest
from opensearchpy import OpenSearch

from newsmon.alerts import store as watch_store
from newsmon.alerts.model import Watch
from newsmon.alerts.query import to_query
from newsmon.alerts.store import WatchStore
from newsmon.config import Settings
from newsmon.index.client import index_name
from tests.test_alerts_support import articles_mapping

SENTENCES = {
    "insurgents": "The insurgent group’s leaders met in the capital on Tuesday.",
    "django": "In fact I found the easiest fix for my test case by looking at Django’s own test suite.",
    "oreilly": "I had the opportunity to give a webcast for O’Reilly Media during which I encountered a presenter’s "
    "nightmare: a broken demo.",
    "werkstatt": "Der Betrieb verfügte über eigene Werkstät\u00adten, sogar für Stuckateurarbeiten.",
    "horka": "Auch in die\u00adsem Jahr wol\u00adlen wir Sie entführen.",
    "rezept": "Zubereitungszeit:\u00a025 Minuten (+ 15 Minuten backen)",
    "schreine": "kommt man an viele kleine Schreine\u00a0von\u00a0Naturgottheiten",
    "edelsteine": "Erfahren Sie mehr über Pasque Blumen und kultivieren Sie diese Edelsteine \u200b\u200bin Ihrer "
    "eigenen Landschaft.",
    "joiner": "Harga be\u200cras me\u200ddium di pasar tradisional Jakarta kembali turun pekan ini.",
}
QUERIES = [
    ('"insurgent group"', "insurgents"),
    ('"insurgent group\'s leaders"', "insurgents"),
    ('"looking at Django"', "django"),
    ('"Django\'s own test suite"', "django"),
    ('"O\'Reilly Media"', "oreilly"),
    ('"presenter nightmare"', "oreilly"),
    ("Werkstätten", "werkstatt"),
    ('"in diesem Jahr wollen"', "horka"),
    ('"Zubereitungszeit 25 Minuten"', "rezept"),
    ('"Schreine von Naturgottheiten"', "schreine"),
    ('"diese Edelsteine in Ihrer"', "edelsteine"),
    ('"harga beras medium"', "joiner"),
]


@pytest.fixture
def search(es: OpenSearch, index_prefix: str):
    name = f"{index_prefix}-readertest"
    es.indices.create(index=name, body=articles_mapping())
    for key, body in SENTENCES.items():
        es.index(index=name, id=key, body={"title": "", "body": body})
    es.indices.refresh(index=name)

    def run(text: str) -> set[str]:
        hits = es.search(index=name, body={"query": to_query(text), "size": 50})["hits"]["hits"]
        return {hit["_id"] for hit in hits}

    run.index = name
    return run


@pytest.mark.parametrize(("query", "expected"), QUERIES)
def test_words_match_as_a_reader_reads_them(search, query: str, expected: str) -> None:
    assert search(query) == {expected}


def test_the_stored_body_keeps_its_characters(es: OpenSearch, search) -> None:
    stored = es.get(index=search.index, id="werkstatt")["_source"]["body"]
    assert stored == SENTENCES["werkstatt"]


def test_only_the_possessive_goes_not_the_plural(search) -> None:
    assert search('"insurgent groups"') == set()


def _percolate(es: OpenSearch, settings: Settings, body: str) -> list[str]:
    query = {"percolate": {"field": "query", "documents": [{"title": "", "body": body}]}}
    hits = es.search(index=index_name(settings, "watches"), body={"query": query})["hits"]["hits"]
    return [hit["_source"]["name"] for hit in hits]


def test_a_phrase_watch_fires_on_a_possessive(es: OpenSearch, settings: Settings) -> None:
    watch_store.ensure(es, settings)
    WatchStore(es, settings).add(Watch(name="insurgents", query='"insurgent group"', emails=["a@example.org"]))
    assert _percolate(es, settings, SENTENCES["insurgents"]) == ["insurgents"]


def test_a_watches_index_made_with_older_analyzers_is_brought_up_to_date(es: OpenSearch, settings: Settings) -> None:
    old = copy.deepcopy(watch_store._WATCHES)
    old.pop("_meta")
    # The analysis of mapping version 1: no reader characters, no possessives, the built-in language analyzers.
    text = {"type": "custom", "tokenizer": "standard", "filter": ["lowercase", "asciifolding"]}
    old_analysis = {
        "analyzer": {"newsmon_text": text, "newsmon_id": {"type": "indonesian"}, "newsmon_en": {"type": "english"}}
    }
    es.indices.create(
        index=index_name(settings, "watches"), body={"settings": {"analysis": old_analysis}, "mappings": old}
    )
    WatchStore(es, settings).add(Watch(name="insurgents", query='"insurgent group"', emails=["a@example.org"]))
    assert _percolate(es, settings, SENTENCES["insurgents"]) == []  # the old analysis misses it

    watch_store.ensure(es, settings)

    assert _percolate(es, settings, SENTENCES["insurgents"]) == ["insurgents"]
    assert [w.name for w in WatchStore(es, settings).list()] == ["insurgents"]
