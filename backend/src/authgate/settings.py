"""Configuration from the environment or a `.env` file, with the quickstart's names and defaults."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from pydantic_settings.exceptions import SettingsError

from authgate.security.access_tokens import ALLOWED_ALGORITHMS
from authgate.security.key_strength import weak_secret_reason

DEFAULT_DATABASE_URL = "sqlite:///./authgate.db"
QUICKSTART_PLACEHOLDER_SECRET = "your-super-secret-256-bit-key-change-this-in-production"
MIN_SECRET_LENGTH = 32
SECRET_FIX = (
    "Set JWT_SECRET_KEY to a random value of at least 32 characters, e.g. "
    "`python -c 'import secrets; print(secrets.token_urlsafe(48))'`, in the environment or in .env."
)


class ConfigurationError(ValueError):
    """The settings cannot be used safely; the message names the setting and the fix, never a value."""


def describe_errors(error: ValidationError) -> str:
    """Which settings are wrong and why, without their values.

    pydantic's own message carries `input_value=...`: for a model-level check that is every setting, an SMTP
    password and the JWT secret included (found by an attack pass in a refused configuration's stderr).
    """
    lines = []
    for item in error.errors(include_input=False, include_url=False, include_context=False):
        name = ".".join(str(part) for part in item.get("loc", ()) if part != "__root__").upper()
        message = str(item.get("msg", "invalid")).removeprefix("Value error, ")
        lines.append(f"{name}: {message}" if name else message)
    return "; ".join(lines) or "invalid configuration"


class OidcProviderSetting(BaseModel):
    """One entry of OAUTH_OIDC_PROVIDERS."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,31}$")
    name: str = Field(min_length=1, max_length=60)
    issuer: str
    client_id: str = Field(min_length=1)
    client_secret: SecretStr


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    # URLs may carry a password: never in repr (errors never echo any value, see describe_errors)
    database_url: str = Field(default=DEFAULT_DATABASE_URL, repr=False)
    # what DATABASE_URL reaches: PostgreSQL itself, or PgBouncer in transaction mode (Neon's pooled endpoint): then
    # no prepared statement outlives a transaction and no start-up parameter is sent (db.py)
    database_pooler: Literal["none", "pgbouncer"] = "none"
    # the server itself, bypassing the pooler: `authgate migrate` uses it (DDL and Alembic's session through a
    # transaction pooler are refused)
    database_direct_url: str | None = Field(default=None, repr=False)
    jwt_secret_key: SecretStr = SecretStr("")
    jwt_algorithm: str = "HS256"
    jwt_issuer: str = "authgate"
    jwt_audience: str = "authgate"
    jwt_leeway_seconds: int = Field(default=10, ge=0, le=30)
    # key-pair algorithms: how often each instance reloads the signing keys (a rotation reaches all within this)
    jwt_key_refresh_seconds: int = Field(default=30, ge=1, le=3600)
    # token introspection (RFC 7662) for other services, who send it as a bearer token; unset = the route is off
    introspection_secret: SecretStr | None = Field(default=None, repr=False)
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
    # a password hash not started within this (every hashing thread busy, or starved by other processes) is not run:
    # the request answers 503 with Retry-After instead of waiting until the reader's browser or proxy gives up
    hashing_queue_timeout_seconds: float = Field(default=10.0, gt=0, le=300)

    password_min_length: int = Field(default=8, ge=8)
    password_max_length: int = Field(default=128, ge=64, le=1024)
    # context-specific words a password must not be (NIST SP 800-63B: the service's name); the reader's email and
    # its parts are always added
    password_context_words: Annotated[list[str], NoDecode] = ["authgate", "textbook", "robotics", "humanoid"]
    max_body_bytes: int = Field(default=16 * 1024, ge=1024)
    # the whole request body must arrive within this (a body trickled in byte by byte gets 408)
    body_read_timeout_seconds: float = Field(default=10.0, gt=0, le=300)
    db_pool_size: int = Field(default=20, ge=1)
    db_unavailable_retry_after_seconds: int = Field(default=5, ge=1)
    # every wait on the database is bounded: a server that accepts connections and never answers (a network
    # partition) costs a request at most about these, then 503 with Retry-After
    db_connect_timeout_seconds: float = Field(default=5.0, gt=0, le=60)
    db_pool_timeout_seconds: float = Field(default=5.0, gt=0, le=60)
    db_statement_timeout_seconds: float = Field(default=5.0, gt=0, le=300)
    db_idle_in_transaction_timeout_seconds: float = Field(default=15.0, gt=0, le=3600)
    # the three limits above also set on the server for each session (statement_timeout, lock_timeout,
    # idle_in_transaction_session_timeout); false behind a pooler that refuses start-up parameters
    db_server_side_timeouts: bool = True
    # the reader behind an access token is kept this long in each process (0: read on every request); a
    # suspension, sign-out everywhere or password reset on another instance is seen within it
    current_user_cache_seconds: float = Field(default=0.5, ge=0, le=1)
    redis_timeout_seconds: float = Field(default=1.0, gt=0, le=30)

    # the site's URL: links in mail are built from it, never from the request's Host header
    public_url: str = "http://localhost:3000"
    # the API's own public URL: its origin is trusted by the CSRF check (never taken from the Host header)
    auth_public_url: str = "http://localhost:8000"
    # /docs, /redoc and /openapi.json of the standalone service
    api_docs: bool = True
    # Prometheus /metrics of the standalone service; with a token set, scrapers send it as a bearer token
    metrics: bool = True
    metrics_token: SecretStr | None = Field(default=None, repr=False)
    # the standalone service's log lines: one JSON object each, or plain text
    log_format: Literal["json", "text"] = "json"

    # rate limits ("N/period" in the `limits` notation); counters in memory, or in Redis when REDIS_URL is set
    redis_url: str | None = Field(default=None, repr=False)
    forwarded_allow_ips: Annotated[list[str], NoDecode] = []
    rate_limit_login_ip: str = "30/minute"
    rate_limit_login_account: str = "10/minute"
    rate_limit_signup_ip: str = "10/hour"
    rate_limit_refresh_ip: str = "120/minute"
    rate_limit_forgot_password_ip: str = "5/minute"
    rate_limit_forgot_password_account: str = "3/hour"
    # links mailed to one address by a verification resend, and (separately) by email changes naming it: without it a
    # squatted sign-up or the attacker's own account mailed a victim 10 or 30 links a minute per IP (attack pass)
    rate_limit_mail_account: str = "3/hour"
    rate_limit_reset_password_ip: str = "10/minute"
    rate_limit_verification_ip: str = "10/minute"
    # provider sign-in: starting one, and coming back from the provider
    rate_limit_oauth_ip: str = "30/minute"
    # passkey sign-in options: asked on every load of the sign-in page (browser autofill), so not a sign-in attempt
    rate_limit_passkey_options_ip: str = "60/minute"
    # consecutive failed sign-ins on one account: slowed down after this many, password reset required at the cap
    lockout_slowdown_after: int = Field(default=5, ge=1)
    lockout_reset_required_after: int = Field(default=50, ge=2, le=100)

    # mail; with no SMTP_HOST, mail goes to the log (development)
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = True
    mail_from: str = "authgate <no-reply@localhost>"
    # mail not sent by then is given up (a mail with a link: by the time the link expires, if sooner)
    mail_retry_hours: int = Field(default=24, ge=1, le=24 * 7)
    # how often each instance looks for mail to retry or queued by another instance (a commit wakes it at once)
    mail_poll_seconds: float = Field(default=5.0, gt=0, le=300)

    require_verified_email: bool = False
    verification_token_hours: int = Field(default=24, gt=0)
    reset_token_minutes: int = Field(default=60, gt=0)
    session_cleanup_interval_minutes: int = Field(default=60, ge=0)

    # sign-in through providers (each enabled by its client id); redirect URIs are built from AUTH_PUBLIC_URL
    oauth_github_client_id: str | None = None
    oauth_github_client_secret: SecretStr | None = None
    oauth_github_url: str = "https://github.com"
    oauth_github_api_url: str = "https://api.github.com"
    oauth_google_client_id: str | None = None
    oauth_google_client_secret: SecretStr | None = None
    oauth_google_issuer: str = "https://accounts.google.com"
    oauth_google_hosted_domain: str | None = None
    # a JSON list of {"id", "name", "issuer", "client_id", "client_secret"}: any OpenID Connect provider
    oauth_oidc_providers: Annotated[list[OidcProviderSetting], NoDecode] = []
    # a provider that does not answer within this is an error page, not a hang
    oauth_http_timeout_seconds: float = Field(default=10.0, gt=0, le=60)
    # how long a started provider sign-in may take (the state, the PKCE verifier, the nonce)
    oauth_flow_minutes: int = Field(default=10, ge=1, le=60)
    # a sensitive action without a password or code in its body asks for a sign-in at most this old
    recent_sign_in_minutes: int = Field(default=10, ge=1, le=24 * 60)

    # the name authenticator apps and passkey prompts show for the account ("authgate: reader@example.org")
    site_name: str = Field(default="authgate", min_length=1, max_length=64)
    # members-only content (content/): the folder the Docusaurus kit's build writes the protected blocks to
    # (build-members/ next to build/); unset: GET /auth/content/{page_id} answers 404 for every page
    members_content_dir: str | None = None

    # passkeys (WebAuthn): the relying party is the site's registrable domain, by default PUBLIC_URL's host; the
    # origins allowed to use them, by default PUBLIC_URL's own (a list: several sites under one RP ID)
    webauthn_rp_id: str | None = None
    webauthn_origins: Annotated[list[str], NoDecode] = []

    @field_validator("oauth_oidc_providers", mode="before")
    @classmethod
    def _parse_providers(cls, value: object) -> object:
        if isinstance(value, str):
            return json.loads(value) if value.strip() else []
        return value

    @model_validator(mode="after")
    def _provider_urls(self) -> Settings:
        urls = [self.oauth_github_url, self.oauth_github_api_url, self.oauth_google_issuer]
        urls += [provider.issuer for provider in self.oauth_oidc_providers]
        for url in urls:
            check_provider_url(url)
        ids = [provider.id for provider in self.oauth_oidc_providers]
        # a provider's id is also the sign-in's method: never one of the built-in ways in
        reserved = {"github", "google", "signup", "password", "passkey"}
        if len(ids) != len(set(ids)) or reserved & set(ids):
            raise ConfigurationError(
                "OAUTH_OIDC_PROVIDERS: ids must be unique and not github, google, signup, password or passkey"
            )
        return self

    @field_validator(
        "cookie_domain",
        "database_direct_url",
        "redis_url",
        "smtp_host",
        "smtp_username",
        "smtp_password",
        "oauth_github_client_id",
        "oauth_github_client_secret",
        "oauth_google_client_id",
        "oauth_google_client_secret",
        "oauth_google_hosted_domain",
        # blank (`INTROSPECTION_SECRET=`, or a compose file's `${VAR}` of an unset variable) is unset, so the route
        # stays off: kept as "", it turned the route on and a request with no Authorization header matched it
        "introspection_secret",
        mode="before",
    )
    @classmethod
    def _empty_domain_is_host_only(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("cookie_samesite", "database_pooler", mode="before")
    @classmethod
    def _lower_samesite(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("cors_origins", "forwarded_allow_ips", "password_context_words", "webauthn_origins", mode="before")
    @classmethod
    def _parse_origins(cls, value: object) -> object:
        # the quickstart writes a JSON list; a comma-separated list is accepted too
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                return json.loads(text)
            return [item.strip() for item in text.split(",") if item.strip()]
        return value

    @field_validator("cors_origins", "webauthn_origins")
    @classmethod
    def _strip_trailing_slash(cls, value: list[str]) -> list[str]:
        return [origin.rstrip("/") for origin in value]

    @field_validator("public_url", "auth_public_url")
    @classmethod
    def _absolute_http_url(cls, value: str) -> str:
        parts = urlsplit(value.strip())
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ConfigurationError("must be an absolute http(s) URL such as https://docs.example.org")
        return value.strip().rstrip("/")

    def __init__(self, **values: Any) -> None:
        # every way of loading settings ends here: a refused configuration names settings, never their values
        try:
            super().__init__(**values)
        except ValidationError as error:
            raise ConfigurationError(describe_errors(error)) from None
        except SettingsError as error:
            raise ConfigurationError(_settings_source_error(error)) from None

    @model_validator(mode="after")
    def _refuse_unsafe(self) -> Settings:
        if self.jwt_algorithm not in ALLOWED_ALGORITHMS:
            raise ConfigurationError(f"JWT_ALGORITHM must be one of {', '.join(ALLOWED_ALGORITHMS)}.")
        # browsers refuse credentialed CORS with a wildcard, and reflecting any origin would defeat CSRF checks
        if "*" in self.cors_origins and self.cors_allow_credentials:
            raise ConfigurationError(
                'CORS_ORIGINS contains "*" while CORS_ALLOW_CREDENTIALS is true: list the site origins explicitly.'
            )
        if self.database_pooler != "none" and not self.database_url.startswith(("postgresql", "postgres")):
            raise ConfigurationError("DATABASE_POOLER=pgbouncer needs a postgresql:// DATABASE_URL (the pooler's).")
        if self.cookie_samesite == "none" and not self.cookie_secure:
            raise ConfigurationError("COOKIE_SAMESITE=none requires COOKIE_SECURE=true (browsers drop the cookie).")
        return self

    def check_secret(self) -> None:
        """Refuse to run with a missing, short, placeholder or low-entropy secret."""
        secret = self.jwt_secret_key.get_secret_value()
        if not secret:
            raise ConfigurationError(f"JWT_SECRET_KEY is not set. {SECRET_FIX}")
        if secret == QUICKSTART_PLACEHOLDER_SECRET or "change-this" in secret or "changeme" in secret:
            raise ConfigurationError(f"JWT_SECRET_KEY is the quickstart's placeholder. {SECRET_FIX}")
        if len(secret) < MIN_SECRET_LENGTH:
            raise ConfigurationError(f"JWT_SECRET_KEY is shorter than {MIN_SECRET_LENGTH} characters. {SECRET_FIX}")
        reason = weak_secret_reason(secret)
        if reason is not None:
            raise ConfigurationError(f"JWT_SECRET_KEY {reason}. {SECRET_FIX}")
        # the services' secret for POST /auth/introspect: that route has no rate limit of its own (services call it
        # per request), so only the secret's strength stands between a guesser and "is this token live, and whose"
        introspection = self.introspection_secret.get_secret_value() if self.introspection_secret else ""
        if introspection.strip():
            weak = (
                f"is shorter than {MIN_SECRET_LENGTH} characters"
                if len(introspection) < MIN_SECRET_LENGTH
                else weak_secret_reason(introspection)
            )
            if weak is not None:
                raise ConfigurationError(
                    f"INTROSPECTION_SECRET {weak}. {SECRET_FIX.replace('JWT_SECRET_KEY', 'INTROSPECTION_SECRET')}"
                )

    @property
    def migration_url(self) -> str:
        """The URL migrations run on: DATABASE_DIRECT_URL, else DATABASE_URL unless that is a transaction pooler."""
        if self.database_direct_url:
            return self.database_direct_url
        if self.database_pooler != "none":
            raise ConfigurationError(
                "DATABASE_URL goes through a pooler (DATABASE_POOLER): set DATABASE_DIRECT_URL to the server's own "
                "URL for migrations."
            )
        return self.database_url

    @property
    def secret(self) -> str:
        return self.jwt_secret_key.get_secret_value()

    @property
    def auth_origin(self) -> str:
        """scheme://host[:port] of AUTH_PUBLIC_URL: the API's own origin, as browsers send it in Origin."""
        parts = urlsplit(self.auth_public_url)
        return f"{parts.scheme}://{parts.netloc}".lower()

    @property
    def passkey_rp_id(self) -> str:
        """WebAuthn §5.1.2: the RP ID is a domain (never an IP address, never with a port)."""
        return (self.webauthn_rp_id or urlsplit(self.public_url).hostname or "localhost").lower()

    @property
    def passkey_origins(self) -> list[str]:
        if self.webauthn_origins:
            return self.webauthn_origins
        parts = urlsplit(self.public_url)
        return [f"{parts.scheme}://{parts.netloc}".lower()]

    @property
    def refresh_lifetime_seconds(self) -> int:
        return self.refresh_token_expire_days * 24 * 60 * 60


LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


def check_provider_url(url: str) -> None:
    """Provider URLs are https; plain http only on loopback (a provider run on this machine for development)."""
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.netloc:
        return
    if parts.scheme == "http" and (parts.hostname or "") in LOOPBACK_HOSTS:
        return
    raise ConfigurationError("provider URLs must be https (plain http only on localhost)")


def _settings_source_error(error: SettingsError) -> str:
    # pydantic-settings names the field and the source ("error parsing value for field "x" from source ..."); its
    # cause may quote the value, so only the field name is kept
    text = str(error)
    start = text.find('field "')
    if start >= 0:
        name = text[start + 7 :].split('"', 1)[0]
        return f'{name.upper()}: could not be parsed (a list is JSON, e.g. ["a", "b"], or comma-separated)'
    return "a setting could not be parsed"
