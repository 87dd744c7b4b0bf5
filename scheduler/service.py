"""`newsmon run`: one long-running process that polls, crawls, indexes and alerts on time.

Everything runs on one asyncio loop (Scrapy's asyncio reactor): APScheduler's AsyncIOScheduler with `async def`
jobs, crawls through Scrapy's runner in this process, blocking search/SMTP calls in worker threads with timeouts.
Only the holder of the scheduler lease schedules work; a second process waits as a standby. The lease is renewed
every quarter of its TTL on a thread of its own (never queued behind crawls or jobs in the shared worker threads).
A leader acts only while its last successful renewal started less than half a TTL ago: when renewals fail or hang
(node unreachable, process frozen), it stops starting jobs at once and steps down (stopping its crawls) well before
a standby can take the lease over. All state lives in the search node (feed state, watches, alert ledger, lease) or
in the on-disk spool, so a restart rebuilds the schedule.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
import signal
import socket
import time
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from newsmon.config import Settings, load_file
from newsmon.index.client import make_client
from newsmon.scheduler import jobs, metrics
from newsmon.scheduler.lease import Lease
from newsmon.scheduler.startup import prepare
from newsmon.web.app import announce_access, create_app, serve

log = logging.getLogger(__name__)


class Service:
    def __init__(self, settings: Settings, *, tick: float = 5.0, lease_ttl: timedelta = timedelta(seconds=30)) -> None:
        self.settings = settings
        self.tick = tick
        self.client = make_client(settings)
        self.holder = f"{socket.gethostname()}:{os.getpid()}:{random.randrange(1 << 30):x}"
        self.lease = Lease(self.client, settings, self.holder, ttl=lease_ttl)
        self.role = "starting"
        self.crawls = jobs.Crawls(settings, self.client, may_crawl=self.acting)
        self.scheduler: AsyncIOScheduler | None = None
        self.started_at = datetime.now(UTC)
        self.last_tick: datetime | None = None
        self.es_reachable = False
        self._stop = asyncio.Event()
        self._lease_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="lease")
        self._renewal: Future[bool] | None = None
        self._renewal_started = 0.0
        self._acting_until = 0.0  # monotonic time after which this process must not act as leader

    # -- health --------------------------------------------------------------------------------------
    def health(self) -> dict[str, Any]:
        now = datetime.now(UTC)
        lag = (now - self.last_tick).total_seconds() - self.tick if self.last_tick else None
        return {
            "ok": self.es_reachable and self.role in ("leader", "standby"),
            "role": self.role,
            "holder": self.holder,
            "search_reachable": self.es_reachable,
            "scheduler_lag_seconds": None if lag is None else max(0.0, round(lag, 3)),
            "crawls_in_flight": sorted(self.crawls.in_flight),
            "poll_lag_seconds": round(self.crawls.poll_lag, 3),
            "started_at": self.started_at.isoformat(),
        }

    # -- lifecycle -----------------------------------------------------------------------------------
    def stop(self) -> None:
        log.info("stopping: finishing in-flight crawls (items not yet indexed go to the spool)")
        self._stop.set()

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, self.stop)
        app = create_app(self.settings, health=self.health, rejections=lambda: self.crawls.rejections)
        server, serving = await serve(app, self.settings.http_port)
        announce_access(self.settings)
        try:
            await self._prepare()
            while not self._stop.is_set():
                await self._hold_or_wait()
                await self._sleep(self.lease.ttl.total_seconds() / 4)
        finally:
            await self._shutdown()
            server.should_exit = True
            await serving
            self._lease_thread.shutdown(wait=False)

    async def _prepare(self) -> None:
        while not self._stop.is_set():
            try:
                config = load_file(self.settings.config)
                await asyncio.wait_for(asyncio.to_thread(prepare, self.client, self.settings, config), 60)
                self.es_reachable = True
                return
            except Exception as error:  # the node may still be starting: keep trying, say why
                self.es_reachable = False
                log.warning("search node at %s not ready: %s", self.settings.es_url, error)
                await self._sleep(5)

    def acting(self) -> bool:
        """True while this process may act as leader: it holds the lease with time to spare."""
        return self.role == "leader" and time.monotonic() < self._acting_until

    async def _hold_or_wait(self) -> None:
        held = await self._renew()
        if held and self.role != "leader":
            log.info("leader: scheduling work (%s)", self.holder)
            self.role = "leader"
            metrics.LEADER.set(1)
            self._start_jobs()
        elif self.role == "leader" and not self.acting():
            log.warning("lost the scheduler lease or cannot renew it; going standby")
            await self._step_down()
        elif held is False and self.role not in ("standby", "leader"):
            log.info("standby: another process holds the scheduler lease")
            self.role = "standby"

    async def _renew(self) -> bool | None:
        """Try to take or renew the lease on the lease thread; None when the node did not answer in time."""
        ttl = self.lease.ttl.total_seconds()
        if self._renewal is None or self._renewal.done():  # a renewal still hanging is waited for, not stacked
            self._renewal = self._lease_thread.submit(self.lease.try_acquire)
            self._renewal_started = time.monotonic()
        try:
            held = await asyncio.wait_for(asyncio.shield(asyncio.wrap_future(self._renewal)), ttl / 4)
        except Exception as error:
            self.es_reachable = False
            log.warning("lease renewal failed: %s", error or error.__class__.__name__)
            return None
        self._renewal = None
        self.es_reachable = True
        if held:  # the lease runs a TTL from when the renewal was sent; act only for the first half of it
            self._acting_until = self._renewal_started + ttl / 2
        else:
            self._acting_until = 0.0
        return held

    def _start_jobs(self) -> None:
        scheduler = AsyncIOScheduler(timezone=UTC, job_defaults={"max_instances": 1, "coalesce": True})
        every = {"trigger": "interval", "misfire_grace_time": 30, "next_run_time": datetime.now(UTC)}
        scheduler.add_job(self._poll, seconds=self.tick, id="poll", **every)
        scheduler.add_job(self._job(jobs.deliver), seconds=self.tick, id="deliver", **every)
        scheduler.add_job(self._job(jobs.replay_spool), seconds=30, id="spool", **every)
        # A safety net for matches missed during an outage; it costs requests per watch, so it runs every 10 minutes.
        scheduler.add_job(self._job(jobs.catch_up), seconds=600, id="catch-up", **every)
        scheduler.add_job(self._job(jobs.watchdog, self.crawls), seconds=30, id="watchdog", **every)
        scheduler.start()
        self.scheduler = scheduler

    def _job(self, func: Any, *args: Any) -> Any:
        """A blocking job run in a worker thread with a timeout, so it never stalls the loop or stacks up; it starts
        only while this process may act as leader."""

        async def job() -> None:
            if not self.acting():
                return
            try:
                await asyncio.wait_for(asyncio.to_thread(func, self.client, self.settings, *args), 120)
            except Exception:
                log.exception("job %s failed; it runs again at its next time", func.__name__)

        job.__name__ = func.__name__
        return job

    async def _poll(self) -> None:
        self.last_tick = datetime.now(UTC)
        if not self.acting():
            return
        try:
            await self.crawls.start_due()
        except Exception:
            log.exception("poll failed; it runs again at its next time")

    async def _stop_jobs(self) -> None:
        if self.scheduler is not None:
            self.scheduler.shutdown(wait=False)
            self.scheduler = None
        await self.crawls.wait()

    async def _step_down(self) -> None:
        """Stop acting as leader now: no new jobs, in-flight crawls stopped (their items go to the index or spool)."""
        self.role = "standby"
        metrics.LEADER.set(0)
        self._acting_until = 0.0
        if self.scheduler is not None:
            self.scheduler.shutdown(wait=False)
            self.scheduler = None
        await self.crawls.stop()

    async def _shutdown(self) -> None:
        await self._stop_jobs()
        if self.role == "leader":
            await asyncio.to_thread(self.lease.release)
        metrics.LEADER.set(0)
        self.role = "stopped"

    async def _sleep(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stop.wait(), seconds)
