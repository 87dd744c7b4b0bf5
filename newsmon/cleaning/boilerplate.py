"""The boilerplate guard: removes the link lines, stop headings and banners trafilatura leaves in the body.

The phrases live in boilerplate.yaml. Every language's phrases apply to every page, because Indonesian sites
mix English theme strings ("Related Articles", "Back to top button") into Indonesian text.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib.resources import files

import yaml

# A banner is a short line; a long paragraph that mentions cookies is text.
_BANNER_MAX_WORDS = 40


@dataclass(frozen=True)
class Phrases:
    stop_headings: frozenset[str]
    drop_prefixes: tuple[str, ...]
    labels: frozenset[str]  # a drop prefix on its own, e.g. "baca juga"
    drop_lines: frozenset[str]
    drop_containing: tuple[str, ...]


def _key(line: str) -> str:
    return " ".join(line.casefold().split()).rstrip(" :.")


@cache
def phrases() -> Phrases:
    data = yaml.safe_load(files("newsmon.cleaning").joinpath("boilerplate.yaml").read_text(encoding="utf-8"))
    merged: dict[str, list[str]] = {}
    for per_language in data.values():
        for kind, items in per_language.items():
            merged.setdefault(kind, []).extend(items)
    return Phrases(
        stop_headings=frozenset(_key(p) for p in merged["stop_headings"]),
        drop_prefixes=tuple(" ".join(p.casefold().split()) for p in merged["drop_prefixes"]),
        labels=frozenset(_key(p) for p in merged["drop_prefixes"]),
        drop_lines=frozenset(_key(p) for p in merged["drop_lines"]),
        drop_containing=tuple(p.casefold() for p in merged["drop_containing"]),
    )


def strip_boilerplate(paragraphs: list[str]) -> list[str]:
    """The article's own paragraphs: stop at the first stop heading, drop link lines, share labels and banners."""
    guard = phrases()
    kept: list[str] = []
    skip_next = False
    for paragraph in paragraphs:
        key = _key(paragraph)
        folded = " ".join(paragraph.casefold().split())
        if key in guard.stop_headings:
            break
        if skip_next:
            skip_next = False
            continue
        if key in guard.labels:
            skip_next = True
            continue
        if folded.startswith(guard.drop_prefixes):
            continue
        if key in guard.drop_lines:
            continue
        if len(folded.split()) <= _BANNER_MAX_WORDS and any(p in folded for p in guard.drop_containing):
            continue
        kept.append(paragraph)
    return kept
