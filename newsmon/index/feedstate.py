"""Feed state as documents in the search node, so crawler processes hold nothing and a restart loses nothing."""

from __future__ import annotations

from opensearchpy import OpenSearch, helpers

from newsmon.config import Settings
from newsmon.feeds.state import FeedState
from newsmon.index.client import create_small_index, get_many, index_name, put_many
from newsmon.urls import article_id

_KEYWORD = {"type": "keyword"}
_DATE = {"type": "date"}
MAPPING = {
    "dynamic": False,
    "properties": {
        "url": _KEYWORD,
        "source": _KEYWORD,
        "etag": {"type": "keyword", "index": False},
        "last_modified": {"type": "keyword", "index": False},
        "body_hash": {"type": "keyword", "index": False},
        "last_poll": _DATE,
        "last_success": _DATE,
        "last_error": {"type": "text"},
        "last_error_at": _DATE,
        "consecutive_errors": {"type": "integer"},
        "items_seen": {"type": "integer"},
        "new_items_last_poll": {"type": "integer"},
        "interval": {"type": "float"},  # seconds
        "next_poll": _DATE,
        "next_poll_reason": {"type": "text"},
        "decided_international": {"type": "integer"},
        "decided_domestic": {"type": "integer"},
        "sections": {"type": "object", "enabled": False},  # section -> [international, total]; read back only
    },
}


def ensure(client: OpenSearch, settings: Settings) -> None:
    """Create the feeds index if it is missing (safe to call at every start, also from several processes)."""
    create_small_index(client, settings, "feeds", MAPPING)


def _doc_id(url: str) -> str:
    return article_id(url)  # the same stable hash of the canonical URL that articles use


class FeedStateStore:
    def __init__(self, client: OpenSearch, settings: Settings) -> None:
        self._client = client
        self._index = index_name(settings, "feeds")

    def load(self, urls: list[str]) -> dict[str, FeedState]:
        """The stored state of each known feed URL, in one request; unknown URLs are left out."""
        found = get_many(self._client, self._index, [_doc_id(u) for u in urls])
        states = (FeedState.from_doc(doc) for doc in found.values())
        return {state.url: state for state in states}

    def all(self) -> list[FeedState]:
        """Every stored feed state (for `newsmon source list` and the scheduler)."""
        hits = helpers.scan(
            self._client, index=self._index, query={"query": {"match_all": {}}}, ignore_unavailable=True
        )
        return [FeedState.from_doc(hit["_source"]) for hit in hits]

    def save(self, state: FeedState) -> None:
        self.save_many([state])

    def save_many(self, states: list[FeedState]) -> None:
        put_many(self._client, self._index, {_doc_id(s.url): s.to_doc() for s in states})
