"""A source's own template, learned from its articles: a paragraph that recurs verbatim on two or more of the
source's articles (a newsletter prompt, a subscription box, the outlet's standard footer) is boilerplate there.

The learned lines are plain data (paragraph key -> ids of the articles it was seen on) kept with the feed state, so
they survive a restart. A paragraph seen on one article only is never removed, however often that article is fetched
again. Long paragraphs are never learned: a follow-up story may repeat its background paragraphs word for word.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace

from newsmon.cleaning.article import Article
from newsmon.cleaning.dedupe import content_hash, minhash_signature
from newsmon.cleaning.normalise import comparable, join_paragraphs

# A template line is short; a paragraph above this is text even when it recurs.
MAX_WORDS = 40
# Keys remembered per feed (most recently seen kept): a few hundred articles' worth of short paragraphs.
MAX_KEYS = 2000
_IDS_PER_KEY = 2  # two distinct articles are enough to call a line boilerplate


def _key(paragraph: str) -> str:
    return hashlib.blake2b(comparable(paragraph).encode(), digest_size=8).hexdigest()


def strip_learned(article: Article, article_key: str, seen: dict[str, list[str]]) -> Article:
    """The article without the paragraphs `seen` on another article of the same source; records its own short
    paragraphs in `seen` (in place). `article_key` identifies the article (its id), so a re-fetch is not a second
    article. An article is never emptied: when every paragraph is template, it is left as it was."""
    mark = article_key[:12]
    paragraphs = article.body.split("\n\n")
    kept = []
    for paragraph in paragraphs:
        if len(paragraph.split()) > MAX_WORDS:
            kept.append(paragraph)
            continue
        key = _key(paragraph)
        ids = seen.pop(key, [])  # re-inserted below: the dict's order is the recency order
        if mark not in ids:
            ids = [*ids, mark][-_IDS_PER_KEY:]
        seen[key] = ids
        if all(i == mark for i in ids):
            kept.append(paragraph)
    while len(seen) > MAX_KEYS:
        del seen[next(iter(seen))]
    if len(kept) == len(paragraphs) or not kept:
        return article
    body = join_paragraphs(kept)
    lead = article.lead if article.lead in kept or article.lead not in paragraphs else kept[0]
    return replace(
        article,
        body=body,
        lead=lead,
        content_hash=content_hash(article.title, body),
        signature=minhash_signature(body),
    )
