from __future__ import annotations

import pytest

from authgate.app import create_app
from authgate.settings import QUICKSTART_PLACEHOLDER_SECRET, ConfigurationError, Settings


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
