"""Storing many watches at once (imports, benchmarks) keeps the one-name-one-watch rule."""

from __future__ import annotations

import pytest
from opensearchpy import OpenSearch

from newsmon.alerts import store
from newsmon.alerts.model import Watch
from newsmon.alerts.store import WatchError, WatchStore
from newsmon.config import Settings
from newsmon.index.mappings import article_properties


def _watch(name: str, query: str = '"gencatan senjata" gaza') -> Watch:
    return Watch(name=name, query=query, emails=["desk@example.test"])


def test_add_many_stores_all_watches_in_one_go(settings: Settings, es: OpenSearch) -> None:
    store.ensure(es, settings)
    watches = WatchStore(es, settings)

    stored = watches.add_many([_watch("satu"), _watch("dua"), _watch("tiga", "banjir -jakarta")])

    assert all(w.created_at is not None for w in stored)
    assert sorted(w.name for w in watches.list()) == ["dua", "satu", "tiga"]


def test_add_many_refuses_taken_names_and_keeps_the_rest(settings: Settings, es: OpenSearch) -> None:
    store.ensure(es, settings)
    watches = WatchStore(es, settings)
    watches.add(_watch("satu", "banjir"))

    with pytest.raises(WatchError, match="satu"):
        watches.add_many([_watch("satu"), _watch("empat")])

    assert sorted(w.name for w in watches.list()) == ["empat", "satu"]
    assert watches.get("satu").query == "banjir"  # the existing watch is untouched


def test_ensure_twice_keeps_the_watches_mapping(settings: Settings, es: OpenSearch) -> None:
    store.ensure(es, settings)
    name = f"{settings.index_prefix}-watches"
    before = es.indices.get_mapping(index=name)
    store.ensure(es, settings)
    assert es.indices.get_mapping(index=name) == before
    assert "pairs" in before[name]["mappings"]["properties"]["body"]["fields"]


def test_ensure_upgrades_an_older_watches_index_without_touching_what_cannot_change(
    settings: Settings, es: OpenSearch
) -> None:
    """An index made before the pairs subfields gains them and keeps working."""
    name = f"{settings.index_prefix}-watches"
    shape = article_properties()
    old = {"dynamic": "strict", "properties": {**store._WATCHES["properties"], **shape["properties"]}}
    es.indices.create(index=name, body={"settings": {"analysis": shape["analysis"]}, "mappings": old})

    store.ensure(es, settings)
    WatchStore(es, settings).add(_watch("satu", '"gencatan senjata"'))

    body = es.indices.get_mapping(index=name)[name]["mappings"]["properties"]["body"]
    assert "pairs" in body["fields"] and "index_options" not in body


def test_ensure_keeps_a_watches_index_made_with_offsets_working(settings: Settings, es: OpenSearch) -> None:
    """Indices of the previous release stored offsets (for highlighting at match time); new ones do not, and
    ensure() must not try to change a parameter an existing field cannot change."""
    name = f"{settings.index_prefix}-watches"
    offsets = {f: {**store._WATCHES["properties"][f], "index_options": "offsets"} for f in ("title", "body")}
    mapping = {**store._WATCHES, "properties": {**store._WATCHES["properties"], **offsets}}
    es.indices.create(
        index=name, body={"settings": {"analysis": article_properties()["analysis"]}, "mappings": mapping}
    )

    store.ensure(es, settings)
    WatchStore(es, settings).add(_watch("satu", '"gencatan senjata"'))

    body = es.indices.get_mapping(index=name)[name]["mappings"]["properties"]["body"]
    assert body["index_options"] == "offsets" and "pairs" in body["fields"]
    assert WatchStore(es, settings).get("satu") is not None
