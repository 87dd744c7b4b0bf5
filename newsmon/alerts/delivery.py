"""The outbox: sends due alerts (immediately, or gathered into hourly/daily digests) exactly once.

Exactly once, across crashes:

1. Due records are claimed first: status `sending` with a fresh claim id (an optimistic-concurrency update, so two
   delivery runs never claim the same record).
2. Each recipient's mail goes to SMTP. Once the server accepted it, the (claim, recipient, records) line is appended
   to a local journal and fsynced, and only then is the recipient added to the records' `sent_to`.
3. Records whose every recipient is in `sent_to` become `sent`; the rest become `failed` with a backoff and are
   retried by a later run, only to the recipients still missing.

A run that dies leaves records in `sending`. After CLAIM_TIMEOUT the next run reconciles them: recipients found in
the journal for that claim are marked as served, the others get the mail again. The residual window for a double
send is the instant between the SMTP server's "250 accepted" and the journal's fsync (microseconds, not the whole
send-and-mark round trip), or losing the data directory itself. The Message-ID is derived from the claim and the
recipient, so even then most mail clients show the duplicate as one message.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from opensearchpy import OpenSearch

from newsmon import faults
from newsmon.alerts.ledger import AlertLedger, Record
from newsmon.alerts.model import AlertItem, Watch
from newsmon.alerts.store import WatchStore
from newsmon.config import Settings
from newsmon.mail.render import render_alert
from newsmon.mail.send import SendError, send_message

log = logging.getLogger(__name__)


@dataclass
class DeliveryReport:
    emails_sent: int = 0
    alerts_sent: int = 0
    alerts_failed: int = 0
    errors: list[str] = field(default_factory=list)


class SentJournal:
    """Append-only log of mail the SMTP server accepted, kept apart from the search node so it survives either."""

    def __init__(self, settings: Settings) -> None:
        self.path = settings.data_dir / "outbox-sent.jsonl"

    def append(self, claim: str, recipient: str, record_ids: list[str]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        line = json.dumps({"claim": claim, "recipient": recipient, "records": record_ids}) + "\n"
        with self.path.open("a", encoding="utf-8") as journal:
            journal.write(line)
            journal.flush()
            os.fsync(journal.fileno())

    def recipients(self, claim: str, record_id: str) -> list[str]:
        if not self.path.exists():
            return []
        entries = (json.loads(line) for line in self.path.read_text(encoding="utf-8").splitlines() if line)
        return [e["recipient"] for e in entries if e["claim"] == claim and record_id in e["records"]]


def deliver_due(client: OpenSearch, settings: Settings, now: datetime) -> DeliveryReport:
    """Send every alert that is due at `now`; failures stay in the outbox for the next run."""
    ledger, journal = AlertLedger(client, settings), SentJournal(settings)
    report = DeliveryReport()
    stale = ledger.stale_claims(now - settings.claim_timeout)
    if stale:
        _reconcile(ledger, journal, _watches(client, settings), stale, now)
    by_watch: dict[str, list[Record]] = defaultdict(list)
    for record in ledger.open_records(now):
        by_watch[record.source["watch"]].append(record)
    if not by_watch:
        return report  # the common case, every few seconds: nothing to send, so no need to read the watches
    watches = _watches(client, settings)
    for name, records in by_watch.items():
        watch = watches.get(name)
        if watch is None or not watch.enabled:
            continue  # removed or paused: its alerts wait (a resumed watch gets them)
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
    claim = uuid.uuid4().hex
    records = ledger.claim(sorted(records, key=lambda r: r.source["created_at"]), claim, now)
    faults.point("after-claim")
    error = None
    for recipient in watch.emails:
        batch = [r for r in records if recipient not in r.source["sent_to"]]
        if not batch:
            continue
        tag = hashlib.sha256(recipient.encode()).hexdigest()[:12]
        message = render_alert(
            watch, [_story_item(r) for r in batch], recipient, settings.mail_from, f"<{claim}.{tag}@newsmon>"
        )
        try:
            faults.point("before-smtp")
            send_message(settings.smtp, message)
        except SendError as failure:
            error = str(failure)
            log.error("watch %r: mail to %s not sent, will retry: %s", watch.name, recipient, error)
            report.errors.append(error)
            continue
        faults.point("after-smtp")
        ids = [r.id for r in batch]
        journal.append(claim, recipient, ids)
        faults.point("after-journal")
        ledger.add_recipient(ids, recipient)
        faults.point("after-sent-to")
        report.emails_sent += 1
    for record in records:
        status = ledger.settle(record, watch.emails, now, error)
        if status == "sent":
            report.alerts_sent += 1
        else:
            report.alerts_failed += 1


def _story_item(record: Record) -> AlertItem:
    """One entry per story: its first article, credited to every outlet that carried it."""
    first = record.items[0]
    return first.model_copy(update={"outlets": record.source["outlets"]})


def _watches(client: OpenSearch, settings: Settings) -> dict[str, Watch]:
    return {w.name: w for w in WatchStore(client, settings).list()}


def _reconcile(
    ledger: AlertLedger, journal: SentJournal, watches: dict[str, Watch], stale: list[Record], now: datetime
) -> None:
    """Settle claims left by a run that died: what the journal says was accepted counts as sent."""
    for record in stale:
        accepted = journal.recipients(record.source["claim"], record.id)
        for recipient in accepted:
            ledger.add_recipient([record.id], recipient)
        watch = watches.get(record.source["watch"])
        if watch and accepted and set(watch.emails) <= set(accepted) | set(record.source["sent_to"]):
            ledger.settle(record, watch.emails, now)
        else:
            ledger.release(record, now)
        log.warning("outbox: reconciled alert %s left in sending by an earlier run", record.id)
