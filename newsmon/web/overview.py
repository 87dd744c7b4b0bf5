"""The overview page: each source's polling and output, the latest alerts, the spool backlog, search node health."""

from __future__ import annotations

from typing import Any

from opensearchpy import TransportError
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from newsmon.alerts.ledger import AlertLedger
from newsmon.index.cluster import cluster_health
from newsmon.index.spool import Spool
from newsmon.web import sources
from newsmon.web.context import WebContext, blocking, web
from newsmon.web.render import page


def node_health(context: WebContext) -> dict[str, Any]:
    """The cluster's status (green / yellow / red) and what `newsmon status` says of it, with the server's version."""
    try:
        version = context.client.info(request_timeout=3)["version"]
        health = cluster_health(context.client, context.settings)
    except TransportError as error:
        return {"status": "unreachable", "detail": f"{context.settings.es_url}: {error.__class__.__name__}"}
    server = f"{version.get('distribution', 'elasticsearch')} {version['number']}"
    return {"status": health.status, "detail": f"{server}: {health.describe()}"}


async def overview_page(request: Request) -> Response:
    context = web(request)
    node = await blocking(node_health, context)
    reachable = node["status"] != "unreachable"
    entries = await blocking(sources.described, context) if reachable else []
    alerts = await blocking(AlertLedger(context.client, context.settings).latest, None, 20) if reachable else []
    return page(
        request,
        "overview.html",
        {
            "entries": entries,
            "alerts": alerts,
            "backlog": await blocking(Spool(context.settings.spool_dir).backlog),
            "node": node,
            "service": await context.health_document(),
        },
    )


routes = [Route("/", overview_page, methods=["GET"])]
