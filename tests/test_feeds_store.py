"""index/feedstate.py against the real search node: feed state is data that survives a restart."""

from __future__ import annotations

from datetime import UTC, datetime

from opensearchpy import OpenSearch

from newsmon.config import Settings
from newsmon.feeds.state import FeedState
from newsmon.index import feedstate
from newsmon.index.client import index_name, make_client
from newsmon.sources.model import Source


def test_ensure_is_idempotent_and_creates_a_strict_mapping(es: OpenSearch, settings: Settings) -> None:
    client = make_client(settings)
    feedstate.ensure(client, settings)
    feedstate.ensure(client, settings)
    name = index_name(settings, "feeds")
    mapping = es.indices.get_mapping(index=name)[name]["mappings"]
    assert mapping["dynamic"] == "false"
    assert mapping["properties"]["next_poll"]["type"] == "date"


def test_saved_states_load_back_in_one_request_through_a_new_client(settings: Settings) -> None:
    source = Source(name="kabar", feeds=["http://news.test/feed/"])
    now = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
    first = FeedState(url="http://news.test/feed/", source="kabar", etag='"v1"', body_hash="abc")
    first.succeeded(source, now, new_items=4, items_seen=20)
    second = FeedState(url="http://news.test/world.atom", source="kabar")
    second.failed(source, now, "http://news.test/world.atom: HTTP 503")
    writer = make_client(settings)
    feedstate.ensure(writer, settings)
    feedstate.FeedStateStore(writer, settings).save_many([first, second])
    writer.close()

    store = feedstate.FeedStateStore(make_client(settings), settings)  # as after a restart
    loaded = store.load([first.url, second.url, "http://news.test/never-polled"])
    assert loaded == {first.url: first, second.url: second}
    assert loaded[first.url].next_poll_reason.startswith("4 new item(s)")
    assert {s.url for s in store.all()} == {first.url, second.url}


def test_loading_before_anything_was_stored_gives_nothing(settings: Settings) -> None:
    store = feedstate.FeedStateStore(make_client(settings), settings)
    assert store.load(["http://news.test/feed/"]) == {}
    assert store.all() == []
