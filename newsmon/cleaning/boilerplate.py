"""The boilerplate guard: removes the link lines, stop headings, banners and credit lines trafilatura leaves in the
body.

Two general rules work on any site, in any language: a short line that is (almost) all link text is a teaser or a
"read also" box, not prose (trafilatura's markdown links tell which text was a link); and the run of short
"Label: value" or "(abc/xyz)" lines at the very end is the article's credits, kept as metadata where they name
the author or editor. The phrases in boilerplate.yaml cover the rest; every language's phrases apply to every page,
because Indonesian sites mix English theme strings ("Related Articles", "Back to top button") into Indonesian text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files

import yaml

# A banner is a short line; a long paragraph that mentions cookies is text.
_BANNER_MAX_WORDS = 40
# Chosen with bench/extraction.py on the real pages: a line of at most 30 words whose non-label text is at least 80%
# link text goes (+0.003 F1); a longer one is prose with links in it.
_LINK_LINE_MAX_WORDS = 30
_LINK_SHARE = 0.8
# A credit line is short: "Editor: Rina", "(ant/rin)", "Sumber: Antara".
_CREDIT_MAX_WORDS = 10
# trafilatura's markdown link: [text](url), the url in <> when it has spaces.
_LINK = re.compile(r"\[([^\]]*)\]\((?:<[^>]*>|[^)\s]*)\)")
# "Label: value" with a label of one to three words; also "Label : value" (French spacing).
_LABEL = re.compile(r"^(?P<label>[^\s:]+(?: [^\s:]+){0,2}) ?:(?:\s+(?P<value>.*)|$)")
_TRAILING_INITIALS = re.compile(r"\s*\((?:[a-z]{1,8}\s*/\s*)+[a-z]{1,8}\)$", re.IGNORECASE)
_INITIALS = re.compile(r"^\(?[\w.]{1,8}(?:\s*/\s*[\w.]{1,8})+\)?$")
# Credit labels whose value is a person, kept as metadata (case-folded, any language the sources write in).
_AUTHOR_LABELS = {"penulis", "reporter", "pewarta", "author", "by", "autor", "text", "von"}
_EDITOR_LABELS = {"editor", "redaktur", "penyunting", "edited by", "redaktion"}


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


@dataclass
class Credits:
    authors: list[str] = field(default_factory=list)
    editors: list[str] = field(default_factory=list)


def drop_link_lines(lines: list[str]) -> list[str]:
    """Lines with trafilatura's markdown links made plain; short lines that are mostly link text dropped."""
    kept = []
    for line in lines:
        if "](" not in line:
            kept.append(line)
            continue
        plain = _LINK.sub(lambda m: m.group(1), line).strip()
        linked = sum(len(m.group(1)) for m in _LINK.finditer(line))
        label = _LABEL.match(plain)
        rest = plain[label.end("label") + 1 :].strip() if label else plain
        if linked and len(plain.split()) <= _LINK_LINE_MAX_WORDS and linked >= _LINK_SHARE * len(rest):
            continue
        if plain:
            kept.append(plain)
    return kept


def split_credits(paragraphs: list[str]) -> tuple[list[str], Credits]:
    """The text without its trailing run of credit lines, and the author/editor names those lines give."""
    credits = Credits()
    end = len(paragraphs)
    while end > 1:
        line = paragraphs[end - 1]
        if len(line.split()) > _CREDIT_MAX_WORDS:
            break
        label = _LABEL.match(line)
        if label:
            name, value = label["label"].casefold(), (label["value"] or "").strip()
            if value and name in _AUTHOR_LABELS:
                credits.authors.insert(0, value)
            elif value and name in _EDITOR_LABELS:
                credits.editors.insert(0, value)
        elif not (_INITIALS.match(line) or (line.startswith("(") and line.endswith(")"))):
            break
        end -= 1
    kept = paragraphs[:end]
    if kept:  # "... kata dia. (ant/rin)": the initials closing the last paragraph
        kept[-1] = _TRAILING_INITIALS.sub("", kept[-1]) or kept[-1]
    return kept, credits


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
