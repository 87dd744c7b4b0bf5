"""`newsmon crawl --once --explain URL`: fetch one page and say why it would be kept or rejected, with every
decision the cleaner made (canonical URL, language, credits, and whatever per-article decision fields the Article
carries). Nothing is indexed and the learned template is only read, never updated."""

from __future__ import annotations

import copy
import urllib.error
import urllib.request
from dataclasses import fields
from urllib.parse import urlsplit

from opensearchpy.exceptions import OpenSearchException

from newsmon.cleaning import Article, clean
from newsmon.cleaning.template import strip_learned
from newsmon.config import FileConfig, Settings
from newsmon.feeds.state import FeedState
from newsmon.index.client import make_client
from newsmon.index.feedstate import FeedStateStore
from newsmon.sources.model import Source
from newsmon.urls import article_id, path_shape, published_url

MAX_BYTES = 5 * 1024 * 1024
# Fields that are content or internal bookkeeping, not decisions: shown as a size or not at all.
_NOT_DECISIONS = {"body", "lead", "signature", "content_hash", "version", "outlets", "story_id", "material_change"}


class ExplainError(Exception):
    """The page could not be fetched; the message says why."""


def explain(url: str, settings: Settings, config: FileConfig) -> list[str]:
    """The lines that explain what newsmon makes of the page at url."""
    asked = published_url(url, url)
    if asked is None:
        raise ExplainError(f"{url!r} is not an http(s) URL")
    body, final_url, status, headers = _fetch(asked, settings)
    source = _source_for(final_url, config)
    lines = [f"asked:   {asked}", f"fetched: {final_url} (HTTP {status}, {len(body)} bytes)"]
    declared = f"{source.name} (language {source.language or 'not declared'})" if source else "none configured"
    lines.append(f"source:  {declared}")
    hint = source.language if source else None
    states = _feed_states(source, settings)
    learned = {key: ids for state in states for key, ids in state.boilerplate.items()}
    like = any(path_shape(final_url) in state.article_shapes for state in states)
    lines.append(f"URL shape {path_shape(final_url)}: {'like' if like else 'not like'} the source's last articles")
    result = clean(
        body, final_url, source=source.name if source else "", headers=headers, language_hint=hint, like_articles=like
    )
    if not isinstance(result, Article):
        return [*lines, f"decision: rejected: {result.reason}"]
    stripped = strip_learned(result, article_id(result.canonical_url), copy.deepcopy(learned))
    removed = len(result.body.split("\n\n")) - len(stripped.body.split("\n\n"))
    lines.append("decision: kept (an article)")
    lines.append(f"  words: {len(stripped.body.split())} in {len(stripped.body.split(chr(10) * 2))} paragraph(s)")
    lines.append(f"  template paragraphs removed (seen on this source's other articles): {removed}")
    for field in fields(Article):
        value = getattr(stripped, field.name)
        if field.name not in _NOT_DECISIONS and value not in (None, "", [], {}):
            lines.append(f"  {field.name}: {value}")
    return lines


def _fetch(url: str, settings: Settings) -> tuple[bytes, str, int, dict[str, str]]:
    request = urllib.request.Request(url, headers={"User-Agent": settings.user_agent})
    try:
        with urllib.request.urlopen(request, timeout=settings.download_timeout) as response:
            return response.read(MAX_BYTES + 1), response.geturl(), response.status, dict(response.headers.items())
    except urllib.error.HTTPError as error:
        raise ExplainError(f"{url}: HTTP {error.code}") from None
    except (urllib.error.URLError, TimeoutError, ValueError) as error:
        raise ExplainError(f"{url}: {getattr(error, 'reason', error)}") from None


def _site(url: str) -> str:
    return (urlsplit(url).hostname or "").removeprefix("www.")


def _source_for(url: str, config: FileConfig) -> Source | None:
    """The configured source whose feeds or homepage are on the page's site."""
    site = _site(url)
    for source in config.sources:
        if any(_site(u) == site for u in (*source.feeds, *source.sitemaps, source.homepage or "")):
            return source
    return None


def _feed_states(source: Source | None, settings: Settings) -> list[FeedState]:
    """The source's feed states (its learned template and article URL shapes), or none when the node is away."""
    if source is None:
        return []
    client = make_client(settings, timeout=5.0)
    try:
        return list(FeedStateStore(client, settings).load([*source.feeds, *source.sitemaps]).values())
    except OpenSearchException:  # the explanation is still useful without them
        return []
    finally:
        client.close()
