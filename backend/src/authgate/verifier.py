"""Verify authgate's access tokens in another service (the platform's chatbot, a progress tracker) with the public
keys authgate publishes: no shared secret.

    from authgate.verifier import JWKSVerifier, access_claims

    verifier = JWKSVerifier("https://auth.example.org/.well-known/jwks.json", issuer="authgate", audience="authgate")
    reader = access_claims(verifier)

    @app.get("/progress")
    async def progress(claims: dict = Depends(reader)): ...   # claims["sub"] is the reader's id

The key set is cached (`cache_seconds`) and fetched again at once for a token whose `kid` is not in it (a rotation),
at most once per `min_refetch_seconds` (so a flood of made-up kids cannot make this service hammer authgate). The
algorithms are pinned (never read from the token), issuer, audience, `typ: at+jwt` and the times are checked. A
verified token proves who the reader was when it was issued; to learn that a session was revoked before the token
expires, ask authgate's introspection endpoint (`introspect`), which docs/keys-and-verifier.md explains.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta
from typing import Any

import httpx
from fastapi import HTTPException, Request

from authgate.security import AccessTokenConfig, InvalidAccessToken, decode_access_token, utc_now
from authgate.security.clock import Clock
from authgate.security.signing import ASYMMETRIC_ALGORITHMS, KeyRing, SigningKey, verification_key_of

MAX_KEYS = 32


class KeysUnavailable(httpx.HTTPError):
    """authgate's key set could not be had: an answer that is not a key set, or a fetch that failed a moment ago (not
    tried again before `min_refetch_seconds`). An httpx error like the others, so the dependency answers 503."""


class JWKSVerifier:
    def __init__(
        self,
        jwks_url: str,
        *,
        issuer: str,
        audience: str,
        algorithms: Sequence[str] = ASYMMETRIC_ALGORITHMS,
        cache_seconds: float = 300,
        min_refetch_seconds: float = 10,
        timeout_seconds: float = 5,
        leeway_seconds: int = 10,
        clock: Clock = utc_now,
        http: httpx.AsyncClient | None = None,
    ) -> None:
        unknown = set(algorithms) - set(ASYMMETRIC_ALGORITHMS)
        if unknown:
            # an HMAC algorithm would need authgate's secret: never here
            raise ValueError(f"only {', '.join(ASYMMETRIC_ALGORITHMS)} can be verified with published keys")
        self.jwks_url = jwks_url
        self.issuer = issuer
        self.audience = audience
        self.algorithms = tuple(algorithms)
        self.cache_seconds = cache_seconds
        self.min_refetch_seconds = min_refetch_seconds
        self.timeout = timeout_seconds
        self.leeway = timedelta(seconds=leeway_seconds)
        self.clock = clock
        self._http = http
        self._keys: dict[str, SigningKey] = {}
        self._fetched_at: float | None = None
        # when a fetch last failed: requests queued behind it get its answer instead of waiting for one fetch each
        self._failed_at: float | None = None
        self._lock = asyncio.Lock()

    async def _fetch(self) -> None:
        now = time.monotonic()
        if self._failed_at is not None and now - self._failed_at < self.min_refetch_seconds:
            raise KeysUnavailable("the key set could not be fetched a moment ago")
        try:
            await self._fetch_now()
        except httpx.HTTPError:
            self._failed_at = time.monotonic()
            raise
        self._failed_at = None

    async def _fetch_now(self) -> None:
        client = self._http or httpx.AsyncClient(timeout=self.timeout)
        try:
            response = await client.get(self.jwks_url, timeout=self.timeout)
            response.raise_for_status()
            try:
                document = response.json()
            except ValueError:  # a proxy's HTML page, a truncated body
                raise KeysUnavailable("the key set is not JSON") from None
        finally:
            if self._http is None:
                await client.aclose()
        listed = document.get("keys") if isinstance(document, dict) else None
        if not isinstance(listed, list):
            raise KeysUnavailable("the answer is not a key set")
        keys: dict[str, SigningKey] = {}
        for jwk in listed[:MAX_KEYS]:
            if not isinstance(jwk, dict):
                continue
            try:
                key = verification_key_of(jwk)
            except (ValueError, TypeError, KeyError):
                continue  # a key of a kind this service does not verify with
            if key.algorithm in self.algorithms:
                keys[key.kid] = key
        self._keys = keys
        self._fetched_at = time.monotonic()

    async def key(self, kid: object) -> SigningKey | None:
        async with self._lock:
            age = None if self._fetched_at is None else time.monotonic() - self._fetched_at
            if age is None or age >= self.cache_seconds:
                await self._fetch()
            elif isinstance(kid, str) and kid not in self._keys and age >= self.min_refetch_seconds:
                await self._fetch()
        return self._keys.get(kid) if isinstance(kid, str) else None

    async def verify(self, token: str) -> dict[str, Any]:
        """The token's claims; InvalidAccessToken when it does not verify; httpx errors when the keys cannot be
        fetched (the dependency answers 503 then)."""
        import jwt

        try:
            kid = jwt.get_unverified_header(token).get("kid")
        except (jwt.PyJWTError, ValueError, TypeError, RecursionError):
            raise InvalidAccessToken("malformed token") from None
        key = await self.key(kid)
        if key is None:
            raise InvalidAccessToken("unknown key")
        config = AccessTokenConfig(
            secret="",
            issuer=self.issuer,
            audience=self.audience,
            lifetime=timedelta(hours=1),
            algorithm=key.algorithm,
            leeway=self.leeway,
            ring=KeyRing(key),
        )
        return dict(decode_access_token(config, token, now=self.clock()).claims)


def access_claims(verifier: JWKSVerifier) -> Callable[[Request], Awaitable[dict[str, Any]]]:
    """A FastAPI dependency: the claims of the request's bearer access token, or 401 (503 when authgate's keys
    cannot be fetched)."""

    async def dependency(request: Request) -> dict[str, Any]:
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise HTTPException(401, "Not authenticated", headers={"WWW-Authenticate": "Bearer"})
        try:
            return await verifier.verify(token.strip())
        except InvalidAccessToken as error:
            raise HTTPException(
                401, "Invalid or expired token", headers={"WWW-Authenticate": 'Bearer error="invalid_token"'}
            ) from error
        except httpx.HTTPError as error:
            raise HTTPException(503, "The sign-in service's keys could not be fetched") from error

    return dependency
