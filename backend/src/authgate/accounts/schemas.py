from __future__ import annotations

import unicodedata
import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints

from authgate.accounts.models import ExperienceLevel, ProfessionalRole
from authgate.identifiers import Email
from authgate.shared import TokenResponse

# hard ceilings before any work; the configurable password policy runs in the service, still before hashing
MAX_PASSWORD_INPUT = 1024


def _blank_to_none(value: object) -> object:
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def _printable(value: str | None) -> str | None:
    # control characters (NUL above all: PostgreSQL text cannot hold it) have no place in a name or a role
    if value is not None and any(unicodedata.category(char) == "Cc" for char in value):
        raise ValueError("must not contain control characters")
    return value


# optional free text: trimmed, "" means null, capped, printable
RoleOther = Annotated[
    Annotated[str, StringConstraints(max_length=100)] | None,
    BeforeValidator(_blank_to_none),
    AfterValidator(_printable),
]
Organization = Annotated[
    Annotated[str, StringConstraints(max_length=255)] | None,
    BeforeValidator(_blank_to_none),
    AfterValidator(_printable),
]


class SignupRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")

    email: Email
    password: str = Field(min_length=1, max_length=MAX_PASSWORD_INPUT)
    experience_level: ExperienceLevel
    professional_role: ProfessionalRole
    role_other: RoleOther = None
    organization: Organization = None


class LoginRequest(BaseModel):
    email: Email
    password: str = Field(min_length=1, max_length=MAX_PASSWORD_INPUT)


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    email: str
    is_active: bool
    is_verified: bool
    created_at: datetime
    last_login_at: datetime | None


class ProfileOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    experience_level: ExperienceLevel
    professional_role: ProfessionalRole
    role_other: str | None
    organization: str | None
    created_at: datetime
    updated_at: datetime


class MeResponse(BaseModel):
    user: UserOut
    profile: ProfileOut | None
    # false for a reader who arrived through a provider and has not said yet who they are (experience, role)
    profile_complete: bool


class AuthResponse(TokenResponse):
    user: UserOut
    profile: ProfileOut | None
    profile_complete: bool


class ChallengeResponse(BaseModel):
    """The first factor passed and a second one is on: no session yet. Answer with POST /auth/mfa/verify."""

    mfa_required: Literal[True] = True
    challenge_token: str = Field(description="Opaque; also set as the HttpOnly `authgate_challenge` cookie")
    methods: list[Literal["totp", "backup_code", "passkey"]]
    expires_in: int = Field(description="Seconds until the challenge expires")
