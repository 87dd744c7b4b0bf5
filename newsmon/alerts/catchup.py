"""Catch-up: a periodic search per watch over articles indexed since its high-water mark.

Live matching percolates each batch as it is indexed; anything it missed (matching down, a crash between indexing
and matching) is found here and goes into the same ledger, so an alert found twice is still sent once.

A run costs a fixed handful of requests, not requests per watch: one read of every watch with its mark, the
searches in multi-search requests of CHUNK watches, and one bulk update that moves every mark. A run that dies
midway moves no mark; the next finds the same matches again, and the ledger keeps them once.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta

from opensearchpy import OpenSearch, helpers

from newsmon.alerts.ledger import AlertLedger, Match
from newsmon.alerts.matching import to_match
from newsmon.alerts.model import Watch
from newsmon.alerts.query import to_query
from newsmon.alerts.snippets import HIGHLIGHT, best_snippet
from newsmon.alerts.store import WatchStore
from newsmon.cleaning.article import Article
from newsmon.config import Settings
from newsmon.index.client import index_name

log = logging.getLogger(__name__)

# Articles become searchable about a second after indexing; stay behind that so none slips past the mark.
LAG = timedelta(seconds=30)


CHUNK = 200  # watches per multi-search request
SIZE = 100  # hits per watch in a multi-search; a watch with more is read to the end by a scroll of its own


def catch_up(client: OpenSearch, settings: Settings, now: datetime) -> int:
    """Record alerts for articles indexed since each enabled watch's high-water mark; returns new alerts."""
    store = WatchStore(client, settings)
    until = now - LAG
    due = [(w, since) for w, since in store.list_with_marks() if w.enabled and since is not None and since < until]
    matches: list[Match] = []
    for start in range(0, len(due), CHUNK):
        matches += _search_many(client, settings, due[start : start + CHUNK], until, now)
    created = AlertLedger(client, settings).record(matches, now)
    store.set_caught_up_many([w.name for w, _ in due], until)
    return created


def preview(client: OpenSearch, settings: Settings, watch: Watch, days: int, now: datetime) -> list[Match]:
    """What `watch` would have sent over the last `days` days, one match per story; nothing is recorded or sent."""
    trial = watch.model_copy(update={"created_at": None, "enabled": True})
    matches = search_matches(client, settings, trial, now - timedelta(days=days), now, now)
    return list({m.story_id: m for m in matches}.values())


def _search_many(
    client: OpenSearch, settings: Settings, due: list[tuple[Watch, datetime]], until: datetime, now: datetime
) -> list[Match]:
    lines: list[dict] = []
    for watch, since in due:
        lines += [{"ignore_unavailable": True}, {**_search_body(watch, since, until), "size": SIZE}]
    responses = client.msearch(index=index_name(settings, "articles"), body=lines)["responses"]
    matches = []
    for (watch, since), response in zip(due, responses, strict=True):
        if "error" in response:
            raise RuntimeError(f"catch-up search for watch {watch.name!r} failed: {response['error']}")
        hits = response["hits"]
        if hits["total"]["value"] > len(hits["hits"]):
            matches += search_matches(client, settings, watch, since, until, now)
        else:
            matches += _to_matches(watch, hits["hits"], now)
    return matches


def _search_body(watch: Watch, since: datetime, until: datetime) -> dict:
    window = {"range": {"indexed_at": {"gt": since.isoformat(), "lte": until.isoformat()}}}
    return {"query": {"bool": {"must": [to_query(watch.query)], "filter": [window]}}, "highlight": HIGHLIGHT}


def search_matches(
    client: OpenSearch, settings: Settings, watch: Watch, since: datetime, until: datetime, now: datetime
) -> list[Match]:
    """The alerts `watch` makes from articles indexed in (since, until], read from the articles alias."""
    body = _search_body(watch, since, until)
    hits = helpers.scan(client, index=index_name(settings, "articles"), query=body, ignore_unavailable=True)
    return _to_matches(watch, hits, now)


def _to_matches(watch: Watch, hits: Iterable[dict], now: datetime) -> list[Match]:
    matches = []
    for hit in hits:
        article = Article.from_dict(hit["_source"])
        snippet = best_snippet(hit.get("highlight", {}), article.body)
        indexed_at = datetime.fromisoformat(hit["_source"]["indexed_at"])
        match = to_match(watch, article, snippet, indexed_at=indexed_at, now=now)
        if match:
            matches.append(match)
    return matches
