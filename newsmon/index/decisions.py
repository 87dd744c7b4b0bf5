"""Pages an `auto` source decided are domestic: kept (not as articles) so they are not fetched again.

One document per page, id = ``newsmon.urls.article_id`` of its canonical URL (as for articles), holding what the
spider needs to tell whether the feed later shows the item changed (its feed title and <updated>), and the reason.
"""

from __future__ import annotations

from typing import Any

from opensearchpy import OpenSearch

from newsmon.config import Settings
from newsmon.index.client import create_small_index, get_many, index_name, put_many

_KEYWORD = {"type": "keyword"}
_DATE = {"type": "date"}
MAPPING = {
    "dynamic": False,
    "properties": {
        "url": _KEYWORD,
        "source": _KEYWORD,
        "title": {"type": "text"},
        "feed_title": {"type": "keyword", "index": False},
        "feed_updated": _DATE,
        "decided_at": _DATE,
        "international": {"type": "boolean"},
        "international_reason": {"type": "text"},
    },
}


def ensure(client: OpenSearch, settings: Settings) -> None:
    """Create the decisions index if it is missing (safe at every start, also from several processes)."""
    create_small_index(client, settings, "decisions", MAPPING)


class DecisionStore:
    def __init__(self, client: OpenSearch, settings: Settings) -> None:
        self._client = client
        self._index = index_name(settings, "decisions")

    def lookup(self, ids: list[str]) -> dict[str, dict]:
        """id -> stored decision for the ids decided before, in one request."""
        return get_many(self._client, self._index, ids)

    def save_many(self, decisions: dict[str, dict[str, Any]]) -> None:
        """Store decisions by id (a later decision of the same page replaces the earlier one)."""
        put_many(self._client, self._index, decisions)
