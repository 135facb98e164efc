"""The public keys (JWKS), the metadata naming them, and token introspection for other services."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from authgate.errors import InvalidToken, NotAuthenticated, NotFound, error_responses
from authgate.gate import AuthGate
from authgate.keys.schemas import Introspection, JwksDocument, ServerMetadata
from authgate.keys.service import KeyStore, refresh_gate_keys, uses_key_pairs
from authgate.shared import REQUEST_GUARDS
from authgate.transport import bearer_token

# a verifier caches the key set this long; a retired key stays published far longer (its tokens' lifetime)
JWKS_MAX_AGE = 300
CACHEABLE = {"x-authgate-cacheable": True}
# the introspection body is read by hand (`token=` as a form, as RFC 7662 clients send it, or JSON): described for the
# OpenAPI document, whose generated clients and route table would otherwise show no body at all
INTROSPECTION_BODY: dict[str, object] = {
    "requestBody": {
        "required": False,
        "content": {
            media: {"schema": {"type": "object", "properties": {"token": {"type": "string"}}}}
            for media in ("application/x-www-form-urlencoded", "application/json")
        },
    }
}


def add_routes(router: APIRouter, gate: AuthGate) -> None:
    """Registers this feature's routes on the auth router, and gives the gate its key store."""
    if uses_key_pairs(gate.settings):
        store = KeyStore(gate.engine, gate.settings)

        async def refresh(force: bool) -> None:
            await refresh_gate_keys(gate, store, force=force)

        gate.keys_refresh = refresh
        gate.published_keys = lambda: list(store.published)

    @router.get(
        "/.well-known/jwks.json",
        operation_id="keys_jwks",
        response_model=JwksDocument,
        summary="The public keys access tokens are signed with (RFC 7517); empty with an HMAC algorithm",
        openapi_extra=CACHEABLE,
        responses=error_responses(*REQUEST_GUARDS),
    )
    async def jwks() -> Response:
        return jwks_response(gate)

    @router.get(
        "/.well-known/oauth-authorization-server",
        operation_id="keys_server_metadata",
        response_model=ServerMetadata,
        summary="Metadata naming the issuer, the JWKS and the introspection endpoint (RFC 8414 members)",
        openapi_extra=CACHEABLE,
        responses=error_responses(*REQUEST_GUARDS),
    )
    async def metadata(request: Request) -> Response:
        return metadata_response(gate, _auth_base(request))

    @router.post(
        "/introspect",
        operation_id="keys_introspect",
        response_model=Introspection,
        summary="Token introspection for other services (RFC 7662): is this access token still good?",
        description=(
            "Authenticate with `Authorization: Bearer <INTROSPECTION_SECRET>`; the body is `token=<access token>` "
            '(form) or `{"token": …}` (JSON). Answers `{active: false}` for any token that would be refused: '
            "bad signature, expired, user deleted or suspended, signed out everywhere, password changed."
        ),
        responses=error_responses(NotAuthenticated, NotFound, *REQUEST_GUARDS),
        openapi_extra=INTROSPECTION_BODY,
    )
    async def introspect(request: Request) -> Introspection:
        _check_client(gate, request)
        token = _token_of(await request.body(), request.headers.get("content-type", ""))
        if token is None:
            return Introspection(active=False)
        try:
            user, claims = await gate.verify_access(token)
        except (InvalidToken, NotAuthenticated):
            return Introspection(active=False)
        except Exception as error:  # suspension and the like are "not active" too, never an error
            if getattr(error, "status_code", 500) >= 500:
                raise
            return Introspection(active=False)
        values = claims.claims
        return Introspection(
            active=True,
            sub=str(user.id),
            email=user.email,
            exp=int(claims.expires_at.timestamp()),
            iat=int(claims.issued_at.timestamp()),
            iss=str(values.get("iss")),
            aud=str(values.get("aud")),
            jti=claims.jti,
            auth_time=values.get("auth_time") if isinstance(values.get("auth_time"), int) else None,
        )


def _auth_base(request: Request) -> str:
    path = request.url.path
    return path[: path.rindex("/.well-known/")] if "/.well-known/" in path else ""


def jwks_response(gate: AuthGate) -> Response:
    return JSONResponse({"keys": gate.published_keys()}, headers={"Cache-Control": f"public, max-age={JWKS_MAX_AGE}"})


def metadata_response(gate: AuthGate, auth_base: str) -> Response:
    base = gate.settings.auth_public_url.rstrip("/")
    algorithm = gate.settings.jwt_algorithm
    body: dict[str, Any] = {
        "issuer": gate.settings.jwt_issuer,
        "jwks_uri": f"{base}{auth_base}/.well-known/jwks.json",
        "introspection_endpoint": f"{base}{auth_base}/introspect",
        "access_token_signing_alg_values_supported": [algorithm],
        "audience": gate.settings.jwt_audience,
    }
    return JSONResponse(body, headers={"Cache-Control": f"public, max-age={JWKS_MAX_AGE}"})


def _check_client(gate: AuthGate, request: Request) -> None:
    configured = gate.settings.introspection_secret
    if configured is None or not configured.get_secret_value().strip():
        # off unless an operator gave services a secret; an empty one (settings built in code, or copied with
        # model_copy, skip the blank-is-unset validator) would be matched by a request with no Authorization at all
        raise NotFound()
    given = bearer_token(request) or ""
    expected = configured.get_secret_value()
    # compare digests: constant time whatever the lengths
    if not hmac.compare_digest(hashlib.sha256(given.encode()).digest(), hashlib.sha256(expected.encode()).digest()):
        raise NotAuthenticated(headers={"WWW-Authenticate": "Bearer"})


def _token_of(body: bytes, content_type: str) -> str | None:
    media = content_type.split(";")[0].strip().lower()
    try:
        if media == "application/json":
            value = json.loads(body or b"{}").get("token")
        else:
            value = parse_qs(body.decode("utf-8"), max_num_fields=4).get("token", [None])[0]
    # RecursionError: JSON nested past the parser's depth (a 500 with a traceback before; attack pass)
    except (ValueError, AttributeError, UnicodeDecodeError, RecursionError):
        return None
    return value if isinstance(value, str) and value else None
