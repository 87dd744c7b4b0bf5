"""The Article: what the cleaner makes of a page, what the indexer stores and what alerts quote."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from datetime import datetime
from typing import Any


@dataclass
class Article:
    url: str  # the URL we fetched
    canonical_url: str  # normalised; the page's rel=canonical when it has one
    source: str  # the Source.name it came from
    title: str
    body: str  # clean text, paragraphs separated by a blank line
    language: str  # ISO 639-1 ("id", "en")
    lead: str = ""
    authors: list[str] = field(default_factory=list)
    published_at: datetime | None = None
    updated_at: datetime | None = None
    section: str | None = None  # e.g. "Internasional"
    breadcrumbs: list[str] = field(default_factory=list)  # the page's breadcrumb trail (not indexed)
    tags: list[str] = field(default_factory=list)
    image: str | None = None
    fetched_at: datetime | None = None
    content_hash: str = ""  # sha256 of the normalised title + body
    signature: list[int] = field(default_factory=list)  # MinHash of body shingles, for near-duplicates
    version: int = 1
    story_id: str | None = None  # near-duplicates across outlets share one story
    outlets: list[str] = field(default_factory=list)  # sources carrying the story (filled by dedupe)
    material_change: bool = False  # set when a re-fetch changed the headline or body
    feed_title: str | None = None  # the feed item's title and <updated> when fetched: if the feed later shows
    feed_updated: datetime | None = None  # another title or a later time, the article is fetched again
    international: bool | None = None  # set by the spider: the source's rule or the auto decision
    international_reason: str = ""  # "section Internasional", "places: Pyongyang (foreign) vs none (home)"

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for key, value in data.items():
            if isinstance(value, datetime):
                data[key] = value.isoformat()
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Article:
        names = {f.name for f in fields(cls)}
        kwargs = {k: v for k, v in data.items() if k in names}
        for key in ("published_at", "updated_at", "fetched_at", "feed_updated"):
            if isinstance(kwargs.get(key), str):
                kwargs[key] = datetime.fromisoformat(kwargs[key])
        return cls(**kwargs)


@dataclass(frozen=True)
class Rejection:
    """A page that is not an article (or could not be read), with the reason logged next to its URL."""

    url: str
    reason: str
