"""Fault injection: the alert ledger's promise (every alert reaches each recipient once, under one Message-ID) against
kill -9 at each step between "matched" and "SMTP accepted", SMTP down, a slow SMTP server, the search node going
away mid-delivery and a leader frozen past its lease; and the crawl surviving errors in its pipelines.

`newsmon run` stops at a named point with NEWSMON_FAULT_POINT (see newsmon/faults.py). Everything is real: the
search node, an SMTP server on loopback, `newsmon run` processes, the fixture news site.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from opensearchpy import OpenSearch
from prometheus_client import REGISTRY
from pydantic import SecretStr

from devsupport import processes
from devsupport.site import FixtureSite
from devsupport.smtp import SmtpServer
from newsmon.alerts.delivery import SentJournal, deliver_due
from newsmon.alerts.ledger import AlertLedger
from newsmon.alerts.matching import match_batch
from newsmon.alerts.store import WatchStore
from newsmon.config import Settings
from newsmon.crawler.pipelines.dedupe import DedupePipeline
from newsmon.crawler.pipelines.indexing import IndexPipeline
from newsmon.index.client import make_client
from newsmon.index.spool import Spool
from newsmon.scheduler import jobs
from tests import test_service_e2e
from tests.test_alerts_support import article, watch, with_watches
from tests.test_index_articles import make_article
from tests.test_index_pipeline import LONG_BODY, Forwarder, crawler_for
from tests.test_service_e2e import Service, publish

pytestmark = pytest.mark.slow
service_env, services = test_service_e2e.service_env, test_service_e2e.services  # `newsmon run` fixtures

RECIPIENTS = ["a@example.test", "b@example.test"]
ATTACK = article("serangan", "Rusia menyerang Kharkiv", "Pasukan Rusia menyerang kota Kharkiv pada Selasa pagi.")
CLAIM_TIMEOUT = "2"  # seconds


def by_recipient(smtp: SmtpServer) -> dict[str, list[str]]:
    """Recipient -> the Message-IDs of the mails it received, in order."""
    received: dict[str, list[str]] = {}
    for message in list(smtp.messages):
        received.setdefault(message["X-Envelope-To"], []).append(message["Message-ID"])
    return received


def assert_once_each(smtp: SmtpServer, expected: dict[str, int]) -> None:
    received = by_recipient(smtp)
    assert {r: len(ids) for r, ids in received.items()} == expected, received
    assert all(len(set(ids)) == 1 for ids in received.values()), received  # a resend keeps its Message-ID


def wait_until(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def statuses(es: OpenSearch, settings: Settings, name: str) -> list[str]:
    return sorted(r.source["status"] for r in AlertLedger(es, settings).records(WatchStore(es, settings).get(name)))


@pytest.fixture
def env(service_env: dict[str, str], settings: Settings) -> dict[str, str]:
    """`newsmon run` settings with no sources (the test records the match itself) and a short claim timeout."""
    settings.config.write_text(yaml.safe_dump({"sources": []}), encoding="utf-8")
    return {**service_env, "NEWSMON_CLAIM_TIMEOUT": CLAIM_TIMEOUT}


def record_match(es: OpenSearch, settings: Settings) -> None:
    with_watches(es, settings, watch("Kharkiv", "kharkiv").model_copy(update={"emails": RECIPIENTS}))
    assert match_batch(es, settings, [ATTACK], now=datetime.now(UTC)) == ["Kharkiv"]


# -- kill -9 between "matched" and "SMTP accepted" ------------------------------------------------------------------

# The point is reached for the first recipient; only a kill between the server's 250 and the journal's fsync can
# make a second copy, and that copy carries the same Message-ID.
KILL_POINTS = {"after-claim": 1, "before-smtp": 1, "after-smtp": 2, "after-journal": 1, "after-sent-to": 1}


@pytest.mark.parametrize("point", KILL_POINTS)
def test_run_killed_during_delivery_sends_each_recipient_once(
    point: str, es, settings, env, smtp_server: SmtpServer, services: list[Service], tmp_path: Path
) -> None:
    record_match(es, settings)
    first = Service({**env, "NEWSMON_FAULT_POINT": point}, tmp_path / "killed.log", lease_ttl="3s")
    services.append(first)
    assert first.process.wait(timeout=60) == -signal.SIGKILL, first.log.read_text()[-3000:]

    second = Service(env, tmp_path / "restarted.log", lease_ttl="3s")
    services.append(second)
    wait_until(lambda: statuses(es, settings, "Kharkiv") == ["sent"], 60, "the alert to be sent")
    time.sleep(3)  # more delivery runs, past the claim timeout: nothing more may go out
    assert_once_each(smtp_server, {RECIPIENTS[0]: KILL_POINTS[point], RECIPIENTS[1]: 1})


def test_run_killed_after_match_alerts_once_after_restart(
    service_env, news_site: FixtureSite, smtp_server: SmtpServer, services: list[Service], tmp_path: Path
) -> None:
    publish(news_site, "jepang-bantu-nelayan", "Jepang bantu nelayan korban badai")
    first = Service({**service_env, "NEWSMON_FAULT_POINT": "after-match"}, tmp_path / "killed.log", lease_ttl="3s")
    services.append(first)
    assert first.process.wait(timeout=60) == -signal.SIGKILL, first.log.read_text()[-3000:]
    second = Service(service_env, tmp_path / "restarted.log", lease_ttl="3s")
    services.append(second)
    smtp_server.wait_for(1, timeout=60)
    time.sleep(4)
    assert_once_each(smtp_server, {"desk@example.test": 1})


# -- SMTP down, slow, refusing ------------------------------------------------------------------------------------


def test_smtp_down_between_two_recipients_then_back_sends_each_once(es, settings, smtp_server) -> None:
    accepted: list[int] = []
    # The server goes down after accepting the first mail: it answers 421 ("closing channel"), then stops.
    smtp_server.on_data = lambda: "421 4.3.2 shutting down" if accepted else accepted.append(1)
    record_match(es, settings)
    now = datetime.now(UTC)
    report = deliver_due(es, settings, now)
    assert report.emails_sent == 1
    smtp_server.stop()
    assert deliver_due(es, settings, now + timedelta(minutes=3)).emails_sent == 0  # still down: retried later
    smtp_server.on_data = None
    smtp_server.start()
    later = now + timedelta(hours=2)
    assert deliver_due(es, settings, later).emails_sent == 1
    assert deliver_due(es, settings, later + timedelta(hours=2)).emails_sent == 0
    assert_once_each(smtp_server, {RECIPIENTS[0]: 1, RECIPIENTS[1]: 1})


def test_slow_smtp_with_many_recipients_is_not_sent_twice_by_a_second_sender(es, settings) -> None:
    recipients = [f"r{n}@example.test" for n in range(8)]
    slow = SmtpServer(delay=0.4).start()
    try:
        quick_claims = settings.model_copy(update={"smtp_url": SecretStr(slow.url), "claim_timeout": 1.0})
        with_watches(es, quick_claims, watch("Kharkiv", "kharkiv").model_copy(update={"emails": recipients}))
        match_batch(es, quick_claims, [ATTACK], now=datetime.now(UTC))

        def deliver() -> None:
            deliver_due(make_client(quick_claims), quick_claims, datetime.now(UTC))

        first = threading.Thread(target=deliver)
        first.start()
        time.sleep(1.6)  # the first sender is still busy: 8 recipients x 0.4 s, against a 1 s claim timeout
        deliver()
        first.join(timeout=60)
        assert_once_each(slow, dict.fromkeys(recipients, 1))
        assert statuses(es, quick_claims, "Kharkiv") == ["sent"]
    finally:
        slow.stop()


def test_refused_recipient_is_marked_failed_shown_and_counted_not_retried(es, settings, monkeypatch) -> None:
    from typer.testing import CliRunner

    from newsmon.cli import app, context

    refusing = SmtpServer(refuse=frozenset({RECIPIENTS[1]})).start()
    try:
        refused = settings.model_copy(update={"smtp_url": SecretStr(refusing.url)})
        record_match(es, refused)
        before = REGISTRY.get_sample_value("newsmon_alerts_undeliverable_total") or 0.0
        jobs.deliver(es, refused)
        for hours in (1, 3, 30):  # later delivery runs do not knock on the refusing server again
            deliver_due(es, refused, datetime.now(UTC) + timedelta(hours=hours))
        assert refusing.rcpt_attempts.count(RECIPIENTS[1]) == 1
        assert_once_each(refusing, {RECIPIENTS[0]: 1})
        [record] = AlertLedger(es, refused).records(WatchStore(es, refused).get("Kharkiv"))
        assert record.source["status"] == "failed"
        assert "550" in record.source["error"] and RECIPIENTS[1] in record.source["error"]
        assert REGISTRY.get_sample_value("newsmon_alerts_undeliverable_total") == before + 1

        for name in ("es_url", "index_prefix", "config", "data_dir"):
            monkeypatch.setenv(f"NEWSMON_{name.upper()}", str(getattr(refused, name)))
        context.settings.cache_clear()
        shown = CliRunner().invoke(app, ["watch", "show", "Kharkiv"])
        context.settings.cache_clear()
        assert shown.exit_code == 0, shown.output
        assert "failed" in shown.output and RECIPIENTS[1] in shown.output and "550" in shown.output
    finally:
        refusing.stop()


# -- the search node goes away mid-delivery ------------------------------------------------------------------------


def test_search_node_lost_after_smtp_accepted_sends_each_recipient_once(es, settings, smtp_server, es_url) -> None:
    from urllib.parse import urlsplit

    target = urlsplit(es_url)
    relay = Forwarder((target.hostname, target.port)).start()
    try:
        through = settings.model_copy(update={"es_url": f"http://127.0.0.1:{relay.port}", "claim_timeout": 1.0})
        record_match(es, settings)
        smtp_server.on_data = relay.stop  # the node is unreachable from the moment the first mail is handed over
        now = datetime.now(UTC)
        with pytest.raises(Exception):  # noqa: B017 - whichever transport error the client raises
            deliver_due(make_client(through), through, now)
        smtp_server.on_data = None
        relay.start()
        time.sleep(1.2)
        deliver_due(make_client(through), through, datetime.now(UTC))
        assert_once_each(smtp_server, {RECIPIENTS[0]: 1, RECIPIENTS[1]: 1})
        assert statuses(es, settings, "Kharkiv") == ["sent"]
    finally:
        relay.stop()


# -- the leader -----------------------------------------------------------------------------------------------------


def test_leader_frozen_past_its_lease_neither_sends_nor_crawls_after_it_wakes(
    es, settings, env, news_site: FixtureSite, smtp_server: SmtpServer, services: list[Service], tmp_path: Path
) -> None:
    source = {"name": "kabar", "feeds": [news_site.url("/feed/")], "interval": "1s", "min_interval": "1s"}
    settings.config.write_text(yaml.safe_dump({"sources": [source]}), encoding="utf-8")
    frozen = {**env, "NEWSMON_FAULT_POINT": "before-smtp:stop", "NEWSMON_USER_AGENT": "newsmon-A"}
    leader = Service(frozen, tmp_path / "a.log", lease_ttl="3s")
    services.append(leader)
    leader.wait_role("leader")
    standby = Service({**env, "NEWSMON_USER_AGENT": "newsmon-B"}, tmp_path / "b.log", lease_ttl="3s")
    services.append(standby)
    standby.wait_role("standby")

    record_match(es, settings)
    wait_until(lambda: processes.state(leader.process.pid) == "T", 30, "the leader to freeze before SMTP")
    standby.wait_role("leader", timeout=30)
    smtp_server.wait_for(2, timeout=30)
    woke = len(news_site.requests)
    os.kill(leader.process.pid, signal.SIGCONT)
    time.sleep(5)

    assert_once_each(smtp_server, {RECIPIENTS[0]: 1, RECIPIENTS[1]: 1})
    assert leader.health().get("role") == "standby"
    late = [r.path for r in news_site.requests[woke:] if r.headers.get("User-Agent") == "newsmon-A"]
    assert late == [], "the old leader crawled after waking"


def test_leader_that_cannot_renew_stops_acting_before_its_lease_expires(
    env, es_url: str, services: list[Service], tmp_path: Path
) -> None:
    from urllib.parse import urlsplit

    target = urlsplit(es_url)
    relay = Forwarder((target.hostname, target.port)).start()
    try:
        leader = Service({**env, "NEWSMON_ES_URL": f"http://127.0.0.1:{relay.port}"}, tmp_path / "a.log", "3s")
        services.append(leader)
        leader.wait_role("leader")
        relay.stop()
        cut = time.monotonic()
        wait_until(lambda: leader.health().get("role") != "leader", 10, "the leader to step down")
        assert time.monotonic() - cut < 3  # before the lease it can no longer renew expires
    finally:
        relay.stop()


# -- the crawl survives errors in its pipelines; its workers die with it --------------------------------------------


def test_dedupe_error_neither_hangs_later_copies_nor_loses_them(settings, monkeypatch, caplog) -> None:
    monkeypatch.setenv("NEWSMON_FAULT_POINT", "dedupe-lookup:raise")
    copies = [make_article(f"/salinan{n}", body=LONG_BODY, source=f"outlet{n}") for n in range(3)]
    pipeline = DedupePipeline.from_crawler(crawler_for(settings))

    async def together() -> list:
        return await asyncio.gather(*(pipeline.process_item(c) for c in copies), return_exceptions=True)

    with caplog.at_level(logging.ERROR):
        done = asyncio.run(asyncio.wait_for(together(), 10))
    assert done == copies  # every copy goes on, none waits forever for the failed lookup
    assert copies[0].url in caplog.text


def test_index_error_spools_the_batch_and_logs_its_urls(settings, monkeypatch, caplog) -> None:
    monkeypatch.setenv("NEWSMON_FAULT_POINT", "index-write:raise")
    pipeline = IndexPipeline.from_crawler(crawler_for(settings))
    articles = [make_article(f"/n{n}", title=f"Berita nomor {n}") for n in range(2)]

    async def crawl() -> None:
        pipeline.open_spider()
        for item in articles:
            await pipeline.process_item(item)
        await pipeline.close_spider()

    with caplog.at_level(logging.ERROR):
        asyncio.run(crawl())
    assert Spool(settings.spool_dir).backlog() == 2
    assert articles[0].url in caplog.text


def test_killed_run_leaves_no_cleaning_worker_behind(
    service_env, news_site: FixtureSite, services: list[Service], tmp_path: Path
) -> None:
    publish(news_site, "jepang-bantu-nelayan", "Jepang bantu nelayan korban badai")
    run = Service(service_env, tmp_path / "run.log", lease_ttl="3s")
    services.append(run)
    workers: list[int] = []

    def spawned() -> bool:  # the resource tracker, the fork server and at least one cleaning worker
        workers[:] = processes.descendants(run.process.pid)
        return len(workers) >= 3

    wait_until(spawned, 60, "cleaning workers to start")
    run.kill()
    try:
        wait_until(lambda: not any(processes.alive(p) for p in workers), 10, "the workers to exit")
    finally:
        for pid in filter(processes.alive, workers):
            os.kill(pid, signal.SIGKILL)


def test_crawl_process_killed_while_its_fork_server_starts_leaves_nothing_behind() -> None:
    """The fork server is still importing the cleaning code when its crawl process dies: by the time it could look at
    its parent it has been re-parented (here to the test suite, a subreaper), so it must know whose it was."""
    script = "from newsmon.crawler import run\nif __name__ == '__main__':\n    run.process_pool()\n"
    crawl = subprocess.Popen([sys.executable, "-c", script])
    server: list[int] = []

    def started() -> bool:
        below = processes.descendants(crawl.pid)
        server[:] = [p for p in below if b"forkserver" in Path(f"/proc/{p}/cmdline").read_bytes()]
        return bool(server)

    try:
        wait_until(started, 30, "the fork server to start")
        crawl.kill()
        crawl.wait()
        wait_until(lambda: not processes.alive(server[0]), 10, "the fork server to exit")
    finally:
        for pid in filter(processes.alive, server):
            os.kill(pid, signal.SIGKILL)


# -- the journal and watch identity ---------------------------------------------------------------------------------


def test_sent_journal_keeps_only_unsettled_claims(es, settings, smtp_server) -> None:
    record_match(es, settings)
    deliver_due(es, settings, datetime.now(UTC))
    assert_once_each(smtp_server, {RECIPIENTS[0]: 1, RECIPIENTS[1]: 1})
    journal = SentJournal(settings).path
    assert not journal.exists() or journal.read_text() == ""


def test_removed_watch_alerts_never_go_to_a_new_watch_of_the_same_name(es, settings, smtp_server) -> None:
    store = with_watches(es, settings, watch("Harian", "kharkiv", mode="daily", at="08:00"))
    now = datetime.now(UTC)
    match_batch(es, settings, [ATTACK], now=now)
    store.remove("Harian")
    store.add(watch("Harian", "gaza", mode="daily", at="08:00").model_copy(update={"emails": ["new@example.test"]}))
    deliver_due(es, settings, now + timedelta(days=2))
    assert smtp_server.messages == []


def test_resume_does_not_backfill_the_pause_unless_asked(es, settings, smtp_server, monkeypatch) -> None:
    from typer.testing import CliRunner

    from newsmon.alerts.catchup import catch_up
    from newsmon.cli import app, context
    from tests.test_alerts_support import index_articles

    for name in ("es_url", "index_prefix", "config", "data_dir"):
        monkeypatch.setenv(f"NEWSMON_{name.upper()}", str(getattr(settings, name)))
    context.settings.cache_clear()
    runner = CliRunner()
    with_watches(es, settings, watch("Kharkiv", "kharkiv"), watch("Odesa", "odesa"))
    paused_at = datetime.now(UTC) - timedelta(hours=1)
    for name in ("Kharkiv", "Odesa"):
        assert runner.invoke(app, ["watch", "pause", name]).exit_code == 0
    odesa = article("odesa", "Odesa diserang", "Serangan drone di pelabuhan Odesa.")
    index_articles(es, settings, [ATTACK, odesa], indexed_at=paused_at + timedelta(minutes=10))
    assert runner.invoke(app, ["watch", "resume", "Kharkiv"]).exit_code == 0
    backfilled = runner.invoke(app, ["watch", "resume", "Odesa", "--backfill"])
    context.settings.cache_clear()
    assert backfilled.exit_code == 0, backfilled.output
    catch_up(es, settings, datetime.now(UTC) + timedelta(minutes=1))
    deliver_due(es, settings, datetime.now(UTC) + timedelta(minutes=2))
    received = Counter(m["Subject"] for m in smtp_server.messages)
    assert received == Counter({"[newsmon] Odesa: 1 new article": 1})


def test_lease_is_renewed_while_every_worker_thread_is_busy(settings, es) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from newsmon.scheduler import lease
    from newsmon.scheduler.service import Service as Scheduler

    lease.ensure(es, settings)
    service = Scheduler(settings, lease_ttl=timedelta(seconds=3))
    busy = threading.Event()

    async def scenario() -> float:
        loop = asyncio.get_running_loop()
        loop.set_default_executor(ThreadPoolExecutor(max_workers=2))
        stuck = [loop.run_in_executor(None, busy.wait) for _ in range(4)]  # crawls' and jobs' threads, all blocked
        started = time.monotonic()
        try:
            await service._hold_or_wait()
            return time.monotonic() - started
        finally:
            busy.set()
            await asyncio.gather(*stuck)
            await service._stop_jobs()

    took = asyncio.run(scenario())
    assert service.role == "leader" and took < 1.5
