"""The on-disk spool: survives a torn write, and replay indexes each spooled article exactly once."""

from __future__ import annotations

import logging

import pytest
from opensearchpy import OpenSearch

from newsmon.config import Settings
from newsmon.index.client import make_client
from newsmon.index.spool import Spool, replay
from tests.test_index_articles import count, make_article


def test_torn_last_line_is_skipped_and_later_appends_survive(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    spool = Spool(settings.spool_dir)
    spool.append([make_article("/satu")])
    with open(spool.path, "ab") as torn:  # a crash in the middle of writing the second line
        torn.write(b'{"url": "https://news.example.test/dua", "tit')
    spool.append([make_article("/tiga")])

    with caplog.at_level(logging.WARNING):
        urls = [a.canonical_url for a in spool.read()]

    assert urls == ["https://news.example.test/satu", "https://news.example.test/tiga"]
    assert "unreadable spool line" in caplog.text


def test_replay_indexes_once_and_empties_the_spool(es: OpenSearch, settings: Settings) -> None:
    spool = Spool(settings.spool_dir)
    articles = [make_article(f"/s{n}", title=f"Berita {n}") for n in range(4)]
    spool.append(articles[:2])
    spool.append(articles)  # the first two spooled twice (e.g. a retried flush)

    first = replay(es, settings)
    spool.append(articles[3:])  # spooled again after it was indexed
    second = replay(es, settings)

    assert first == 6
    assert second == 1
    assert count(es, settings) == 4
    assert spool.backlog() == 0
    assert not spool.path.exists()


def test_replay_drops_only_what_was_indexed(es: OpenSearch, settings: Settings) -> None:
    spool = Spool(settings.spool_dir)
    bad = make_article("/rusak", section={"nama": "dunia"})  # an object where the index wants a keyword
    spool.append([make_article("/baik"), bad])
    down = settings.model_copy(update={"es_url": "http://127.0.0.1:9"})

    assert replay(make_client(down), down) == 0
    assert spool.backlog() == 2  # the node did not answer: everything stays
    assert replay(es, settings) == 1
    assert spool.backlog() == 0  # the bad document is logged and dropped, not retried forever
    assert count(es, settings) == 1
