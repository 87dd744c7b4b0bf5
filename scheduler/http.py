"""A tiny HTTP endpoint on the service's event loop: /healthz (JSON) and /metrics (Prometheus text)."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

log = logging.getLogger(__name__)


async def serve(port: int, health: Callable[[], dict[str, Any]]) -> asyncio.Server:
    """Start serving on 0.0.0.0:port; `health()` builds the /healthz document ("ok": false -> HTTP 503)."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            request_line = await asyncio.wait_for(reader.readline(), timeout=5)
            while (await asyncio.wait_for(reader.readline(), timeout=5)) not in (b"\r\n", b"\n", b""):
                pass  # headers are not needed
            parts = request_line.decode("latin-1").split()
            path = parts[1] if len(parts) > 1 else "/"
            if path.startswith("/metrics"):
                status, ctype, body = 200, CONTENT_TYPE_LATEST, generate_latest()
            elif path.startswith("/healthz"):
                document = health()
                status = 200 if document.get("ok") else 503
                ctype, body = "application/json", json.dumps(document, default=str).encode()
            else:
                status, ctype, body = 404, "text/plain", b"not found\n"
            reason = {200: "OK", 404: "Not Found", 503: "Service Unavailable"}[status]
            head = f"HTTP/1.1 {status} {reason}\r\nContent-Type: {ctype}\r\nContent-Length: {len(body)}\r\n"
            writer.write(head.encode() + b"Connection: close\r\n\r\n" + body)
            await writer.drain()
        except (TimeoutError, ConnectionError) as error:
            log.debug("health endpoint: %s", error)
        finally:
            writer.close()

    return await asyncio.start_server(handle, "0.0.0.0", port)
