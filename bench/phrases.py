"""Phrase watches on real pages: do watches fire on the main text, and never on page chrome? newsmon's clean()
against plain trafilatura (default) as the cleaner, same pages, same watches, same run.

From every page of the extraction-dev set (see bench/extraction.py), each `with` snippet (main text) and each
`without` snippet (navigation, footers, sidebars, related-article and comment blocks) becomes a phrase watch of its
first words. The pages are cleaned by each cleaner and percolated, in batches of 50, against the watches through
the real watches index (alerts.store: the articles' analysis, the stored percolator queries). Reported per cleaner:

- main-text recall: share of main-text watches that fire on their own page;
- main-text watches firing on other pages (the same words elsewhere: not wrong, shown for scale);
- boilerplate watches firing on their own page (false alerts: chrome reached the index), and all their alerts.

newsmon is percolated as title + body (what it indexes); trafilatura as its text.

    NEWSMON_ES_URL=http://127.0.0.1:9260 .venv/bin/python -m bench.phrases [--every 2] [--jobs 2]
"""

from __future__ import annotations

import argparse
import logging
from collections import Counter
from dataclasses import dataclass

from bench.extraction import DATA, EXTRACTORS, NEWSMON, Outcome, run
from bench.harness import bench_settings
from newsmon.alerts.query import QueryError
from newsmon.alerts.store import check_query

PHRASE_WORDS = 6  # a watch is the snippet's first words, as someone would copy a phrase from a page
BATCH = 50
TRAFILATURA = "trafilatura default"


@dataclass(frozen=True)
class PhraseWatch:
    name: str
    page: int
    main: bool  # from the main text (must fire on its page) or from boilerplate (must never fire)
    query: str


def phrase_watches(outcomes: list[Outcome]) -> list[PhraseWatch]:
    watches = []
    for page, outcome in enumerate(outcomes):
        for main, snippets in ((True, outcome.case.with_), (False, outcome.case.without)):
            for snippet in snippets:
                # "?" and "*" are wildcards to the query syntax and nothing to the analyzer: drop them.
                words = snippet.replace("?", " ").replace("*", " ").split()[:PHRASE_WORDS]
                query = '"' + " ".join(words) + '"'
                try:
                    check_query(query)
                except QueryError:
                    continue  # e.g. a snippet of punctuation only
                watches.append(PhraseWatch(f"w{len(watches)}", page, main, query))
    return watches


def percolate(outcomes: list[Outcome], watches: list[PhraseWatch], cleaner: str) -> Counter[str]:
    from newsmon.alerts import store
    from newsmon.alerts.model import Watch
    from newsmon.index.client import index_name, make_client

    counts: Counter[str] = Counter()
    by_name = {w.name: w for w in watches}
    with bench_settings() as settings:
        client = make_client(settings, timeout=120)
        store.ensure(client, settings)
        emails = ["bench@example.org"]
        store.WatchStore(client, settings).add_many([Watch(name=w.name, query=w.query, emails=emails) for w in watches])
        index = index_name(settings, "watches")
        for start in range(0, len(outcomes), BATCH):
            batch = outcomes[start : start + BATCH]
            documents = [{"title": "", "body": o.texts[cleaner]} for o in batch]
            body = {"query": {"percolate": {"field": "query", "documents": documents}}, "_source": ["name"]}
            for hit in store.watch_hits(client, index, body):
                watch = by_name[hit["_source"]["name"]]
                for slot in hit["fields"]["_percolator_document_slot"]:
                    own = start + slot == watch.page
                    counts[f"{'main' if watch.main else 'boilerplate'} {'own' if own else 'other'}"] += 1
        client.close()
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--every", type=int, default=1, help="take every Nth page (a quick subset)")
    parser.add_argument("--jobs", type=int, default=2, help="worker processes for the cleaning")
    args = parser.parse_args()
    assert TRAFILATURA in EXTRACTORS
    outcomes = run(DATA, args.every, args.jobs)
    logging.disable(logging.WARNING)
    watches = phrase_watches(outcomes)
    mains = sum(w.main for w in watches)
    print(f"{len(outcomes)} pages; {mains} main-text phrase watches, {len(watches) - mains} boilerplate ones")
    print(f"{'cleaner':<22}{'main recall':>12}{'main elsewhere':>16}{'boilerplate fired':>19}{'their alerts':>14}")
    for cleaner in (TRAFILATURA, NEWSMON):
        counts = percolate(outcomes, watches, cleaner)
        fired = counts["boilerplate own"]
        alerts = fired + counts["boilerplate other"]
        recall = counts["main own"] / max(1, mains)
        print(f"{cleaner:<22}{recall:>12.3f}{counts['main other']:>16}{fired:>19}{alerts:>14}")


if __name__ == "__main__":
    main()
