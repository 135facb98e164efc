"""A second service, as the platform's chatbot would be: it trusts authgate's access tokens through the published keys
only (no shared secret). Run by tests/keys/test_verifier.py as its own process (uvicorn)."""

from __future__ import annotations

import os
from typing import Any

from fastapi import Depends, FastAPI

from authgate.verifier import JWKSVerifier, access_claims

verifier = JWKSVerifier(
    os.environ["AUTHGATE_JWKS_URL"], issuer="authgate", audience="authgate", min_refetch_seconds=0.5
)
reader = access_claims(verifier)
app = FastAPI()


@app.get("/progress")
async def progress(claims: dict[str, Any] = Depends(reader)) -> dict[str, Any]:
    return {"reader": claims["sub"], "email": claims["email"]}


@app.get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}
