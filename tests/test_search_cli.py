"""`newsmon search` and `newsmon status` against the real node."""

from __future__ import annotations

import json

import pytest
from opensearchpy import OpenSearch
from typer.testing import CliRunner

from newsmon.cli import app, context
from newsmon.config import Settings
from newsmon.index import mappings
from newsmon.index.articles import ArticleStore
from newsmon.index.client import index_name
from newsmon.index.spool import Spool
from tests.test_index_articles import make_article


@pytest.fixture
def cli(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """The CLI reading the test's settings from the environment, as it would in production."""
    for name, value in {
        "NEWSMON_ES_URL": settings.es_url,
        "NEWSMON_INDEX_PREFIX": settings.index_prefix,
        "NEWSMON_DATA_DIR": str(settings.data_dir),
        "NEWSMON_CONFIG": str(settings.config),
    }.items():
        monkeypatch.setenv(name, value)
    context.settings.cache_clear()
    yield CliRunner()
    context.settings.cache_clear()


@pytest.fixture
def indexed(es: OpenSearch, settings: Settings) -> None:
    ArticleStore(es, settings).upsert_many(
        [
            make_article("/serang", title="Pasukan menyerang kota perbatasan", body="Kota itu diserang malam hari."),
            make_article("/en", title="Troops attack border town", body="The town was attacked.", language="en"),
            make_article("/cuaca", title="Cuaca cerah di Bandung", body="Hari ini cerah sepanjang hari."),
        ]
    )
    es.indices.refresh(index=mappings.read_alias(settings))


def test_search_prints_highlighted_matches(cli: CliRunner, indexed: None) -> None:
    result = cli.invoke(app, ["search", "serangan"])

    assert result.exit_code == 0, result.output
    assert "Pasukan menyerang kota perbatasan" in result.output
    assert "https://news.example.test/serang" in result.output
    assert "Bandung" not in result.output


def test_search_json_respects_language_and_limit(cli: CliRunner, indexed: None) -> None:
    result = cli.invoke(app, ["search", "attack OR serangan", "--language", "en", "--json", "--limit", "5"])

    assert result.exit_code == 0, result.output
    hits = json.loads(result.output)
    assert [hit["canonical_url"] for hit in hits] == ["https://news.example.test/en"]
    assert any("<em>" in fragment for fragments in hits[0]["highlight"].values() for fragment in fragments)


def test_search_refuses_a_bad_query_and_a_bad_duration(cli: CliRunner, indexed: None) -> None:
    assert cli.invoke(app, ["search", "banjir*"]).exit_code == 2
    assert cli.invoke(app, ["search", "banjir", "--since", "seminggu"]).exit_code == 2


def test_status_shows_node_counts_spool_and_last_polls(
    cli: CliRunner, es: OpenSearch, settings: Settings, indexed: None
) -> None:
    Spool(settings.spool_dir).append([make_article("/tertunda")])
    feeds = index_name(settings, "feeds")
    es.index(index=feeds, body={"source": "kompas", "last_success": "2026-11-20T08:00:00+00:00"})
    es.index(index=feeds, body={"source": "kompas", "last_success": "2026-11-21T08:00:00+00:00"})
    es.index(index=feeds, body={"source": "tempo", "last_success": None}, refresh=True)

    result = cli.invoke(app, ["status"])

    assert result.exit_code == 0, result.output
    assert "2.19" in result.output
    assert "spool backlog: 1 " in result.output
    assert f"{feeds}: 3" in result.output
    assert f"-articles-v{mappings.MAPPING_VERSION}-" in result.output and ": 3" in result.output
    assert "kompas: 2026-11-21T08:00:00+00:00" in result.output
    assert "tempo: never" in result.output


def test_status_says_when_the_node_does_not_answer(cli: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSMON_ES_URL", "http://127.0.0.1:9")
    context.settings.cache_clear()

    result = cli.invoke(app, ["status"])

    assert result.exit_code == 1
    assert "does not answer" in result.output


def test_status_goes_on_through_another_node_and_says_the_cluster_is_degraded(
    cli: CliRunner, settings: Settings, indexed: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NEWSMON_ES_URL", f"http://127.0.0.1:9,{settings.es_url}")
    context.settings.cache_clear()

    result = cli.invoke(app, ["status"])

    assert result.exit_code == 0, result.output
    assert f"-articles-v{mappings.MAPPING_VERSION}-" in result.output and ": 3" in result.output
    assert "search cluster: degraded (" in result.output
    assert "not answering: http://127.0.0.1:9" in result.output
