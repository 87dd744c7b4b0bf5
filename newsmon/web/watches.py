"""Watch pages: list, create and edit with a preview of the last 7 days, pause/resume/delete, alert history; and
the one-click pause link of the alert emails. The API (web.api) shares the operations below."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from newsmon.alerts.catchup import preview
from newsmon.alerts.ledger import AlertLedger, Match
from newsmon.alerts.model import Watch
from newsmon.alerts.query import QueryError
from newsmon.alerts.store import WatchError, WatchStore, check_query, parse_watch
from newsmon.links import paused_watch_id
from newsmon.sources.store import list_sources
from newsmon.web.access import checked_form
from newsmon.web.context import WebContext, blocking, web
from newsmon.web.render import fragment, page, path

PREVIEW_DAYS = 7
_SPLIT = re.compile(r"[\s,;]+")


# -- operations (page and API) ---------------------------------------------------------------------------------
def store(context: WebContext) -> WatchStore:
    return WatchStore(context.client, context.settings)


def existing(context: WebContext, name: str) -> Watch:
    watch = store(context).get(name)
    if watch is None:
        raise HTTPException(404, f"no watch named {name!r}")
    return watch


def change(context: WebContext, name: str, changes: dict[str, Any]) -> Watch:
    """Apply `changes` (any watch fields but the name) to the named watch; WatchError/QueryError when invalid."""
    current = existing(context, name)
    fields = current.model_dump() | {k: v for k, v in changes.items() if k not in ("name", "created_at")}
    return store(context).update(parse_watch(fields))


def trial(context: WebContext, watch: Watch, days: int = PREVIEW_DAYS) -> list[Match]:
    """What the watch would have sent over the last `days` days (the engine of `newsmon watch test`)."""
    return preview(context.client, context.settings, watch, days, datetime.now(UTC))


def history(context: WebContext, name: str | None, limit: int = 100) -> list[dict[str, Any]]:
    watch = existing(context, name) if name else None  # alerts are keyed by the watch's id, not its name
    return AlertLedger(context.client, context.settings).latest(watch, limit)


def fields_from_form(form: FormData) -> dict[str, Any]:
    """Watch fields from the page's form: recipients split on commas, spaces or lines; empty `at` left out."""
    fields: dict[str, Any] = {
        "name": str(form.get("name", "")),
        "query": str(form.get("query", "")),
        "emails": [e for e in _SPLIT.split(str(form.get("emails", ""))) if e],
        "mode": str(form.get("mode", "immediate")),
        "tz": str(form.get("tz", "") or "UTC").strip(),
        "languages": [str(v) for v in form.getlist("languages")],
        "sources": [str(v) for v in form.getlist("sources")],
    }
    if form.get("at"):
        fields["at"] = str(form["at"])
    return fields


# -- pages -------------------------------------------------------------------------------------------------
async def list_page(request: Request) -> Response:
    watches = await blocking(store(web(request)).list)
    return page(request, "watches.html", {"watches": watches})


async def _form_page(
    request: Request,
    fields: dict[str, Any],
    *,
    watch: Watch | None = None,
    error: str | None = None,
    with_preview: bool = False,
    status: int = 200,
) -> Response:
    context = web(request)
    preview_error, matches = error, None
    if with_preview and not error:
        preview_error, matches = await _preview(context, fields)
    alerts = await blocking(history, context, watch.name) if watch else []
    configured = await blocking(list_sources, context.settings.config)
    return page(
        request,
        "watch.html",
        {
            "watch": watch,
            "fields": fields,
            "error": error,
            "preview": {"error": preview_error, "matches": matches, "days": PREVIEW_DAYS},
            "alerts": alerts,
            "configured_sources": [s.name for s in configured],
        },
        status,
    )


async def _preview(context: WebContext, fields: dict[str, Any]) -> tuple[str | None, list[Match] | None]:
    try:
        watch = parse_watch({**fields, "name": fields.get("name") or "preview", "emails": ["preview@newsmon.invalid"]})
        check_query(watch.query)
        return None, await blocking(trial, context, watch)
    except (QueryError, WatchError) as error:
        return str(error), None


async def new_page(request: Request) -> Response:
    query = request.query_params.get("query", "")
    fields = {"name": "", "query": query, "emails": [], "mode": "immediate", "tz": "UTC", "languages": []}
    fields["sources"] = [s for s in request.query_params.getlist("source") if s]
    if request.query_params.get("language"):
        fields["languages"] = [request.query_params["language"]]
    return await _form_page(request, fields, with_preview=bool(query))


async def create(request: Request) -> Response:
    form = await checked_form(request)
    fields = fields_from_form(form)
    if form.get("do") == "preview":
        return await _form_page(request, fields, with_preview=True)
    try:
        watch = await blocking(lambda: store(web(request)).add(parse_watch(fields)))
    except (QueryError, WatchError) as error:
        return await _form_page(request, fields, error=str(error), status=400)
    return RedirectResponse(f"/watches/{path(watch.name)}", 303)


async def watch_page(request: Request) -> Response:
    watch = await blocking(existing, web(request), request.path_params["name"])
    return await _form_page(request, watch.model_dump(mode="json"), watch=watch)


async def update(request: Request) -> Response:
    context = web(request)
    name = request.path_params["name"]
    form = await checked_form(request)
    watch = await blocking(existing, context, name)
    action = form.get("do")
    if action == "delete":
        await blocking(store(context).remove, name)
        return RedirectResponse("/watches", 303)
    if action in ("pause", "resume"):
        await blocking(store(context).pause if action == "pause" else store(context).resume, name)
        return RedirectResponse(f"/watches/{path(name)}", 303)
    fields = {**fields_from_form(form), "name": watch.name}
    if action == "preview":
        return await _form_page(request, fields, watch=watch, with_preview=True)
    try:
        await blocking(change, context, name, fields)
    except (QueryError, WatchError) as error:
        return await _form_page(request, fields, watch=watch, error=str(error), status=400)
    return RedirectResponse(f"/watches/{path(name)}", 303)


async def live_preview(request: Request) -> Response:
    """The preview block alone, for the form's script (typing updates it without a reload)."""
    form = await checked_form(request)
    error, matches = await _preview(web(request), fields_from_form(form))
    return fragment("preview.html", {"preview": {"error": error, "matches": matches, "days": PREVIEW_DAYS}})


# -- one-click pause (RFC 8058): the token is the authorisation, so no login and no CSRF token ---------------------
async def _watch_for_token(request: Request) -> Watch:
    context = web(request)
    wanted = paused_watch_id(context.key, request.path_params["token"])
    watch = await blocking(store(context).get_by_id, wanted) if wanted else None
    if watch is None:
        raise HTTPException(404, "this pause link is not valid (or its watch was deleted)")
    return watch


async def pause_confirm(request: Request) -> Response:
    # A GET never pauses: mail scanners open links. The button posts, as the one-click POST of mail clients does.
    watch = await _watch_for_token(request)
    return page(request, "pause.html", {"watch": watch, "done": False})


async def pause_now(request: Request) -> Response:
    watch = await _watch_for_token(request)
    await blocking(store(web(request)).pause, watch.name)
    return page(request, "pause.html", {"watch": watch, "done": True})


routes = [
    Route("/watches", list_page, methods=["GET"]),
    Route("/watches/new", new_page, methods=["GET"]),
    Route("/watches/new", create, methods=["POST"]),
    Route("/watches/preview", live_preview, methods=["POST"]),
    Route("/watches/{name:path}", watch_page, methods=["GET"]),
    Route("/watches/{name:path}", update, methods=["POST"]),
    Route("/pause/{token}", pause_confirm, methods=["GET"]),
    Route("/pause/{token}", pause_now, methods=["POST"]),
]
