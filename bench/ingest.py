"""Ingest throughput: feed poll -> indexed document, articles/s, through crawler.run.crawl_once on the corpus
(50 feeds, 2,000 pages) against the real search node, on a fresh index prefix; and the crawl's peak PSS and RSS.
See bench/crawl_child.py for what the clock covers.

    NEWSMON_ES_URL=http://127.0.0.1:9251 .venv/bin/python -m bench.ingest
"""

from __future__ import annotations

from bench.corpus import ARTICLES_PER_SITE, DEFAULT_PORT, serving
from bench.harness import bench_settings, measured, run_crawls


def measure(port: int = DEFAULT_PORT) -> dict[str, float]:
    """articles indexed, seconds, articles/s, peak RSS and PSS (MiB) of the crawl process tree."""
    from newsmon.index.client import index_name, make_client

    with serving(port) as corpus, bench_settings() as settings:
        (result,), peak = run_crawls(settings, port, "main")
        client = make_client(settings, timeout=60)
        client.indices.refresh(index=index_name(settings, "articles"))
        indexed = client.count(index=index_name(settings, "articles"))["count"]
        client.close()
    return {
        "indexed": indexed,
        "expected": len(corpus) * ARTICLES_PER_SITE,
        "seconds": result["seconds"],
        "rate": indexed / result["seconds"],
        "peak_rss_mib": peak.rss / 2**20,
        "peak_pss_mib": peak.pss / 2**20,
        "fetched": result["report"]["articles_fetched"],
        "failed": result["report"]["articles_failed"],
    }


def main() -> None:
    figures = measured("ingest", measure)
    print(
        f"ingest: newsmon crawl_once {figures['rate']:.1f} articles/s ({figures['indexed']:.0f} of "
        f"{figures['expected']:.0f} indexed in {figures['seconds']:.1f} s; {figures['failed']:.0f} failed)"
    )
    print(
        f"memory: peak PSS {figures['peak_pss_mib']:.0f} MiB (RSS {figures['peak_rss_mib']:.0f} MiB) of the crawl "
        "process tree (pool workers and fork server included)"
    )


if __name__ == "__main__":
    main()
