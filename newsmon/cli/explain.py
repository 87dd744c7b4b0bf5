"""`newsmon crawl --once --explain URL`: fetch one page and say why it would be kept or rejected, whether it counts as
international for its source and why, with every decision the cleaner made (canonical URL, language, credits).
Nothing is indexed; the learned template and the source's history are only read, never updated."""

from __future__ import annotations

import copy
import urllib.error
from dataclasses import fields
from urllib.parse import urlsplit

from opensearchpy.exceptions import OpenSearchException

from newsmon.cleaning import Article, clean
from newsmon.cleaning.template import strip_learned
from newsmon.config import FileConfig, Settings
from newsmon.crawler.spiders.news import page_signals
from newsmon.feeds.international import decide, rule_reason, section_key
from newsmon.feeds.parse import FeedEntry
from newsmon.feeds.state import FeedState, merged_history
from newsmon.fetchguard import FetchPolicy
from newsmon.index.client import make_client
from newsmon.index.feedstate import FeedStateStore
from newsmon.sources.model import Source
from newsmon.sources.resolve import fetch_page
from newsmon.urls import article_id, path_shape, published_url

# Fields that are content or internal bookkeeping, not decisions: shown as a size or not at all.
_NOT_DECISIONS = {"body", "lead", "signature", "content_hash", "version", "outlets", "story_id", "material_change"}


class ExplainError(Exception):
    """The page could not be fetched, or no source is named; the message says why."""


def explain(url: str, settings: Settings, config: FileConfig, names: list[str] | None = None) -> list[str]:
    """The lines that explain what newsmon makes of the page at url (for the named source, else the page's)."""
    asked = published_url(url, url)
    if asked is None:
        raise ExplainError(f"{url!r} is not an http(s) URL")
    policy = FetchPolicy.installation(settings.allow_private_networks, settings.es_urls)
    try:
        page = fetch_page(asked, settings.user_agent, settings.download_timeout, policy)
    except urllib.error.HTTPError as error:
        raise ExplainError(f"{asked}: HTTP {error.code}") from None
    except (urllib.error.URLError, TimeoutError, ValueError, OSError) as error:
        raise ExplainError(f"{asked}: {getattr(error, 'reason', error)}") from None
    source = _source_for(page.url, config, names or [])
    lines = [f"asked:   {asked}", f"fetched: {page.url} (HTTP {page.status}, {len(page.body)} bytes)"]
    declared = f"{source.name} (language {source.language or 'not declared'})" if source else "none configured"
    lines.append(f"source:  {declared}")
    states = _feed_states(source, settings)
    learned = {key: ids for state in states for key, ids in state.boilerplate.items()}
    like = any(path_shape(page.url) in state.article_shapes for state in states)
    lines.append(f"URL shape {path_shape(page.url)}: {'like' if like else 'not like'} the source's last articles")
    result = clean(
        page.body,
        page.url,
        source=source.name if source else "",
        headers=page.headers,
        language_hint=source.language if source else None,
        like_articles=like,
    )
    if not isinstance(result, Article):
        return [*lines, f"decision: rejected: {result.reason}"]
    stripped = strip_learned(result, article_id(result.canonical_url), copy.deepcopy(learned))
    removed = len(result.body.split("\n\n")) - len(stripped.body.split("\n\n"))
    lines.append("decision: kept (an article)")
    lines.append(f"  words: {len(stripped.body.split())} in {len(stripped.body.split(chr(10) * 2))} paragraph(s)")
    lines.append(f"  template paragraphs removed (seen on this source's other articles): {removed}")
    if source:
        lines += _international(stripped, source, settings, states)
    for field in fields(Article):
        value = getattr(stripped, field.name)
        if field.name not in _NOT_DECISIONS and value not in (None, "", [], {}):
            lines.append(f"  {field.name}: {value}")
    return lines


def _international(article: Article, source: Source, settings: Settings, states: list[FeedState]) -> list[str]:
    """The international decision as a crawl of the source would make it (feed categories are unknown here)."""
    rule = source.international
    because = rule_reason(rule, FeedEntry(url=article.url))
    if because is None and not rule.decides_pages:
        note = " (its category rule reads the feed's categories, which --explain does not)" if rule.categories else ""
        return [f"international: no: the source's rule does not match the URL, so a crawl does not fetch it{note}"]
    signals = page_signals(article)
    if because is not None:
        article.international, article.international_reason = True, f"{because} (the source's rule)"
        return [f"section (for the history): {section_key(signals)}"]
    home = rule.home_country or settings.home_country
    decision = decide(signals, home, merged_history(states))
    article.international, article.international_reason = decision.international, decision.reason
    verdict = "" if decision.international else " (domestic: not indexed)"
    return [
        f"international decision: score {decision.score:+.2f}, home country {home}{verdict}",
        f"section (for the history): {section_key(signals)}",
    ]


def _site(url: str) -> str:
    return (urlsplit(url).hostname or "").removeprefix("www.")


def _source_for(url: str, config: FileConfig, names: list[str]) -> Source | None:
    """The named source, else the configured source whose feeds or homepage are on the page's site."""
    if names:
        source = config.source(names[0])
        if source is None:
            raise ExplainError(f"no source named {names[0]}")
        return source
    site = _site(url)
    for source in config.sources:
        if any(_site(u) == site for u in (*source.feeds, *source.sitemaps, source.homepage or "")):
            return source
    return None


def _feed_states(source: Source | None, settings: Settings) -> list[FeedState]:
    """The source's feed states (learned template, article URL shapes, decision history), or none without a node."""
    if source is None:
        return []
    client = make_client(settings, timeout=5.0)
    try:
        return list(FeedStateStore(client, settings).load([*source.feeds, *source.sitemaps]).values())
    except OpenSearchException:  # the explanation is still useful without them
        return []
    finally:
        client.close()
