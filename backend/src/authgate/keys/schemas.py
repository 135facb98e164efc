from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class JwksDocument(BaseModel):
    keys: list[dict[str, Any]]


class ServerMetadata(BaseModel):
    issuer: str
    jwks_uri: str
    introspection_endpoint: str
    access_token_signing_alg_values_supported: list[str]
    audience: str


class Introspection(BaseModel):
    """RFC 7662 §2.2; only `active` when the token would be refused."""

    active: bool
    sub: str | None = None
    email: str | None = None
    exp: int | None = None
    iat: int | None = None
    iss: str | None = None
    aud: str | None = None
    jti: str | None = None
    auth_time: int | None = None
    token_type: str | None = None
