"""Percolating each batch of newly indexed articles against every watch, in one request, into the alert ledger."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from functools import lru_cache

from opensearchpy import OpenSearch

from newsmon import faults
from newsmon.alerts.ledger import AlertLedger, Match
from newsmon.alerts.model import AlertItem, Watch
from newsmon.alerts.store import watch_hits
from newsmon.cleaning.article import Article
from newsmon.config import Settings
from newsmon.index.client import index_name
from newsmon.urls import article_id

log = logging.getLogger(__name__)

# One article matches many watches: canonicalise its URL once, not once per watch.
_article_id = lru_cache(maxsize=1024)(article_id)


def match_batch(
    client: OpenSearch, settings: Settings, articles: list[Article], now: datetime | None = None
) -> list[str]:
    """Record pending alerts for every (enabled watch, article) that matches; returns the names of the watches hit.

    The articles were just indexed (new or materially changed), so they count for every watch created before now.
    """
    if not articles:
        return []
    now = now or datetime.now(UTC)
    documents = [{"title": a.title, "body": a.body} for a in articles]
    percolate = {"percolate": {"field": "query", "documents": documents}}
    body = {
        # constant_score: no scoring, so matching queries are never deserialised twice. No highlighting: the snippets
        # are made when an alert is sent (alerts.snippets).
        "query": {"constant_score": {"filter": {"bool": {"filter": [percolate, {"term": {"enabled": True}}]}}}},
        "_source": ["watch"],
    }
    matches = []
    # Not a scroll: each scroll page would run the percolation again.
    for hit in watch_hits(client, index_name(settings, "watches"), body):
        watch = Watch.model_validate(hit["_source"]["watch"])
        for slot in hit["fields"]["_percolator_document_slot"]:
            match = to_match(watch, articles[slot], "", indexed_at=now, now=now)
            if match:
                matches.append(match)
    AlertLedger(client, settings).record(matches, now)
    faults.point("after-match")
    return sorted({m.watch.name for m in matches})


def to_match(watch: Watch, article: Article, snippet: str, indexed_at: datetime, now: datetime) -> Match | None:
    """The alert a text match makes, or None when the watch's filters or the article's dates rule it out.

    What counts is when newsmon indexed the article, not the date it claims: feeds and pages get dates wrong.
    """
    if not watch.enabled or not watch.accepts(article.language, article.source, article.section):
        return None
    if watch.created_at and indexed_at < watch.created_at:
        return None
    if watch.max_age and article.published_at and article.published_at < now - watch.max_age:
        return None
    key = _article_id(article.canonical_url or article.url)
    item = AlertItem(
        article_id=key,
        url=article.canonical_url or article.url,
        title=article.title,
        source=article.source,
        outlets=article.outlets or [article.source],
        published_at=article.published_at,
        language=article.language,
        snippet=snippet,
    )
    return Match(watch, article.story_id or key, item)
