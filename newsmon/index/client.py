"""The one place that builds a search-server client from the settings."""

from __future__ import annotations

from opensearchpy import OpenSearch

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
