"""The web page and JSON API, one Starlette app: served by `newsmon run` on its own event loop beside the crawls,
or alone by `newsmon web`.

Routes are grouped by who may call them (see `access`): /healthz, /metrics and the one-click pause link are open;
everything else needs the admin login (or HTTP Basic for /api/), or, with no NEWSMON_ADMIN_PASSWORD, a request
from this machine.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Iterator
from typing import Any

import uvicorn
from opensearchpy import ConnectionError as NodeUnreachable
from opensearchpy import TransportError
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from newsmon.config import Settings
from newsmon.index.client import make_client
from newsmon.links import secret_key
from newsmon.web import access, api, articles, overview, search, sources, watches
from newsmon.web.context import Rejections, WebContext
from newsmon.web.render import page

log = logging.getLogger(__name__)


def create_app(
    settings: Settings,
    *,
    health: Callable[[], dict[str, Any]] | None = None,
    rejections: Rejections | None = None,
) -> Starlette:
    """The app. `health` builds the /healthz document ("ok": false -> 503; default: whether the search node
    answers); `rejections` gives the service's recent article rejections per source (none under `newsmon web`)."""
    context = WebContext(settings, make_client(settings), secret_key(settings), health, rejections)

    async def healthz(request: Request) -> JSONResponse:
        document = await context.health_document()
        return JSONResponse(document, status_code=200 if document.get("ok") else 503)

    async def metrics(request: Request) -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    routes: list[BaseRoute] = [
        Route("/healthz", healthz),
        Route("/metrics", metrics),
        *access.routes,
        *api.routes,
        *overview.routes,
        *watches.routes,
        *sources.routes,
        *search.routes,
        *articles.routes,
    ]
    app = Starlette(
        routes=routes,
        middleware=[
            Middleware(
                SessionMiddleware,
                secret_key=context.key,
                session_cookie="newsmon_session",
                same_site="lax",
                https_only=bool(settings.public_url and settings.public_url.startswith("https:")),
            ),
            Middleware(access.Gate, password=settings.admin_password),
        ],
        exception_handlers={HTTPException: _http_error, TransportError: _node_error},
    )
    app.state.web = context
    return app


async def _http_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, HTTPException)
    if request.url.path.startswith("/api/"):
        return JSONResponse({"error": error.detail}, status_code=error.status_code, headers=error.headers)
    return page(request, "message.html", {"title": "Not possible", "message": error.detail}, error.status_code)


async def _node_error(request: Request, error: Exception) -> Response:
    settings: Settings = request.app.state.web.settings
    if isinstance(error, NodeUnreachable):
        message = f"the search node at {settings.es_url} does not answer; try again in a moment"
    else:
        message = f"the search node refused the request ({error.__class__.__name__})"
    log.warning("web: %s %s: %s", request.method, request.url.path, error)
    if request.url.path.startswith("/api/"):
        return JSONResponse({"error": message}, status_code=503)
    return page(request, "message.html", {"title": "Search node unavailable", "message": message}, 503)


def announce_access(settings: Settings) -> None:
    """Say at start where the page is and who may open it."""
    where = f"web page, API, /healthz and /metrics on port {settings.http_port}"
    if settings.admin_password is None:
        log.warning("%s; NEWSMON_ADMIN_PASSWORD is not set, so the page and API answer only from this machine", where)
    else:
        log.info("%s; the page asks for the admin password (API: HTTP Basic, user admin)", where)


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield  # the service (or `newsmon web`) handles SIGTERM/SIGINT itself and stops the server


async def serve(app: Starlette, port: int, host: str = "0.0.0.0") -> tuple[uvicorn.Server, asyncio.Task[None]]:
    """Start serving `app` on the running loop; returns the server (set `should_exit` to stop) and its task, once
    the port is open."""
    config = uvicorn.Config(app, host=host, port=port, lifespan="off", log_config=None, access_log=False)
    server = _Server(config)
    task = asyncio.ensure_future(server.serve())
    while not server.started:
        if task.done():
            task.result()  # raises the start-up error (port taken...)
            raise OSError(f"the web server on port {port} did not start")
        await asyncio.sleep(0.02)
    return server, task
