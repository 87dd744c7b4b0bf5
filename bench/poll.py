"""Poll cycle: seconds for one crawl_once over 1,000 feeds (20 on each of the 50 corpus sites) that all answer
304 Not Modified. A first, untimed round stores their validators and fetches their few articles.

    NEWSMON_ES_URL=http://127.0.0.1:9251 .venv/bin/python -m bench.poll
"""

from __future__ import annotations

from bench.corpus import DEFAULT_PORT, serving
from bench.harness import bench_settings, measured, run_crawls


def measure(port: int = DEFAULT_PORT) -> dict[str, float]:
    with serving(port), bench_settings() as settings:
        (_, second), _ = run_crawls(settings, port, "poll", rounds=2)
    report = second["report"]
    return {"seconds": second["seconds"], "polled": report["feeds_polled"], "unchanged": report["feeds_unchanged"]}


def main() -> None:
    figures = measured("poll cycle", measure)
    print(
        f"poll cycle: {figures['seconds']:.1f} s for {figures['polled']:.0f} feeds "
        f"({figures['unchanged']:.0f} answered 304 / unchanged)"
    )


if __name__ == "__main__":
    main()
