"""Single leader: a lease document in the search node with an expiry, taken and renewed with optimistic
concurrency (seq_no/primary_term), so two `newsmon run` processes never both schedule work."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from opensearchpy import ConflictError, NotFoundError, OpenSearch

from newsmon.config import Settings
from newsmon.index.client import index_name, index_settings

log = logging.getLogger(__name__)

LEASE_ID = "scheduler"
MAPPING = {
    "dynamic": "false",
    "properties": {"holder": {"type": "keyword"}, "expires_at": {"type": "date"}, "acquired_at": {"type": "date"}},
}


def ensure(client: OpenSearch, settings: Settings) -> None:
    name = index_name(settings, "leases")
    if not client.indices.exists(index=name):
        client.indices.create(
            index=name,
            body={"settings": index_settings(settings), "mappings": MAPPING},
            ignore=400,  # created meanwhile by another process
        )


@dataclass
class Lease:
    client: OpenSearch
    settings: Settings
    holder: str
    ttl: timedelta = timedelta(seconds=30)

    @property
    def _index(self) -> str:
        return index_name(self.settings, "leases")

    def try_acquire(self, now: datetime | None = None) -> bool:
        """Take the lease if it is free, expired or already ours; renew it if ours. True when we hold it."""
        now = now or datetime.now(UTC)
        body = {"holder": self.holder, "expires_at": (now + self.ttl).isoformat(), "acquired_at": now.isoformat()}
        try:
            current = self.client.get(index=self._index, id=LEASE_ID)
        except NotFoundError:
            try:
                self.client.index(index=self._index, id=LEASE_ID, body=body, op_type="create", refresh=True)
                return True
            except ConflictError:
                return False
        source = current["_source"]
        expired = datetime.fromisoformat(source["expires_at"]) <= now
        if source["holder"] != self.holder and not expired:
            return False
        if source["holder"] == self.holder:
            body["acquired_at"] = source.get("acquired_at", body["acquired_at"])
        try:
            self.client.index(
                index=self._index,
                id=LEASE_ID,
                body=body,
                if_seq_no=current["_seq_no"],
                if_primary_term=current["_primary_term"],
                refresh=True,
            )
        except ConflictError:  # another process renewed or took it between our read and write
            return False
        if source["holder"] != self.holder:
            log.info("took over the scheduler lease from %s (expired %s)", source["holder"], source["expires_at"])
        return True

    def release(self) -> None:
        """Give the lease up at shutdown so a standby takes over at once, not after the TTL."""
        try:
            current = self.client.get(index=self._index, id=LEASE_ID)
            if current["_source"]["holder"] == self.holder:
                self.client.delete(
                    index=self._index,
                    id=LEASE_ID,
                    if_seq_no=current["_seq_no"],
                    if_primary_term=current["_primary_term"],
                    refresh=True,
                )
        except (NotFoundError, ConflictError):
            pass
