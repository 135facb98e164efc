from __future__ import annotations

import os
import secrets
import subprocess

import pytest

from authgate.app import create_app
from authgate.settings import QUICKSTART_PLACEHOLDER_SECRET, ConfigurationError, Settings
from tests.ports import free_port
from tests.serving import AUTHGATE


def settings(**values: object) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.mark.parametrize("secret", ["", "short-secret", QUICKSTART_PLACEHOLDER_SECRET])
def test_service_refuses_to_start_with_a_weak_secret(secret: str) -> None:
    with pytest.raises(ConfigurationError, match="JWT_SECRET_KEY"):
        create_app(settings(jwt_secret_key=secret))


def test_wildcard_origin_with_credentials_is_refused() -> None:
    with pytest.raises(ValueError, match="CORS_ORIGINS"):
        settings(cors_origins=["*"], cors_allow_credentials=True)


def test_algorithm_none_is_refused() -> None:
    with pytest.raises(ValueError, match="JWT_ALGORITHM"):
        settings(jwt_algorithm="none")


def test_quickstart_env_names_and_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://user:password@host:5432/dbname")
    monkeypatch.setenv("CORS_ORIGINS", '["http://localhost:3000", "http://localhost:8000"]')
    monkeypatch.setenv("COOKIE_DOMAIN", "localhost")
    monkeypatch.setenv("COOKIE_SECURE", "false")
    monkeypatch.setenv("COOKIE_SAMESITE", "lax")
    loaded = Settings(_env_file=None)  # type: ignore[call-arg]
    assert loaded.cors_origins == ["http://localhost:3000", "http://localhost:8000"]
    assert loaded.cookie_domain == "localhost" and loaded.cookie_secure is False
    assert (loaded.jwt_algorithm, loaded.access_token_expire_minutes, loaded.refresh_token_expire_days) == (
        "HS256",
        30,
        7,
    )
    assert loaded.refresh_reuse_grace_seconds == 10 and loaded.cors_allow_credentials is True


def test_settings_read_from_a_dotenv_file(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / ".env").write_text("JWT_SECRET_KEY=from-dotenv-" + "z" * 40 + "\nACCESS_TOKEN_EXPIRE_MINUTES=5\n")
    monkeypatch.chdir(tmp_path)
    loaded = Settings()
    assert (
        loaded.jwt_secret_key.get_secret_value().startswith("from-dotenv-") and loaded.access_token_expire_minutes == 5
    )


def test_default_database_is_a_sqlite_file() -> None:
    assert settings().database_url.startswith("sqlite:///")


@pytest.mark.parametrize(
    "secret",
    ["a" * 32, "ab" * 16, "0123456789abcdef" * 2, "passwordpasswordpasswordpassword", "x" * 64, "aaaabbbbccccdddd" * 2],
)
def test_a_long_secret_with_too_little_entropy_is_refused(secret: str) -> None:
    # an attack pass started the service with 32 copies of one character
    with pytest.raises(ConfigurationError, match="JWT_SECRET_KEY") as refused:
        create_app(settings(jwt_secret_key=secret))
    assert secret not in str(refused.value)


@pytest.mark.parametrize("introspection", ["short-secret", "a" * 40, "services" * 5])
def test_a_weak_introspection_secret_is_refused_like_a_weak_signing_secret(introspection: str) -> None:
    # attack pass: POST /auth/introspect has no rate limit of its own, so a guessable INTROSPECTION_SECRET could be
    # tried at full speed for the email behind any access token
    strong = secrets.token_urlsafe(32)
    with pytest.raises(ConfigurationError, match="INTROSPECTION_SECRET") as refused:
        create_app(settings(jwt_secret_key=strong, introspection_secret=introspection))
    assert introspection not in str(refused.value)
    create_app(settings(jwt_secret_key=strong, introspection_secret=secrets.token_urlsafe(32)))


@pytest.mark.parametrize(
    "make", [lambda: secrets.token_urlsafe(32), lambda: secrets.token_hex(16), lambda: secrets.token_hex(32)]
)
def test_secrets_from_a_csprng_are_accepted(make) -> None:  # type: ignore[no-untyped-def]
    for _ in range(50):
        settings(jwt_secret_key=make()).check_secret()


MARKERS = {
    "SMTP_PASSWORD": "smtp-marker-Xq7Zr2Lw9Kd4",
    "JWT_SECRET_KEY": "jwt-marker-" + secrets.token_urlsafe(32),
    "DATABASE_URL": "postgresql://authgate:db-marker-Pw83Ns@127.0.0.1:5432/authgate",
    "REDIS_URL": "redis://:redis-marker-Hh55Tt@127.0.0.1:6379/0",
}


def secret_parts(value: str) -> list[str]:
    # what must not leak: each marker, and any 8-character piece of it
    marker = value.split("marker-")[1].split("@")[0]
    return [marker[i : i + 8] for i in range(0, max(1, len(marker) - 7))]


@pytest.mark.parametrize(
    "broken",
    [
        {"CORS_ORIGINS": '["*"]'},  # refused by a check over the whole model
        {"SMTP_PORT": "not-a-port"},  # refused by one field's type
        {"COOKIE_SAMESITE": "none"},  # refused by a cross-field rule
        {"CORS_ORIGINS": "[unclosed"},  # unparsable
        {"PUBLIC_URL": "docs.internal.test"},  # not a URL
        {"JWT_SECRET_KEY": "z" * 40},  # a weak secret: the secret itself must not be echoed either
    ],
)
def test_a_refused_configuration_never_prints_a_setting_value(broken: dict[str, str]) -> None:
    # the attack pass: a refused configuration printed every setting to stderr, an SMTP password almost whole.
    # A subprocess with a deadline: a configuration wrongly accepted would start serving instead of exiting
    env = {k: v for k, v in os.environ.items() if k not in MARKERS} | MARKERS | broken
    result = subprocess.run(  # noqa: S603 - our own console script
        [AUTHGATE, "serve", "--port", str(free_port())],
        env=env,
        cwd=os.path.dirname(__file__),  # no .env here
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 2, result.stderr
    err = result.stderr
    assert "invalid configuration" in err
    for name in MARKERS:
        for part in secret_parts(MARKERS[name]):
            assert part not in err, (name, err)
    for value in broken.values():
        if len(value) >= 8 and value not in ('["*"]',):
            assert value not in err


def test_settings_repr_holds_no_secret() -> None:
    loaded = settings(
        jwt_secret_key=MARKERS["JWT_SECRET_KEY"],
        smtp_password=MARKERS["SMTP_PASSWORD"],
        database_url=MARKERS["DATABASE_URL"],
        redis_url=MARKERS["REDIS_URL"],
    )
    for text in (repr(loaded), str(loaded), str(loaded.model_dump())):
        for name in MARKERS:
            if name in ("DATABASE_URL", "REDIS_URL") and text == str(loaded.model_dump()):
                continue  # a plain dict the caller asked for; repr is what ends up in logs and tracebacks
            for part in secret_parts(MARKERS[name]):
                assert part not in text, (name, text)


def test_a_pooler_needs_postgresql_and_migrations_need_the_direct_url() -> None:
    with pytest.raises(ConfigurationError, match="DATABASE_POOLER"):
        settings(database_url="sqlite:///x.db", database_pooler="pgbouncer")
    pooled = settings(database_url="postgresql://app:pw@pooler:6432/db", database_pooler="PgBouncer")
    assert pooled.database_pooler == "pgbouncer"
    with pytest.raises(ConfigurationError, match="DATABASE_DIRECT_URL") as refused:
        pooled.migration_url  # noqa: B018 - the property refuses
    assert "pw" not in str(refused.value)
    direct = settings(
        database_url="postgresql://app:pw@pooler:6432/db",
        database_pooler="pgbouncer",
        database_direct_url="postgresql://app:pw@server:5432/db",
    )
    assert direct.migration_url == "postgresql://app:pw@server:5432/db"
    assert settings(database_url="postgresql://app@server/db").migration_url == "postgresql://app@server/db"
    # behind the pooler no start-up parameter is sent, whatever DB_SERVER_SIDE_TIMEOUTS says
    from authgate.db import timeouts_of

    assert timeouts_of(direct).server_settings() == {}
    assert "statement_timeout" in timeouts_of(settings(database_url="postgresql://app@server/db")).server_settings()
