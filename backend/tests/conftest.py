"""Fixtures: every API test runs on SQLite and on the real PostgreSQL, each with a clean database."""

from __future__ import annotations

import os
import secrets
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest
import redis
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

import authgate.models  # noqa: F401 - every table registered on the metadata
from authgate.app import create_app
from authgate.db import Base, is_sqlite
from authgate.migrate import upgrade
from authgate.settings import Settings
from tests.relay import TcpRelay

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def redis_database_of_this_worker(url: str) -> str:
    """The test Redis URL for this process. `make test` runs the suite in pytest-xdist workers (gw0, gw1, …), each
    with its own PostgreSQL database and SQLite file from its own session fixtures; each also gets its own Redis
    database, counted down from the given one, since a PostgreSQL test empties it before it starts."""
    worker = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)
    parts = urlsplit(url)
    database = int(parts.path.lstrip("/") or 0) - worker
    assert database >= 0, f"no Redis database left for worker {worker} below {url}"
    return urlunsplit(parts._replace(path=f"/{database}"))


# a database number of its own on the machine's Redis, emptied before each PostgreSQL test
TEST_REDIS_URL = redis_database_of_this_worker(os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15"))
API = "http://localhost:8000"
SITE = "http://localhost:3000"
PASSWORD = "SecureP@ssw0rd"
# a CSPRNG secret per test run, as a deployment would have (a made-up one is refused for low entropy)
TEST_SECRET = secrets.token_urlsafe(48)
# every table the package declares, children before parents (emptied before each API test)
TABLES = tuple(table.name for table in reversed(Base.metadata.sorted_tables))


def unavailable(reason: str) -> None:
    # in CI a missing service is a failure, never a skip
    if IN_CI:
        pytest.fail(reason)
    pytest.skip(reason)


@dataclass
class FakeClock:
    """Injected time: tests move it instead of sleeping."""

    current: datetime = field(default_factory=lambda: datetime.now(UTC))

    def __call__(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> None:
        self.current += timedelta(**delta)


def sync_url(url: str) -> str:
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql":
        return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    return url


@contextmanager
def fresh_postgres_database(prefix: str) -> Iterator[str]:
    """A new, empty database on the test server, dropped afterwards."""
    admin_url = os.environ.get("TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    name = f"{prefix}_{secrets.token_hex(4)}"
    admin = create_engine(sync_url(admin_url), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
            # a commit does not wait for its WAL to reach the disk (only a crash of the server could lose one, and
            # no test crashes it): on a CI machine whose disk the browser tests keep busy, a slow flush held row
            # locks past their timeout
            connection.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
    except Exception as error:  # noqa: BLE001 - any failure to reach PostgreSQL means "service missing"
        admin.dispose()
        unavailable(f"PostgreSQL is not reachable at {admin_url}: {type(error).__name__}")
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def postgresql_url() -> Iterator[str]:
    with fresh_postgres_database("authgate_test") as url:
        upgrade(url)
        yield url


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    path: Path = tmp_path_factory.mktemp("sqlite") / "authgate.db"
    url = f"sqlite:///{path}"
    upgrade(url)
    return url


def flush_test_redis() -> None:
    """PostgreSQL runs go with Redis (the production pairing): its rate-limit counters start empty per test."""
    client = redis.Redis.from_url(TEST_REDIS_URL, socket_connect_timeout=2)
    try:
        client.flushdb()
    except redis.exceptions.RedisError as error:
        unavailable(f"Redis is not reachable at {TEST_REDIS_URL}: {type(error).__name__}")
    finally:
        client.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest) -> str:
    url: str = request.getfixturevalue(f"{request.param}_url")
    if request.param == "postgresql":
        flush_test_redis()
    engine = create_engine(sync_url(url))
    with engine.begin() as connection:
        for table in TABLES:
            connection.execute(text(f"DELETE FROM {table}"))
    engine.dispose()
    return url


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def settings(database_url: str) -> Settings:
    return make_settings(database_url)


RELAXED_RATE_LIMITS = {name: "10000/minute" for name in Settings.model_fields if name.startswith("rate_limit_")}


def make_settings(database_url: str, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "database_url": database_url,
        "jwt_secret_key": TEST_SECRET,
        "cors_origins": [SITE, API],
        # functional tests sign up and sign in many times from one address; tests/ratelimit sets real limits
        **RELAXED_RATE_LIMITS,
        # generous, for a loaded CI machine: the twenty-way refresh race once waited past the 5 s default for its
        # row lock there (a 503). The tests of these bounds (test_faults.py, test_database_down.py) set their own
        "db_statement_timeout_seconds": 15.0,
    }
    if database_url.startswith("postgresql"):
        values["redis_url"] = TEST_REDIS_URL
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.fixture
async def client(settings: Settings, clock: FakeClock) -> AsyncIterator[httpx.AsyncClient]:
    async with app_client(settings, clock) as http:
        yield http


class app_client:  # noqa: N801 - used like a function: `async with app_client(settings, clock) as http`
    def __init__(
        self,
        settings: Settings,
        clock: FakeClock,
        *,
        mail_sender: bool | None = None,
        cleanup_schedule: bool | None = None,
    ) -> None:
        self.app = create_app(settings, clock=clock)
        # SQLite has one write lock for the whole database, and a test's synchronous writes (helpers on a sync engine)
        # block the event loop: a background pass caught inside a transaction could not commit until the test's write
        # gave up waiting ("database is locked"). There mail leaves through drain(), and the cleanup schedule (started
        # by the first request) runs only in the tests of it; PostgreSQL runs both, as a deployment does.
        background = not is_sqlite(settings.database_url)
        if not (background if mail_sender is None else mail_sender):
            self.app.state.authgate.mailer.ensure_started = lambda: None
        if not (background if cleanup_schedule is None else cleanup_schedule):
            self.app.state.authgate.cleanup.ensure_started = lambda: None

    async def __aenter__(self) -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=self.app, client=("127.0.0.1", 50000))
        self.http = httpx.AsyncClient(transport=transport, base_url=API)
        self.http.app = self.app  # type: ignore[attr-defined]
        return self.http

    async def __aexit__(self, *exc: object) -> None:
        await self.http.aclose()
        await self.app.state.authgate.dispose()


def signup_body(email: str | None = None, **overrides: object) -> dict[str, object]:
    body: dict[str, object] = {
        "email": email or f"reader-{uuid.uuid4().hex[:8]}@example.com",
        "password": PASSWORD,
        "experience_level": "intermediate",
        "professional_role": "student",
    }
    body.update(overrides)
    return body


async def signup(http: httpx.AsyncClient, email: str | None = None, **overrides: object) -> httpx.Response:
    response = await http.post("/auth/signup", json=signup_body(email, **overrides))
    assert response.status_code == 201, response.text
    return response


def cookie_of(response: httpx.Response) -> str:
    """The refresh token a response set."""
    header = response.headers["set-cookie"]
    assert header.startswith("refresh_token=")
    return header.split(";", 1)[0].split("=", 1)[1]


async def refresh_with(http: httpx.AsyncClient, token: str, **headers: str) -> httpx.Response:
    http.cookies.clear()
    return await http.post("/auth/refresh", headers={"cookie": f"refresh_token={token}", **headers})


def assert_cookie_cleared(response: httpx.Response) -> None:
    header = response.headers["set-cookie"]
    assert header.startswith('refresh_token=""') and "Max-Age=0" in header and "Path=/auth" in header


@pytest.fixture
async def relay(postgresql_url: str) -> AsyncIterator[tuple[TcpRelay, str]]:
    """A TCP hop in front of the test PostgreSQL (tests/relay.py) and the database URL through it."""
    parsed = make_url(postgresql_url)
    hop = TcpRelay(parsed.host or "127.0.0.1", parsed.port or 5432)
    await hop.start()
    yield hop, parsed.set(port=hop.port).render_as_string(hide_password=False)
    await hop.close()
