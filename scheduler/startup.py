"""The start-up step shared by `newsmon run` and `newsmon crawl --once`: every index exists (idempotently) and the
watches declared in the YAML file are stored."""

from __future__ import annotations

from opensearchpy import OpenSearch

import alerts.store
import index.feedstate
import index.schema
from alerts.store import WatchStore
from newsmon.config import FileConfig, Settings
from scheduler import lease


def prepare(client: OpenSearch, settings: Settings, config: FileConfig) -> None:
    index.schema.ensure(client, settings)
    index.feedstate.ensure(client, settings)
    alerts.store.ensure(client, settings)
    lease.ensure(client, settings)
    WatchStore(client, settings).sync_from_config(config.watches)
