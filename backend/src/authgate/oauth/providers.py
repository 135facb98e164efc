"""The providers a reader can sign in with, and what authgate asks of each: the protocol, done by authlib.

- GitHub: OAuth 2.0 (no ID token); the person is `/user`'s numeric id, the address the primary *verified* one from
  `/user/emails`. GitHub Enterprise by OAUTH_GITHUB_URL / OAUTH_GITHUB_API_URL.
- Google and any OpenID Connect provider: discovery from the issuer, authorization code with PKCE (S256) and a nonce,
  and the ID token verified against the provider's published keys (signature, issuer, audience, expiry, nonce, the
  algorithm pinned to what the provider publishes and never `none`; RFC 8725, OpenID Connect Core §3.1.3.7).

Why authlib: a maintained client for authorization-code + PKCE over httpx2 (async), so the flow is not hand-written;
PyJWT (already the access-token library) checks the ID token with keys fetched here, so one JWT library does every
verification.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any, Literal

import httpx2
import jwt
from authlib.common.errors import AuthlibBaseError as OAuthError
from authlib.integrations.httpx_client import AsyncOAuth2Client

from authgate.errors import OAuthProviderError
from authgate.oauth.answers import CappedTransport
from authgate.settings import ConfigurationError, Settings, check_provider_url

# algorithms an ID token may be signed with: asymmetric only (an HMAC one would be keyed with the client secret)
ID_TOKEN_ALGORITHMS = frozenset({"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "EdDSA"})
# how long discovery documents and keys are kept; an unknown key id fetches the keys again (at most this often)
METADATA_SECONDS = 3600
KEY_REFETCH_SECONDS = 60
ID_TOKEN_LEEWAY_SECONDS = 60
# the identities.subject column
MAX_SUBJECT = 255
# what authgate reaches through the discovery document
DISCOVERED_ENDPOINTS = ("authorization_endpoint", "token_endpoint", "jwks_uri")
# what a provider's answer that is not what the protocol says raises; RecursionError is json's for a body nested past
# its depth limit (not a ValueError): an attack pass's nested answer was a 500 page, not the site's error page;
# TimeoutError, an exchange past its deadline (`_deadline`); InvalidURL (not an httpx HTTPError), an endpoint named
# by discovery that no client can reach (a NUL, past httpx's length limit): an attack pass's was a 500 page for an hour;
# OverflowError, a token lifetime (RFC 6749 §5.1 expires_in) of 1e400, infinity to JSON, made an int by authlib
UNUSABLE_ANSWER = (
    httpx2.HTTPError,
    httpx2.InvalidURL,
    jwt.PyJWTError,
    OAuthError,
    ValueError,
    KeyError,
    TypeError,
    RecursionError,
    TimeoutError,
    OverflowError,
)


@dataclass(frozen=True)
class Provider:
    id: str
    name: str
    kind: Literal["github", "oidc"]
    client_id: str
    client_secret: str
    scope: str
    issuer: str | None = None
    github_url: str | None = None
    github_api_url: str | None = None
    hosted_domain: str | None = None


@dataclass(frozen=True)
class ProviderAccount:
    """Who the provider says the person is: `subject` is theirs and stable; the address only if they vouch for it."""

    provider: str
    subject: str
    email: str | None
    email_verified: bool


def configured_providers(settings: Settings) -> dict[str, Provider]:
    """Every provider whose client id is set, by id, in a stable order (GitHub, Google, then the OIDC list)."""
    found: dict[str, Provider] = {}
    if settings.oauth_github_client_id and settings.oauth_github_client_secret:
        found["github"] = Provider(
            id="github",
            name="GitHub",
            kind="github",
            client_id=settings.oauth_github_client_id,
            client_secret=settings.oauth_github_client_secret.get_secret_value(),
            scope="read:user user:email",
            github_url=settings.oauth_github_url.rstrip("/"),
            github_api_url=settings.oauth_github_api_url.rstrip("/"),
        )
    if settings.oauth_google_client_id and settings.oauth_google_client_secret:
        found["google"] = Provider(
            id="google",
            name="Google",
            kind="oidc",
            client_id=settings.oauth_google_client_id,
            client_secret=settings.oauth_google_client_secret.get_secret_value(),
            scope="openid email profile",
            issuer=settings.oauth_google_issuer.rstrip("/"),
            hosted_domain=settings.oauth_google_hosted_domain,
        )
    for entry in settings.oauth_oidc_providers:
        found[entry.id] = Provider(
            id=entry.id,
            name=entry.name,
            kind="oidc",
            client_id=entry.client_id,
            client_secret=entry.client_secret.get_secret_value(),
            scope="openid email profile",
            issuer=entry.issuer.rstrip("/"),
        )
    return found


@dataclass
class _Cached:
    value: dict[str, Any]
    fetched_at: float


@dataclass
class ProviderClient:
    """Talks to the providers: discovery, keys, the code exchange, the user's details. One per runtime."""

    settings: Settings
    _documents: dict[str, _Cached] = field(default_factory=dict)
    _locks: dict[str, asyncio.Lock] = field(default_factory=dict)

    def redirect_uri(self, provider: Provider) -> str:
        # exact, from settings: never from the request's Host
        return f"{self.settings.auth_public_url}/auth/oauth/{provider.id}/callback"

    def _deadline(self) -> asyncio.Timeout:
        """One exchange with a provider, whole: httpx's timeout bounds each read, so a provider trickling a byte at a
        time never tripped it and an attack pass's sign-in hung for as long as the trickle went on."""
        return asyncio.timeout(self.settings.oauth_http_timeout_seconds)

    def _http(self) -> httpx2.AsyncClient:
        # every answer read within a size bound (oauth.answers), each read within the timeout
        return httpx2.AsyncClient(timeout=self.settings.oauth_http_timeout_seconds, transport=CappedTransport())

    def _client(self, provider: Provider, **kwargs: Any) -> AsyncOAuth2Client:
        return AsyncOAuth2Client(
            client_id=provider.client_id,
            client_secret=provider.client_secret,
            scope=provider.scope,
            redirect_uri=self.redirect_uri(provider),
            code_challenge_method="S256",
            timeout=self.settings.oauth_http_timeout_seconds,
            transport=CappedTransport(),
            **kwargs,
        )

    async def authorization_url(self, provider: Provider, *, state: str, code_verifier: str, nonce: str) -> str:
        endpoint = await self._authorization_endpoint(provider)
        extra: dict[str, str] = {}
        if provider.kind == "oidc":
            extra["nonce"] = nonce
        if provider.hosted_domain:
            extra["hd"] = provider.hosted_domain
        async with self._client(provider) as client:
            url, _ = client.create_authorization_url(endpoint, state=state, code_verifier=code_verifier, **extra)
        return str(url)

    async def account(self, provider: Provider, *, code: str, code_verifier: str, nonce: str) -> ProviderAccount:
        """Exchange the code (with the PKCE verifier) and learn who signed in. Raises OAuthProviderError."""
        try:
            token = await self._exchange(provider, code, code_verifier)
            if provider.kind == "github":
                return await self._github_account(provider, token)
            return await self._oidc_account(provider, token, nonce)
        except UNUSABLE_ANSWER as error:
            # unreachable, timed out, or an answer that is not what the protocol says: nothing to trust
            raise OAuthProviderError() from error

    # ------------------------------------------------------------------ endpoints

    async def _authorization_endpoint(self, provider: Provider) -> str:
        if provider.kind == "github":
            return f"{provider.github_url}/login/oauth/authorize"
        try:
            return str((await self._discovery(provider))["authorization_endpoint"])
        except UNUSABLE_ANSWER as error:
            raise OAuthProviderError() from error

    async def _token_endpoint(self, provider: Provider) -> str:
        if provider.kind == "github":
            return f"{provider.github_url}/login/oauth/access_token"
        return str((await self._discovery(provider))["token_endpoint"])

    async def _exchange(self, provider: Provider, code: str, code_verifier: str) -> dict[str, Any]:
        endpoint = await self._token_endpoint(provider)
        async with self._deadline(), self._client(provider) as client:
            token = await client.fetch_token(
                endpoint, code=code, code_verifier=code_verifier, headers={"Accept": "application/json"}
            )
        if not isinstance(token, dict) or "access_token" not in token:
            raise ValueError("no access token")
        return dict(token)

    # ------------------------------------------------------------------ GitHub

    async def _github_account(self, provider: Provider, token: dict[str, Any]) -> ProviderAccount:
        headers = {"Authorization": f"Bearer {token['access_token']}", "Accept": "application/vnd.github+json"}
        async with self._http() as http:
            async with self._deadline():
                user = (await http.get(f"{provider.github_api_url}/user", headers=headers)).raise_for_status().json()
            async with self._deadline():
                listed = await http.get(f"{provider.github_api_url}/user/emails", headers=headers)
            emails = listed.raise_for_status().json()
        subject = user["id"]
        # bounded like an OpenID subject (the identities column): a 300-digit id was a 422 JSON page on PostgreSQL
        if isinstance(subject, bool) or not isinstance(subject, int) or len(str(subject)) > MAX_SUBJECT:
            raise ValueError("GitHub user id is not a number")
        primary = [e for e in emails if isinstance(e, dict) and e.get("primary") is True]
        verified = primary[0] if primary and primary[0].get("verified") is True else None
        email = verified.get("email") if verified else None
        return ProviderAccount(
            provider.id, str(subject), email if isinstance(email, str) else None, verified is not None
        )

    # ------------------------------------------------------------------ OpenID Connect

    async def _oidc_account(self, provider: Provider, token: dict[str, Any], nonce: str) -> ProviderAccount:
        id_token = token.get("id_token")
        if not isinstance(id_token, str):
            raise ValueError("no ID token")
        claims = await self.verify_id_token(provider, id_token, nonce)
        email = claims.get("email")
        # OpenID Connect Core §5.1: email_verified is a JSON boolean; the string "false" (or "true") is not one
        verified = claims.get("email_verified") is True
        if provider.hosted_domain and claims.get("hd") != provider.hosted_domain:
            raise ValueError("not of the hosted domain")
        # OpenID Connect Core §2: a string of at most 255 ASCII characters (the identities column's width); a number
        # some providers send is taken as its text, as before
        subject = claims["sub"]
        if isinstance(subject, int) and not isinstance(subject, bool):
            subject = str(subject)
        if not isinstance(subject, str) or not subject or len(subject) > MAX_SUBJECT:
            raise ValueError("the subject is not an OpenID Connect subject")
        return ProviderAccount(provider.id, subject, email if isinstance(email, str) else None, verified)

    async def verify_id_token(self, provider: Provider, id_token: str, nonce: str) -> dict[str, Any]:
        assert provider.issuer is not None
        header = jwt.get_unverified_header(id_token)
        algorithm = header.get("alg")
        discovery = await self._discovery(provider)
        offered = set(discovery.get("id_token_signing_alg_values_supported", ["RS256"]))
        if algorithm not in ID_TOKEN_ALGORITHMS or algorithm not in offered:
            raise ValueError("ID token algorithm not allowed")
        key = await self._signing_key(provider, str(discovery["jwks_uri"]), header.get("kid"))
        claims: dict[str, Any] = jwt.decode(
            id_token,
            key,
            algorithms=[algorithm],
            audience=provider.client_id,
            issuer=provider.issuer,
            leeway=ID_TOKEN_LEEWAY_SECONDS,
            options={"require": ["iss", "sub", "aud", "exp", "iat"]},
        )
        if claims.get("nonce") != nonce:
            raise ValueError("nonce mismatch")
        if isinstance(claims.get("aud"), list) and len(claims["aud"]) > 1 and claims.get("azp") != provider.client_id:
            raise ValueError("authorized party mismatch")
        return claims

    async def _discovery(self, provider: Provider) -> dict[str, Any]:
        url = f"{provider.issuer}/.well-known/openid-configuration"
        document = await self._document(url)
        # OpenID Connect Discovery §4.3: the issuer in the document is the one configured, exactly
        if document.get("issuer") != provider.issuer:
            raise ValueError("discovery issuer mismatch")
        # OpenID Connect Discovery §3: the endpoints it names use https (RFC 6749 §3.1, §3.2: the code and the client
        # secret travel there); plain http only on loopback, as for the configured issuer. An attack pass saw an
        # http endpoint on another host taken as it was: the client secret and the code would go in the clear
        for name in DISCOVERED_ENDPOINTS:
            try:
                check_provider_url(str(document[name]))
            except ConfigurationError:
                raise ValueError(f"discovery names a {name} that is not https") from None
        return document

    async def _signing_key(self, provider: Provider, jwks_uri: str, kid: object) -> Any:
        keys = await self._document(jwks_uri)
        found = _key_for(keys, kid)
        if found is None:
            # the provider rotated its keys: fetch again, but not more often than KEY_REFETCH_SECONDS
            keys = await self._document(jwks_uri, max_age=KEY_REFETCH_SECONDS)
            found = _key_for(keys, kid)
        if found is None:
            raise ValueError("no key for the ID token")
        return found

    async def _document(self, url: str, *, max_age: float = METADATA_SECONDS) -> dict[str, Any]:
        lock = self._locks.setdefault(url, asyncio.Lock())
        # the wait for the lock counts against the same deadline as the fetch: waiting readers each took their turn
        # and a full timeout of their own while the provider was silent (an attack pass: the eighth waited eight)
        async with self._deadline(), lock:
            cached = self._documents.get(url)
            if cached is not None and time.monotonic() - cached.fetched_at < max_age:
                return cached.value
            async with self._http() as http:
                response = (await http.get(url, headers={"Accept": "application/json"})).raise_for_status()
            value = response.json()
            if not isinstance(value, dict):
                raise ValueError("not a JSON object")
            self._documents[url] = _Cached(value, time.monotonic())
            return value


def _key_for(keys: dict[str, Any], kid: object) -> Any:
    try:
        keyset = jwt.PyJWKSet.from_dict(keys)
    except jwt.PyJWKSetError:
        return None
    for key in keyset.keys:
        if kid is None or key.key_id == kid:
            return key.key
    return None
