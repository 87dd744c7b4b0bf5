"""`newsmon search`, `newsmon export` and `newsmon status`: reading the index from the command line."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from typing import Annotated

import typer
from opensearchpy import ConnectionError as NodeUnreachable
from opensearchpy import NotFoundError, OpenSearch
from rich.console import Console
from rich.markup import escape

from newsmon.alerts.query import QueryError, to_query
from newsmon.cli import context
from newsmon.config import Settings
from newsmon.durations import parse_duration
from newsmon.index.articles import ArticleStore
from newsmon.index.client import index_name, make_client
from newsmon.index.cluster import cluster_health
from newsmon.index.spool import Spool

_EM = re.compile(r"<em>(.*?)</em>", re.S)

Since = Annotated[
    str | None, typer.Option(help="Only articles published (or, undated, indexed) within this long, e.g. 7d, 12h.")
]


def _since(text: str | None) -> timedelta | None:
    if text is None:
        return None
    try:
        return parse_duration(text)
    except ValueError as error:
        raise typer.BadParameter(str(error), param_hint="--since") from None


def _unreachable(settings: Settings) -> typer.Exit:
    typer.echo(f"newsmon: the search node at {settings.es_url} does not answer", err=True)
    return typer.Exit(1)


def search(
    query: Annotated[str, typer.Argument(help='Words (all must match), "exact phrase", a OR b, -exclude.')],
    since: Since = None,
    language: Annotated[str | None, typer.Option(help="Only this language, e.g. id or en.")] = None,
    source: Annotated[str | None, typer.Option(help="Only this source (its name in the config).")] = None,
    limit: Annotated[int, typer.Option(min=1, max=500, help="At most this many results.")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="Print the results as a JSON array.")] = False,
) -> None:
    """Search indexed articles with the same syntax as watches; prints the best matches with highlighted snippets.

    A word matches itself with case and accents folded, or the same Indonesian or English stem ("serangan" finds
    "menyerang"); a "quoted phrase" matches those exact words in order.
    """
    settings = context.settings()
    try:
        compiled = to_query(query)
    except QueryError as error:
        raise typer.BadParameter(str(error), param_hint="QUERY") from None
    try:
        hits = ArticleStore(make_client(settings), settings).search(
            compiled, since=_since(since), language=language, source=source, limit=limit
        )
    except NodeUnreachable:
        raise _unreachable(settings) from None
    if as_json:
        typer.echo(json.dumps(hits, ensure_ascii=False, indent=2))
        return
    console = Console(highlight=False, soft_wrap=True)
    if not hits:
        console.print("no matching articles")
    for hit in hits:
        title = _first(hit["highlight"], "title") or escape(hit.get("title", ""))
        console.print(f"[bold]{title}[/bold]")
        console.print(f"  {hit.get('source')} · {hit.get('published_at') or 'undated'} · {hit.get('url')}")
        for snippet in _all(hit["highlight"], "body")[:2]:
            console.print(f"  … {snippet} …")


def _marked(fragment: str) -> str:
    """A highlighted fragment as rich markup: the text escaped, the matches bold."""
    return _EM.sub(r"[bold yellow]\1[/bold yellow]", escape(fragment.replace("\n", " ")))


def _all(highlight: dict[str, list[str]], field: str) -> list[str]:
    """Fragments of a field from whichever of its subfields (exact, .id, .en) matched, without repeats."""
    seen: dict[str, None] = {}
    for name in (field, f"{field}.id", f"{field}.en"):
        for fragment in highlight.get(name, []):
            seen.setdefault(_marked(fragment))
    return list(seen)


def _first(highlight: dict[str, list[str]], field: str) -> str:
    return next(iter(_all(highlight, field)), "")


def export(since: Since = None) -> None:
    """Write indexed articles to stdout as JSON Lines, one article per line with every stored field.

    Fields include id, url, canonical_url, title, body, lead, published (= published_at), language, section, source,
    authors, tags, story_id, outlets, version and the indexing dates.
    """
    settings = context.settings()
    try:
        for article in ArticleStore(make_client(settings), settings).export(since=_since(since)):
            typer.echo(json.dumps(article, ensure_ascii=False))
    except NodeUnreachable:
        raise _unreachable(settings) from None


def status() -> None:
    """Show whether the search node answers (and its version), the cluster's health (degraded while a copy of the
    data or a configured node is missing), documents per index, the spool backlog, when each source was last polled
    successfully, and the last pages each source's feeds listed that were rejected as not an article (with the
    reason)."""
    settings = context.settings()
    client = make_client(settings)
    typer.echo(f"spool backlog: {Spool(settings.spool_dir).backlog()} articles waiting in {settings.spool_dir}")
    try:
        version = client.info()["version"]
    except NodeUnreachable:
        typer.echo(f"search node: {settings.es_url} does not answer")
        raise typer.Exit(1) from None
    typer.echo(
        f"search node: {settings.es_url} answers ({version.get('distribution', 'elasticsearch')} {version['number']})"
    )
    typer.echo(f"search cluster: {cluster_health(client, settings).describe()}")
    typer.echo("documents per index:")
    indices = client.cat.indices(index=f"{settings.index_prefix}-*", format="json", expand_wildcards="open")
    for row in sorted(indices, key=lambda r: r["index"]):
        typer.echo(f"  {row['index']}: {row['docs.count']}")
    feeds = _feed_docs(client, settings)
    typer.echo("last successful poll per source:")
    for source, when in sorted(_last_polls(feeds).items()):
        typer.echo(f"  {source}: {when}")
    decided = _decided(feeds)
    if decided:
        typer.echo("pages decided by `auto` per source (domestic ones are not indexed):")
        for source, (international, domestic) in sorted(decided.items()):
            typer.echo(f"  {source}: {international} international, {domestic} domestic")
    typer.echo(f"last rejected pages per source (newest first, at most {REJECTIONS_SHOWN}):")
    for source, rows in sorted(_rejections(feeds).items()):
        for row in rows:
            typer.echo(f"  {source}: {row['at'][:19]} {row['url']}: {row['reason']}")


REJECTIONS_SHOWN = 5


def _feed_docs(client: OpenSearch, settings: Settings) -> list[dict]:
    """The feed-state documents (written by the feeds engine), the fields `status` shows."""
    fields = ["source", "last_success", "decided_international", "decided_domestic", "rejections"]
    try:
        response = client.search(index=index_name(settings, "feeds"), body={"size": 10000, "_source": fields})
    except NotFoundError:
        return []
    return [hit["_source"] for hit in response["hits"]["hits"]]


def _decided(feeds: list[dict]) -> dict[str, tuple[int, int]]:
    """source -> (international, domestic) pages decided by `auto`, over its feeds."""
    totals: dict[str, tuple[int, int]] = {}
    for feed in feeds:
        international, domestic = feed.get("decided_international") or 0, feed.get("decided_domestic") or 0
        if feed.get("source") and (international or domestic):
            before = totals.get(feed["source"], (0, 0))
            totals[feed["source"]] = (before[0] + international, before[1] + domestic)
    return totals


def _rejections(feeds: list[dict]) -> dict[str, list[dict[str, str]]]:
    """source -> its feeds' last rejected pages, newest first."""
    found: dict[str, list[dict[str, str]]] = {}
    for feed in feeds:
        if feed.get("source") and feed.get("rejections"):
            found.setdefault(feed["source"], []).extend(feed["rejections"])
    return {s: sorted(rows, key=lambda r: r["at"], reverse=True)[:REJECTIONS_SHOWN] for s, rows in found.items()}


def _last_polls(feeds: list[dict]) -> dict[str, str]:
    """source -> latest last_success over its feeds."""
    latest: dict[str, datetime] = {}
    never: set[str] = set()
    for feed in feeds:
        source, when = feed.get("source"), feed.get("last_success")
        if not source:
            continue
        if not when:
            never.add(source)
            continue
        stamp = datetime.fromisoformat(when)
        latest[source] = max(latest.get(source, stamp), stamp)
    return {**dict.fromkeys(never - latest.keys(), "never"), **{s: t.isoformat() for s, t in latest.items()}}


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root app."""
    app.command("search")(search)
    app.command("export")(export)
    app.command("status")(status)
