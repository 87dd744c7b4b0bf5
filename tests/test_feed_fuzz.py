"""The generated feed corpus (devsupport/feedfuzz.py): no crash, bounded time and memory, the good items kept.

Parsing runs the whole corpus in a child process under a memory limit; the crawl serves one feed per case from a
fixture site and checks that every good item is indexed in the real search node."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest

from devsupport import feedfuzz
from devsupport.site import FixtureSite
from newsmon.config import Settings
from newsmon.index.articles import ArticleStore
from newsmon.index.client import make_client
from newsmon.sources.model import InternationalRule, Source
from newsmon.urls import article_id
from tests.test_crawl import ARTICLE, ROOT, crawl

pytestmark = pytest.mark.slow

MEMORY_LIMIT = 1024 * 1024 * 1024  # bytes of address space for the parsing child
PER_CASE_SECONDS = 10.0  # on 2 shared cores; the slowest case (10,000 items) takes ~1.5 s alone

_CHILD = """
import json, resource, sys, time
resource.setrlimit(resource.RLIMIT_AS, ({limit}, {limit}))
from newsmon.feeds.parse import FeedError, parse_feed
from devsupport.feedfuzz import cases
base = "http://fuzz.example"
for case in cases():
    body = case.body.replace(b"{{BASE}}", base.encode())
    started = time.monotonic()
    try:
        entries = parse_feed(body, base + "/feed/" + case.name, case.content_type).entries
        error = None
    except FeedError as exc:
        entries, error = [], str(exc)
    seconds = time.monotonic() - started
    texts = [e.url + " " + e.title + " " + e.summary for e in entries]
    print(json.dumps({{"name": case.name, "seconds": seconds, "urls": [e.url for e in entries], "texts": texts,
                      "error": error}}))
"""


def test_every_generated_feed_parses_within_bounds_and_keeps_its_good_items() -> None:
    child = _CHILD.format(limit=MEMORY_LIMIT)
    done = subprocess.run([sys.executable, "-c", child], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]  # a crash or MemoryError would end the child
    results = {r["name"]: r for r in map(json.loads, done.stdout.splitlines())}
    corpus = feedfuzz.cases()
    assert len(results) == len(corpus) > 50
    for case in corpus:
        result = results[case.name]
        assert result["seconds"] < PER_CASE_SECONDS, case.name
        if case.name == "ten-megabytes":  # over parse.MAX_FEED_BYTES (the crawler stops it while downloading)
            assert "byte limit" in result["error"]
        elif case.error:
            assert case.error in result["error"], case.name
        else:
            assert result["error"] is None, (case.name, result["error"])
            assert {f"http://fuzz.example{p}" for p in case.good} <= set(result["urls"]), case.name
            assert not any("root:" in text for text in result["texts"])  # no external entity (/etc/passwd) read


def test_a_crawl_of_the_corpus_indexes_the_good_items_of_every_feed(settings: Settings, news_site: FixtureSite) -> None:
    corpus = [c for c in feedfuzz.cases(mutations=8)]
    for case in corpus:
        news_site.set(f"/feeds/{case.name}", case.body, case.content_type)
        for path in case.good:
            news_site.set(path, ARTICLE.format(title=path.rsplit("/", 1)[-1]))
    rule = InternationalRule(categories=[feedfuzz.GOOD_CATEGORY])
    sources = [Source(name=c.name, feeds=[news_site.url(f"/feeds/{c.name}")], international=rule) for c in corpus]

    started = time.monotonic()
    poll = crawl(settings, sources, MEMUSAGE_LIMIT_MB=1500)
    assert time.monotonic() - started < 120
    assert "memusage_exceeded" not in poll.log

    good = [news_site.url(path) for case in corpus for path in case.good]
    stored = ArticleStore(make_client(settings), settings).lookup([article_id(url) for url in good])
    missing = [url for url in good if article_id(url) not in stored]
    assert missing == [], missing
    assert poll.report["feed_errors"] == sum(1 for c in corpus if c.error)
    assert not [r for r in news_site.requests if "/lokal/" in r.path]  # nothing else was fetched
