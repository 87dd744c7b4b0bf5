"""The fetch guard's rule (newsmon.fetchguard), as a pure function; the crawls that use it are in test_hostile."""

from __future__ import annotations

from ipaddress import ip_address, ip_network

import pytest

from newsmon.fetchguard import Endpoint, FetchPolicy, literal_address

NODE = Endpoint("127.0.0.1", 9260)
POLICY = FetchPolicy(protected=(NODE,), protected_addresses=frozenset({(ip_address("127.0.0.1"), 9260)}))
PUBLIC_FEED = "http://93.184.215.14/feed/"


@pytest.mark.parametrize(
    "host", ["127.1", "2130706433", "0x7f000001", "0177.0.0.1", "017700000001", "[::1]", "[::ffff:127.0.0.1]"]
)
def test_every_spelling_of_loopback_is_read_as_loopback(host: str) -> None:
    address = literal_address(host)
    assert (address is not None and address.is_loopback) or address == ip_address("::ffff:127.0.0.1")
    assert "loopback" in POLICY.refusal(f"http://{host}:8000/x", origin=PUBLIC_FEED)


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("file:///etc/passwd", "scheme 'file'"),
        ("ftp://example.com/x", "scheme 'ftp'"),
        ("http://localhost:8000/", "this machine"),
        ("http://api.localhost/", "this machine"),
        ("http://169.254.169.254/latest/meta-data/", "link-local"),
        ("http://10.1.2.3/", "private"),
        ("http://[fd00::1]/", "private"),
        ("http://0.0.0.0:8000/", "unspecified"),
        ("http://100.100.100.200/", "non-public"),
        ("http://[2002:7f00:1::]/", "loopback"),  # 6to4 wrapping 127.0.0.1
        ("http://127.0.0.1:9260/_cat/indices", "search node"),
        ("http://127.1:9260/", "search node"),
    ],
)
def test_unsafe_urls_are_refused_with_a_reason(url: str, reason: str) -> None:
    assert reason in POLICY.refusal(url, origin=PUBLIC_FEED)


def test_names_are_judged_by_what_they_resolve_to() -> None:
    assert POLICY.refusal("http://news.example/a", origin=PUBLIC_FEED, addresses=[ip_address("93.184.215.14")]) is None
    inside = POLICY.refusal("http://rebind.example/a", origin=PUBLIC_FEED, addresses=[ip_address("10.0.0.7")])
    assert inside == "rebind.example (10.0.0.7) is a private address (see NEWSMON_ALLOW_PRIVATE_NETWORKS)"
    node = POLICY.refusal("http://es.example:9260/", origin=PUBLIC_FEED, addresses=[ip_address("127.0.0.1")])
    assert node == "es.example resolves to the search node"


def test_a_private_source_may_fetch_its_own_host_and_allowed_networks_only() -> None:
    intranet = "http://10.0.0.5/feed/"
    assert POLICY.refusal("http://10.0.0.5:8080/story", origin=intranet) is None
    assert POLICY.refusal("http://10.0.0.6/story", origin=intranet) is not None
    assert POLICY.refusal("http://intra.corp/story", origin="http://intra.corp/feed") is None
    wider = FetchPolicy(allowed_networks=(ip_network("10.0.0.0/8"),), protected=(NODE,))
    assert wider.refusal("http://10.0.0.6/story", origin=intranet) is None
    assert wider.refusal("http://169.254.169.254/", origin=intranet) is not None
    assert POLICY.refusal("http://127.0.0.1:9260/", origin="http://127.0.0.1:8000/feed") == (
        "the search node is never fetched"
    )


def test_every_node_of_a_search_cluster_is_protected() -> None:
    cluster = FetchPolicy.installation([], ["http://127.0.0.1:9260", "http://127.0.0.2:9261"])
    feed = "http://127.0.0.1:8000/feed"  # a fixture source on the same loopback
    for node in ("http://127.0.0.1:9260/", "http://127.0.0.2:9261/_cat/indices"):
        assert cluster.refusal(node, origin=feed) == "the search node is never fetched"
    resolved = cluster.refusal("http://es-2.example:9261/", origin=PUBLIC_FEED, addresses=[ip_address("127.0.0.2")])
    assert resolved == "es-2.example resolves to the search node"
