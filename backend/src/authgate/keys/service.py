"""Signing keys in the database, shared by every instance: the ring each instance signs and verifies with, rotation,
and the public keys other services verify with (JWKS).

With an HMAC algorithm (HS256, the default) there is nothing here: the key is JWT_SECRET_KEY and is never published.
With EdDSA, ES256 or RS256 the key pairs live in `signing_keys`, their private halves sealed under a key derived from
JWT_SECRET_KEY. Each instance reloads the ring at most every JWT_KEY_REFRESH_SECONDS (and at once on a token whose
`kid` it does not know yet), so a rotation by `authgate keys rotate` reaches every instance within that time. A
retired key signs nothing more and stays published, and accepted, until every token it may have signed has expired.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from authgate.keys.models import SigningKeyRecord
from authgate.security import AccessTokenVerifier, derive_key
from authgate.security.sealing import Unsealable, seal, unseal
from authgate.security.signing import (
    ASYMMETRIC_ALGORITHMS,
    KeyRing,
    SigningKey,
    generate_private_key,
    load_private_pem,
    private_pem,
    public_jwk,
    signing_key_of,
)
from authgate.settings import Settings

logger = logging.getLogger("authgate.keys")
SEALING_CONTEXT = b"authgate signing key"
# a token naming an unknown kid reloads the ring at once, but at most this often: anyone can make up a kid, and each
# reload reads the database and unseals every private key (the verifier's min_refetch_seconds, on authgate's side)
FORCED_RELOAD_SECONDS = 1


@dataclass(frozen=True)
class KeyInfo:
    kid: str
    algorithm: str
    created_at: datetime
    retired_at: datetime | None
    status: str


def uses_key_pairs(settings: Settings) -> bool:
    return settings.jwt_algorithm in ASYMMETRIC_ALGORITHMS


def _sealing_key(settings: Settings) -> bytes:
    return derive_key(settings.secret, "authgate signing keys")


def retention(settings: Settings) -> timedelta:
    """How long a retired key stays accepted and published: the longest a token it signed can live, plus the leeway
    and the time other instances may still sign with it before they reload."""
    return (
        timedelta(minutes=settings.access_token_expire_minutes)
        + timedelta(seconds=settings.jwt_leeway_seconds)
        + timedelta(seconds=settings.jwt_key_refresh_seconds)
    )


async def _rows(engine: AsyncEngine) -> Sequence[Any]:
    async with engine.connect() as db:
        found = await db.execute(select(SigningKeyRecord.__table__).order_by(SigningKeyRecord.created_at.desc()))
        return found.all()


async def add_key(engine: AsyncEngine, settings: Settings, now: datetime, *, retire_others: bool) -> str:
    """A new key pair of JWT_ALGORITHM becomes the current one; with `retire_others`, the ones before it retire."""
    algorithm = settings.jwt_algorithm
    private = generate_private_key(algorithm)
    jwk = public_jwk(private, algorithm)
    sealed = seal(_sealing_key(settings), private_pem(private).decode("ascii"), context=SEALING_CONTEXT)
    async with engine.begin() as db:
        if retire_others:
            await db.execute(
                update(SigningKeyRecord).where(SigningKeyRecord.retired_at.is_(None)).values(retired_at=now)
            )
        await db.execute(
            insert(SigningKeyRecord).values(
                kid=jwk["kid"],
                algorithm=algorithm,
                private_sealed=sealed,
                public_jwk=json.dumps(jwk),
                created_at=now,
                retired_at=None,
            )
        )
    return str(jwk["kid"])


async def list_keys(engine: AsyncEngine, settings: Settings, now: datetime) -> list[KeyInfo]:
    infos = []
    current_seen = False
    for row in await _rows(engine):
        if row.retired_at is None and row.algorithm == settings.jwt_algorithm and not current_seen:
            status, current_seen = "current", True
        elif row.retired_at is None:
            status = "idle"
        elif row.retired_at + retention(settings) > now:
            status = "retired, still published"
        else:
            status = "expired"
        infos.append(KeyInfo(row.kid, row.algorithm, row.created_at, row.retired_at, status))
    return infos


class KeyStore:
    """One instance's view of the signing keys: reloaded when stale; the gate's token config follows it."""

    def __init__(self, engine: AsyncEngine, settings: Settings) -> None:
        self.engine = engine
        self.settings = settings
        self.ring: KeyRing | None = None
        self.published: list[dict[str, Any]] = []
        self.loaded_at: datetime | None = None
        # one reload at a time: concurrent requests that all find the ring stale (or an unknown kid) share it
        self.reloading = asyncio.Lock()

    def stale(self, now: datetime) -> bool:
        return self.loaded_at is None or now - self.loaded_at >= timedelta(
            seconds=self.settings.jwt_key_refresh_seconds
        )

    async def load(self, now: datetime, *, made_one: bool = False) -> KeyRing:
        rows = await _rows(self.engine)
        if not any(r.retired_at is None and r.algorithm == self.settings.jwt_algorithm for r in rows):
            # the first start with a key-pair algorithm: make the first key (two instances racing both add one; each
            # then signs with the newest, and both are published)
            await add_key(self.engine, self.settings, now, retire_others=False)
            rows = await _rows(self.engine)
        keep = retention(self.settings)
        accepted: dict[str, SigningKey] = {}
        current: SigningKey | None = None
        published = []
        for row in rows:  # newest first
            if row.retired_at is not None and row.retired_at + keep <= now:
                continue
            try:
                pem = unseal(_sealing_key(self.settings), row.private_sealed, context=SEALING_CONTEXT)
            except Unsealable:
                # sealed under another JWT_SECRET_KEY: this instance can neither sign nor vouch for it
                logger.warning("signing key %s was sealed under another JWT_SECRET_KEY; skipped", row.kid)
                continue
            key = signing_key_of(load_private_pem(pem.encode("ascii"), row.algorithm), row.algorithm)
            accepted[key.kid] = key
            published.append(json.loads(row.public_jwk))
            if current is None and row.retired_at is None and row.algorithm == self.settings.jwt_algorithm:
                current = key
        if current is None:
            if made_one:
                raise RuntimeError("the signing key made just now cannot be read back")
            # JWT_SECRET_KEY was changed: no current key can be opened, so a new one becomes current (tokens the
            # old keys signed stop working here, as HMAC tokens do when the secret changes)
            logger.warning("no signing key opens with this JWT_SECRET_KEY; making a new one")
            await add_key(self.engine, self.settings, now, retire_others=False)
            return await self.load(now, made_one=True)
        self.ring = KeyRing(current, accepted)
        self.published = published
        self.loaded_at = now
        return self.ring


async def refresh_gate_keys(gate: Any, store: KeyStore, *, force: bool = False) -> None:
    """Reload the ring when stale (or forced: a token named a key this instance does not know yet), and hand it to
    the gate's token config. A database that does not answer keeps the keys already loaded."""
    if not _due(store, gate.now(), force):
        return
    async with store.reloading:
        now = gate.now()
        if not _due(store, now, force):
            return  # another request reloaded while this one waited
        try:
            ring = await store.load(now)
        except Exception:
            if store.ring is None:
                raise
            logger.warning("signing keys could not be reloaded; keeping the ones loaded at %s", store.loaded_at)
            store.loaded_at = now  # try again after the refresh interval, not on every request
            return
    if set(ring.accepted) != set(gate.access.keys.accepted) or ring.current.kid != gate.access.keys.current.kid:
        gate.access = replace(gate.access, ring=ring, algorithm=ring.current.algorithm)
        gate.verifier = AccessTokenVerifier(gate.access)


def _due(store: KeyStore, now: datetime, force: bool) -> bool:
    if store.stale(now):
        return True
    # forced (an unknown kid): only when the ring is at least FORCED_RELOAD_SECONDS old
    return force and store.loaded_at is not None and now - store.loaded_at >= timedelta(seconds=FORCED_RELOAD_SECONDS)
