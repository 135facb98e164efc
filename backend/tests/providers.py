"""Sign-in providers for the tests, served for real on loopback (uvicorn in a thread), and a browser that follows them.

- `GitHubProvider`: GitHub's shape (authorize, access_token, /user, /user/emails), written for the tests.
- `OidcProvider`: an OpenID Connect provider (discovery, JWKS, authorize, token with a signed ID token) whose answers
  a test can bend: a wrong issuer, audience or nonce, an expired token, `alg: none`, `email_verified: "false"`, a
  different key. A real peer (panva's oidc-provider) is used by the browser tests; this one lets each attack be made.

Both check PKCE (S256) and the client's secret like a real provider, and approve every authorization at once (or deny
it: `deny = True`).
"""

from __future__ import annotations

import asyncio
import base64
import functools
import hashlib
import secrets
import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import jwt
import uvicorn
from cryptography.hazmat.primitives.asymmetric import rsa
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response, StreamingResponse
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from tests.ports import free_port

CLIENT_ID = "authgate-test-client"
CLIENT_SECRET = "test-client-secret-" + "q" * 20


@dataclass
class Grant:
    redirect_uri: str
    challenge: str
    nonce: str | None
    scope: str


@dataclass
class _Provider:
    port: int = field(default_factory=free_port)
    deny: bool = False
    grants: dict[str, Grant] = field(default_factory=dict)
    authorize_requests: list[dict[str, str]] = field(default_factory=list)
    token_requests: list[dict[str, str]] = field(default_factory=list)
    # a test's attack on authgate's reading of answers: a path answered with these bytes instead (a body no real
    # provider sends), or with a body trickled out a byte at a time, never ending
    raw_answers: dict[str, bytes] = field(default_factory=dict)
    # headers sent with a raw answer (its Content-Encoding, say)
    raw_headers: dict[str, dict[str, str]] = field(default_factory=dict)
    trickled: set[str] = field(default_factory=set)

    @property
    def url(self) -> str:
        return f"http://localhost:{self.port}"

    def routes(self) -> list[Route]:
        raise NotImplementedError

    async def authorize(self, request: Request) -> Response:
        params = dict(request.query_params)
        self.authorize_requests.append(params)
        redirect = params["redirect_uri"]
        if self.deny:
            return RedirectResponse(f"{redirect}?{urlencode({'error': 'access_denied', 'state': params['state']})}")
        code = secrets.token_urlsafe(16)
        self.grants[code] = Grant(redirect, params.get("code_challenge", ""), params.get("nonce"), params["scope"])
        return RedirectResponse(f"{redirect}?{urlencode({'code': code, 'state': params['state']})}")

    async def redeem(self, request: Request) -> tuple[Grant | None, dict[str, str]]:
        form = {key: str(value) for key, value in (await request.form()).items()}
        self.token_requests.append(form)
        client_id, secret = form.get("client_id"), form.get("client_secret")
        header = request.headers.get("authorization", "")
        if header.startswith("Basic "):
            client_id, _, secret = base64.b64decode(header[6:]).decode().partition(":")
        grant = self.grants.pop(form.get("code", ""), None)
        verifier = form.get("code_verifier", "")
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        if (
            grant is None
            or client_id != CLIENT_ID
            or secret != CLIENT_SECRET
            or grant.challenge != challenge
            or form.get("redirect_uri") != grant.redirect_uri
        ):
            return None, form
        return grant, form


@dataclass
class GitHubProvider(_Provider):
    user_id: int = 4242
    emails: list[dict[str, Any]] = field(
        default_factory=lambda: [{"email": "octo@example.com", "primary": True, "verified": True}]
    )
    tokens: set[str] = field(default_factory=set)

    def routes(self) -> list[Route]:
        return [
            Route("/login/oauth/authorize", self.authorize),
            Route("/login/oauth/access_token", self.token, methods=["POST"]),
            Route("/api/user", self.user),
            Route("/api/user/emails", self.user_emails),
        ]

    async def token(self, request: Request) -> Response:
        grant, _ = await self.redeem(request)
        if grant is None:
            return JSONResponse({"error": "bad_verification_code"})
        token = secrets.token_urlsafe(16)
        self.tokens.add(token)
        return JSONResponse({"access_token": token, "token_type": "bearer", "scope": grant.scope})

    def _authorized(self, request: Request) -> bool:
        return request.headers.get("authorization", "").removeprefix("Bearer ") in self.tokens

    async def user(self, request: Request) -> Response:
        if not self._authorized(request):
            return JSONResponse({"message": "Bad credentials"}, status_code=401)
        return JSONResponse({"id": self.user_id, "login": "octocat"})

    async def user_emails(self, request: Request) -> Response:
        if not self._authorized(request):
            return JSONResponse({"message": "Bad credentials"}, status_code=401)
        return JSONResponse(self.emails)


@functools.cache
def _shared_signing_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@dataclass
class OidcProvider(_Provider):
    subject: str = "oidc-subject-1"
    email: str = "reader@example.com"
    # anything in here replaces or adds ID-token claims (a test's attack); None removes the claim
    claims: dict[str, Any] = field(default_factory=dict)
    algorithm: str = "RS256"
    # one key for every test provider (an RSA key takes a while to make); a test of another key sets `foreign_key`
    key: Any = field(default_factory=lambda: _shared_signing_key())
    # set to sign with a key the JWKS does not publish
    foreign_key: Any = None
    issuer_override: str | None = None

    @property
    def issuer(self) -> str:
        return self.url

    def routes(self) -> list[Route]:
        return [
            Route("/.well-known/openid-configuration", self.discovery),
            Route("/jwks", self.jwks),
            Route("/authorize", self.authorize),
            Route("/token", self.token, methods=["POST"]),
        ]

    def discovery_document(self) -> dict[str, Any]:
        """What its /.well-known/openid-configuration answers (a test may bend a copy into `raw_answers`)."""
        return {
            "issuer": self.issuer_override or self.issuer,
            "authorization_endpoint": f"{self.url}/authorize",
            "token_endpoint": f"{self.url}/token",
            "jwks_uri": f"{self.url}/jwks",
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
        }

    async def discovery(self, _request: Request) -> Response:
        return JSONResponse(self.discovery_document())

    async def jwks(self, _request: Request) -> Response:
        public = jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key(), as_dict=True)
        return JSONResponse({"keys": [{**public, "kid": "test-key", "use": "sig", "alg": "RS256"}]})

    async def token(self, request: Request) -> Response:
        grant, _ = await self.redeem(request)
        if grant is None:
            return JSONResponse({"error": "invalid_grant"}, status_code=400)
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "sub": self.subject,
            "aud": CLIENT_ID,
            "iat": now,
            "exp": now + 300,
            "nonce": grant.nonce,
            "email": self.email,
            "email_verified": True,
        }
        claims.update(self.claims)
        claims = {key: value for key, value in claims.items() if value is not None}
        if self.algorithm == "none":
            header = base64.urlsafe_b64encode(b'{"alg":"none","typ":"JWT"}').rstrip(b"=").decode()
            body = base64.urlsafe_b64encode(jwt.utils.json.dumps(claims).encode()).rstrip(b"=").decode()
            id_token = f"{header}.{body}."
        else:
            id_token = jwt.encode(
                claims, self.foreign_key or self.key, algorithm=self.algorithm, headers={"kid": "test-key"}
            )
        return JSONResponse({"access_token": secrets.token_urlsafe(16), "token_type": "Bearer", "id_token": id_token})


def _bent(provider: _Provider, app: ASGIApp) -> ASGIApp:
    """The provider's app, answering the paths a test bent (`raw_answers`, `trickled`) its way."""

    async def trickle() -> AsyncIterator[bytes]:
        # whitespace is valid JSON padding; each byte comes well within any read timeout. Ends when the client goes
        # (Starlette stops a streaming answer on disconnect), or after a minute at most
        for _ in range(300):
            yield b" "
            await asyncio.sleep(0.2)

    async def bent(scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] == "http" and path in provider.raw_answers:
            answer = Response(
                provider.raw_answers[path], media_type="application/json", headers=provider.raw_headers.get(path)
            )
            await answer(scope, receive, send)
        elif scope["type"] == "http" and path in provider.trickled:
            await StreamingResponse(trickle(), media_type="application/json")(scope, receive, send)
        else:
            await app(scope, receive, send)

    return bent


@contextmanager
def serving(provider: _Provider) -> Iterator[_Provider]:
    """The provider in a thread, for the length of the block, on a port it holds from the start.

    The socket is bound here and handed to uvicorn: a port picked, let go and bound again later could be taken in
    between by any process of a busy CI run (the front end's servers run beside this suite)."""
    app = _bent(provider, Starlette(routes=provider.routes()))
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    provider.port = int(sock.getsockname()[1])
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("test provider did not start")
        time.sleep(0.02)  # waiting for a server to listen, not a timed assertion
    try:
        yield provider
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


async def sign_in_through(
    api: httpx.AsyncClient, provider_id: str, *, next_path: str = "/docs/intro", start: str | None = None
) -> httpx.Response:
    """What a browser does: start at the API, follow the provider (approving), come back to the callback.

    Returns the callback's answer (a redirect to the site). `start` replaces the authorize URL (a connect flow)."""
    if start is None:
        started = await api.get(f"/auth/oauth/{provider_id}/authorize", params={"next": next_path})
        assert started.status_code == 302, started.text
        if "error=" in started.headers["location"]:
            return started  # refused before the provider was even asked
        start = started.headers["location"]
    # a browser waits longer than httpx's 5 s default: on a loaded CI machine one connect once took longer
    async with httpx.AsyncClient(timeout=30) as browser:
        at_provider = await browser.get(start)
    assert at_provider.status_code in (302, 307), at_provider.text
    back = urlsplit(at_provider.headers["location"])
    return await api.get(back.path, params={k: v[0] for k, v in parse_qs(back.query).items()})
