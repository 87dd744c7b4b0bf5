"""HTTP concerns of newsmon's requests that Scrapy does not cover itself."""

from __future__ import annotations

from scrapy import Request


class FeedValidatorsMiddleware:
    """Turn a feed's stored ETag / Last-Modified into a conditional GET, so an unchanged feed costs a 304."""

    def process_request(self, request: Request) -> None:
        state = request.meta.get("feed_state")
        if state is None:
            return
        if state.etag:
            request.headers.setdefault("If-None-Match", state.etag)
        if state.last_modified:
            request.headers.setdefault("If-Modified-Since", state.last_modified)
