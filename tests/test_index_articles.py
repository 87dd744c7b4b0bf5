"""ArticleStore against the real node: idempotent upserts, in-place updates, per-item failures, language search."""

from __future__ import annotations

from datetime import UTC, datetime

from opensearchpy import OpenSearch

from newsmon.alerts.query import to_query
from newsmon.cleaning.article import Article
from newsmon.cleaning.dedupe import content_hash, lsh_bands, minhash_signature
from newsmon.config import Settings
from newsmon.index import mappings
from newsmon.index.articles import ArticleStore
from newsmon.urls import article_id


def make_article(path: str = "/a", *, title: str = "Banjir melanda Jakarta", body: str = "", **fields) -> Article:
    """A complete article as the cleaner would make it; content hash and signature follow title and body."""
    body = body or "Banjir besar melanda sebagian wilayah Jakarta pada Senin pagi. Warga mengungsi ke tempat aman."
    values = {
        "url": f"https://news.example.test{path}?utm_source=rss",
        "canonical_url": f"https://news.example.test{path}",
        "source": "kompas",
        "title": title,
        "body": body,
        "language": "id",
        "lead": body.split(".")[0],
        "authors": ["Rina Sari"],
        "published_at": datetime(2026, 11, 20, 8, 30, tzinfo=UTC),
        "section": "Internasional",
        "tags": ["banjir", "jakarta"],
        "image": "https://news.example.test/img/banjir.jpg",
        "fetched_at": datetime(2026, 11, 20, 9, 0, tzinfo=UTC),
        "content_hash": content_hash(title, body),
        "signature": minhash_signature(body),
    }
    return Article(**{**values, **fields})


def count(es: OpenSearch, settings: Settings) -> int:
    es.indices.refresh(index=mappings.read_alias(settings))
    return es.count(index=mappings.read_alias(settings))["count"]


def test_same_article_twice_is_one_document(es: OpenSearch, settings: Settings) -> None:
    store = ArticleStore(es, settings)
    first = store.upsert_many([make_article()])
    second = store.upsert_many([make_article()])  # before a refresh: the create conflict path
    es.indices.refresh(index=mappings.read_alias(settings))
    third = store.upsert_many([make_article()])

    assert len(first.new) == 1
    assert not second.new and not second.updated and len(second.unchanged) == 1
    assert not third.new and len(third.unchanged) == 1
    assert count(es, settings) == 1


def test_changed_article_is_updated_in_place(es: OpenSearch, settings: Settings) -> None:
    store = ArticleStore(es, settings)
    store.upsert_many([make_article()])
    es.indices.refresh(index=mappings.read_alias(settings))
    stored_before = store.lookup([article_id("https://news.example.test/a")])

    result = store.upsert_many([make_article(title="Banjir melanda Jakarta, ribuan warga mengungsi")])

    assert [a.version for a in result.updated] == [2]
    assert result.materially_changed == result.updated
    assert result.to_alert == result.updated
    assert count(es, settings) == 1
    (doc_id, before), (_, after) = *stored_before.items(), *store.lookup([article_id(result.updated[0].url)]).items()
    assert after["_index"] == before["_index"]
    assert after["version"] == 2
    assert after["title"] == "Banjir melanda Jakarta, ribuan warga mengungsi"
    assert after["first_indexed_at"] == before["first_indexed_at"]
    full = es.get(index=after["_index"], id=doc_id)["_source"]
    assert full["material_change"] is True
    assert full["updated_at"] >= full["first_indexed_at"]


def test_bad_document_fails_alone_and_the_rest_is_indexed(es: OpenSearch, settings: Settings, caplog) -> None:
    bad = make_article("/bad", published_at="kemarin sore")  # not a date: the mapping rejects it
    good = [make_article(f"/ok-{n}", title=f"Berita {n}") for n in range(3)]

    result = ArticleStore(es, settings).upsert_many([good[0], bad, *good[1:]])

    assert len(result.new) == 3
    assert [(f.article.url, f.retryable) for f in result.failed] == [(bad.url, False)]
    assert "published_at" in result.failed[0].reason
    assert bad.url in caplog.text
    assert count(es, settings) == 3


def test_stem_form_finds_indonesian_article_and_exact_word_still_matches(es: OpenSearch, settings: Settings) -> None:
    store = ArticleStore(es, settings)
    store.upsert_many(
        [
            make_article(
                "/serang", title="Pasukan menyerang kota perbatasan", body="Kota itu diserang pada malam hari."
            ),
            make_article("/cuaca", title="Cuaca cerah di Bandung", body="Hari ini cerah sepanjang hari."),
        ]
    )
    es.indices.refresh(index=mappings.read_alias(settings))

    stem = store.search({"match": {"title.id": "serangan"}})  # "serangan" and "menyerang" share the stem "serang"
    exact = store.search({"match": {"title": "menyerang"}})
    neutral = store.search({"match": {"title": "serangan"}})  # the language-neutral field has no stems

    assert [hit["canonical_url"] for hit in stem] == ["https://news.example.test/serang"]
    assert [hit["canonical_url"] for hit in exact] == ["https://news.example.test/serang"]
    assert neutral == []
    assert "<em>" in " ".join(stem[0]["highlight"]["title.id"])


def test_watch_syntax_search_filters_by_language_and_source(es: OpenSearch, settings: Settings) -> None:
    store = ArticleStore(es, settings)
    store.upsert_many(
        [
            make_article("/id", title="Serangan di Gaza", body="Serangan udara menghantam Gaza semalam."),
            make_article(
                "/en", title="Attacks in Gaza", body="Air strikes attacked Gaza overnight.", language="en", source="bbc"
            ),
        ]
    )
    es.indices.refresh(index=mappings.read_alias(settings))

    everything = store.search(to_query("gaza"))
    english = store.search(to_query("gaza"), language="en")
    from_kompas = store.search(to_query("gaza -attacks"), source="kompas")

    assert {hit["language"] for hit in everything} == {"id", "en"}
    assert [hit["source"] for hit in english] == ["bbc"]
    assert [hit["language"] for hit in from_kompas] == ["id"]


def test_near_duplicates_share_a_band_with_the_original(es: OpenSearch, settings: Settings) -> None:
    store = ArticleStore(es, settings)
    body = "Presiden bertemu perdana menteri di Canberra untuk membahas kerja sama perdagangan dan keamanan kawasan."
    store.upsert_many([make_article("/asli", body=body, story_id="story-1"), make_article("/lain", body="Sepak bola.")])
    es.indices.refresh(index=mappings.read_alias(settings))
    copy = make_article("/salinan", body=body + " Pertemuan berlangsung dua jam.")

    candidates = store.near_duplicates(lsh_bands(copy.signature), article_id(copy.canonical_url))

    assert [c["story_id"] for c in candidates] == ["story-1"]
    assert candidates[0]["signature"]
