"""The start-up step shared by `newsmon run` and `newsmon crawl --once`: every index exists (idempotently) and the
watches declared in the YAML file are stored."""

from __future__ import annotations

from opensearchpy import OpenSearch

from newsmon.alerts import store as alert_store
from newsmon.alerts.store import WatchStore
from newsmon.config import FileConfig, Settings
from newsmon.index import feedstate, schema
from newsmon.scheduler import lease


def prepare(client: OpenSearch, settings: Settings, config: FileConfig) -> None:
    ensure_indices(client, settings)
    WatchStore(client, settings).sync_from_config(config.watches)


def ensure_indices(client: OpenSearch, settings: Settings) -> None:
    """Every index exists (idempotent, safe from several processes at once)."""
    schema.ensure(client, settings)
    feedstate.ensure(client, settings)
    alert_store.ensure(client, settings)
    lease.ensure(client, settings)
