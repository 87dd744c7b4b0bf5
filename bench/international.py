"""Benchmark of the `auto` international decision on the labelled pages (tests/fixtures/international/labelled.yaml):
precision and recall, and the cost per article next to the cleaning step it follows (the baseline, same run).

Run: .venv/bin/python -m bench.international [repeats]
Each page is cleaned once with the real cleaner (as the crawl does), then decided `repeats` times (default 200) with
no history; the gazetteer is built before the clock starts (its one-off cost is printed apart).
"""

from __future__ import annotations

import sys
import time

from newsmon.cleaning import Article, clean
from newsmon.crawler.spiders.news import page_signals
from newsmon.feeds.gazetteer import gazetteer
from newsmon.feeds.international import decide, section_key
from tests.support.labelled import pages

AIM_MS = 1.0
BASE = "http://127.0.0.1:8000"


def main(repeats: int) -> None:
    labelled = pages()
    started = time.perf_counter()
    gazetteer("ID")
    print(f"gazetteer built once per process in {time.perf_counter() - started:.2f} s")

    clean(labelled[0].html.encode(), BASE + labelled[0].path, source="warm-up")  # trafilatura's first-call set-up
    started = time.perf_counter()
    cleaned = [clean(p.html.encode(), BASE + p.path, source=p.site) for p in labelled]
    clean_ms = (time.perf_counter() - started) / len(labelled) * 1000
    assert all(isinstance(a, Article) for a in cleaned), [a for a in cleaned if not isinstance(a, Article)]
    signals = [page_signals(a) for a in cleaned]  # type: ignore[arg-type]

    started = time.perf_counter()
    for _ in range(repeats):
        decisions = [decide(s, "ID") for s in signals]
    decide_ms = (time.perf_counter() - started) / (repeats * len(signals)) * 1000

    wanted = {p.id for p in labelled if p.label == "international"}
    said = {p.id for p, d in zip(labelled, decisions, strict=True) if d.international}
    hits = len(wanted & said)
    precision, recall = hits / len(said), hits / len(wanted)
    print(f"{len(labelled)} labelled pages ({len(wanted)} international, {len(labelled) - len(wanted)} domestic)")
    print(f"precision {precision:.3f}, recall {recall:.3f}, F1 {2 * precision * recall / (precision + recall):.3f}")
    for page, decision in zip(labelled, decisions, strict=True):
        if (page.id in said) != (page.id in wanted):
            print(f"  wrong: {page.id} {page.title!r} ({page.label}): {decision.reason} [score {decision.score:+.2f}]")
    # A second pass with the history the first one built (per site and section), as the next crawls would have it.
    history: dict[str, dict[str, tuple[int, int]]] = {}
    for page, signal, decision in zip(labelled, signals, decisions, strict=True):
        counts = history.setdefault(page.site, {})
        before = counts.get(section_key(signal), (0, 0))
        counts[section_key(signal)] = (before[0] + decision.international, before[1] + 1)
    again = {p.id for p, s in zip(labelled, signals, strict=True) if decide(s, "ID", history[p.site]).international}
    hits = len(wanted & again)
    print(f"with the history of a first pass: precision {hits / len(again):.3f}, recall {hits / len(wanted):.3f}")
    verdict = "met" if decide_ms < AIM_MS else "MISSED"
    print(f"decision: {decide_ms:.3f} ms per article (aim < {AIM_MS} ms: {verdict})")
    ratio = decide_ms / clean_ms
    print(f"baseline, clean() of the same pages: {clean_ms:.2f} ms per article; decision / clean = {ratio:.3f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
