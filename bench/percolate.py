"""Percolation throughput: articles/s through alerts.matching.match_batch (percolate + alert ledger) with 10,000
registered watches (and more with --watches), in batches of 50 as the match pipeline sends them.

Two vocabularies, both with a fixed seed:

- ``corpus`` (the default): the generated corpus's articles, watches of two-word phrases and ORs of phrases over its
  ~460 words (so every article matches ~11 of 10,000 watches);
- ``real``: the real pages of extraction-dev (990 news and blog pages, found as bench.extraction finds them; text by
  trafilatura). Watches are words and two-word phrases (adjacent words) drawn from the text of half of the pages, as
  people name what they follow (leaving out those on more than 2% of the pages: function words); the other half are
  the articles percolated, so a watch matches what real text happens to say.

    NEWSMON_ES_URL=http://127.0.0.1:9251 .venv/bin/python -m bench.percolate [--watches 10000 100000] \
        [--articles 500] [--vocabulary corpus|real]
"""

from __future__ import annotations

import argparse
import itertools
import logging
import random
import re
import time
from collections import Counter

from bench.corpus import SEED, article_files, generate
from bench.harness import bench_settings

BATCH = 50  # articles per match_batch call, as the index pipeline's bulk batches
SNIPPET_WATCHES = 300  # watches whose alerts get their snippets, as delivery makes them, for the second figure
COMMON = 0.02  # share of pages above which a word or pair is too common to be watched
_WORD = re.compile(r"[^\W\d_]{3,}")


def queries(count: int, vocabulary: list[str]) -> list[str]:
    """Two-word phrases (selective, as watches on names are) and ORs of two phrases. The corpus draws every text
    from one small vocabulary, so plain-word ANDs would match most articles and measure the alert ledger instead."""
    rng = random.Random(SEED)

    def phrase() -> str:
        return f'"{rng.choice(vocabulary)} {rng.choice(vocabulary)}"'

    return [phrase() if rng.random() < 0.75 else f"{phrase()} OR {phrase()}" for _ in range(count)]


def real_queries(count: int, texts: list[str]) -> tuple[list[str], int, int]:
    """Watches drawn from real text: 60% one word, 30% a two-word phrase, 10% an OR of two of those; returns them
    with the sizes of both vocabularies (distinct words, distinct adjacent pairs). Words and pairs found on more than
    COMMON of the pages ("would", "said that") are left out: people watch names and topics, not function words."""
    rng = random.Random(SEED)
    words: Counter[str] = Counter()
    pairs: Counter[str] = Counter()
    for text in texts:
        tokens = _WORD.findall(text.lower())
        words.update({w for w in tokens if len(w) > 3})
        pairs.update({f"{a} {b}" for a, b in itertools.pairwise(tokens)})
    limit = COMMON * len(texts)
    word_list = sorted(w for w, pages in words.items() if pages <= limit)
    pair_list = sorted(p for p, pages in pairs.items() if pages <= limit)

    def one() -> str:
        return rng.choice(word_list) if rng.random() < 2 / 3 else f'"{rng.choice(pair_list)}"'

    watches = [one() if rng.random() < 0.9 else f"{one()} OR {one()}" for _ in range(count)]
    return watches, len(word_list), len(pair_list)


def real_articles(limit: int) -> tuple[list, list[str]]:
    """(articles to percolate, texts to draw watches from): the odd and even real pages, text by trafilatura."""
    import trafilatura

    from bench.extraction import DATA, load_cases, read_page
    from newsmon.cleaning import Article

    articles, texts = [], []
    for n, case in enumerate(load_cases(DATA)):
        html = read_page(DATA, case).decode("utf-8", "replace")
        document = trafilatura.bare_extraction(html, url=case.url, with_metadata=True)
        if document is None or not document.text:
            continue
        title, text = document.title or "", document.text
        if n % 2:
            articles.append(
                Article(url=case.url, canonical_url=case.url, source="real", title=title, body=text, language="en")
            )
        else:
            texts.append(f"{title}\n{text}")
    return articles[:limit], texts


def measure(watch_counts: list[int], article_count: int, vocabulary_kind: str = "corpus") -> list[dict[str, float]]:
    from newsmon.alerts import store
    from newsmon.alerts.ledger import AlertLedger
    from newsmon.alerts.matching import match_batch
    from newsmon.alerts.model import Watch
    from newsmon.alerts.snippets import fill_snippets
    from newsmon.cleaning import Article, clean
    from newsmon.index.articles import ArticleStore
    from newsmon.index.client import index_name, make_client

    logging.disable(logging.WARNING)
    if vocabulary_kind == "real":
        articles, texts = real_articles(article_count)
        texts_for_watches, words, pairs = real_queries(max(watch_counts), texts)
    else:
        pages = (article_files() or (generate() and article_files()))[:article_count]
        cleaned = (clean(p.read_bytes(), f"http://127.0.0.1/{p.parent.name}/", source="bench") for p in pages)
        articles = [a for a in cleaned if isinstance(a, Article)]
        vocabulary = sorted({w for a in articles for w in a.body.lower().split() if w.isalpha() and len(w) > 3})
        texts_for_watches, words, pairs = queries(max(watch_counts), vocabulary), len(vocabulary), 0
    results = []
    with bench_settings() as settings:
        client = make_client(settings, timeout=120)
        store.ensure(client, settings)
        watches = store.WatchStore(client, settings)
        ArticleStore(client, settings).upsert_many(articles)  # delivery highlights the indexed article
        texts = texts_for_watches
        registered = 0
        for count in sorted(watch_counts):
            new = [
                Watch(name=f"w{n:06d}", query=texts[n], emails=["bench@newsmon.test"]) for n in range(registered, count)
            ]
            adding = time.perf_counter()
            watches.add_many(new)
            registered, adding = count, time.perf_counter() - adding
            match_batch(client, settings, articles[:BATCH])  # warm the percolator's caches
            started = time.perf_counter()
            hits = 0
            for at in range(0, len(articles), BATCH):
                hits += len(match_batch(client, settings, articles[at : at + BATCH]))
            alerts = client.count(index=index_name(settings, "alerts"))["count"]
            elapsed = time.perf_counter() - started
            snippets = time.perf_counter()
            ledger, highlighted = AlertLedger(client, settings), 0
            for watch in watches.list()[:SNIPPET_WATCHES]:  # what delivery does before sending each watch's mail
                highlighted += len(fill_snippets(client, settings, watch, [r.items[0] for r in ledger.records(watch)]))
            snippets = time.perf_counter() - snippets
            results.append(
                {
                    "watches": count,
                    "articles": len(articles),
                    "rate": len(articles) / elapsed,
                    "hits": hits,
                    "alerts": alerts,
                    "add": adding,
                    "words": words,
                    "pairs": pairs,
                    "snippet_rate": highlighted / snippets,
                }
            )
        client.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--watches", type=int, nargs="+", default=[10_000])
    parser.add_argument("--articles", type=int, default=500)
    parser.add_argument("--vocabulary", choices=["corpus", "real"], default="corpus")
    args = parser.parse_args()
    for figure in measure(args.watches, args.articles, args.vocabulary):
        words = f"{figure['words']:,} words" + (f" and {figure['pairs']:,} word pairs" if figure["pairs"] else "")
        label = "percolation" if args.vocabulary == "corpus" else "percolation, real vocabulary"
        print(
            f"{label}: {figure['rate']:.1f} articles/s with {figure['watches']:,} watches "
            f"({figure['articles']:.0f} articles in batches of {BATCH}; watches drawn from {words}; "
            f"{figure['hits']:.0f} watch-batch hits, {figure['alerts'] / figure['articles']:.1f} alerts per article "
            f"over all runs so far; adding the watches in bulk took {figure['add']:.0f} s)"
        )
        print(f"  snippets made at delivery (not part of the rate above): {figure['snippet_rate']:.0f} alerts/s")


if __name__ == "__main__":
    main()
