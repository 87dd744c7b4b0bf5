"""Highlighted snippets for the email: which fields to highlight, how to pick the best fragment, and filling them in
when an alert is sent.

Live matching records alerts without snippets: highlighting every (watch, article) match inside the percolate request
took half of its time, while only the alerts that are sent need one. Delivery asks for the snippets of what it is
about to send, in one search on the articles index (catch-up and previews still get theirs from their search).
"""

from __future__ import annotations

from typing import Any

from opensearchpy import OpenSearch

from newsmon.alerts.model import HIGHLIGHT_END, HIGHLIGHT_START, AlertItem, Watch
from newsmon.alerts.query import to_query
from newsmon.config import Settings
from newsmon.index.client import index_name

# Stemmed subfields are highlighted too: a stem match ("menyerang" for "serangan") only shows up on them.
_BODY_FIELDS = ["body", "body.id", "body.en"]
_TITLE_FIELDS = ["title", "title.id", "title.en"]

HIGHLIGHT: dict[str, Any] = {
    "pre_tags": [HIGHLIGHT_START],
    "post_tags": [HIGHLIGHT_END],
    "fields": {
        **{field: {"fragment_size": 180, "number_of_fragments": 2} for field in _BODY_FIELDS},
        **{field: {"number_of_fragments": 0} for field in _TITLE_FIELDS},
    },
}


def best_snippet(highlight: dict[str, list[str]], body: str) -> str:
    """Body fragments first (they carry context), then the highlighted title, then the start of the body.

    Of the exact and stemmed variants, the one marking the most terms wins: each only marks what matched on it.
    """
    for fields in (_BODY_FIELDS, _TITLE_FIELDS):
        variants = [" … ".join(f.strip() for f in highlight.get(field, [])) for field in fields]
        best = max(variants, key=lambda text: text.count(HIGHLIGHT_START))
        if best:
            return best
    return body[:200].strip()


def fill_snippets(client: OpenSearch, settings: Settings, watch: Watch, items: list[AlertItem]) -> list[AlertItem]:
    """`items` with the snippets they lack, highlighted for `watch` on the indexed articles (one search).

    The watch's query is an optional clause, so an article comes back (and its opening lines make the snippet) even
    when it no longer matches as it did; an article gone from the index keeps an empty snippet."""
    missing = sorted({item.article_id for item in items if not item.snippet})
    if not missing:
        return items
    query = {"bool": {"filter": [{"ids": {"values": missing}}], "should": [to_query(watch.query)]}}
    body = {"query": query, "highlight": HIGHLIGHT, "_source": ["body"], "size": len(missing)}
    hits = client.search(index=index_name(settings, "articles"), body=body, ignore_unavailable=True)["hits"]["hits"]
    found = {hit["_id"]: best_snippet(hit.get("highlight", {}), hit["_source"].get("body", "")) for hit in hits}
    return [
        item if item.snippet else item.model_copy(update={"snippet": found.get(item.article_id, "")}) for item in items
    ]
