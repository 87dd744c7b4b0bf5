"""`newsmon source ...` and sources/: the YAML file, feed discovery on fixture sites, the shipped defaults."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from typer.testing import CliRunner

from newsmon.cli import app, context
from newsmon.config import Settings, load_file
from newsmon.feeds.state import FeedState
from newsmon.index import feedstate
from newsmon.index.client import make_client
from newsmon.sources.store import default_sources
from tests.support.site import FixtureSite
from tests.test_crawl import newsmon_env


@pytest.fixture
def cli(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    for name, value in newsmon_env(settings).items():
        monkeypatch.setenv(name, value)
    context.settings.cache_clear()
    yield CliRunner()
    context.settings.cache_clear()


def run(cli: CliRunner, *args: str, code: int = 0) -> str:
    result = cli.invoke(app, list(args))
    assert result.exit_code == code, result.output
    return result.output


def test_add_with_a_feed_url_stores_the_source_and_its_rule(cli: CliRunner, settings: Settings, news_site) -> None:
    news_site.set_file("/rss/dunia.xml", "sites/mixed/feed.xml")
    run(cli, "source", "add", "kabar", news_site.url("/rss/dunia.xml"), "--international-category", "Internasional",
        "--international-path", "/dunia/", "--language", "id", "--interval", "10m")  # fmt: skip
    source = load_file(settings.config).source("kabar")
    assert source is not None
    assert source.feeds == [news_site.url("/rss/dunia.xml")]
    assert source.international.categories == ["Internasional"] and source.international.paths == ["/dunia/"]
    assert source.language == "id" and source.interval.total_seconds() == 600


def test_add_with_a_homepage_discovers_its_announced_feeds(cli: CliRunner, settings: Settings, news_site) -> None:
    news_site.set_file("/", "sites/pages/home.html")
    output = run(cli, "source", "add", "kabar", news_site.url("/"), "--all-international")
    source = load_file(settings.config).source("kabar")
    assert source.feeds == [news_site.url("/feed/"), news_site.url("/dunia.atom")]
    assert source.homepage == news_site.url("/")
    assert news_site.url("/dunia.atom") in output


def test_add_falls_back_to_wordpress_category_feeds(cli: CliRunner, settings: Settings, news_site) -> None:
    news_site.set_file("/", "sites/pages/wordpress-home.html")
    news_site.set_file("/category/internasional/feed/", "sites/mixed/feed.xml")
    run(cli, "source", "add", "blog", news_site.url("/"), "--international-category", "Internasional")
    assert load_file(settings.config).source("blog").feeds == [news_site.url("/category/internasional/feed/")]
    assert news_site.requested("/feed/")  # the main feed was tried too (and is a 404 here)


def test_add_refuses_a_page_without_feeds(cli: CliRunner, settings: Settings, news_site: FixtureSite) -> None:
    news_site.set_file("/", "sites/pages/wordpress-home.html")
    output = run(cli, "source", "add", "blog", news_site.url("/"), "--all-international", code=1)
    assert "no WordPress feed" in output
    assert load_file(settings.config).sources == []


def test_add_without_a_rule_decides_automatically_for_the_home_country(
    cli: CliRunner, settings: Settings, news_site: FixtureSite
) -> None:
    news_site.set_file("/feed/", "sites/feeds/world.atom")
    run(cli, "source", "add", "kabar", news_site.url("/feed/"))
    run(cli, "source", "add", "bintang", news_site.url("/feed/"), "--international", "auto", "--home-country", "my")
    run(cli, "source", "add", "both", news_site.url("/feed/"), "--international", "auto",
        "--international-category", "Dunia")  # fmt: skip
    assert "not an ISO 3166-1" in run(
        cli, "source", "add", "x", news_site.url("/feed/"), "--home-country", "XX", code=1
    )
    refused = run(cli, "source", "add", "y", news_site.url("/feed/"), "--all-international", "--home-country", "MY",
                  code=1)  # fmt: skip
    assert "--home-country is for --international auto" in refused
    sources = {s.name: s.international for s in load_file(settings.config).sources}
    assert set(sources) == {"kabar", "bintang", "both"}
    assert sources["kabar"].auto and sources["kabar"].home_country is None
    assert sources["bintang"].home_country == "MY"
    assert sources["both"].auto and sources["both"].categories == ["Dunia"]

    state = FeedState(url=news_site.url("/feed/"), source="kabar", decided_international=3, decided_domestic=9)
    client = make_client(settings)
    feedstate.ensure(client, settings)
    feedstate.FeedStateStore(client, settings).save(state)
    output = run(cli, "source", "list")
    assert "auto (home ID)" in output and "auto (home MY)" in output and "category Dunia, auto" in output
    assert "3 intl, 9 domestic" in output
    assert "kabar: 3 international, 9 domestic" in run(cli, "status")


def test_remove_and_duplicate_names(cli: CliRunner, settings: Settings, news_site: FixtureSite) -> None:
    news_site.set_file("/feed/", "sites/feeds/world.atom")
    run(cli, "source", "add", "world", news_site.url("/feed/"), "--all-international")
    assert "already exists" in run(
        cli, "source", "add", "world", news_site.url("/feed/"), "--all-international", code=1
    )
    assert "removed world" in run(cli, "source", "remove", "world")
    assert "no source named 'world'" in run(cli, "source", "remove", "world", code=1)
    assert load_file(settings.config).sources == []


def test_list_shows_next_poll_and_why_from_the_stored_feed_state(
    cli: CliRunner, settings: Settings, news_site: FixtureSite
) -> None:
    news_site.set_file("/feed/", "sites/feeds/world.atom")
    news_site.set_file("/other/", "sites/feeds/world.atom")
    run(cli, "source", "add", "world", news_site.url("/feed/"), "--all-international")
    run(cli, "source", "add", "other", news_site.url("/other/"), "--international-path", "/world/")
    source = load_file(settings.config).source("world")
    state = FeedState(url=news_site.url("/feed/"), source="world")
    state.succeeded(source, datetime(2026, 11, 25, 12, 0, tzinfo=UTC), new_items=0)
    client = make_client(settings)
    feedstate.ensure(client, settings)
    feedstate.FeedStateStore(client, settings).save(state)
    output = run(cli, "source", "list")
    assert "2026-11-25 12:22 UTC" in output and "no new items: polling less often" in output
    assert "not polled yet" in output and "path /world/" in output


def test_defaults_are_all_marked_with_where_they_were_checked(cli: CliRunner, settings: Settings) -> None:
    shipped = default_sources()
    assert {s.language for s in shipped} == {"id", "en"}
    assert all(s.checked and s.feeds and s.international.all_items for s in shipped)
    assert f"added {len(shipped)} source(s)" in run(cli, "source", "defaults")
    assert "already present" in run(cli, "source", "defaults")
    assert [s.name for s in load_file(settings.config).sources] == [s.name for s in shipped]


def test_add_refuses_a_local_file_and_a_broken_path_pattern(cli: CliRunner, settings: Settings, tmp_path) -> None:
    feed = tmp_path / "feed.xml"
    feed.write_text("<rss version='2.0'><channel><title>x</title></channel></rss>", encoding="utf-8")
    output = run(cli, "source", "add", "local", feed.as_uri(), "--all-international", code=1)
    assert "only http:// and https://" in output  # the page and the API reach this code: no local files
    output = run(cli, "source", "add", "bad", "https://kabar.example/feed/", "--international-path", "(", code=1)
    assert "is not a regular expression" in output
    assert load_file(settings.config).sources == []
