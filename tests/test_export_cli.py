"""`newsmon export`: every stored field comes back out, one JSON object per line."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from opensearchpy import OpenSearch
from typer.testing import CliRunner

from newsmon.cleaning.article import Article
from newsmon.cli import app
from newsmon.config import Settings
from newsmon.index import mappings
from newsmon.index.articles import ArticleStore
from newsmon.urls import article_id
from tests.test_index_articles import make_article
from tests.test_search_cli import cli  # noqa: F401 - the CLI fixture


def test_export_round_trips_every_field(cli: CliRunner, es: OpenSearch, settings: Settings) -> None:  # noqa: F811
    original = make_article("/ekspor", story_id="story-7", outlets=["detik", "kompas"])
    ArticleStore(es, settings).upsert_many([original])
    es.indices.refresh(index=mappings.read_alias(settings))

    result = cli.invoke(app, ["export"])

    assert result.exit_code == 0, result.output
    (line,) = [json.loads(text) for text in result.output.splitlines()]
    assert Article.from_dict(line) == original
    assert line["id"] == article_id(original.canonical_url)
    assert line["published"] == original.published_at.isoformat()
    assert line["first_indexed_at"] == line["indexed_at"]


def test_export_since_leaves_out_older_articles(cli: CliRunner, es: OpenSearch, settings: Settings) -> None:  # noqa: F811
    old = make_article("/lama", published_at=datetime(2020, 1, 1, tzinfo=UTC))
    recent = make_article("/baru", published_at=datetime.now(UTC))
    ArticleStore(es, settings).upsert_many([old, recent])
    es.indices.refresh(index=mappings.read_alias(settings))

    result = cli.invoke(app, ["export", "--since", "7d"])

    assert result.exit_code == 0, result.output
    assert [json.loads(text)["canonical_url"] for text in result.output.splitlines()] == [recent.canonical_url]
