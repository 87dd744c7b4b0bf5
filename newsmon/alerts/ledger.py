"""The alert ledger: one record per (watch, story), created only if absent, so nothing is ever alerted twice.

A record moves pending -> sending (claimed, with a claim id) -> sent. A send that fails leaves it `failed` with a
`next_attempt_at`, which the next delivery run picks up again. `sent_to` lists the recipients whose SMTP server
accepted the mail, so a retry only goes to the ones still missing.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from opensearchpy import OpenSearch, helpers

from newsmon.alerts.model import AlertItem, Watch, watch_id
from newsmon.config import Settings
from newsmon.index.client import index_name

log = logging.getLogger(__name__)

OPEN = ("pending", "failed")

# A second outlet of a story already waiting is added to its record; a record being sent or sent stays as it is.
_MERGE = """
if (!params.open.contains(ctx._source.status)) { ctx.op = 'none'; return; }
boolean changed = false;
boolean known = false;
for (item in ctx._source.items) { if (item.article_id == params.item.article_id) { known = true; } }
if (!known) { ctx._source.items.add(params.item); changed = true; }
for (outlet in params.item.outlets) {
  if (!ctx._source.outlets.contains(outlet)) { ctx._source.outlets.add(outlet); changed = true; }
}
if (changed) { ctx._source.updated_at = params.now; } else { ctx.op = 'none'; }
"""


def alert_id(watch_name: str, story_id: str) -> str:
    return hashlib.sha256(f"{watch_id(watch_name)}\n{story_id}".encode()).hexdigest()[:32]


@dataclass(frozen=True)
class Match:
    watch: Watch
    story_id: str
    item: AlertItem


@dataclass
class Record:
    id: str
    source: dict[str, Any]
    seq_no: int
    primary_term: int

    @property
    def items(self) -> list[AlertItem]:
        return [AlertItem.model_validate(item) for item in self.source["items"]]


class AlertLedger:
    def __init__(self, client: OpenSearch, settings: Settings) -> None:
        self.client = client
        self.index = index_name(settings, "alerts")

    def record(self, matches: list[Match], now: datetime) -> int:
        """Record matches as pending alerts; returns how many new alerts were created (merges are not counted)."""
        if not matches:
            return 0
        creates = [
            {
                "_op_type": "create",
                "_index": self.index,
                "_id": alert_id(m.watch.name, m.story_id),
                "_source": self._new_record(m, now),
            }
            for m in matches
        ]
        created, errors = helpers.bulk(self.client, creates, raise_on_error=False, refresh=True)
        existing = {error["create"]["_id"] for error in errors if error["create"].get("status") == 409}
        for error in errors:
            if error["create"].get("status") != 409:
                log.error("alert ledger: could not record %s: %s", error["create"]["_id"], error["create"].get("error"))
        merges = [
            {
                "_op_type": "update",
                "_index": self.index,
                "_id": action["_id"],
                "script": {
                    "source": _MERGE,
                    "params": {"item": m.item.model_dump(mode="json"), "open": list(OPEN), "now": now.isoformat()},
                },
                "retry_on_conflict": 3,
            }
            for action, m in zip(creates, matches, strict=True)
            if action["_id"] in existing
        ]
        if merges:
            _, merge_errors = helpers.bulk(self.client, merges, raise_on_error=False, refresh=True)
            for error in merge_errors:
                log.error("alert ledger: could not add to %s: %s", error["update"]["_id"], error["update"].get("error"))
        return int(created)

    def open_records(self, now: datetime) -> list[Record]:
        """Pending records, and failed ones whose retry time has come."""
        query = {
            "bool": {
                "filter": [{"terms": {"status": list(OPEN)}}],
                "should": [
                    {"bool": {"must_not": {"exists": {"field": "next_attempt_at"}}}},
                    {"range": {"next_attempt_at": {"lte": now.isoformat()}}},
                ],
                "minimum_should_match": 1,
            }
        }
        return self._search(query)

    def stale_claims(self, before: datetime) -> list[Record]:
        return self._search(
            {
                "bool": {
                    "filter": [{"term": {"status": "sending"}}, {"range": {"claimed_at": {"lt": before.isoformat()}}}]
                }
            }
        )

    def records(self, watch_name: str) -> list[Record]:
        return self._search({"term": {"watch_id": watch_id(watch_name)}})

    def latest(self, watch_name: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
        """The newest alerts (of one watch, or of all), newest first, as stored plus ``id``: for people to read."""
        query = {"term": {"watch_id": watch_id(watch_name)}} if watch_name else {"match_all": {}}
        self.client.indices.refresh(index=self.index, ignore_unavailable=True)
        body = {"query": query, "size": limit, "sort": [{"created_at": "desc"}]}
        hits = self.client.search(index=self.index, body=body, ignore_unavailable=True)["hits"]["hits"]
        return [{**hit["_source"], "id": hit["_id"]} for hit in hits]

    def claim(self, records: list[Record], claim: str, now: datetime) -> list[Record]:
        """Mark records `sending` under `claim` (one bulk request); a record another process changed meanwhile is
        left to it."""
        if not records:
            return []
        change = {"status": "sending", "claim": claim, "claimed_at": now.isoformat()}
        body: list[dict[str, Any]] = []
        for record in records:
            guard = {"if_seq_no": record.seq_no, "if_primary_term": record.primary_term}
            body += [{"update": {"_index": self.index, "_id": record.id, **guard}}, {"doc": change}]
        claimed = []
        for record, item in zip(records, self.client.bulk(body=body, refresh=True)["items"], strict=True):
            outcome = item["update"]
            status = outcome.get("status", 500)
            if status >= 300:
                if status != 409:  # 409: changed by another process since we read it, which is expected
                    log.error("alert ledger: could not claim %s: %s", record.id, outcome.get("error"))
                continue
            record.source.update(status="sending", claim=claim)
            record.seq_no, record.primary_term = outcome["_seq_no"], outcome["_primary_term"]
            claimed.append(record)
        return claimed

    def add_recipient(self, record_ids: list[str], recipient: str) -> None:
        """Note that `recipient`'s server accepted the mail for these records (one bulk request)."""
        script = "if (!ctx._source.sent_to.contains(params.r)) { ctx._source.sent_to.add(params.r); }"
        actions = (
            {
                "_op_type": "update",
                "_index": self.index,
                "_id": record_id,
                "script": {"source": script, "params": {"r": recipient}},
                "retry_on_conflict": 3,
            }
            for record_id in record_ids
        )
        helpers.bulk(self.client, actions, refresh=True)

    def settle(self, record: Record, recipients: list[str], now: datetime, error: str | None = None) -> str:
        """After a send (or a reconciliation): `sent` when every recipient has it, else `failed` with a retry time."""
        current = self.client.get(index=self.index, id=record.id)["_source"]
        if set(recipients) <= set(current["sent_to"]):
            change: dict[str, Any] = {"status": "sent", "sent_at": now.isoformat(), "claim": None, "error": None}
        else:
            attempts = current["attempts"] + 1
            retry = now + min(timedelta(minutes=2**attempts), timedelta(hours=1))
            change = {"status": "failed", "attempts": attempts, "next_attempt_at": retry.isoformat(), "claim": None}
            change["error"] = error or "not every recipient accepted the mail"
        change["updated_at"] = now.isoformat()
        self.client.update(index=self.index, id=record.id, body={"doc": change}, refresh=True)
        return str(change["status"])

    def release(self, record: Record, now: datetime) -> None:
        """Give a claim whose fate is unknown back to the outbox (its process died before sending)."""
        change = {"status": "pending", "claim": None, "updated_at": now.isoformat()}
        self.client.update(index=self.index, id=record.id, body={"doc": change}, refresh=True)

    def _new_record(self, match: Match, now: datetime) -> dict[str, Any]:
        return {
            "watch_id": watch_id(match.watch.name),
            "watch": match.watch.name,
            "story_id": match.story_id,
            "status": "pending",
            "attempts": 0,
            "created_at": now.isoformat(),
            "updated_at": now.isoformat(),
            "sent_to": [],
            "outlets": list(match.item.outlets),
            "items": [match.item.model_dump(mode="json")],
        }

    def _search(self, query: dict[str, Any]) -> list[Record]:
        self.client.indices.refresh(index=self.index)
        hits = helpers.scan(self.client, index=self.index, query={"query": query, "seq_no_primary_term": True})
        return [Record(hit["_id"], hit["_source"], hit["_seq_no"], hit["_primary_term"]) for hit in hits]
