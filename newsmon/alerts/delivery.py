"""The outbox: sends due alerts (immediately, or gathered into hourly/daily digests) to each recipient once.

Once per recipient, across crashes, stalls and a second sender:

1. Due records are claimed first: status `sending` with a fresh claim id (an optimistic-concurrency update, so two
   delivery runs never claim the same record). While the mail goes out, a thread of its own renews the claim every
   quarter of `claim_timeout`; before each mail the sender checks that its claim is still its own and was renewed
   within half the timeout, and stops if not (it stalled, or lost the search node), leaving the rest to whoever
   takes the claim over.
2. Each recipient's mail goes to SMTP. Once the server accepted it, the (claim, recipient, records) line is appended
   to a local journal and fsynced, and only then is the recipient added to the records' `sent_to`. A permanent
   refusal (5xx) is noted in the records' `refusals` and never retried.
3. Records whose every recipient accepted or refused the mail are settled (`sent`, or `failed` when one refused);
   the rest become `retrying` with a backoff and go, at a later run, only to the recipients still missing. Settling
   and releasing are guarded by the claim id, so a sender that lost its claim changes nothing.

A claim not renewed for `claim_timeout` (its run died) is reconciled by the next run: recipients found in the
journal for that claim are marked as served, the others get the mail again. The residual window for a second copy
is the instant between the SMTP server's "250 accepted" and the journal's fsync, a sender frozen in the middle of
talking to the SMTP server, or a journal on another host (it is per host: see the README). Even then the copy carries
the same Message-ID, derived from the alert records and the recipient, so mail clients show it as one message.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from opensearchpy import OpenSearch

from newsmon import faults
from newsmon.alerts.ledger import AlertLedger, Record, message_id
from newsmon.alerts.model import AlertItem, Watch
from newsmon.alerts.snippets import fill_snippets
from newsmon.alerts.store import WatchStore
from newsmon.config import Settings
from newsmon.links import page_links
from newsmon.mail.render import render_alert
from newsmon.mail.send import RefusedError, SendError, send_message

log = logging.getLogger(__name__)

JOURNAL_KEEP = timedelta(days=7)  # lines of a claim nobody settled (a crash between settle and prune) go after this


@dataclass
class DeliveryReport:
    emails_sent: int = 0
    alerts_sent: int = 0
    alerts_failed: int = 0  # sends that failed for now; retried later
    alerts_undeliverable: int = 0  # alerts a recipient's server refused for good
    errors: list[str] = field(default_factory=list)


class SentJournal:
    """Append-only log of mail the SMTP server accepted, kept apart from the search node so it survives either.

    Only unsettled claims need it: the lines of a claim are dropped once its records are settled in the ledger."""

    def __init__(self, settings: Settings) -> None:
        self.path = settings.data_dir / "outbox-sent.jsonl"

    def append(self, claim: str, recipient: str, record_ids: list[str]) -> None:
        entry = {"claim": claim, "recipient": recipient, "records": record_ids, "at": datetime.now(UTC).isoformat()}
        with self._locked(), self.path.open("a", encoding="utf-8") as journal:
            journal.write(json.dumps(entry) + "\n")
            journal.flush()
            os.fsync(journal.fileno())

    def recipients(self, claim: str, record_id: str) -> list[str]:
        return [e["recipient"] for e in self._entries() if e["claim"] == claim and record_id in e["records"]]

    def forget(self, claims: set[str]) -> None:
        """Drop the lines of settled claims (and any older than JOURNAL_KEEP), rewriting the file atomically."""
        if not self.path.exists():
            return
        oldest = (datetime.now(UTC) - JOURNAL_KEEP).isoformat()
        with self._locked():
            kept = [e for e in self._entries() if e["claim"] not in claims and e.get("at", oldest) > oldest]
            temporary = self.path.with_suffix(".tmp")
            temporary.write_text("".join(json.dumps(e) + "\n" for e in kept), encoding="utf-8")
            temporary.replace(self.path)

    def _entries(self) -> list[dict]:
        if not self.path.exists():
            return []
        return [json.loads(line) for line in self.path.read_text(encoding="utf-8").splitlines() if line]

    @contextmanager
    def _locked(self) -> Iterator[None]:
        """One writer at a time across processes sharing the data directory (appends against a rewrite)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path.with_suffix(".lock"), "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)


class ClaimKeeper:
    """Renews a claim on a thread of its own while its mail is sent, and says whether it is still safely ours."""

    def __init__(self, ledger: AlertLedger, claim: str, records: list[Record], timeout: float, now: datetime):
        self.ledger, self.claim, self.timeout, self.now = ledger, claim, timeout, now
        self.ids = [r.id for r in records]
        self.started = self.renewed = time.monotonic()
        self.lost: set[str] = set()
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._renew, name=f"claim-{claim[:8]}", daemon=True)

    def __enter__(self) -> ClaimKeeper:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._done.set()
        self._thread.join()

    def holds(self, record_ids: list[str]) -> bool:
        """Renewed within half the timeout (another run waits the whole timeout) and none of them taken over."""
        return time.monotonic() - self.renewed < self.timeout / 2 and not self.lost.intersection(record_ids)

    def _renew(self) -> None:
        while not self._done.wait(self.timeout / 4):
            attempt = time.monotonic()
            try:  # the claim's clock is the run's `now`, moved on by the time spent sending
                kept = self.ledger.renew(self.ids, self.claim, self.now + timedelta(seconds=attempt - self.started))
            except Exception as error:  # node unreachable: holds() turns false once the claim is too old to trust
                log.warning("outbox: could not renew claim %s: %s", self.claim, error)
                continue
            self.lost |= set(self.ids) - kept
            self.renewed = attempt


def deliver_due(client: OpenSearch, settings: Settings, now: datetime) -> DeliveryReport:
    """Send every alert that is due at `now`; failures stay in the outbox for the next run."""
    ledger, journal = AlertLedger(client, settings), SentJournal(settings)
    report = DeliveryReport()
    stale_before = now - timedelta(seconds=settings.claim_timeout)
    stale = ledger.stale_claims(stale_before)
    if stale:
        _reconcile(ledger, journal, _watches(client, settings), stale, stale_before, now)
    by_watch: dict[str, list[Record]] = defaultdict(list)
    for record in ledger.open_records(now):
        by_watch[record.source["watch_id"]].append(record)
    if not by_watch:
        return report  # the common case, every few seconds: nothing to send, so no need to read the watches
    watches = _watches(client, settings)
    for key, records in by_watch.items():
        watch = watches.get(key)
        if watch is None or not watch.enabled:
            continue  # paused: its alerts wait (the resumed watch gets them); removed: they were dropped with it
        due = [r for r in records if watch.delivery_due(datetime.fromisoformat(r.source["created_at"])) <= now]
        if due:
            _send_watch(settings, ledger, journal, watch, due, now, report)
    return report


def _send_watch(
    settings: Settings,
    ledger: AlertLedger,
    journal: SentJournal,
    watch: Watch,
    records: list[Record],
    now: datetime,
    report: DeliveryReport,
) -> None:
    records = sorted(records, key=lambda r: r.source["created_at"])
    # Snippets before claiming: if the search node fails here, nothing is left claimed until the claim times out.
    entries = [_story_item(r) for r in records]
    items = dict(zip([r.id for r in records], fill_snippets(ledger.client, settings, watch, entries), strict=True))
    claim = uuid.uuid4().hex
    records = ledger.claim(records, claim, now)
    faults.point("after-claim")
    error = None
    with ClaimKeeper(ledger, claim, records, settings.claim_timeout, now) as keeper:
        for recipient in watch.emails:
            batch = [r for r in records if recipient not in r.source["sent_to"] and recipient not in r.refused]
            if not batch:
                continue
            ids = [r.id for r in batch]
            message = render_alert(
                watch,
                [items[r.id] for r in batch],
                recipient,
                settings.mail_from,
                message_id(ids, recipient),
                links=page_links(settings),
            )
            faults.point("before-smtp")
            if not keeper.holds(ids):
                log.warning(
                    "watch %r: claim %s lapsed (stalled or search node unreachable); stopping", watch.name, claim
                )
                return  # whoever takes the claim over sends the rest; settling is no longer ours either
            try:
                send_message(settings.smtp, message)
            except RefusedError as refusal:
                log.error("watch %r: the mail server refused %s for good: %s", watch.name, recipient, refusal)
                ledger.refuse(ids, recipient, str(refusal))
                continue
            except SendError as failure:
                error = str(failure)
                log.error("watch %r: mail to %s not sent, will retry: %s", watch.name, recipient, error)
                report.errors.append(error)
                continue
            faults.point("after-smtp")
            journal.append(claim, recipient, ids)
            faults.point("after-journal")
            ledger.add_recipient(ids, recipient)
            faults.point("after-sent-to")
            report.emails_sent += 1
    for record in records:
        _count(report, ledger.settle(record, watch.emails, now, error))
    journal.forget({claim})


def _count(report: DeliveryReport, status: str | None) -> None:
    if status == "sent":
        report.alerts_sent += 1
    elif status == "failed":
        report.alerts_undeliverable += 1
    elif status == "retrying":
        report.alerts_failed += 1


def _story_item(record: Record) -> AlertItem:
    """One entry per story: its first article, credited to every outlet that carried it."""
    first = record.items[0]
    return first.model_copy(update={"outlets": record.source["outlets"]})


def _watches(client: OpenSearch, settings: Settings) -> dict[str, Watch]:
    return {w.id: w for w in WatchStore(client, settings).list()}


def _reconcile(
    ledger: AlertLedger,
    journal: SentJournal,
    watches: dict[str, Watch],
    stale: list[Record],
    stale_before: datetime,
    now: datetime,
) -> None:
    """Settle claims left by a run that died: what the journal says was accepted counts as sent."""
    settled = set()
    for record in stale:
        accepted = journal.recipients(record.source["claim"], record.id)
        for recipient in accepted:
            ledger.add_recipient([record.id], recipient)
        watch = watches.get(record.source["watch_id"])
        served = set(accepted) | set(record.source["sent_to"]) | set(record.refused)
        if watch and set(watch.emails) <= served:
            done = ledger.settle(record, watch.emails, now, stale_before=stale_before) is not None
        else:
            done = ledger.release(record, now, stale_before)
        if done:
            settled.add(record.source["claim"])
            log.warning("outbox: took over alert %s left in sending by a run that stopped", record.id)
    journal.forget(settled)
