"""A source's learned template, rejections kept with the feed state and shown by `newsmon status`, and
`newsmon crawl --once --explain URL`: real crawls (the real cleaner) against a fixture site and the real node."""

from __future__ import annotations

from dataclasses import replace

import pytest
from opensearchpy import OpenSearch
from typer.testing import CliRunner

from devsupport.site import FixtureSite
from newsmon.cleaning.article import Article
from newsmon.cleaning.template import MAX_WORDS, strip_learned
from newsmon.cli import app
from newsmon.config import FileConfig, Settings, save_file
from newsmon.sources.model import InternationalRule, Source
from tests.test_crawl import crawl, states
from tests.test_search_cli import cli  # noqa: F401 (fixture)

PROMPT = "Langganan newsletter kami dan dapatkan berita pilihan setiap pagi di kotak surat Anda."
REAL_CLEANER = {"NEWSMON_CLEANER": "newsmon.cleaning.clean"}


def _article_page(title: str, extra: str = "") -> str:
    paragraphs = "".join(
        f"<p>{title}: paragraf {n} tentang pertemuan para menteri luar negeri ASEAN di Jakarta pekan ini.</p>"
        for n in range(6)
    )
    return (
        f"<html lang='id'><head><title>{title}</title><meta property='og:type' content='article'></head>"
        f"<body><article><h1>{title}</h1>{paragraphs}<p>{PROMPT}</p>{extra}</article></body></html>"
    )


def _feed(*paths: str) -> str:
    items = "".join(f"<item><title>{p.strip('/')}</title><link>{{BASE}}{p}</link></item>" for p in paths)
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>Kabar</title>{items}</channel></rss>'


def _source(site: FixtureSite) -> Source:
    return Source(
        name="kabar", feeds=[site.url("/feed.xml")], language="id", international=InternationalRule(all_items=True)
    )


@pytest.mark.slow  # crawls in a real newsmon process
def test_a_line_on_two_articles_is_learned_and_survives_a_restart(settings: Settings, news_site: FixtureSite) -> None:
    news_site.set("/feed.xml", _feed("/satu"))
    news_site.set("/satu", _article_page("satu", "<p>Catatan redaksi untuk satu.</p>"))
    first = crawl(settings, [_source(news_site)], **REAL_CLEANER)
    (one,) = first.items
    assert PROMPT in one["body"]  # seen once: never removed

    news_site.set("/feed.xml", _feed("/dua", "/satu"))
    news_site.set("/dua", _article_page("dua", "<p>Catatan redaksi untuk dua.</p>"))
    second = crawl(settings, [_source(news_site)], **REAL_CLEANER)  # a new process: the template came from the node
    (two,) = second.items
    assert PROMPT not in two["body"]
    assert "Catatan redaksi untuk dua." in two["body"]  # a short line of this article only stays
    assert "dua: paragraf 5" in two["body"]
    assert states(settings)[news_site.url("/feed.xml")].boilerplate


def _article(body: str) -> Article:
    return Article(
        url="https://k.example/a", canonical_url="https://k.example/a", source="k", title="T", body=body, language="id"
    )


def test_a_refetched_article_is_not_its_own_template() -> None:
    seen: dict[str, list[str]] = {}
    article = _article("Satu baris.\n\nBaris kedua.")
    assert strip_learned(article, "a" * 32, seen).body == article.body
    assert strip_learned(article, "a" * 32, seen).body == article.body  # the same article again
    other = strip_learned(_article("Baris lain.\n\nBaris kedua."), "b" * 32, seen)
    assert other.body == "Baris lain."
    assert other.content_hash != article.content_hash


def test_long_paragraphs_and_whole_articles_are_never_template() -> None:
    seen: dict[str, list[str]] = {}
    long = " ".join(["kata"] * (MAX_WORDS + 1))
    strip_learned(_article(f"{long}\n\nPendek."), "a" * 32, seen)
    assert strip_learned(_article(f"{long}\n\nPendek."), "b" * 32, seen).body == long  # the short line goes
    copy = replace(_article("Pendek."), url="https://k.example/c")
    assert strip_learned(copy, "c" * 32, seen).body == "Pendek."  # never emptied


LIVE = (
    '<html><head><script type=\'application/ld+json\'>{"@type": "LiveBlogPosting"}</script></head>'
    "<body><article><p>09:00 Hujan deras</p><p>08:00 Air naik</p></article></body></html>"
)


@pytest.mark.slow  # crawls in a real newsmon process
def test_rejections_are_kept_with_the_feed_and_listed_by_status(
    cli: CliRunner,  # noqa: F811
    settings: Settings,
    news_site: FixtureSite,
) -> None:
    news_site.set("/feed.xml", _feed("/live"))
    news_site.set("/live", LIVE)
    poll = crawl(settings, [_source(news_site)], **REAL_CLEANER)
    assert poll.items == [] and poll.report["articles_rejected"] == 1

    result = cli.invoke(app, ["status"])

    assert result.exit_code == 0, result.output
    assert "kabar: " in result.output
    line = next(line for line in result.output.splitlines() if news_site.url("/live") in line)
    assert "live blog (JSON-LD LiveBlogPosting, 6 words)" in line


def test_explain_says_why_a_page_is_kept_or_rejected(
    cli: CliRunner,  # noqa: F811
    settings: Settings,
    news_site: FixtureSite,
    es: OpenSearch,
) -> None:
    save_file(settings.config, FileConfig(sources=[_source(news_site)]))
    news_site.set("/berita?id=7&find=", _article_page("tujuh", "<p>Editor: Budi Santoso</p>"))
    news_site.set("/live", LIVE)

    kept = cli.invoke(app, ["crawl", "--once", "--explain", news_site.url("/berita?id=7&find=")])
    rejected = cli.invoke(app, ["crawl", "--once", "--explain", news_site.url("/live")])
    missing = cli.invoke(app, ["crawl", "--once", "--explain", news_site.url("/nothing")])

    assert kept.exit_code == 0, kept.output
    assert "decision: kept" in kept.output
    assert f"canonical_url: {news_site.url('/berita?find=&id=7')}" in kept.output
    assert "language: id" in kept.output and "editors: ['Budi Santoso']" in kept.output
    assert "source:  kabar (language id)" in kept.output
    assert rejected.exit_code == 0 and "decision: rejected: live blog" in rejected.output
    assert missing.exit_code == 1 and "HTTP 404" in missing.output
