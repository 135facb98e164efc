"""How requests arrive and tokens travel: the client's address, the bearer header and the refresh cookie.

The cookie is set and cleared here only.

The client's address: X-Forwarded-For is believed only when the TCP peer is a trusted proxy.

Anyone can send X-Forwarded-For; a limiter keyed on it would be reset by a made-up header
(OWASP ASVS 5.0 V2.4 anti-automation, and RFC 7239 §8.3: a forwarded header is only as trustworthy as the
proxy that added it). Each trusted proxy appends the address it received the request from, so walking the
list from the right and skipping our own proxies gives the first address no proxy of ours vouches beyond.
"""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response

from authgate.settings import Settings


@dataclass(frozen=True)
class ClientInfo:
    """Where a request came from, as recorded with sessions and security events."""

    ip_address: str | None = None
    user_agent: str | None = None


REFRESH_COOKIE = "refresh_token"
# the cookie rides only on /auth/* requests, never on the rest of the platform's API
REFRESH_COOKIE_PATH = "/auth"
MAX_TOKEN_LENGTH = 8192


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    return token


def refresh_cookie(request: Request) -> str | None:
    token = request.cookies.get(REFRESH_COOKIE)
    if not token or len(token) > 512:
        return None
    return token


# the route class puts the auth routes' own base path here, mount prefix included (routing.py)
COOKIE_PATH_SCOPE_KEY = "authgate.cookie_path"


def cookie_path(request: Request) -> str:
    """Where the refresh cookie lives: the auth routes' base path as this request reached them.

    Mounted under a prefix (`include_router(router, prefix="/api")`) the routes are /api/auth/…; a cookie scoped to
    /auth would never come back to /api/auth/refresh.
    """
    path = request.scope.get(COOKIE_PATH_SCOPE_KEY)
    return path if isinstance(path, str) else REFRESH_COOKIE_PATH


def set_refresh_cookie(response: Response, request: Request, token: str, settings: Settings, *, max_age: int) -> None:
    response.set_cookie(
        key=REFRESH_COOKIE,
        value=token,
        max_age=max(max_age, 0),
        path=cookie_path(request),
        domain=settings.cookie_domain,
        secure=settings.cookie_secure,
        httponly=True,
        samesite=settings.cookie_samesite,
    )


# the sign-in challenge between the first factor and the second (mfa/): HttpOnly like the refresh cookie, on the same
# path; it lets the site's challenge page answer a provider sign-in's challenge, whose token never reached script
CHALLENGE_COOKIE = "authgate_challenge"


def set_challenge_cookie(response: Response, request: Request, token: str, settings: Settings, *, max_age: int) -> None:
    response.set_cookie(
        key=CHALLENGE_COOKIE,
        value=token,
        max_age=max_age,
        path=cookie_path(request),
        domain=settings.cookie_domain,
        secure=settings.cookie_secure,
        httponly=True,
        samesite=settings.cookie_samesite,
    )


def clear_challenge_cookie(response: Response, request: Request, settings: Settings) -> None:
    response.delete_cookie(
        key=CHALLENGE_COOKIE,
        path=cookie_path(request),
        domain=settings.cookie_domain,
        secure=settings.cookie_secure,
        httponly=True,
        samesite=settings.cookie_samesite,
    )


def clear_refresh_cookie(response: Response, request: Request, settings: Settings) -> None:
    response.delete_cookie(
        key=REFRESH_COOKIE,
        path=cookie_path(request),
        domain=settings.cookie_domain,
        secure=settings.cookie_secure,
        httponly=True,
        samesite=settings.cookie_samesite,
    )


def client_ip(request: Request, settings: Settings | None = None) -> str | None:
    """The client's address: X-Forwarded-For counts only when the peer is in FORWARDED_ALLOW_IPS.

    Without `settings`, those of the auth route serving the request are used (routes carry their gate).
    """
    peer = request.client.host if request.client else None
    if settings is None:
        gate = getattr(request.scope.get("route"), "authgate", None)
        settings = getattr(gate, "settings", None)
    if settings is None or not settings.forwarded_allow_ips:
        return peer
    proxies = trusted_networks(tuple(settings.forwarded_allow_ips))
    return resolve_client_ip(peer, request.headers.getlist("x-forwarded-for"), proxies)


def user_agent(request: Request) -> str | None:
    agent = request.headers.get("user-agent")
    return agent[:255] if agent else None


# ---------------------------------------------------------------- the client's address
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
