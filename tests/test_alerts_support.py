"""Helpers (no tests) for the alert tests: articles, a minimal articles index, the watch/ledger indices."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from opensearchpy import OpenSearch

from newsmon.alerts import store
from newsmon.alerts.model import Watch
from newsmon.alerts.store import WatchStore
from newsmon.cleaning.article import Article
from newsmon.config import Settings
from newsmon.index.client import index_name
from newsmon.index.mappings import article_properties
from newsmon.urls import article_id

T0 = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)  # watches are created at T0; articles arrive after it


def article(slug: str, title: str, body: str, source: str = "kompas", language: str = "id", **extra: object) -> Article:
    url = f"https://{source}.example/internasional/{slug}"
    return Article(
        url=url,
        canonical_url=url,
        source=source,
        title=title,
        body=body,
        language=language,
        published_at=T0 + timedelta(minutes=30),
        outlets=[source],
        **extra,  # type: ignore[arg-type]
    )


def with_watches(es: OpenSearch, settings: Settings, *watches: Watch) -> WatchStore:
    store.ensure(es, settings)
    watch_store = WatchStore(es, settings)
    for watch in watches:
        watch_store.add(watch, now=T0)
    return watch_store


def watch(name: str, query: str, **fields: object) -> Watch:
    return Watch(name=name, query=query, emails=["redaksi@example.test"], **fields)  # type: ignore[arg-type]


def articles_mapping() -> dict:
    """Index settings + mappings shaped like the indexer's articles index."""
    shape = article_properties()
    return {"settings": {"analysis": shape["analysis"]}, "mappings": {"properties": shape["properties"]}}


def index_articles(es: OpenSearch, settings: Settings, articles: list[Article], indexed_at: datetime) -> None:
    """A plain articles index with the indexer's mapping (no monthly indices or templates), for catch-up and preview."""
    name = index_name(settings, "articles")
    if not es.indices.exists(index=name):
        es.indices.create(index=name, body=articles_mapping())
    for item in articles:
        document = item.to_dict() | {"indexed_at": indexed_at.isoformat()}
        es.index(index=name, id=article_id(item.canonical_url), body=document, refresh=True)
