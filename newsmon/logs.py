"""Logging for the CLI and the service: plain lines, or one JSON object per line with --json-logs."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime


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


def setup(*, json_lines: bool = False, level: int = logging.INFO) -> None:
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
