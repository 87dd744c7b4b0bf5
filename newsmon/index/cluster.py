"""The search cluster's health as `newsmon status` reports it: the cluster's own status plus every configured node."""

from __future__ import annotations

from dataclasses import dataclass

from opensearchpy import OpenSearch, TransportError

from newsmon.config import Settings
from newsmon.index.client import make_client


@dataclass(frozen=True)
class ClusterHealth:
    status: str  # green, yellow or red, as the cluster reports it
    nodes: int  # nodes in the cluster
    unassigned_shards: int
    silent: list[str]  # configured node URLs that do not answer

    @property
    def degraded(self) -> bool:
        """Some copy of the data is missing (yellow: replicas; red: primaries) or a configured node is down."""
        return self.status != "green" or bool(self.silent)

    def describe(self) -> str:
        state = "degraded" if self.degraded else "healthy"
        text = f"{state} ({self.status}, {self.nodes} node{'s' * (self.nodes != 1)}"
        if self.unassigned_shards:
            text += f", {self.unassigned_shards} unassigned shard copies"
        text += ")"
        if self.silent:
            text += f"; not answering: {', '.join(self.silent)}"
        return text


def cluster_health(client: OpenSearch, settings: Settings) -> ClusterHealth:
    """Ask the cluster (through any node that answers) and, when several are configured, each node on its own (a
    single node has just answered)."""
    health = client.cluster.health()
    silent = []
    for url in settings.es_urls if len(settings.es_urls) > 1 else []:
        node = make_client(settings.model_copy(update={"es_url": url}), timeout=3.0)
        try:
            node.info()
        except TransportError:
            silent.append(url)
        finally:
            node.close()
    return ClusterHealth(
        status=health["status"],
        nodes=health["number_of_nodes"],
        unassigned_shards=health["unassigned_shards"],
        silent=silent,
    )
