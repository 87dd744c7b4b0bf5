"""The web app served by a real uvicorn server on 127.0.0.1, in a thread, for API tests."""

from __future__ import annotations

import threading
import time

import uvicorn
from starlette.applications import Starlette

from tests.support.smtp import free_port


class WebServer:
    def __init__(self, app: Starlette) -> None:
        self.port = free_port()
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, lifespan="off", log_config=None)
        self._server = uvicorn.Server(config)  # outside the main thread it leaves signals alone
        self._thread = threading.Thread(target=self._server.run, daemon=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> WebServer:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            assert time.monotonic() < deadline and self._thread.is_alive(), "the web server did not start"
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
