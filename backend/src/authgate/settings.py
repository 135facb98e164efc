"""Configuration from the environment or a `.env` file, with the quickstart's names and defaults."""

from __future__ import annotations

import json
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from authgate.security.access_tokens import ALLOWED_ALGORITHMS

DEFAULT_DATABASE_URL = "sqlite:///./authgate.db"
QUICKSTART_PLACEHOLDER_SECRET = "your-super-secret-256-bit-key-change-this-in-production"
MIN_SECRET_LENGTH = 32
SECRET_FIX = (
    "Set JWT_SECRET_KEY to a random value of at least 32 characters, e.g. "
    "`python -c 'import secrets; print(secrets.token_urlsafe(48))'`, in the environment or in .env."
)


class ConfigurationError(ValueError):
    """The settings cannot be used safely; the message names the fix."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    database_url: str = DEFAULT_DATABASE_URL
    jwt_secret_key: str = ""
    jwt_algorithm: str = "HS256"
    jwt_issuer: str = "authgate"
    jwt_audience: str = "authgate"
    jwt_leeway_seconds: int = Field(default=10, ge=0, le=30)
    access_token_expire_minutes: int = Field(default=30, gt=0)
    refresh_token_expire_days: int = Field(default=7, gt=0)
    refresh_reuse_grace_seconds: int = Field(default=10, ge=0)

    cookie_domain: str | None = None
    cookie_secure: bool = False
    cookie_samesite: Literal["lax", "strict", "none"] = "lax"

    cors_origins: Annotated[list[str], NoDecode] = ["http://localhost:3000", "http://localhost:8000"]
    cors_allow_credentials: bool = True

    argon2_time_cost: int = 2
    argon2_memory_cost: int = 19456
    argon2_parallelism: int = 1
    hashing_max_in_flight: int | None = Field(default=None, ge=1)

    password_min_length: int = Field(default=8, ge=8)
    password_max_length: int = Field(default=128, ge=64, le=1024)
    max_body_bytes: int = Field(default=16 * 1024, ge=1024)
    db_pool_size: int = Field(default=20, ge=1)
    db_unavailable_retry_after_seconds: int = Field(default=5, ge=1)

    # the site's URL: links in mail are built from it, never from the request's Host header
    public_url: str = "http://localhost:3000"

    # rate limits ("N/period" in the `limits` notation); counters in memory, or in Redis when REDIS_URL is set
    redis_url: str | None = None
    forwarded_allow_ips: Annotated[list[str], NoDecode] = []
    rate_limit_login_ip: str = "30/minute"
    rate_limit_login_account: str = "10/minute"
    rate_limit_signup_ip: str = "10/hour"
    rate_limit_refresh_ip: str = "120/minute"
    rate_limit_forgot_password_ip: str = "5/minute"
    rate_limit_forgot_password_account: str = "3/hour"
    rate_limit_reset_password_ip: str = "10/minute"
    rate_limit_verification_ip: str = "10/minute"
    # consecutive failed sign-ins on one account: slowed down after this many, password reset required at the cap
    lockout_slowdown_after: int = Field(default=5, ge=1)
    lockout_reset_required_after: int = Field(default=50, ge=2, le=100)

    # mail; with no SMTP_HOST, mail goes to the log (development)
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = True
    mail_from: str = "authgate <no-reply@localhost>"

    require_verified_email: bool = False
    verification_token_hours: int = Field(default=24, gt=0)
    reset_token_minutes: int = Field(default=60, gt=0)
    session_cleanup_interval_minutes: int = Field(default=60, ge=0)

    @field_validator("cookie_domain", "redis_url", "smtp_host", "smtp_username", "smtp_password", mode="before")
    @classmethod
    def _empty_domain_is_host_only(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("cookie_samesite", mode="before")
    @classmethod
    def _lower_samesite(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("cors_origins", "forwarded_allow_ips", mode="before")
    @classmethod
    def _parse_origins(cls, value: object) -> object:
        # the quickstart writes a JSON list; a comma-separated list is accepted too
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                return json.loads(text)
            return [item.strip() for item in text.split(",") if item.strip()]
        return value

    @field_validator("cors_origins")
    @classmethod
    def _strip_trailing_slash(cls, value: list[str]) -> list[str]:
        return [origin.rstrip("/") for origin in value]

    @model_validator(mode="after")
    def _refuse_unsafe(self) -> Settings:
        if self.jwt_algorithm not in ALLOWED_ALGORITHMS:
            raise ConfigurationError(
                f"JWT_ALGORITHM must be one of {', '.join(ALLOWED_ALGORITHMS)} (got {self.jwt_algorithm!r})."
            )
        # browsers refuse credentialed CORS with a wildcard, and reflecting any origin would defeat CSRF checks
        if "*" in self.cors_origins and self.cors_allow_credentials:
            raise ConfigurationError(
                'CORS_ORIGINS contains "*" while CORS_ALLOW_CREDENTIALS is true: list the site origins explicitly.'
            )
        if self.cookie_samesite == "none" and not self.cookie_secure:
            raise ConfigurationError("COOKIE_SAMESITE=none requires COOKIE_SECURE=true (browsers drop the cookie).")
        return self

    def check_secret(self) -> None:
        """Refuse to run with a missing, short or placeholder secret."""
        secret = self.jwt_secret_key
        if not secret:
            raise ConfigurationError(f"JWT_SECRET_KEY is not set. {SECRET_FIX}")
        if secret == QUICKSTART_PLACEHOLDER_SECRET or "change-this" in secret or "changeme" in secret:
            raise ConfigurationError(f"JWT_SECRET_KEY is the quickstart's placeholder. {SECRET_FIX}")
        if len(secret) < MIN_SECRET_LENGTH:
            raise ConfigurationError(f"JWT_SECRET_KEY is shorter than {MIN_SECRET_LENGTH} characters. {SECRET_FIX}")

    @property
    def refresh_lifetime_seconds(self) -> int:
        return self.refresh_token_expire_days * 24 * 60 * 60
