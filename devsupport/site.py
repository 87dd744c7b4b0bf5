"""A real HTTP server on 127.0.0.1 that serves fixture news sites, and lets a test change them while they are read.

Routes are plain data: path -> Route. The literal text ``{BASE}`` in a body is replaced by the server's base URL
when served, so fixture feeds can carry absolute links. Every request is logged, so tests can assert on what the
crawler asked for (and what it never asked for).
"""

from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures"

_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".xml": "application/rss+xml; charset=utf-8",
    ".atom": "application/atom+xml; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
}


@dataclass
class Route:
    body: bytes
    content_type: str = "text/html; charset=utf-8"
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before answering
    hang: bool = False  # never answer (until the server stops)
    conditional: bool = True  # answer If-None-Match / If-Modified-Since with 304
    etag: str | None = None  # fixed validator; default: a hash of the body (a server that "lies" sets this)
    last_modified: str | None = None
    then: Route | None = None  # served from the second request on (e.g. a 429 first, the page after)


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    status: int = 0


class FixtureSite:
    def __init__(self, host: str = "127.0.0.1") -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[Request] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server = ThreadingHTTPServer((host, 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    # -- lifecycle -------------------------------------------------------------------------------------
    def start(self) -> FixtureSite:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()

    @property
    def base(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def url(self, path: str) -> str:
        return self.base + path

    # -- content -------------------------------------------------------------------------------------
    def set(self, path: str, body: bytes | str, content_type: str | None = None, **options: object) -> Route:
        data = body.encode("utf-8") if isinstance(body, str) else body
        route = Route(data, content_type or _TYPES.get(Path(path).suffix, "text/html; charset=utf-8"), **options)
        with self._lock:
            self.routes[path] = route
        return route

    def set_file(self, path: str, fixture: str, content_type: str | None = None, **options: object) -> Route:
        """Serve tests/fixtures/<fixture> at path."""
        file = FIXTURES / fixture
        return self.set(path, file.read_bytes(), content_type or _TYPES.get(file.suffix), **options)

    def add_rss_item(self, path: str, item_xml: str) -> None:
        """Insert an <item> at the top of the RSS feed served at path (a new article appears)."""
        with self._lock:
            route = self.routes[path]
            text = route.body.decode("utf-8")
            at = text.index("<item>") if "<item>" in text else text.index("</channel>")
            route.body = (text[:at] + item_xml + text[at:]).encode("utf-8")

    def requested(self, path: str) -> list[Request]:
        with self._lock:
            return [r for r in self.requests if r.path == path]

    # -- serving -------------------------------------------------------------------------------------
    def _handler(self) -> type[BaseHTTPRequestHandler]:
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:  # keep test output quiet
                pass

            def do_HEAD(self) -> None:
                self.do_GET(send_body=False)

            def do_GET(self, send_body: bool = True) -> None:
                path = self.path
                with site._lock:
                    route = site.routes.get(path) or site.routes.get(path.split("?", 1)[0])
                    record = Request(self.command, path, dict(self.headers.items()))
                    site.requests.append(record)
                    if route is not None and route.then is not None:
                        site.routes[path] = route.then
                if route is None:
                    route = Route(b"not found", "text/plain", status=404)
                if route.hang:
                    site._stopping.wait()
                    return
                if route.delay:
                    time.sleep(route.delay)
                body = route.body.replace(b"{BASE}", site.base.encode())
                etag = route.etag or '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
                headers = {"ETag": etag, **route.headers}
                if route.last_modified:
                    headers["Last-Modified"] = route.last_modified
                not_modified = (
                    route.conditional
                    and route.status == 200
                    and (
                        self.headers.get("If-None-Match") == etag
                        or (route.last_modified and self.headers.get("If-Modified-Since") == route.last_modified)
                    )
                )
                status = 304 if not_modified else route.status
                record.status = status
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                if status == 304:
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_header("Content-Type", route.content_type)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Date", formatdate(usegmt=True))
                self.end_headers()
                if send_body:
                    self.wfile.write(body)

        return Handler
