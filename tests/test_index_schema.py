"""The articles index layout: created at start-up, idempotent, and migrated (not broken) by a mapping version bump."""

from __future__ import annotations

from opensearchpy import OpenSearch

from newsmon.config import Settings
from newsmon.index import mappings, schema


def _layout(es: OpenSearch, settings: Settings) -> dict:
    prefix = settings.index_prefix
    templates = es.indices.get_index_template(name=f"{prefix}-*")["index_templates"]
    indices = es.indices.get(index=f"{prefix}-*")
    return {
        "templates": {t["name"]: t["index_template"] for t in templates},
        "indices": {name: (body["aliases"], body["mappings"]) for name, body in indices.items()},
    }


def test_ensure_creates_template_index_and_read_alias(es: OpenSearch, settings: Settings) -> None:
    schema.ensure(es, settings)

    template = es.indices.get_index_template(name=mappings.template_name(settings))["index_templates"][0]
    assert template["index_template"]["index_patterns"] == [
        f"{settings.index_prefix}-articles-v{mappings.MAPPING_VERSION}-*"
    ]
    behind_alias = es.indices.get_alias(name=mappings.read_alias(settings))
    assert len(behind_alias) == 1
    (index,) = behind_alias
    assert index.startswith(f"{settings.index_prefix}-articles-v{mappings.MAPPING_VERSION}-")
    mapping = es.indices.get_mapping(index=index)[index]["mappings"]
    assert mapping["dynamic"] == "strict"
    assert mapping["properties"]["title"]["fields"]["id"]["analyzer"] == "indonesian"
    assert mapping["properties"]["body"]["fields"]["en"]["analyzer"] == "english"


def test_ensure_twice_changes_nothing(es: OpenSearch, settings: Settings) -> None:
    schema.ensure(es, settings)
    first = _layout(es, settings)
    schema.ensure(es, settings)
    assert _layout(es, settings) == first


def test_older_mapping_version_is_migrated_behind_the_alias(es: OpenSearch, settings: Settings) -> None:
    old = f"{settings.index_prefix}-articles-v0-2020.01"
    es.indices.create(
        index=old,
        body={"mappings": {"properties": {"title": {"type": "text"}}}, "aliases": {mappings.read_alias(settings): {}}},
    )
    es.index(index=old, id="a1", body={"title": "Banjir di Jakarta"}, refresh=True)

    schema.ensure(es, settings)

    behind_alias = es.indices.get_alias(name=mappings.read_alias(settings))
    assert old not in behind_alias
    assert f"{settings.index_prefix}-articles-v{mappings.MAPPING_VERSION}-2020.01" in behind_alias
    found = es.search(index=mappings.read_alias(settings), body={"query": {"match": {"title.id": "banjir"}}})
    assert [hit["_id"] for hit in found["hits"]["hits"]] == ["a1"]
    assert es.indices.exists(index=old)  # kept out of the alias for inspection


def test_article_properties_share_the_text_analysis(settings: Settings) -> None:
    shared = mappings.article_properties()
    assert shared["properties"]["title"]["analyzer"] == mappings.TEXT_ANALYZER
    assert mappings.TEXT_ANALYZER in shared["analysis"]["analyzer"]
    shared["properties"].clear()
    assert mappings.article_properties()["properties"]  # callers get a copy
