"""The one place that builds a search-server client from the settings."""

from __future__ import annotations

from opensearchpy import OpenSearch, helpers

from newsmon.config import Settings


def make_client(settings: Settings, *, timeout: float = 10.0) -> OpenSearch:
    auth = None
    if settings.es_username and settings.es_password:
        auth = (settings.es_username, settings.es_password.get_secret_value())
    return OpenSearch(
        [settings.es_url],
        http_auth=auth,
        timeout=timeout,
        max_retries=2,
        retry_on_timeout=True,
        pool_maxsize=16,  # the service shares one client between its job threads
    )


def index_name(settings: Settings, kind: str) -> str:
    """Every index, alias and template name starts with the installation's prefix."""
    return f"{settings.index_prefix}-{kind}"


def create_small_index(client: OpenSearch, name: str, mappings: dict) -> None:
    """Create a one-shard index if it is missing (safe at every start, also from several processes at once)."""
    if not client.indices.exists(index=name):
        body = {"settings": {"number_of_shards": 1, "auto_expand_replicas": "0-1"}, "mappings": mappings}
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
