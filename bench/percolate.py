"""Percolation throughput: articles/s through alerts.matching.match_batch (percolate + alert ledger) with 10,000
registered watches (and more with --watches), in batches of 50 as the match pipeline sends them.

Watches are search-box queries over the corpus vocabulary with a fixed seed: two-word phrases and ORs of
phrases, so few of them match any one article, as on a real installation.

    NEWSMON_ES_URL=http://127.0.0.1:9251 .venv/bin/python -m bench.percolate [--watches 10000 100000] [--articles 500]
"""

from __future__ import annotations

import argparse
import logging
import random
import time

from bench.corpus import SEED, article_files, generate
from bench.harness import bench_settings

BATCH = 50  # articles per match_batch call, as the index pipeline's bulk batches


def queries(count: int, vocabulary: list[str]) -> list[str]:
    """Two-word phrases (selective, as watches on names are) and ORs of two phrases. The corpus draws every text
    from one small vocabulary, so plain-word ANDs would match most articles and measure the alert ledger instead."""
    rng = random.Random(SEED)

    def phrase() -> str:
        return f'"{rng.choice(vocabulary)} {rng.choice(vocabulary)}"'

    return [phrase() if rng.random() < 0.75 else f"{phrase()} OR {phrase()}" for _ in range(count)]


def measure(watch_counts: list[int], article_count: int) -> list[dict[str, float]]:
    from newsmon.alerts import store
    from newsmon.alerts.matching import match_batch
    from newsmon.alerts.model import Watch
    from newsmon.cleaning import Article, clean
    from newsmon.index.client import make_client

    logging.disable(logging.WARNING)
    pages = (article_files() or (generate() and article_files()))[:article_count]
    articles = [a for a in (clean(p.read_bytes(), f"http://127.0.0.1/{p.parent.name}/", source="bench") for p in pages)]
    articles = [a for a in articles if isinstance(a, Article)]
    vocabulary = sorted({w for a in articles for w in a.body.lower().split() if w.isalpha() and len(w) > 3})
    results = []
    with bench_settings() as settings:
        client = make_client(settings, timeout=120)
        store.ensure(client, settings)
        watches = store.WatchStore(client, settings)
        texts = queries(max(watch_counts), vocabulary)
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
            elapsed = time.perf_counter() - started
            results.append(
                {
                    "watches": count,
                    "articles": len(articles),
                    "rate": len(articles) / elapsed,
                    "hits": hits,
                    "add": adding,
                }
            )
        client.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--watches", type=int, nargs="+", default=[10_000])
    parser.add_argument("--articles", type=int, default=500)
    args = parser.parse_args()
    for figure in measure(args.watches, args.articles):
        print(
            f"percolation: {figure['rate']:.1f} articles/s with {figure['watches']:,} watches "
            f"({figure['articles']:.0f} articles in batches of {BATCH}; {figure['hits']:.0f} watch-batch hits; "
            f"adding the watches in bulk took {figure['add']:.0f} s)"
        )


if __name__ == "__main__":
    main()
