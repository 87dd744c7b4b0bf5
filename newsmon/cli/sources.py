"""`newsmon source ...`: the news sites newsmon polls, and what counts as international on each."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer
from opensearchpy.exceptions import OpenSearchException
from rich.console import Console
from rich.table import Table

from newsmon.cli import context
from newsmon.feeds.state import FeedState
from newsmon.fetchguard import FetchPolicy
from newsmon.index.client import make_client
from newsmon.index.feedstate import FeedStateStore
from newsmon.sources.model import InternationalRule
from newsmon.sources.resolve import NoFeedFound, find_feeds
from newsmon.sources.store import (
    SourceError,
    SourceExists,
    add_defaults,
    add_source,
    list_sources,
    make_source,
    remove_source,
)

app = typer.Typer(
    name="source",
    help=(
        "Manage the news sites newsmon polls.\n\n"
        "A source is a name, one or more feeds (RSS or Atom), a language hint, a starting poll interval and what "
        "counts as international news: `auto` (the default: each page is decided from its section, the places it "
        "names and the source's history), or a rule: category names, URL path patterns, or every item of an "
        "international-only feed. Only international articles are indexed. Sources are kept in the YAML file named "
        "by NEWSMON_CONFIG."
    ),
    no_args_is_help=True,
)


class Language(StrEnum):
    id = "id"
    en = "en"


class International(StrEnum):
    auto = "auto"


@app.command("add")
def add(
    name: Annotated[str, typer.Argument(help="Short name: lowercase letters, digits, '-' and '_' (e.g. kompas).")],
    url: Annotated[str, typer.Argument(help="A feed URL, or a homepage whose feeds are then discovered.")],
    international_category: Annotated[
        list[str] | None,
        typer.Option(
            "--international-category",
            help="A feed category that marks international news, matched in any case (repeatable): "
            "Internasional, Dunia, World.",
        ),
    ] = None,
    international_path: Annotated[
        list[str] | None,
        typer.Option(
            "--international-path",
            help="A regular expression searched in an item's URL path (repeatable): '/internasional/'.",
        ),
    ] = None,
    all_international: Annotated[
        bool, typer.Option("--all-international", help="The feed is international-only: take every item.")
    ] = False,
    international: Annotated[
        International | None,
        typer.Option(
            "--international",
            help="auto: fetch each page and decide from its section, the places named in its title and first "
            "paragraphs, and the source's history (the default when no rule is given). Beside a rule, the rule "
            "still wins where it matches.",
        ),
    ] = None,
    home_country: Annotated[
        str | None,
        typer.Option(
            "--home-country",
            help="For auto: the country whose news is domestic, as an ISO code (ID, MY, SG). "
            "Default: NEWSMON_HOME_COUNTRY.",
        ),
    ] = None,
    language: Annotated[Language | None, typer.Option(help="Language hint for the cleaner.")] = None,
    interval: Annotated[
        str, typer.Option(help="Starting poll interval (90s, 15m, 2h); adaptive polling moves it within bounds.")
    ] = "15m",
    timeout: Annotated[float, typer.Option(help="Seconds to wait for the site while discovering feeds.")] = 10.0,
) -> None:
    """Add a source. When URL is a homepage, its announced feeds (<link rel="alternate">) are used, else the
    WordPress feeds (/category/<name>/feed/ for each --international-category, and /feed/) that answer.

    Example: newsmon source add kabar https://kabar.example/ --international auto --home-country ID"""
    has_rule = bool(international_category or international_path or all_international)
    auto = international is International.auto or not has_rule
    if home_country and not auto:
        _fail("--home-country is for --international auto")
    fields = {
        "name": name,
        "feeds": [url],
        "language": language.value if language else None,
        "interval": interval,
        "international": {
            "categories": international_category or [],
            "paths": international_path or [],
            "all_items": all_international,
            "auto": auto,
            "home_country": home_country,
        },
    }
    try:
        settings = context.settings()
        make_source(fields)  # a bad name, pattern, country or interval is refused before any fetch
        feeds = find_feeds(
            url,
            user_agent=settings.user_agent,
            timeout=timeout,
            categories=international_category,
            policy=FetchPolicy.installation(settings.allow_private_networks, settings.es_urls),
        )
        add_source(
            context.settings().config,
            make_source({**fields, "feeds": feeds, "homepage": None if feeds == [url] else url}),
        )
    except (NoFeedFound, SourceExists, SourceError) as error:
        _fail(str(error))
    typer.echo(f"added {name}: " + ", ".join(feeds))


@app.command("list")
def list_() -> None:
    """List the sources with their feeds, and for each feed when it is polled next and why (when the search node
    answers), and its last error."""
    sources = list_sources(context.settings().config)
    if not sources:
        typer.echo("no sources yet: add one with `newsmon source add` or `newsmon source defaults`")
        return
    states, note = _states([url for s in sources for url in (*s.feeds, *s.sitemaps)])
    table = Table("source", "feed", "international", "decided (auto)", "next poll", "why", "last error")
    for source in sources:
        for url in (*source.feeds, *source.sitemaps):
            state = states.get(url)
            table.add_row(
                source.name,
                url,
                _rule(source.international),
                f"{state.decided_international} intl, {state.decided_domestic} domestic"
                if state and source.international.decides_pages
                else "",
                state.next_poll.strftime("%Y-%m-%d %H:%M UTC") if state and state.next_poll else "at the next crawl",
                state.next_poll_reason if state else note,
                (state.last_error or "") if state else "",
            )
    Console(width=200).print(table)


@app.command("remove")
def remove(name: Annotated[str, typer.Argument(help="The source's name, as `newsmon source list` shows it.")]) -> None:
    """Remove a source from the YAML file (articles already indexed stay searchable)."""
    if not remove_source(context.settings().config, name):
        _fail(f"no source named {name!r}")
    typer.echo(f"removed {name}")


@app.command("defaults")
def defaults() -> None:
    """Add the shipped list of well-known international news feeds (Indonesian and English), skipping names you
    already have."""
    added = add_defaults(context.settings().config)
    typer.echo(f"added {len(added)} source(s): {', '.join(added)}" if added else "all default sources already present")


def _states(urls: list[str]) -> tuple[dict[str, FeedState], str]:
    settings = context.settings()
    client = make_client(settings, timeout=3.0)
    try:
        return FeedStateStore(client, settings).load(urls), "not polled yet"
    except OpenSearchException as error:
        return {}, f"search node not reachable ({error.__class__.__name__})"
    finally:
        client.close()


def _rule(rule: InternationalRule) -> str:
    if rule.all_items:
        return "all items"
    parts = [*(f"category {c}" for c in rule.categories), *(f"path {p}" for p in rule.paths)]
    if rule.decides_pages:
        parts.append(f"auto (home {rule.home_country or context.settings().home_country})")
    return ", ".join(parts)


def _fail(message: str) -> None:
    typer.echo(f"newsmon source: {message}", err=True)
    raise typer.Exit(1)


def register(root: typer.Typer) -> None:
    """Add this module's commands to the root app."""
    root.add_typer(app)
