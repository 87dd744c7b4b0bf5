"""Logging for the CLI and the service: plain lines, one JSON object per line with --json-logs, or on a terminal
with a live display, rich lines printed above that display."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

from rich.console import Console
from rich.logging import RichHandler


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        document = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            document["error"] = self.formatException(record.exc_info)
        return json.dumps(document, ensure_ascii=False)


def setup(*, json_lines: bool = False, level: int = logging.INFO, console: Console | None = None) -> None:
    """`console`: the terminal console of a live display; log lines then go through it, printed above the display."""
    handler: logging.Handler
    if console is not None:
        handler = RichHandler(console=console, show_path=False, log_time_format="%H:%M:%S")
        handler.setFormatter(logging.Formatter("%(name)s: %(message)s"))
    else:
        handler = logging.StreamHandler()
        handler.setFormatter(
            JsonFormatter() if json_lines else logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
        )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # Scrapy and the search client are chatty at INFO; their warnings and errors still come through.
    for noisy in ("scrapy", "opensearch", "urllib3", "twisted", "apscheduler", "trafilatura", "htmldate"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
