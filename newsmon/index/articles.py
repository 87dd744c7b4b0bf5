"""Reading and writing articles: id lookups, idempotent bulk upserts, near-duplicate candidates, search and export.

Document id = ``newsmon.urls.article_id(canonical_url)``. New articles go to this month's index; a changed article
is rewritten in place in the index that already holds it (see ``index.mappings``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from opensearchpy import OpenSearch, helpers

from newsmon.cleaning.article import Article
from newsmon.cleaning.dedupe import lsh_bands
from newsmon.cleaning.updates import is_material_change
from newsmon.config import Settings
from newsmon.index import mappings, schema
from newsmon.urls import article_id

log = logging.getLogger(__name__)

# What the spider and the dedupe pipeline need to decide about a URL they have seen before.
LOOKUP_FIELDS = (
    "title",
    "feed_title",
    "feed_updated",
    "content_hash",
    "version",
    "story_id",
    "outlets",
    "first_indexed_at",
    "international_reason",
)
_CHANGE_FIELDS = (*LOOKUP_FIELDS, "body")
_CANDIDATE_FIELDS = ("story_id", "outlets", "signature", "content_hash", "source", "title")
RETRY_DELAYS = (0.5, 1.0, 2.0)  # seconds between bulk attempts for items the node refused for now (429/5xx)


@dataclass(frozen=True)
class Failure:
    article: Article
    reason: str
    retryable: bool  # the node refused for now (overload, shard trouble): try again later; else the document is bad


@dataclass
class BulkResult:
    new: list[Article] = field(default_factory=list)
    updated: list[Article] = field(default_factory=list)  # changed content, rewritten in place (version + 1)
    unchanged: list[Article] = field(default_factory=list)  # already indexed with the same content hash
    failed: list[Failure] = field(default_factory=list)

    @property
    def materially_changed(self) -> list[Article]:
        return [a for a in self.updated if a.material_change]

    @property
    def to_alert(self) -> list[Article]:
        """New and materially changed articles: what the match pipeline percolates."""
        return self.new + self.materially_changed

    @property
    def retryable(self) -> list[Article]:
        return [f.article for f in self.failed if f.retryable]

    def merge(self, other: BulkResult) -> None:
        self.new += other.new
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.failed += other.failed


def document(article: Article) -> dict[str, Any]:
    """The stored form of an article: its mapped fields plus the LSH bands of its signature."""
    doc = {k: v for k, v in article.to_dict().items() if k in mappings.PROPERTIES}
    doc["lsh_bands"] = lsh_bands(article.signature) if article.signature else []
    return doc


def since_filter(since: timedelta) -> dict[str, Any]:
    """Published within ``since`` or, for articles without a date, first indexed within it."""
    start = (datetime.now(UTC) - since).isoformat()
    return {
        "bool": {
            "should": [
                {"range": {"published_at": {"gte": start}}},
                {
                    "bool": {
                        "must_not": {"exists": {"field": "published_at"}},
                        "filter": {"range": {"first_indexed_at": {"gte": start}}},
                    }
                },
            ],
            "minimum_should_match": 1,
        }
    }


class ArticleStore:
    def __init__(self, client: OpenSearch, settings: Settings) -> None:
        self._client = client
        self._settings = settings
        self._alias = mappings.read_alias(settings)
        self._ensured = False

    def lookup(self, ids: list[str], fields: tuple[str, ...] = LOOKUP_FIELDS) -> dict[str, dict]:
        """id -> stored fields (plus ``_index``) for the ids already indexed, in one request."""
        if not ids:
            return {}
        response = self._client.search(
            index=self._alias,
            body={"query": {"ids": {"values": ids}}, "size": len(ids), "_source": list(fields)},
            ignore_unavailable=True,
            allow_no_indices=True,
        )
        return {hit["_id"]: {**hit["_source"], "_index": hit["_index"]} for hit in response["hits"]["hits"]}

    def upsert_many(self, articles: list[Article]) -> BulkResult:
        """Index a batch: create new articles, rewrite changed ones in place, leave unchanged ones alone.

        Raises ``opensearchpy.TransportError`` (``ConnectionError`` included) when the node cannot take the batch at
        all; per-item failures are reported in the result, never dropping the rest of the batch.
        """
        if not self._ensured:  # a write must never auto-create an index without the template
            schema.ensure(self._client, self._settings)
            self._ensured = True
        return self._upsert(articles)

    def _upsert(self, articles: list[Article], *, after_conflict: bool = False) -> BulkResult:
        latest = {article_id(a.canonical_url): a for a in articles}  # a later copy of the same URL wins
        existing = self.lookup(list(latest), _CHANGE_FIELDS)
        now = datetime.now(UTC)
        result = BulkResult()
        actions: list[tuple[dict, dict, Article, bool]] = []  # (action, document, article, is_new)
        for doc_id, article in latest.items():
            old = existing.get(doc_id)
            doc = document(article)
            if old is None:
                article.version, article.material_change = 1, False
                doc.update(version=1, material_change=False, first_indexed_at=now.isoformat())
                action = {"create": {"_index": mappings.monthly_index(self._settings, now), "_id": doc_id}}
            elif old.get("content_hash") == article.content_hash:
                result.unchanged.append(article)
                continue
            else:
                article.version = int(old.get("version") or 1) + 1
                article.material_change = is_material_change(old.get("title", ""), old.get("body", ""), article)
                doc.update(
                    version=article.version,
                    material_change=article.material_change,
                    first_indexed_at=old.get("first_indexed_at") or now.isoformat(),
                    updated_at=now.isoformat(),  # when newsmon saw the change
                )
                action = {"index": {"_index": old["_index"], "_id": doc_id}}
            doc["indexed_at"] = now.isoformat()
            actions.append((action, doc, article, old is None))
        conflicts = self._bulk(actions, result)
        if conflicts and not after_conflict:
            # Created by someone else since our lookup (searches see writes after a refresh): decide again.
            self._client.indices.refresh(index=self._alias)
            result.merge(self._upsert(conflicts, after_conflict=True))
        else:
            result.unchanged += conflicts
        return result

    def _bulk(self, actions: list[tuple[dict, dict, Article, bool]], result: BulkResult) -> list[Article]:
        """Send the actions, retrying the items the node refused for now; returns create conflicts."""
        conflicts: list[Article] = []
        for attempt in range(len(RETRY_DELAYS) + 1):
            if not actions:
                break
            if attempt:
                time.sleep(RETRY_DELAYS[attempt - 1])
            body = [line for action, doc, _, _ in actions for line in (action, doc)]
            response = self._client.bulk(body=body)
            retry = []
            for entry, item in zip(actions, response["items"], strict=True):
                _, _, article, is_new = entry
                outcome = next(iter(item.values()))
                status = outcome.get("status", 500)
                if status < 300:
                    (result.new if is_new else result.updated).append(article)
                elif status == 409 and is_new:
                    conflicts.append(article)
                elif status == 429 or status >= 500:
                    retry.append(entry)
                else:
                    reason = _reason(outcome)
                    log.error("not indexed %s: %s", article.url, reason)
                    result.failed.append(Failure(article, reason, retryable=False))
            actions = retry
        for _, _, article, _ in actions:
            log.warning("not indexed %s for now: the node kept refusing it", article.url)
            result.failed.append(Failure(article, "refused by the node (429/5xx) after retries", retryable=True))
        return conflicts

    def near_duplicates(self, bands: list[str], exclude_id: str, content_hash: str = "") -> list[dict]:
        """Indexed articles sharing an LSH band (or the exact content hash) with an article, best first."""
        should: list[dict] = []
        if bands:
            should.append({"terms": {"lsh_bands": bands}})
        if content_hash:
            should.append({"term": {"content_hash": content_hash}})
        if not should:
            return []
        query = {"bool": {"should": should, "minimum_should_match": 1, "must_not": {"ids": {"values": [exclude_id]}}}}
        response = self._client.search(
            index=self._alias,
            body={"query": query, "size": 20, "_source": list(_CANDIDATE_FIELDS)},
            ignore_unavailable=True,
            allow_no_indices=True,
        )
        return [{**hit["_source"], "id": hit["_id"]} for hit in response["hits"]["hits"]]

    def search(
        self,
        query: dict,
        *,
        since: timedelta | None = None,
        language: str | None = None,
        source: str | None = None,
        limit: int = 20,
        marks: tuple[str, str] = ("<em>", "</em>"),
    ) -> list[dict]:
        """Best matches first, each with ``id``, ``score``, its stored fields and ``highlight`` snippets (the matched
        terms between ``marks``; the text itself is not escaped)."""
        filters = _filters(since, language, source)
        body = {
            "query": {"bool": {"must": query, "filter": filters}},
            "size": limit,
            "_source": {"excludes": ["signature", "lsh_bands"]},
            "highlight": {
                "pre_tags": [marks[0]],
                "post_tags": [marks[1]],
                "require_field_match": False,
                "fields": {
                    "title*": {"number_of_fragments": 0},
                    "body*": {"fragment_size": 160, "number_of_fragments": 2},
                },
            },
        }
        response = self._client.search(index=self._alias, body=body)
        return [
            {**hit["_source"], "id": hit["_id"], "score": hit["_score"], "highlight": hit.get("highlight", {})}
            for hit in response["hits"]["hits"]
        ]

    def get(self, doc_id: str) -> dict | None:
        """One article as stored (with ``id``), or None."""
        response = self._client.search(
            index=self._alias,
            body={"query": {"ids": {"values": [doc_id]}}, "_source": {"excludes": ["signature", "lsh_bands"]}},
            ignore_unavailable=True,
            allow_no_indices=True,
        )
        hits = response["hits"]["hits"]
        return {**hits[0]["_source"], "id": hits[0]["_id"]} if hits else None

    def story(self, story_id: str, limit: int = 100) -> list[dict]:
        """The articles of one story (every outlet's copy), oldest first, without their bodies."""
        response = self._client.search(
            index=self._alias,
            body={
                "query": {"term": {"story_id": story_id}},
                "size": limit,
                "sort": [{"first_indexed_at": "asc"}],
                "_source": ["url", "title", "source", "published_at", "language"],
            },
            ignore_unavailable=True,
            allow_no_indices=True,
        )
        return [{**hit["_source"], "id": hit["_id"]} for hit in response["hits"]["hits"]]

    def counts_by_source(self, since: timedelta) -> dict[str, int]:
        """source -> articles indexed within ``since`` (by first_indexed_at)."""
        start = (datetime.now(UTC) - since).isoformat()
        response = self._client.search(
            index=self._alias,
            body={
                "size": 0,
                "query": {"range": {"first_indexed_at": {"gte": start}}},
                "aggs": {"sources": {"terms": {"field": "source", "size": 1000}}},
            },
            ignore_unavailable=True,
            allow_no_indices=True,
        )
        buckets = response.get("aggregations", {}).get("sources", {}).get("buckets", [])
        return {bucket["key"]: bucket["doc_count"] for bucket in buckets}

    def export(self, *, since: timedelta | None = None) -> Iterator[dict]:
        """Every article (optionally only recent ones) as stored, with ``id`` and ``published``."""
        query = {"bool": {"filter": _filters(since, None, None)}}
        for hit in helpers.scan(self._client, index=self._alias, query={"query": query}, size=500):
            source = hit["_source"]
            yield {"id": hit["_id"], "published": source.get("published_at"), **source}


def _filters(since: timedelta | None, language: str | None, source: str | None) -> list[dict]:
    filters: list[dict] = []
    if since:
        filters.append(since_filter(since))
    if language:
        filters.append({"term": {"language": language}})
    if source:
        filters.append({"term": {"source": source}})
    return filters


def _reason(outcome: dict) -> str:
    error = outcome.get("error") or {}
    if isinstance(error, dict):
        return f"{error.get('type', 'error')}: {error.get('reason', '')}"
    return str(error)
