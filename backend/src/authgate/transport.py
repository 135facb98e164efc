"""How tokens travel: the bearer header and the refresh cookie. The cookie is set and cleared here only."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response

from authgate.ratelimit.client_ip import resolve_client_ip, trusted_networks
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


def set_refresh_cookie(response: Response, token: str, settings: Settings, *, max_age: int) -> None:
    response.set_cookie(
        key=REFRESH_COOKIE,
        value=token,
        max_age=max(max_age, 0),
        path=REFRESH_COOKIE_PATH,
        domain=settings.cookie_domain,
        secure=settings.cookie_secure,
        httponly=True,
        samesite=settings.cookie_samesite,
    )


def clear_refresh_cookie(response: Response, settings: Settings) -> None:
    response.delete_cookie(
        key=REFRESH_COOKIE,
        path=REFRESH_COOKIE_PATH,
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
