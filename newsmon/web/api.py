"""The JSON API under /api/: the same operations, rules and error texts as the pages and the CLI.

Errors are {"error": "..."} with 400 (bad input; the query parser's message), 401 (no credentials), 404 (unknown
name), 409 (name taken), 415 (a body that is not JSON) or 503 (search node down).
"""

from __future__ import annotations

import json
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from newsmon.alerts.model import Watch
from newsmon.alerts.query import QueryError
from newsmon.alerts.store import WatchError, WatchExists, parse_watch
from newsmon.sources.resolve import NoFeedFound
from newsmon.sources.store import SourceError, SourceExists
from newsmon.web import search, sources, watches
from newsmon.web.context import blocking, web

WATCH_FIELDS = ("name", "query", "emails", "mode", "at", "tz", "languages", "sources", "sections", "enabled")


async def _body(request: Request) -> dict[str, Any]:
    if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
        raise HTTPException(415, "send the body as JSON (Content-Type: application/json)")
    try:
        body = json.loads(await request.body())
    except ValueError as error:
        raise HTTPException(400, f"the body is not valid JSON: {error}") from None
    if not isinstance(body, dict):
        raise HTTPException(400, "the body must be a JSON object")
    return body


def _watch_json(watch: Watch) -> dict[str, Any]:
    return watch.model_dump(mode="json")


def _refused(error: Exception) -> HTTPException:
    status = 409 if isinstance(error, (WatchExists, SourceExists)) else 400
    return HTTPException(status, str(error))


async def list_watches(request: Request) -> Response:
    found = await blocking(watches.store(web(request)).list)
    return JSONResponse({"watches": [_watch_json(w) for w in found]})


async def create_watch(request: Request) -> Response:
    body = await _body(request)
    fields = {k: v for k, v in body.items() if k in WATCH_FIELDS}
    try:
        watch = await blocking(lambda: watches.store(web(request)).add(parse_watch(fields)))
    except (QueryError, WatchError) as error:
        raise _refused(error) from None
    return JSONResponse(_watch_json(watch), status_code=201)


async def get_watch(request: Request) -> Response:
    return JSONResponse(_watch_json(await blocking(watches.existing, web(request), request.path_params["name"])))


async def patch_watch(request: Request) -> Response:
    body = await _body(request)
    changes = {k: v for k, v in body.items() if k in WATCH_FIELDS}
    try:
        watch = await blocking(watches.change, web(request), request.path_params["name"], changes)
    except (QueryError, WatchError) as error:
        raise _refused(error) from None
    return JSONResponse(_watch_json(watch))


async def delete_watch(request: Request) -> Response:
    context = web(request)
    name = request.path_params["name"]
    if not await blocking(watches.store(context).remove, name):
        raise HTTPException(404, f"no watch named {name!r}")
    return Response(status_code=204)


async def test_watch(request: Request) -> Response:
    context = web(request)
    watch = await blocking(watches.existing, context, request.path_params["name"])
    try:
        days = int(request.query_params.get("days", watches.PREVIEW_DAYS))
    except ValueError:
        raise HTTPException(400, "days must be a whole number of days, e.g. 7") from None
    if not 1 <= days <= 365:
        raise HTTPException(400, "days must be between 1 and 365")
    matches = await blocking(watches.trial, context, watch, days)
    stories = [{"story_id": m.story_id, **m.item.model_dump(mode="json")} for m in matches]
    return JSONResponse({"watch": watch.name, "days": days, "stories": stories})


async def list_sources(request: Request) -> Response:
    entries = await blocking(sources.described, web(request))
    return JSONResponse({"sources": [sources.as_json(e) for e in entries]})


async def create_source(request: Request) -> Response:
    body = await _body(request)
    context = web(request)
    try:
        feeds = body.get("feeds") or await blocking(sources.discover, context, body)
        source = await blocking(sources.save, context, body, feeds)
    except (SourceError, SourceExists, NoFeedFound) as error:
        raise _refused(error) from None
    return JSONResponse(source.model_dump(mode="json"), status_code=201)


async def delete_source(request: Request) -> Response:
    await blocking(sources.remove, web(request), request.path_params["name"])
    return Response(status_code=204)


async def search_articles(request: Request) -> Response:
    params = {k: request.query_params.get(k, "") for k in ("q", "since", "language", "source")}
    try:
        limit = int(request.query_params.get("limit", 20))
        hits = await blocking(search.run, web(request), **params, limit=max(1, min(limit, 500)))
    except (QueryError, ValueError) as error:
        raise HTTPException(400, str(error)) from None
    return JSONResponse({"results": [search.shown(hit) for hit in hits]})


async def list_alerts(request: Request) -> Response:
    context = web(request)
    name = request.query_params.get("watch")
    if name:
        await blocking(watches.existing, context, name)
    records = await blocking(watches.history, context, name or None)
    hidden = {"claim", "claimed_at", "watch_id"}  # internal to delivery
    return JSONResponse({"alerts": [{k: v for k, v in r.items() if k not in hidden} for r in records]})


routes = [
    Route("/api/watches", list_watches, methods=["GET"]),
    Route("/api/watches", create_watch, methods=["POST"]),
    Route("/api/watches/{name:path}/test", test_watch, methods=["POST"]),
    Route("/api/watches/{name:path}", get_watch, methods=["GET"]),
    Route("/api/watches/{name:path}", patch_watch, methods=["PATCH"]),
    Route("/api/watches/{name:path}", delete_watch, methods=["DELETE"]),
    Route("/api/sources", list_sources, methods=["GET"]),
    Route("/api/sources", create_source, methods=["POST"]),
    Route("/api/sources/{name}", delete_source, methods=["DELETE"]),
    Route("/api/search", search_articles, methods=["GET"]),
    Route("/api/alerts", list_alerts, methods=["GET"]),
]
