"""The search-box syntax: parsing, refusals, and how words match on real Indonesian and English text."""

from __future__ import annotations

import pytest
from opensearchpy import OpenSearch

from newsmon.alerts.query import QueryError, to_query
from tests.test_alerts_support import articles_mapping

DOCS = {
    "attack": ("Rusia menyerang Kharkiv", "Pasukan Rusia menyerang kota Kharkiv pada Selasa pagi."),
    "ceasefire": ("Gencatan senjata di Gaza", "Gencatan senjata antara Israel dan Hamas mulai berlaku."),
    "football": ("Timnas Ukraina menang", "Sepakbola: Ukraina mengalahkan Prancis 2-1."),
    "english": ("Drone attacks hit Odesa", "Several drones attacked the port of Odesa overnight."),
    "accents": ("Zelenskyy meets Macron in Paris", "The talks in Paris were described as constructive."),
}


@pytest.fixture
def search(es: OpenSearch, index_prefix: str):
    name = f"{index_prefix}-querytest"
    es.indices.create(index=name, body=articles_mapping())
    for key, (title, body) in DOCS.items():
        es.index(index=name, id=key, body={"title": title, "body": body})
    es.indices.refresh(index=name)

    def run(text: str) -> set[str]:
        hits = es.search(index=name, body={"query": to_query(text), "size": 50})["hits"]["hits"]
        return {hit["_id"] for hit in hits}

    return run


def test_word_matches_indonesian_stem(search) -> None:
    assert search("serangan") == {"attack"}  # serangan -> serang <- menyerang


def test_word_matches_english_stem_and_folds_case(search) -> None:
    assert search("ATTACK odesa") == {"english"}


def test_all_words_must_match(search) -> None:
    assert search("rusia kharkiv") == {"attack"}
    assert search("rusia gaza") == set()


def test_exact_phrase_needs_words_in_order(search) -> None:
    assert search('"gencatan senjata"') == {"ceasefire"}
    assert search('"senjata gencatan"') == set()


def test_or_matches_either_side(search) -> None:
    assert search("kharkiv OR gaza") == {"attack", "ceasefire"}


def test_exclude_removes_matches(search) -> None:
    assert search("ukraina -sepakbola") == set()
    assert search("ukraina OR rusia -sepakbola") == {"attack"}


def test_parentheses_group(search) -> None:
    assert search("(kharkiv OR odesa) -drones") == {"attack"}


def test_accents_are_folded(search) -> None:
    assert search("zelénskyy") == {"accents"}


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("*", "wildcard"),
        ("serang*", "wildcard"),
        ('"gencatan senjata', "quote"),
        ("(rusia OR ukraina", "parentheses"),
        ("rusia)", "parentheses"),
        ("OR rusia", "OR"),
        ("-", "'-'"),
        ("!!!", "no letters"),
    ],
)
def test_unsearchable_queries_are_refused_with_a_reason(text: str, reason: str) -> None:
    with pytest.raises(QueryError, match=reason):
        to_query(text)
