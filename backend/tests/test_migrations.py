from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Boolean, String, Uuid, column, create_engine, inspect, select, table, text

import authgate.models  # noqa: F401  (all tables on the metadata)
from authgate.db import Base, UTCDateTime
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


def test_first_verified_at_is_filled_from_the_earliest_proof_on_record(empty_database: str) -> None:
    # 0010: an account verified before it keeps its first proof, so a later reset does not take the reader's own
    # passkeys for a squatter's: the verification or reset event when kept, else the address's verification time
    upgrade(empty_database, "0009")
    t = [datetime(2026, 11, day, 12, tzinfo=UTC) for day in (1, 2, 3, 4)]
    users = table(
        "users",
        column("id", Uuid()),
        column("email", String()),
        column("is_active", Boolean()),
        column("is_verified", Boolean()),
        column("created_at", UTCDateTime()),
        column("updated_at", UTCDateTime()),
        column("email_verified_at", UTCDateTime()),
    )
    events = table(
        "security_events",
        column("id", Uuid()),
        column("user_id", Uuid()),
        column("type", String()),
        column("created_at", UTCDateTime()),
    )
    changed, proven, unproven = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    engine = create_engine(sync_url(empty_database))
    with engine.begin() as connection:
        for user_id, verified, verified_at in ((changed, True, t[3]), (proven, True, t[2]), (unproven, False, None)):
            connection.execute(
                users.insert().values(
                    id=user_id,
                    email=f"{user_id}@example.com",
                    is_active=True,
                    is_verified=verified,
                    created_at=t[0],
                    updated_at=t[0],
                    email_verified_at=verified_at,
                )
            )
        # verified on the 2nd, changed address on the 4th (which moved email_verified_at)
        connection.execute(
            events.insert().values(id=uuid.uuid4(), user_id=changed, type="email_verified", created_at=t[1])
        )
        connection.execute(
            events.insert().values(id=uuid.uuid4(), user_id=changed, type="sign_in_succeeded", created_at=t[0])
        )
    upgrade(empty_database)
    with engine.connect() as connection:
        first = dict(
            connection.execute(select(users.c.id, column("first_verified_at", UTCDateTime())).select_from(users)).all()
        )
    engine.dispose()
    assert first == {changed: t[1], proven: t[2], unproven: None}
