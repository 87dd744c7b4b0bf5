"""`newsmon watch ...` through the real CLI, on the real node."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from typer.testing import CliRunner

from newsmon.cli import app, context
from tests.test_alerts_support import article, index_articles


@pytest.fixture
def newsmon(settings, monkeypatch):
    for name in ("es_url", "index_prefix", "config", "data_dir"):
        monkeypatch.setenv(f"NEWSMON_{name.upper()}", str(getattr(settings, name)))
    monkeypatch.setenv("NEWSMON_SMTP_URL", settings.smtp_url.get_secret_value())
    context.settings.cache_clear()
    runner = CliRunner()
    yield lambda *args: runner.invoke(app, ["watch", *args])
    context.settings.cache_clear()


def test_watch_add_show_edit_pause_and_remove(newsmon) -> None:
    added = newsmon(
        "add",
        "Perang",
        "--query",
        "serangan kharkiv",
        "--email",
        "a@example.test",
        "--mode",
        "daily",
        "--at",
        "07:30",
        "--tz",
        "Asia/Jakarta",
        "--language",
        "id",
    )
    assert added.exit_code == 0, added.output
    assert "daily at 07:30 (Asia/Jakarta)" in newsmon("show", "Perang").output
    assert newsmon("edit", "Perang", "--query", '"gencatan senjata"').exit_code == 0
    assert '"gencatan senjata"' in newsmon("show", "Perang").output
    assert newsmon("pause", "Perang").exit_code == 0
    assert "[paused]" in newsmon("list").output
    assert newsmon("remove", "Perang").exit_code == 0
    assert newsmon("show", "Perang").exit_code == 1


def test_watch_add_refuses_bad_queries_and_duplicates(newsmon) -> None:
    refused = newsmon("add", "Semua", "--query", "-bola", "--email", "a@example.test")
    assert refused.exit_code == 1 and "only excludes" in refused.output
    assert newsmon("add", "X", "--query", "gaza", "--email", "a@example.test").exit_code == 0
    again = newsmon("add", "x", "--query", "gaza", "--email", "a@example.test")
    assert again.exit_code == 1 and "already exists" in again.output


def test_watch_test_lists_articles_that_would_have_matched(newsmon, es, settings) -> None:
    now = datetime.now(UTC)
    index_articles(
        es, settings, [article("k", "Rusia menyerang Kharkiv", "Serangan di Kharkiv.")], now - timedelta(days=2)
    )
    index_articles(es, settings, [article("g", "Gencatan senjata di Gaza", "Gaza tenang.")], now - timedelta(days=1))
    index_articles(es, settings, [article("o", "Kharkiv dulu", "Serangan lama.")], now - timedelta(days=30))
    assert newsmon("add", "Perang", "--query", "serangan", "--email", "a@example.test").exit_code == 0
    result = newsmon("test", "Perang", "--days", "7")
    assert result.exit_code == 0, result.output
    assert "would have sent 1 story" in result.output
    assert "Rusia menyerang Kharkiv" in result.output and "https://kompas.example/internasional/k" in result.output
    assert "Kharkiv dulu" not in result.output
