"""`newsmon crawl --once --explain URL`: what newsmon decides about one page (international or not) and why."""

from __future__ import annotations

from urllib.parse import urlsplit

from opensearchpy.exceptions import OpenSearchException

from newsmon.cleaning import clean
from newsmon.cleaning.article import Rejection
from newsmon.config import ConfigError, FileConfig, Settings
from newsmon.crawler.spiders.news import page_signals
from newsmon.feeds.international import decide, rule_reason, section_key
from newsmon.feeds.parse import FeedEntry
from newsmon.feeds.state import merged_history
from newsmon.index.client import make_client
from newsmon.index.feedstate import FeedStateStore
from newsmon.sources.model import Source
from newsmon.sources.resolve import fetch


def explain(settings: Settings, config: FileConfig, url: str, names: list[str]) -> str:
    """Fetch and clean the page, then decide as a crawl of its source would (with the source's stored history)."""
    if urlsplit(url).scheme not in ("http", "https"):
        raise ConfigError(f"--explain takes an http:// or https:// URL (got {url!r})")
    source = _source_of(config, url, names)
    rule = source.international
    lines = [url, f"source: {source.name}"]
    because = rule_reason(rule, FeedEntry(url=url))  # feed categories are unknown outside a crawl
    if because is None and not rule.decides_pages:
        lines.append("international: no (the source's rule does not match the URL, and a crawl does not fetch it)")
        if rule.categories:
            lines.append("(its category rule is matched against the feed's categories, which --explain does not read)")
        return "\n".join(lines)
    fetched = fetch(url, settings.user_agent, settings.download_timeout)
    if fetched is None:
        return "\n".join([*lines, "could not fetch the page (see the log line above)"])
    article = clean(fetched[0], url, source=source.name, headers={"Content-Type": fetched[1] or ""})
    if isinstance(article, Rejection):
        return "\n".join([*lines, f"not an article: {article.reason}"])
    signals = page_signals(article)
    if because is not None:
        lines += ["international: yes", f"reason: {because} (the source's rule)"]
    else:
        home = rule.home_country or settings.home_country
        decision = decide(signals, home, _history(settings, source))
        verdict = "yes" if decision.international else "no (not indexed)"
        lines += [f"international: {verdict}", f"reason: {decision.reason}", f"score: {decision.score:+.2f}",
                  f"home country: {home}"]  # fmt: skip
    lines.append(f"section (for the history): {section_key(signals)}")
    return "\n".join(lines)


def _source_of(config: FileConfig, url: str, names: list[str]) -> Source:
    """The named source, else the one whose feeds or homepage are on the page's host."""
    if names:
        source = config.source(names[0])
        if source is None:
            raise ConfigError(f"no source named {names[0]}")
        return source
    host = urlsplit(url).hostname
    for source in config.sources:
        if any(urlsplit(u).hostname == host for u in (*source.feeds, *source.sitemaps, source.homepage or "")):
            return source
    raise ConfigError(f"no source has feeds on {host}: name one with --source")


def _history(settings: Settings, source: Source) -> dict[str, tuple[int, int]]:
    client = make_client(settings, timeout=3.0)
    try:
        states = FeedStateStore(client, settings).load([*source.feeds, *source.sitemaps])
    except OpenSearchException:
        return {}  # explaining without the history beats refusing to explain
    finally:
        client.close()
    return merged_history(list(states.values()))
