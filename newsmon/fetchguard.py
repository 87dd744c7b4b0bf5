"""Which URLs newsmon may fetch: the rule that keeps open-web input from turning the crawler against its own machine.

A URL is refused when its scheme is not http/https, when it points at the search node, or when its host is not a
public address — loopback, private, link-local (cloud metadata), shared, reserved, multicast — in any spelling a
resolver accepts (`127.1`, `2130706433`, `0x7f000001`, `[::1]`, `localhost`). Two exceptions, both explicit:
a feed on a private network may be fetched, and so may every URL on its own host ("a source may fetch within its
own host"), and the networks in NEWSMON_ALLOW_PRIVATE_NETWORKS are allowed for every source.

The rule is pure: addresses are passed in. `resolve` is the blocking lookup for the CLI's discovery; the crawler
resolves on its event loop (crawler.middlewares).
"""

from __future__ import annotations

import re
import socket
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address
from urllib.parse import urlsplit

IPAddress = IPv4Address | IPv6Address
IPNetwork = IPv4Network | IPv6Network

SCHEMES = ("http", "https")
_DEFAULT_PORTS = {"http": 80, "https": 443}
# Hex, octal and dotless forms that inet_aton (and so getaddrinfo) reads as an IPv4 address.
_IPV4_SPELLING = re.compile(r"(0x[0-9a-f]+|[0-9]+)(\.(0x[0-9a-f]+|[0-9]+)){0,3}", re.IGNORECASE)


def literal_address(host: str) -> IPAddress | None:
    """The address a host names literally, however it is spelled; None for a name."""
    host = host.strip("[]").rstrip(".")
    try:
        return ip_address(host)
    except ValueError:
        pass
    if not _IPV4_SPELLING.fullmatch(host):
        return None
    try:
        return IPv4Address(socket.inet_aton(host))
    except OSError:
        return None


def addresses_of(infos: list[tuple]) -> list[IPAddress]:
    """The addresses in getaddrinfo's answer (without IPv6 scope ids)."""
    return [ip_address(str(info[4][0]).split("%")[0]) for info in infos]


def resolve(url: str) -> list[IPAddress]:
    """What the URL's host resolves to, as the connection would (blocking getaddrinfo); [] when it does not."""
    endpoint = Endpoint.of(url)
    if not endpoint.host:
        return []
    if (literal := literal_address(endpoint.host)) is not None:
        return [literal]
    try:
        return addresses_of(socket.getaddrinfo(endpoint.host, endpoint.port, type=socket.SOCK_STREAM))
    except (OSError, UnicodeError):
        return []


def is_public(address: IPAddress) -> bool:
    """A globally routable unicast address (IPv4 inside IPv6 judged as IPv4)."""
    if isinstance(address, IPv6Address):
        address = address.ipv4_mapped or address.sixtofour or address
    return address.is_global and not address.is_multicast


def _is_local_name(host: str) -> bool:
    host = host.rstrip(".")
    return host == "localhost" or host.endswith(".localhost")


@dataclass(frozen=True)
class Endpoint:
    """Where a URL connects: the host as written (lowercase) and the port."""

    host: str
    port: int

    @classmethod
    def of(cls, url: str) -> Endpoint:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        try:
            port = parts.port or _DEFAULT_PORTS.get(parts.scheme.lower(), 0)
        except ValueError:  # a port out of range or not a number
            port = -1
        return cls(host, port)


@dataclass(frozen=True)
class FetchPolicy:
    """The rule, configured: extra allowed networks and the endpoints never to fetch (the search node)."""

    allowed_networks: tuple[IPNetwork, ...] = ()
    protected: tuple[Endpoint, ...] = ()
    protected_addresses: frozenset[tuple[IPAddress, int]] = field(default_factory=frozenset)

    @classmethod
    def of(cls, allowed: list[IPNetwork], search_nodes: Mapping[str, Collection[IPAddress]]) -> FetchPolicy:
        """The policy of an installation: NEWSMON_ALLOW_PRIVATE_NETWORKS and its search nodes (each URL of
        NEWSMON_ES_URL with the addresses it resolves to)."""
        nodes = {url: Endpoint.of(url) for url in search_nodes}
        addresses = frozenset((a, nodes[url].port) for url, found in search_nodes.items() for a in found)
        return cls(tuple(allowed), tuple(nodes.values()), addresses)

    @classmethod
    def installation(cls, allowed: list[IPNetwork], search_node_urls: list[str]) -> FetchPolicy:
        """`of` with the search nodes resolved here (blocking): for discovery and --explain, outside the crawler."""
        return cls.of(allowed, {url: resolve(url) for url in search_node_urls})

    def refusal(
        self,
        url: str,
        *,
        origin: str | None,
        addresses: Collection[IPAddress] | None = None,
        origin_addresses: Collection[IPAddress] = (),
    ) -> str | None:
        """Why `url` must not be fetched, or None when it may.

        `origin` is the feed URL the request comes from (None when unknown); `addresses` are what the URL's host
        resolves to when newsmon connects directly (None through a proxy: then only the host as written is judged),
        `origin_addresses` what the origin's host resolves to.
        """
        scheme = urlsplit(url).scheme.lower()
        if scheme not in SCHEMES:
            return f"scheme {scheme or 'none'!r} is not fetched (only http and https)"
        target = Endpoint.of(url)
        if not target.host:
            return "no host"
        if target.port < 0:
            return "invalid port"
        literal = literal_address(target.host)
        if target in self.protected or (literal and (literal, target.port) in self.protected_addresses):
            return "the search node is never fetched"
        if addresses and any((a, target.port) in self.protected_addresses for a in addresses):
            return f"{target.host} resolves to the search node"
        own = Endpoint.of(origin).host if origin else None
        if own and own == target.host:
            return None  # the feed's own host: a source on a private network keeps working
        own_addresses = set(origin_addresses)
        if own and (own_literal := literal_address(own)):
            own_addresses.add(own_literal)
        if literal is not None:
            return self._address_refusal(target.host, literal, own_addresses)
        if _is_local_name(target.host):
            return f"{target.host} is this machine"
        for address in addresses or ():
            reason = self._address_refusal(target.host, address, own_addresses)
            if reason:
                return reason
        return None

    def _address_refusal(self, host: str, address: IPAddress, own: set[IPAddress]) -> str | None:
        if is_public(address) or address in own or any(address in net for net in self.allowed_networks):
            return None
        shown = host if host.strip("[]") == str(address) else f"{host} ({address})"
        return f"{shown} is a {_kind(address)} address (see NEWSMON_ALLOW_PRIVATE_NETWORKS)"


def _kind(address: IPAddress) -> str:
    if isinstance(address, IPv6Address):
        address = address.ipv4_mapped or address.sixtofour or address
    for kind in ("loopback", "unspecified", "link-local", "multicast", "private", "reserved"):
        if getattr(address, f"is_{kind.replace('-', '_')}"):
            return kind
    return "non-public"
