"""The search page: the watches' query syntax, filters (since, language, source), highlighted snippets, and
"watch this query". The API shares `run`."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from newsmon.alerts.model import HIGHLIGHT_END, HIGHLIGHT_START
from newsmon.alerts.query import QueryError, to_query
from newsmon.durations import parse_duration
from newsmon.index.articles import ArticleStore
from newsmon.sources.store import list_sources
from newsmon.web.context import WebContext, blocking, web
from newsmon.web.render import fragments, page


def run(context: WebContext, q: str, since: str = "", language: str = "", source: str = "", limit: int = 20) -> list:
    """Search hits, best first; QueryError (the parser's message) or ValueError (a bad `since`) for bad input."""
    compiled = to_query(q)
    window = parse_duration(since) if since else None
    return ArticleStore(context.client, context.settings).search(
        compiled,
        since=window,
        language=language or None,
        source=source or None,
        limit=limit,
        marks=(HIGHLIGHT_START, HIGHLIGHT_END),
    )


def shown(hit: dict[str, Any]) -> dict[str, Any]:
    """A hit as the page and the API show it: stored fields, plus the highlighted title and snippets as safe HTML."""
    highlight = hit.get("highlight", {})
    title = fragments(highlight, "title")
    return {
        "id": hit["id"],
        "url": hit.get("url"),
        "title": hit.get("title", ""),
        "title_html": str(title[0]) if title else None,
        "source": hit.get("source"),
        "outlets": hit.get("outlets") or [],
        "language": hit.get("language"),
        "published_at": hit.get("published_at"),
        "story_id": hit.get("story_id"),
        "snippets_html": [str(f) for f in fragments(highlight, "body")],
    }


async def search_page(request: Request) -> Response:
    context = web(request)
    params = {k: request.query_params.get(k, "").strip() for k in ("q", "since", "language", "source")}
    params["since"] = params["since"] if "since" in request.query_params else "7d"
    results, error = None, None
    if params["q"]:
        try:
            results = [shown(hit) for hit in await blocking(run, context, **params)]
        except (QueryError, ValueError) as problem:
            error = str(problem)
    configured = await blocking(list_sources, context.settings.config)
    watch_args = {"query": params["q"], "language": params["language"], "source": params["source"]}
    return page(
        request,
        "search.html",
        {
            "params": params,
            "results": results,
            "error": error,
            "sources": [s.name for s in configured],
            "watch_link": "/watches/new?" + urlencode({k: v for k, v in watch_args.items() if v}),
        },
        400 if error else 200,
    )


routes = [Route("/search", search_page, methods=["GET"])]
