"""Catch-up: a periodic search per watch over articles indexed since its high-water mark.

Live matching percolates each batch as it is indexed; anything it missed (matching down, a crash between indexing
and matching) is found here and goes into the same ledger, so an alert found twice is still sent once.
"""

from __future__ import annotations

import logging
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


def catch_up(client: OpenSearch, settings: Settings, now: datetime) -> int:
    """Record alerts for articles indexed since each enabled watch's high-water mark; returns new alerts."""
    store, ledger = WatchStore(client, settings), AlertLedger(client, settings)
    until = now - LAG
    created = 0
    for watch in store.list():
        since = store.caught_up_to(watch.name) or watch.created_at
        if not watch.enabled or since is None or since >= until:
            continue
        created += ledger.record(search_matches(client, settings, watch, since, until, now), now)
        store.set_caught_up(watch.name, until)
    return created


def preview(client: OpenSearch, settings: Settings, watch: Watch, days: int, now: datetime) -> list[Match]:
    """What `watch` would have sent over the last `days` days, one match per story; nothing is recorded or sent."""
    trial = watch.model_copy(update={"created_at": None, "enabled": True})
    matches = search_matches(client, settings, trial, now - timedelta(days=days), now, now)
    return list({m.story_id: m for m in matches}.values())


def search_matches(
    client: OpenSearch, settings: Settings, watch: Watch, since: datetime, until: datetime, now: datetime
) -> list[Match]:
    """The alerts `watch` makes from articles indexed in (since, until], read from the articles alias."""
    window = {"range": {"indexed_at": {"gt": since.isoformat(), "lte": until.isoformat()}}}
    body = {"query": {"bool": {"must": [to_query(watch.query)], "filter": [window]}}, "highlight": HIGHLIGHT}
    hits = helpers.scan(client, index=index_name(settings, "articles"), query=body, ignore_unavailable=True)
    matches = []
    for hit in hits:
        article = Article.from_dict(hit["_source"])
        snippet = best_snippet(hit.get("highlight", {}), article.body)
        indexed_at = datetime.fromisoformat(hit["_source"]["indexed_at"])
        match = to_match(watch, article, snippet, indexed_at=indexed_at, now=now)
        if match:
            matches.append(match)
    return matches
