"""Reads the figures the bench scripts printed (bench/out/figures.txt) and prints each aim with its ratio.

.venv/bin/python -m bench.summary bench/out/figures.txt
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from pathlib import Path

LATENCY_WATCHES = (1, 100, 10_000)
# name -> the printed line's pattern; its first group is the figure.
FIGURES = {
    "ceiling": r"^ceiling: plain trafilatura ([\d.]+) pages/s",
    "ingest": r"^ingest: newsmon crawl_once ([\d.]+) articles/s",
    "peer": r"^peer: news-please \S+ RssCrawler \+ JSON: ([\d.]+) articles/s",
    "percolation": r"^percolation: ([\d.]+) articles/s with 10,000 watches",
    "percolation_real": r"^percolation, real vocabulary: ([\d.]+) articles/s with 10,000 watches",
    "poll": r"^poll cycle: ([\d.]+) s for",
    "failover": r"^fail-over: (passed|FAILED) ",
    "memory": r"^memory: peak PSS ([\d.]+) MiB",
    "memory_rss": r"^memory: peak PSS [\d.]+ MiB \(RSS ([\d.]+) MiB\)",
    "clean_overhead": r"clean\(\) costs ([+-][\d.]+)% time",
    "poll_interval": r"^alert latency: .*poll interval ([\d.]+) s",
    **{f"latency_{n}": rf"^alert latency: p50 [\d.]+ s, p95 ([\d.]+) s with {n:,} watches" for n in LATENCY_WATCHES},
}


def read(text: str) -> dict[str, float]:
    found = {}
    for name, pattern in FIGURES.items():
        match = re.search(pattern, text, re.MULTILINE)
        if match:
            found[name] = (
                1.0 if match.group(1) == "passed" else 0.0 if match.group(1) == "FAILED" else float(match.group(1))
            )
    return found


def lines(figures: dict[str, float]) -> list[str]:
    def verdict(good: bool) -> str:
        return "met" if good else "missed"

    def ratio(name: str, over: str, minimum: float) -> str:
        if name not in figures or over not in figures:
            missing = ", ".join(n for n in (name, over) if n not in figures)
            return f"not measured ({missing} missing above)"
        value = figures[name] / figures[over]
        return f"{value:.2f} (aim >= {minimum:g}: {verdict(value >= minimum)})"

    def aim(name: str, unit: str, text: str, good: Callable[[float], bool]) -> str:
        if name not in figures:
            return "not measured (see above)"
        return f"{figures[name]:.1f} {unit} (aim {text}: {verdict(good(figures[name]))})"

    def latency(watches: int) -> str:
        if "poll_interval" not in figures:
            return "not measured (see above)"
        limit = figures["poll_interval"] + 5
        return aim(f"latency_{watches}", "s", f"<= poll interval + 5 s = {limit:g} s", lambda v: v <= limit)

    failover = "not measured (see above)"
    if "failover" in figures:
        failover = f"{'passed' if figures['failover'] else 'failed'} (aim: nothing lost, no alert twice)"
    return [
        f"ingest vs ceiling:        {ratio('ingest', 'ceiling', 0.35)}",
        f"ingest vs news-please:    {ratio('ingest', 'peer', 5)}",
        f"percolation, 10k watches: {aim('percolation', 'articles/s', '>= 200', lambda v: v >= 200)}",
        f"  real vocabulary:        {aim('percolation_real', 'articles/s', '>= 200', lambda v: v >= 200)}",
        f"poll cycle, 1,000 feeds:  {aim('poll', 's', '< 20 s', lambda v: v < 20)}",
        f"peak PSS during ingest:   {aim('memory', 'MiB', '< 400 MB', lambda v: v * 1.048576 < 400)}",
        f"peak RSS during ingest:   {figures.get('memory_rss', float('nan')):.1f} MiB (shared pages once per process)",
        f"clean() over trafilatura: {aim('clean_overhead', '%', '<= +10%', lambda v: v <= 10)}",
        *(f"{f'latency p95, {n:,} watches:':25} {latency(n)}" for n in LATENCY_WATCHES),
        f"two-node fail-over:       {failover}",
    ]


def main() -> None:
    figures = read(Path(sys.argv[1]).read_text(encoding="utf-8"))
    print("\n== summary")
    print("\n".join(lines(figures)))


if __name__ == "__main__":
    main()
