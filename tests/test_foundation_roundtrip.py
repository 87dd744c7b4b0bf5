"""A real round trip through the project's own index module: start-up, index an article, search it back."""

from __future__ import annotations

from opensearchpy import OpenSearch

from newsmon.alerts.query import to_query
from newsmon.config import Settings
from newsmon.index import mappings, schema
from newsmon.index.articles import ArticleStore
from newsmon.index.client import make_client
from tests.test_index_articles import make_article


def test_article_indexed_through_the_index_module_is_found_again(es: OpenSearch, settings: Settings) -> None:
    client = make_client(settings)
    schema.ensure(client, settings)
    store = ArticleStore(client, settings)

    result = store.upsert_many([make_article("/pulang", title="Kapal pulang ke pelabuhan", body="Kapal tiba pagi.")])
    es.indices.refresh(index=mappings.read_alias(settings))
    hits = store.search(to_query('"kapal pulang"'))

    assert [a.canonical_url for a in result.new] == ["https://news.example.test/pulang"]
    assert [hit["title"] for hit in hits] == ["Kapal pulang ke pelabuhan"]
