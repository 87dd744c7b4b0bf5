"""Story clustering: copies and near-copies of one report share a ``story_id``; ``outlets`` lists who carried it.

An article joins the story of an already-indexed article, or of one seen earlier in this crawl (not yet indexed,
since indexing is batched), when it has the same content hash, or shares an LSH band and its MinHash similarity
reaches ``cleaning.dedupe.NEAR_DUPLICATE_THRESHOLD``. A re-fetched article keeps the story it was indexed under.
Otherwise it starts its own story (story id = its own id). If the node cannot be asked, the article keeps what this
crawl alone can tell, and the item still goes on. The index is asked from a worker thread, so the reactor keeps
downloading meanwhile; a copy arriving while the first copy's question is in flight waits for its answer.
"""

from __future__ import annotations

import asyncio
import logging
from array import array
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from opensearchpy import TransportError
from scrapy.crawler import Crawler

from newsmon import faults
from newsmon.cleaning.article import Article
from newsmon.cleaning.dedupe import NEAR_DUPLICATE_THRESHOLD, lsh_bands, similarity
from newsmon.config import Settings
from newsmon.index.articles import ArticleStore
from newsmon.index.client import make_client
from newsmon.urls import article_id

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass
class _Seen:
    """An article of this crawl, remembered so a later copy in the same crawl joins its story."""

    story_id: str
    outlets: list[str]
    content_hash: str
    signature: Sequence[int]  # kept as an array: a list of 128 int objects takes five times the memory
    settled: asyncio.Event = field(default_factory=asyncio.Event)  # set once story_id is final


class DedupePipeline:
    def __init__(self, settings: Settings) -> None:
        self._client = make_client(settings)
        self._store = ArticleStore(self._client, settings)
        self._by_hash: dict[str, _Seen] = {}
        self._by_band: dict[str, list[_Seen]] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DedupePipeline:
        return cls(crawler.settings["NEWSMON_SETTINGS"])

    def close_spider(self) -> None:
        self._client.close()

    async def process_item(self, item: Article) -> Article:
        own_id = article_id(item.canonical_url)
        bands = lsh_bands(item.signature) if item.signature else []
        signature = array("Q", item.signature)
        story = self._story_in_crawl(item, bands)
        if story is not None:
            await story.settled.wait()
            item.story_id = story.story_id
            item.outlets = story.outlets[:] = sorted({*story.outlets, item.source})
            # This copy joins the story too (sharing its outlets list), so a later copy close to it finds it.
            self._remember(
                item, bands, _Seen(story.story_id, story.outlets, item.content_hash, signature, story.settled)
            )
            return item
        story = _Seen(own_id, [item.source], item.content_hash, signature)
        self._remember(item, bands, story)  # before asking the index, so copies arriving meanwhile wait for it
        found = None
        try:
            found = await asyncio.to_thread(self._story_in_index, item, own_id, bands)
        except TransportError as error:
            log.warning("story of %s not checked against the index (%s); it keeps its own", item.url, error)
        except Exception:  # a bug or an odd answer must not stop the item, nor the copies waiting for it
            log.exception("story of %s not checked against the index; it keeps its own", item.url)
        finally:
            if found is not None:
                story.story_id, story.outlets[:] = found.story_id, sorted({*found.outlets, item.source})
            story.settled.set()
        item.story_id, item.outlets = story.story_id, list(story.outlets)
        return item

    def _story_in_crawl(self, item: Article, bands: list[str]) -> _Seen | None:
        if item.content_hash in self._by_hash:
            return self._by_hash[item.content_hash]
        candidates = [seen for band in bands for seen in self._by_band.get(band, [])]
        return _closest(item, candidates, lambda seen: seen.signature)

    def _story_in_index(self, item: Article, own_id: str, bands: list[str]) -> _Seen | None:
        faults.point("dedupe-lookup")
        known = self._store.lookup([own_id]).get(own_id)
        if known and known.get("story_id"):
            return _Seen(known["story_id"], known.get("outlets", []), item.content_hash, item.signature)
        candidates = self._store.near_duplicates(bands, own_id, item.content_hash)
        exact = next((c for c in candidates if c.get("content_hash") == item.content_hash), None)
        best = exact or _closest(item, candidates, lambda c: c.get("signature") or [])
        if best is None:
            return None
        return _Seen(best.get("story_id") or best["id"], best.get("outlets", []), item.content_hash, item.signature)

    def _remember(self, item: Article, bands: list[str], seen: _Seen) -> None:
        if item.content_hash:
            self._by_hash.setdefault(item.content_hash, seen)
        for band in bands:
            self._by_band.setdefault(band, []).append(seen)


def _closest(item: Article, candidates: list[T], signature_of: Callable[[T], Sequence[int]]) -> T | None:
    """The candidate most similar to the item, if it is similar enough."""
    scored = [(similarity(item.signature, signature_of(c)), c) for c in candidates if signature_of(c)]
    scored = [(score, c) for score, c in scored if score >= NEAR_DUPLICATE_THRESHOLD]
    return max(scored, key=lambda pair: pair[0])[1] if scored else None
