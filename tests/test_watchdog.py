"""The service's watchdog names crawls that run too long and overdue feed polls."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

import pytest

from newsmon.config import Settings
from newsmon.scheduler import jobs


def test_watchdog_reports_a_stalled_crawl_and_overdue_polls(caplog: pytest.LogCaptureFixture) -> None:
    settings = Settings()
    crawls = jobs.Crawls(settings, client=None)  # type: ignore[arg-type]  # the watchdog reads only its own state
    now = datetime.now(UTC)
    loop = asyncio.new_event_loop()
    try:
        crawls.in_flight = {"slow": loop.create_future(), "fresh": loop.create_future()}
        crawls.started = {"slow": now - jobs.STALLED_AFTER - timedelta(minutes=1), "fresh": now}
        crawls.poll_lag = 900.0
        with caplog.at_level(logging.WARNING, logger="newsmon.scheduler.jobs"):
            jobs.watchdog(None, settings, crawls)  # type: ignore[arg-type]
    finally:
        loop.close()

    assert crawls.stalled(now) == ["slow"]
    messages = [r.getMessage() for r in caplog.records]
    assert any("slow" in m and "stalled" in m for m in messages)
    assert not any("fresh" in m for m in messages)
    assert any("900 s overdue" in m for m in messages)
