"""The articles index layout: created at start-up, idempotent, and migrated (not broken) by a mapping version bump."""

from __future__ import annotations

from opensearchpy import OpenSearch

from newsmon.config import FileConfig, Settings
from newsmon.index import mappings, schema
from newsmon.index.client import index_name
from newsmon.scheduler.startup import prepare


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
    version = mappings.MAPPING_VERSION
    assert template["index_template"]["index_patterns"] == [f"{settings.index_prefix}-articles-v{version}-*"]
    behind_alias = es.indices.get_alias(name=mappings.read_alias(settings))
    assert len(behind_alias) == 1
    (index,) = behind_alias
    assert index.startswith(f"{settings.index_prefix}-articles-v{version}-")
    mapping = es.indices.get_mapping(index=index)[index]["mappings"]
    assert mapping["dynamic"] == "strict"
    assert mapping["properties"]["title"]["fields"]["id"]["analyzer"] == mappings.ID_ANALYZER
    assert mapping["properties"]["body"]["fields"]["en"]["analyzer"] == mappings.EN_ANALYZER


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


def test_every_index_is_green_on_a_single_node(es: OpenSearch, settings: Settings) -> None:
    """A replica that has no second node to live on would leave the cluster yellow (and `status` degraded)."""
    prepare(es, settings, FileConfig())
    indices = es.cat.indices(index=f"{settings.index_prefix}-*", format="json")
    assert {row["index"].split("-")[2] for row in indices} >= {"articles", "feeds", "watches", "alerts", "leases"}
    assert {row["index"]: row["health"] for row in indices} == {row["index"]: "green" for row in indices}


def test_shards_and_replicas_come_from_the_settings(es: OpenSearch, settings: Settings) -> None:
    configured = settings.model_copy(update={"es_shards": 2, "es_replicas": 0})
    prepare(es, configured, FileConfig())
    articles = es.indices.get_settings(index=mappings.read_alias(settings))
    watches = es.indices.get_settings(index=index_name(settings, "watches"))
    feeds = es.indices.get_settings(index=index_name(settings, "feeds"))
    for body, shards in ((articles, "2"), (watches, "2"), (feeds, "1")):
        (index,) = body.values()
        assert index["settings"]["index"]["number_of_shards"] == shards
        assert index["settings"]["index"]["number_of_replicas"] == "0"
        assert "auto_expand_replicas" not in index["settings"]["index"]
