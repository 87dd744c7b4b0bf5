"""Which articles are international news, and why.

A source says it one of two ways:
- a rule (feed categories, URL path patterns, an international-only feed), applied to feed entries before anything
  is fetched (`rule_reason`);
- `auto`: the signals of the fetched page and of the source's history weighed together (`decide`). A rule that
  matches still wins; an entry it does not match is decided by its page.

`decide` adds log-odds-like weights: a prior towards domestic (most of a general feed is), the page's section
(feed category, article:section / JSON-LD articleSection, breadcrumbs, URL path and subdomain, in Indonesian and
English), the places named in the title and the first paragraphs (foreign vs home, from the gazetteer; the title
counts most), and, for sections that say nothing by their name, what share of the source's earlier articles under the
same section or path was international.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise
from urllib.parse import urlsplit

from newsmon.feeds.gazetteer import Gazetteer, Place, gazetteer, words
from newsmon.feeds.parse import FeedEntry
from newsmon.sources.model import InternationalRule

INTERNATIONAL_SECTIONS = frozenset(
    {"internasional", "international", "dunia", "world", "global", "mancanegara", "luar negeri", "foreign",
     "overseas", "abroad", "intl", "asia pasifik", "asia pacific", "eropa", "europe", "americas", "afrika", "africa",
     "timur tengah", "middle east"}
)  # fmt: skip
DOMESTIC_SECTIONS = frozenset(
    {"nasional", "national", "nation", "dalam negeri", "domestic", "daerah", "regional", "regions", "nusantara",
     "metro", "metropolitan", "megapolitan", "jabodetabek", "lokal", "local"}
)  # fmt: skip

PRIOR = -1.0  # with no evidence, an article of a general feed is domestic
SECTION_INTERNATIONAL = 4.0
SECTION_DOMESTIC = -2.5  # weaker: a foreign story in a domestic section follows its places
ZONE_WEIGHTS = (2.0, 1.0, 0.5)  # title, first paragraph, second paragraph
HOME_COUNTRY_NAME = 0.5  # "Indonesia" itself is weak evidence: bilateral stories name it too
PLACE_WEIGHT = 1.5
PLACES_CAP = 6.0
HISTORY_WEIGHT = 2.0
HISTORY_MIN = 5  # decisions under a section before its history counts
HISTORY_FULL = 20  # ... and before it counts fully


@dataclass(frozen=True)
class Decision:
    international: bool
    reason: str
    score: float = 0.0


@dataclass(frozen=True)
class PageSignals:
    """What a page and its feed entry say, as far as the decision is concerned."""

    url: str
    title: str
    paragraphs: tuple[str, ...] = ()  # the lead and the first paragraphs of the body, in order
    section: str | None = None  # article:section / JSON-LD articleSection
    breadcrumbs: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()  # the feed entry's categories


History = Mapping[str, Sequence[int]]  # section key -> (international, total) over earlier decisions


def rule_reason(rule: InternationalRule, entry: FeedEntry) -> str | None:
    """Why the source's rule makes this entry international, or None: the feed is international-only, a category
    matches (any case), or a path pattern matches."""
    if rule.all_items:
        return "feed is international-only"
    wanted = {name.casefold() for name in rule.categories}
    category = next((c for c in entry.categories if c.casefold() in wanted), None)
    if category:
        return f"category {category}"
    path = urlsplit(entry.url).path
    pattern = next((p for p in rule.paths if re.search(p, path, re.IGNORECASE)), None)
    return f"path {pattern}" if pattern else None


def section_key(signals: PageSignals) -> str:
    """The section an article is filed under, for the source's history: the page's or feed's section name, else the
    URL's directory ("/news/"; "/" when the path says nothing)."""
    crumbs = [c for c in signals.breadcrumbs[1:] if c.casefold() != signals.title.casefold()]
    named = signals.section or next(iter(signals.categories), None) or next(iter(crumbs[-1:]), None)
    if named:
        return " ".join(named.split()).casefold()
    return "/" + "".join(f"{segment}/" for segment in _directories(signals.url))


def decide(signals: PageSignals, home: str = "ID", history: History | None = None) -> Decision:
    """International or not, with the reason: the signals that decided, strongest first, and those overruled."""
    places = gazetteer(home)
    section = _section(signals, places)
    # The history teaches what an unknown section means ("Peristiwa", "/read/"); a known one has its weight already.
    learned = _history(section_key(signals), history or {}) if not section[0] else (0.0, "")
    parts = [section, _places(signals, places), learned]
    score = PRIOR + sum(weight for weight, _ in parts)
    international = score > 0
    agreeing = sorted((p for p in parts if p[0] and (p[0] > 0) == international), key=lambda p: -abs(p[0]))
    reason = "; ".join(text for _, text in agreeing) or "no international section, too little foreign evidence"
    others = [text for weight, text in parts if text and (not weight or (weight > 0) != international)]
    if others:
        reason += "; despite " + ", ".join(others)
    return Decision(international, reason, round(score, 2))


def _section(signals: PageSignals, places: Gazetteer) -> tuple[float, str]:
    labels = [(c, f"category {c}") for c in signals.categories]
    if signals.section:
        labels.append((signals.section, f"section {signals.section}"))
    labels += [(c, f"breadcrumb {c}") for c in signals.breadcrumbs]
    labels += [(d, f"path /{d}/") for d in _directories(signals.url)]
    labels += [(h, f"subdomain {h}") for h in _subdomains(signals.url)]
    domestic = None
    for label, said in labels:
        kind = _section_kind(label, places)
        if kind == "international":
            return SECTION_INTERNATIONAL, said
        if kind == "domestic" and domestic is None:
            domestic = said
    return (SECTION_DOMESTIC, f"{domestic} (domestic)") if domestic else (0.0, "")


def _section_kind(label: str, places: Gazetteer) -> str | None:
    tokens = [w.casefold() for w in words(label.replace("-", " ").replace("_", " "))]
    phrases = {*tokens, *(" ".join(pair) for pair in pairwise(tokens))}
    if phrases & INTERNATIONAL_SECTIONS:
        return "international"
    if phrases & DOMESTIC_SECTIONS:
        return "domestic"
    named = places.find(" ".join(t.capitalize() for t in tokens))  # a section named after a place
    if len(named) == 1:
        return "domestic" if places.is_home(named[0]) else "international"
    return None


def _places(signals: PageSignals, places: Gazetteer) -> tuple[float, str]:
    zones = [signals.title, *signals.paragraphs[: len(ZONE_WEIGHTS) - 1]]
    foreign: dict[str, float] = {}
    home: dict[str, float] = {}
    for zone, weight in zip(zones, ZONE_WEIGHTS, strict=False):
        for place in _distinct(places.find(zone)):
            if places.is_home(place):
                home[place.name] = home.get(place.name, 0.0) + weight * (
                    HOME_COUNTRY_NAME if place.country_level else 1.0
                )
            else:
                foreign[place.name] = foreign.get(place.name, 0.0) + weight
    for category in signals.categories:  # feed tags that name places count like the first paragraph
        for place in _distinct(places.find(category)):
            (home if places.is_home(place) else foreign).setdefault(place.name, 1.0)
    if not foreign and not home:
        return 0.0, ""
    weight = PLACE_WEIGHT * (sum(foreign.values()) - sum(home.values()))
    text = f"places: {', '.join(foreign) or 'none'} (foreign) vs {', '.join(home) or 'none'} (home)"
    return max(-PLACES_CAP, min(PLACES_CAP, weight)), text


def _distinct(found: list[Place]) -> list[Place]:
    return list({place.name: place for place in found}.values())


def _history(key: str, history: History) -> tuple[float, str]:
    international, total = history.get(key, (0, 0))
    if total < HISTORY_MIN:
        return 0.0, ""
    share = (international + 0.5) / (total + 1)
    weight = HISTORY_WEIGHT * (2 * share - 1) * min(1.0, total / HISTORY_FULL)
    return weight, f"history: {international} of {total} under {key!r} international"


def _directories(url: str) -> list[str]:
    """The URL path's directories: every segment but the last (the article's slug) unless the path ends in /,
    without numbers and dates."""
    segments = urlsplit(url).path.split("/")[1:]
    return [s for s in segments[:-1] if s and not s.isdigit()]


def _subdomains(url: str) -> list[str]:
    labels = (urlsplit(url).hostname or "").split(".")
    registered = 3 if len(labels) > 2 and labels[-2] in ("co", "or", "ac", "go", "com", "net") else 2
    return [label for label in labels[:-registered] if label != "www"]
