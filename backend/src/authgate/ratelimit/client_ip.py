"""Which address is the client: X-Forwarded-For is believed only when the TCP peer is a trusted proxy.

Anyone can send X-Forwarded-For; a limiter keyed on it would be reset by a made-up header
(OWASP ASVS 5.0 V2.4 anti-automation, and RFC 7239 §8.3: a forwarded header is only as trustworthy as the
proxy that added it). Each trusted proxy appends the address it received the request from, so walking the
list from the right and skipping our own proxies gives the first address no proxy of ours vouches beyond.
"""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Iterable

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class InvalidProxySetting(ValueError):
    """FORWARDED_ALLOW_IPS holds something that is not an IP address or CIDR network."""


@functools.lru_cache(maxsize=16)
def trusted_networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    networks: list[Network] = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry.strip(), strict=False))
        except ValueError:
            raise InvalidProxySetting(
                "FORWARDED_ALLOW_IPS: an entry is not an IP address or CIDR network (e.g. 10.0.0.0/8)"
            ) from None
    return tuple(networks)


def parse_address(text: str) -> Address | None:
    """An address as proxies write it: bare, `[v6]`, or with a port (`1.2.3.4:5678`, `[v6]:443`)."""
    text = text.strip().strip('"')
    if text.startswith("["):
        text = text[1:].split("]", 1)[0]
    elif text.count(":") == 1:
        text = text.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    # an IPv4 client seen through an IPv6 socket: count it as the IPv4 address it is
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _trusted(address: Address, networks: Iterable[Network]) -> bool:
    return any(address.version == network.version and address in network for network in networks)


def resolve_client_ip(peer: str | None, forwarded_for: Iterable[str], networks: tuple[Network, ...]) -> str | None:
    """The client's address given the TCP peer, the X-Forwarded-For header values (in order) and our proxies."""
    if peer is None or not networks:
        return peer
    peer_address = parse_address(peer)
    if peer_address is None or not _trusted(peer_address, networks):
        # the header from anyone but our own proxy is ignored
        return peer
    hops = [hop for value in forwarded_for for hop in value.split(",") if hop.strip()]
    for hop in reversed(hops):
        address = parse_address(hop)
        if address is None:
            # our proxy always appends a valid address; garbage here was written by the client, so the
            # nearest address we can vouch for is the last proxy's peer
            return str(peer_address)
        if not _trusted(address, networks):
            return str(address)
    # every hop is one of our proxies (or no header at all): the left-most is as far as we can see
    first = parse_address(hops[0]) if hops else None
    return str(first or peer_address)
