from __future__ import annotations

from collections.abc import Iterator

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text

import authgate.models  # noqa: F401  (all tables on the metadata)
from authgate.db import Base
from authgate.migrate import downgrade, upgrade
from tests.conftest import fresh_postgres_database, sync_url


@pytest.fixture
def empty_postgres() -> Iterator[str]:
    with fresh_postgres_database("authgate_mig") as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request: pytest.FixtureRequest, tmp_path) -> str:  # type: ignore[no-untyped-def]
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'empty.db'}"
    url: str = request.getfixturevalue("empty_postgres")
    return url


def schema_differences(url: str) -> list[object]:
    engine = create_engine(sync_url(url))
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection, opts={"compare_type": True}), Base.metadata)
    engine.dispose()
    return list(diff)


def test_upgrade_on_an_empty_database_matches_the_models(empty_database: str) -> None:
    upgrade(empty_database)
    engine = create_engine(sync_url(empty_database))
    tables = set(inspect(engine).get_table_names())
    engine.dispose()
    assert {"users", "user_profiles", "refresh_tokens", "alembic_version"} <= tables
    assert schema_differences(empty_database) == []


def test_downgrade_then_upgrade_round_trip_on_postgresql(empty_postgres: str) -> None:
    upgrade(empty_postgres)
    downgrade(empty_postgres, "base")
    engine = create_engine(sync_url(empty_postgres))
    with engine.connect() as connection:
        enum_types = connection.execute(text("SELECT typname FROM pg_type WHERE typtype = 'e'")).scalars().all()
        assert set(inspect(connection).get_table_names()) <= {"alembic_version"}
    engine.dispose()
    assert enum_types == []
    upgrade(empty_postgres)
    assert schema_differences(empty_postgres) == []
