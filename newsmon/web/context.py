"""What every route needs: the settings, one search-node client, the signing key, and views of the running service."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from opensearchpy import OpenSearch
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from newsmon.config import Settings

# source -> (when its last crawl ended, rejection reason -> count), kept by `newsmon run` in memory.
Rejections = Callable[[], dict[str, tuple[datetime, dict[str, int]]]]


@dataclass
class WebContext:
    settings: Settings
    client: OpenSearch
    key: str
    health: Callable[[], dict[str, Any]] | None = None
    rejections: Rejections | None = None

    async def health_document(self) -> dict[str, Any]:
        if self.health is not None:
            return self.health()
        reachable = await run_in_threadpool(self.client.ping)
        return {"ok": reachable, "role": "web", "search_reachable": reachable}


def web(request: Request) -> WebContext:
    return request.app.state.web


async def blocking(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Run a blocking call (search node, SMTP, feed discovery) in a worker thread, off the event loop."""
    return await run_in_threadpool(func, *args, **kwargs)
