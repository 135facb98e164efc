"""`rate_limit(gate, rule)`: the per-route limits, as FastAPI dependencies.

    @router.post("/forgot-password", dependencies=[rate_limit(gate, "forgot_password_ip"),
                                                  rate_limit(gate, "forgot_password_account")])

A rule is a `rate_limit_<rule>` setting ("N/period"). Rules ending in `_ip` count per client IP (from
X-Forwarded-For only behind a trusted proxy); rules ending in `_account` count per email address in the JSON
body (`email`), canonicalised and stored only as a keyed hash. Over the limit: 429 RATE_LIMITED with
Retry-After, before the body is validated and before any database or password work (OWASP ASVS 5.0 V2.4).
"""

from __future__ import annotations

import ipaddress
import json
from typing import TYPE_CHECKING, Any

from fastapi import Depends
from starlette.requests import Request

from authgate.errors import RateLimited
from authgate.identifiers import canonical_email_or_none
from authgate.transport import client_ip

if TYPE_CHECKING:
    from authgate.gate import AuthGate

UNKNOWN_CLIENT = "unknown"
# an IPv6 subscriber is given a whole /64 (RFC 6177, RFC 7934) and picks any address in it: one client, one window
IPV6_CLIENT_PREFIX = 64


def ip_limit_key(request: Request, gate: AuthGate) -> str:
    """What a per-IP window counts: the client's address, or for IPv6 the /64 network it lies in."""
    address = client_ip(request, gate.settings)
    if address is None:
        return UNKNOWN_CLIENT
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.IPv6Network((parsed, IPV6_CLIENT_PREFIX), strict=False))
    return address


def rate_limited(retry_after: int) -> RateLimited:
    return RateLimited(headers={"Retry-After": str(max(1, retry_after))})


async def check_mail_limit(gate: AuthGate, purpose: str, email: str) -> None:
    """Count one link mailed to `email` (canonical) for `purpose`, under RATE_LIMIT_MAIL_ACCOUNT, across every IP.

    A per-IP limit alone lets many addresses (or one, at 10 or 30 a minute) flood one mailbox: mail bombing, and
    the sending domain's reputation with it (OWASP ASVS 5.0 V2.4 anti-automation). Each purpose has its own window,
    so one cannot use up another's (an email change naming an address cannot hold back its owner's verification).
    Raises RateLimited."""
    decision = await gate.limiter.hit_mail(purpose, email)
    if not decision.allowed:
        raise rate_limited(decision.retry_after)


async def check_ip_limit(gate: AuthGate, request: Request, rule: str) -> None:
    """The same per-IP check inside a handler, for routes that must answer a refusal their own way (a browser
    flow redirects instead of showing JSON). Raises RateLimited."""
    decision = await gate.limiter.hit(rule, "ip", ip_limit_key(request, gate))
    if not decision.allowed:
        raise rate_limited(decision.retry_after)


def rate_limit(gate: AuthGate, rule: str) -> Any:
    """A `Depends(...)` for `dependencies=[...]`; an unknown rule fails when the route is registered."""
    limiter = gate.limiter
    limiter.limit_for(rule)
    if rule.endswith("_ip"):
        kind = "ip"
    elif rule.endswith("_account"):
        kind = "account"
    else:
        raise ValueError(f"rate-limit rule {rule!r} must end in _ip or _account")

    async def check(request: Request) -> None:
        if kind == "ip":
            identifiers = ("ip", ip_limit_key(request, gate))
        else:
            email = await email_in_body(request)
            if email is None:
                # nothing to count per account; the body is refused by validation and the IP rule still applies
                return
            identifiers = ("account", limiter.account_key(email))
        decision = await limiter.hit(rule, *identifiers)
        if not decision.allowed:
            raise rate_limited(decision.retry_after)

    check.__name__ = f"rate_limit_{rule}"
    return Depends(check)


async def email_in_body(request: Request) -> str | None:
    """The body's `email` in the canonical form the account lookup uses, or None (then validation refuses it).

    Every spelling of one address (display names, case, full-width domains) is one key: an attack pass sent
    "n1 <victim@…>", "n2 <victim@…>" and full-width spellings past the per-account limit when it keyed on raw text.
    """
    try:
        body = json.loads(await request.body() or b"null")
    except (ValueError, UnicodeDecodeError, RecursionError):
        # RecursionError: parsed here one stack frame deeper than FastAPI's own parse, a body nested to the one depth
        # FastAPI still managed escaped as a 500 (attack pass); validation answers it as it answers any bad body
        return None
    return canonical_email_or_none(body.get("email") if isinstance(body, dict) else None)
