"""Extraction on real pages: newsmon's clean() against plain trafilatura (default and favor_precision), same pages,
same run.

The pages are the extraction-dev set (../shared/data/extraction-dev beside the repository by default,
NEWSMON_EXTRACTION_DEV=DIR for a checkout elsewhere, or --data DIR): real news and blog
pages with snippet ground truth (README there). Scoring as trafilatura reports it: a `with` snippet found in the
extracted text is a true positive, missing a false negative; a `without` snippet found is a false positive, absent
a true negative. Whitespace is collapsed on both sides. newsmon is scored on title + body (what it indexes and what
watches match); a rejected page counts as an empty text. pages/s is per process (sum of the per-page times of each
extractor), so running with several workers does not change it; the cost ratio is clean() time / trafilatura time.

    .venv/bin/python -m bench.extraction                    # all pages, 2 worker processes
    .venv/bin/python -m bench.extraction --every 5 --jobs 1 # a fifth of the pages, for quick iterations
"""

from __future__ import annotations

import argparse
import gzip
import json
import logging
import os
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import trafilatura

from newsmon.cleaning import Article, clean

DATA = Path(
    os.environ.get("NEWSMON_EXTRACTION_DEV")
    or Path(__file__).resolve().parents[2] / "shared" / "data" / "extraction-dev"
)


@dataclass
class Case:
    url: str
    file: str
    with_: list[str]
    without: list[str]


@dataclass
class Outcome:
    """One page through every extractor: the extracted text and the seconds it took, by extractor name."""

    case: Case
    texts: dict[str, str] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    rejection: str | None = None


def load_cases(data: Path) -> list[Case]:
    if not (data / "cases.json").exists():
        raise SystemExit(f"the real pages are not at {data}: set NEWSMON_EXTRACTION_DEV to their directory")
    pages = json.loads((data / "cases.json").read_text(encoding="utf-8"))["pages"]
    return [Case(p["url"], p["file"], p.get("with", []), p.get("without", [])) for p in pages]


def read_page(data: Path, case: Case) -> bytes:
    return gzip.decompress((data / case.file).read_bytes())


def plain(options: dict[str, object]) -> Callable[[bytes, str], str]:
    return lambda html, url: trafilatura.extract(html, url=url, include_comments=False, **options) or ""


EXTRACTORS: dict[str, Callable[[bytes, str], str]] = {
    "trafilatura default": plain({}),
    "trafilatura favor_precision": plain({"favor_precision": True}),
}
NEWSMON = "newsmon clean()"


def run_page(data: Path, case: Case) -> Outcome:
    logging.disable(logging.WARNING)
    html = read_page(data, case)
    outcome = Outcome(case)
    for name, extract in EXTRACTORS.items():
        started = time.perf_counter()
        outcome.texts[name] = extract(html, case.url)
        outcome.seconds[name] = time.perf_counter() - started
    started = time.perf_counter()
    result = clean(html, case.url, source="bench")
    outcome.seconds[NEWSMON] = time.perf_counter() - started
    if isinstance(result, Article):
        outcome.texts[NEWSMON] = f"{result.title}\n{result.body}"
    else:
        outcome.texts[NEWSMON] = ""
        outcome.rejection = result.reason
    return outcome


def _flat(text: str) -> str:
    return " ".join(text.split())


def score(outcomes: list[Outcome], name: str) -> Counter[str]:
    counts: Counter[str] = Counter()
    for outcome in outcomes:
        text = _flat(outcome.texts[name])
        for snippet in outcome.case.with_:
            counts["tp" if _flat(snippet) in text else "fn"] += 1
        for snippet in outcome.case.without:
            counts["fp" if _flat(snippet) in text else "tn"] += 1
    return counts


def figures(counts: Counter[str]) -> tuple[float, float, float, float]:
    tp, fn, fp, tn = counts["tp"], counts["fn"], counts["fp"], counts["tn"]
    precision = tp / max(1, tp + fp)
    recall = tp / max(1, tp + fn)
    f1 = 2 * precision * recall / max(1e-9, precision + recall)
    return precision, recall, f1, (tp + tn) / max(1, tp + fn + fp + tn)


def run(data: Path, every: int, jobs: int) -> list[Outcome]:
    cases = load_cases(data)[::every]
    run_page(data, cases[0])  # warm up: model loads and first-call imports are not per-page costs
    if jobs <= 1:
        return [run_page(data, case) for case in cases]
    with ProcessPoolExecutor(jobs, initializer=run_page, initargs=(data, cases[0])) as pool:
        return list(pool.map(run_page, [data] * len(cases), cases, chunksize=8))


def report(outcomes: list[Outcome]) -> None:
    names = [*EXTRACTORS, NEWSMON]
    print(f"{len(outcomes)} pages; snippet scoring (tp/fn on `with`, fp/tn on `without`)")
    print(f"{'extractor':<30}{'precision':>10}{'recall':>8}{'F1':>8}{'accuracy':>10}{'pages/s':>9}")
    totals = {name: sum(o.seconds[name] for o in outcomes) for name in names}
    for name in names:
        precision, recall, f1, accuracy = figures(score(outcomes, name))
        speed = len(outcomes) / totals[name]
        print(f"{name:<30}{precision:>10.3f}{recall:>8.3f}{f1:>8.3f}{accuracy:>10.3f}{speed:>9.1f}")
    base = totals["trafilatura default"]
    print(f"clean() costs {totals[NEWSMON] / base - 1:+.1%} time over plain trafilatura default")
    rejected = [o for o in outcomes if o.rejection]
    with_text = [o for o in rejected if o.case.with_]
    print(f"newsmon rejected {len(rejected)} page(s), {len(with_text)} with a main text in the ground truth")
    for reason, count in Counter(o.rejection.split("(")[0].strip() for o in rejected).most_common():
        print(f"  {count:>4}  {reason}")
    for outcome in rejected:
        print(f"  - {outcome.case.url}: {outcome.rejection}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DATA, help="the extraction-dev folder")
    parser.add_argument("--every", type=int, default=1, help="take every Nth page (a quick subset)")
    parser.add_argument("--jobs", type=int, default=2, help="worker processes")
    args = parser.parse_args()
    report(run(args.data, args.every, args.jobs))


if __name__ == "__main__":
    main()
