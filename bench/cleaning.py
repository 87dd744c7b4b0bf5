"""Benchmark of the cleaning step: body-text F1 on the labelled fixture pages, and speed next to plain trafilatura.

Run: .venv/bin/python bench/cleaning.py [repeats]
F1 is bag-of-words precision/recall over whitespace tokens against tests/fixtures/pages/expected/<name>.txt.
"""

from __future__ import annotations

import logging
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

# Run as a script, this file's folder comes first on sys.path and its name would shadow the cleaning package.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import trafilatura  # noqa: E402

from newsmon.cleaning import Article, clean  # noqa: E402
from newsmon.cleaning.boilerplate import strip_boilerplate  # noqa: E402
from newsmon.cleaning.cleaner import EXTRACT_OPTIONS  # noqa: E402
from newsmon.cleaning.normalise import join_paragraphs, split_paragraphs  # noqa: E402

PAGES = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "pages"
BASE = b"https://bench.example"
SETTINGS = {"fast": {"fast": True}, "default": {}, "favor_precision": {"favor_precision": True}}


def f1(expected: str, got: str) -> tuple[float, float, float]:
    want, have = Counter(expected.split()), Counter(got.split())
    common = sum((want & have).values())
    precision = common / max(1, sum(have.values()))
    recall = common / max(1, sum(want.values()))
    return precision, recall, 2 * precision * recall / max(1e-9, precision + recall)


def labelled() -> list[tuple[str, bytes, str]]:
    return [
        (p.stem, (PAGES / f"{p.stem}.html").read_bytes().replace(b"{BASE}", BASE), p.read_text(encoding="utf-8"))
        for p in sorted((PAGES / "expected").glob("*.txt"))
    ]


def plain(html: bytes, options: dict[str, object]) -> str:
    return trafilatura.extract(html, url=BASE.decode() + "/a/", include_comments=False, **options) or ""


def guarded(html: bytes, options: dict[str, object]) -> str:
    return join_paragraphs(strip_boilerplate(split_paragraphs(plain(html, options))))


def cleaned(html: bytes) -> str:
    result = clean(html, BASE.decode() + "/a/", source="bench")
    return result.body if isinstance(result, Article) else ""


def mean_f1(pages: list[tuple[str, bytes, str]], extract: Callable[[bytes], str]) -> tuple[float, float, float]:
    scores = [f1(expected, extract(html)) for _, html, expected in pages]
    return tuple(sum(s[i] for s in scores) / len(scores) for i in range(3))  # type: ignore[return-value]


def pages_per_second(pages: list[tuple[str, bytes, str]], extract: Callable[[bytes], object], repeats: int) -> float:
    started = time.perf_counter()
    for _ in range(repeats):
        for _, html, _ in pages:
            extract(html)
    return repeats * len(pages) / (time.perf_counter() - started)


def main(repeats: int) -> None:
    logging.disable(logging.WARNING)
    pages = labelled()
    for _, html, _ in pages:  # warm up: language model load and first-call imports are not per-page costs
        cleaned(html)
    print(f"{len(pages)} labelled pages; F1 = bag-of-words over whitespace tokens")
    print(f"{'extractor':<34}{'precision':>10}{'recall':>8}{'F1':>8}{'pages/s':>10}")
    for name, options in SETTINGS.items():
        for label, extract in ((f"trafilatura {name}", plain), (f"trafilatura {name} + guard", guarded)):
            p, r, f = mean_f1(pages, lambda html, e=extract, o=options: e(html, o))
            speed = pages_per_second(pages, lambda html, e=extract, o=options: e(html, o), repeats)
            print(f"{label:<34}{p:>10.3f}{r:>8.3f}{f:>8.3f}{speed:>10.1f}")
    chosen = {k: v for k, v in EXTRACT_OPTIONS.items() if k in ("fast", "favor_precision")}
    p, r, f = mean_f1(pages, cleaned)
    # Same run, interleaved, so machine noise hits both alike.
    baseline = clean_speed = 0.0
    for _ in range(3):
        baseline += pages_per_second(pages, lambda html: plain(html, chosen), repeats)
        clean_speed += pages_per_second(pages, cleaned, repeats)
    baseline, clean_speed = baseline / 3, clean_speed / 3
    print(f"{'clean() ' + str(chosen):<34}{p:>10.3f}{r:>8.3f}{f:>8.3f}{clean_speed:>10.1f}")
    print(f"plain trafilatura {chosen}: {baseline:.1f} pages/s; clean() costs {baseline / clean_speed - 1:+.1%} time")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20)
