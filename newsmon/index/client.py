"""The one place that builds a search-server client from the settings."""

from __future__ import annotations

from typing import Any

from opensearchpy import OpenSearch, helpers

from newsmon.config import Settings


def make_client(settings: Settings, *, timeout: float = 10.0) -> OpenSearch:
    auth = None
    if settings.es_username and settings.es_password:
        auth = (settings.es_username, settings.es_password.get_secret_value())
    urls = settings.es_urls
    return OpenSearch(
        urls,
        http_auth=auth,
        timeout=timeout,
        # A failed or timed-out request is tried again on another node (each node at least once); the failed node
        # is left out until its dead timeout passes. Writes are by id, so a retried bulk does not duplicate.
        max_retries=max(2, len(urls)),
        retry_on_timeout=True,
        pool_maxsize=16,  # the service shares one client between its job threads
    )


def index_settings(settings: Settings, *, shards: int = 1) -> dict[str, Any]:
    """Shards and replicas of a new index: the configured replicas, or by default auto-expanded from 0 to 1 (no
    copy on a single node, which would stay yellow; one copy on another node once the cluster has two or more)."""
    if settings.es_replicas is None:
        return {"number_of_shards": shards, "auto_expand_replicas": "0-1"}
    return {"number_of_shards": shards, "number_of_replicas": settings.es_replicas}


def index_name(settings: Settings, kind: str) -> str:
    """Every index, alias and template name starts with the installation's prefix."""
    return f"{settings.index_prefix}-{kind}"


def create_small_index(client: OpenSearch, settings: Settings, kind: str, mappings: dict) -> None:
    """Create a one-shard index if it is missing (safe at every start, also from several processes at once)."""
    name = index_name(settings, kind)
    if not client.indices.exists(index=name):
        body = {"settings": index_settings(settings), "mappings": mappings}
        client.indices.create(index=name, body=body, ignore=400)  # 400: another process created it first


def get_many(client: OpenSearch, index: str, ids: list[str]) -> dict[str, dict]:
    """id -> _source of the documents that exist, in one request."""
    if not ids:
        return {}
    found = client.mget(index=index, body={"ids": ids})
    return {doc["_id"]: doc["_source"] for doc in found["docs"] if doc.get("found")}


def put_many(client: OpenSearch, index: str, documents: dict[str, dict]) -> None:
    """Write (or replace) documents by id in one bulk request, visible to searches when it returns."""
    actions = ({"_index": index, "_id": id_, "_source": doc} for id_, doc in documents.items())
    helpers.bulk(client, actions, refresh="wait_for")
