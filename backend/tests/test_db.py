from __future__ import annotations

import pytest

from authgate.db import async_database_url


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgresql://user:password@host:5432/db", "postgresql+asyncpg://user:password@host:5432/db"),
        ("postgres://user:pw@host/db", "postgresql+asyncpg://user:pw@host/db"),
        (
            "postgresql://u:p@ep-x.neon.tech/db?sslmode=require",
            "postgresql+asyncpg://u:p@ep-x.neon.tech/db?ssl=require",
        ),
        ("sqlite:///path.db", "sqlite+aiosqlite:///path.db"),
        ("postgresql+asyncpg://u@h/db", "postgresql+asyncpg://u@h/db"),
    ],
)
def test_plain_urls_get_the_async_driver(given: str, expected: str) -> None:
    assert async_database_url(given) == expected


def test_unknown_backend_is_refused() -> None:
    with pytest.raises(ValueError, match="DATABASE_URL"):
        async_database_url("mysql://u@h/db")
