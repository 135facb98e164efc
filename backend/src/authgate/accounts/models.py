from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import Boolean, Enum, ForeignKey, Integer, String, Uuid, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from authgate.db import Base, UTCDateTime


class ExperienceLevel(enum.StrEnum):
    BEGINNER = "beginner"
    INTERMEDIATE = "intermediate"
    ADVANCED = "advanced"


class ProfessionalRole(enum.StrEnum):
    STUDENT = "student"
    RESEARCHER = "researcher"
    ENGINEER = "engineer"
    HOBBYIST = "hobbyist"
    OTHER = "other"


def _values(enum_type: type[enum.Enum]) -> list[str]:
    # store the lower-case VALUES ('student'), not SQLAlchemy's default member NAMES ('STUDENT')
    return [str(member.value) for member in enum_type]


experience_level_type = Enum(ExperienceLevel, name="experience_level", values_callable=_values)
professional_role_type = Enum(ProfessionalRole, name="professional_role", values_callable=_values)


class User(Base):
    __tablename__ = "users"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    email: Mapped[str] = mapped_column(String(255), unique=True, index=True)
    # None: the reader has no password (signed up through a provider); forgot/reset sets one
    hashed_password: Mapped[str | None] = mapped_column(String(255), nullable=True)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True, index=True)
    is_verified: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # access tokens issued before this instant are refused: "log out everywhere" and suspension act before exp
    tokens_valid_after: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    email_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # when the account's holder first proved an address of it (a verification or reset link, a provider that vouched
    # for it); never moved by a later proof. A way in added before it may be a squatter's (recovery/service.py)
    first_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # consecutive failed sign-ins; reset by a successful sign-in or a password reset
    failed_login_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_failed_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    password_reset_required: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    profile: Mapped[UserProfile | None] = relationship(
        back_populates="user", uselist=False, cascade="all, delete-orphan", lazy="raise"
    )


class UserProfile(Base):
    __tablename__ = "user_profiles"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("users.id", ondelete="CASCADE"), unique=True, index=True
    )
    experience_level: Mapped[ExperienceLevel] = mapped_column(experience_level_type, index=True)
    professional_role: Mapped[ProfessionalRole] = mapped_column(professional_role_type, index=True)
    role_other: Mapped[str | None] = mapped_column(String(100), nullable=True)
    organization: Mapped[str | None] = mapped_column(String(255), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(back_populates="profile", lazy="raise")


class SignInFailure(Base):
    """Consecutive failed sign-ins at an address that has no account: the twin of users.failed_login_count.

    Kept in the database, beside the known accounts' counts, so that known and unknown addresses are judged from the
    same kind of storage in every deployment: with per-process counters (no REDIS_URL, several workers) or Redis
    down, an attacker would otherwise see a known address throttled on every worker and an unknown one on one only.
    `key` is a keyed hash of the canonical address: the table holds no address.
    """

    __tablename__ = "sign_in_failures"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    failed_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_failed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reset_required: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # purged after this (the cleanup job), like a known account's state would stop mattering
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
