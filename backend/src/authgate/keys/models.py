from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from authgate.db import Base, UTCDateTime


class SigningKeyRecord(Base):
    """A key pair that signs access tokens (JWT_ALGORITHM EdDSA, ES256 or RS256); its private half sealed."""

    __tablename__ = "signing_keys"

    # RFC 7638 thumbprint of the public key
    kid: Mapped[str] = mapped_column(String(64), primary_key=True)
    algorithm: Mapped[str] = mapped_column(String(10))
    # PKCS#8 PEM, sealed with AES-GCM under a key derived from JWT_SECRET_KEY (security/sealing.py)
    private_sealed: Mapped[str] = mapped_column(Text)
    public_jwk: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    # a rotated-out key signs nothing more; it stays published until every token it signed has expired
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
