"""Helpers for the account-lifecycle tests (sessions, the reader's data, cleanup): requests with exactly the
credentials given, sign-ins from a named browser, and row counts straight from the database."""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import Executable, create_engine, insert, text

from authgate.onetime.models import OneTimeToken
from authgate.security import hash_token, new_opaque_token
from tests.conftest import PASSWORD, cookie_of, signup_body, sync_url

HEX64 = re.compile(r"\b[0-9a-fA-F]{64}\b")


async def call(
    http: httpx.AsyncClient,
    method: str,
    url: str,
    *,
    cookie: str | None = None,
    bearer: str | None = None,
    **kwargs: Any,
) -> httpx.Response:
    """Send exactly these credentials: the client's cookie jar is emptied first, so nothing rides along."""
    http.cookies.clear()
    headers = dict(kwargs.pop("headers", {}))
    if cookie is not None:
        headers["cookie"] = f"refresh_token={cookie}"
    if bearer is not None:
        headers["authorization"] = f"Bearer {bearer}"
    return await http.request(method, url, headers=headers, **kwargs)


class SignedIn:
    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self.cookie = cookie_of(response)
        self.access = str(response.json()["access_token"])
        self.user_id = str(response.json()["user"]["id"])
        self.email = str(response.json()["user"]["email"])


async def login(http: httpx.AsyncClient, email: str, *, agent: str = "test-browser") -> SignedIn:
    http.cookies.clear()
    response = await http.post(
        "/auth/login", json={"email": email, "password": PASSWORD}, headers={"user-agent": agent}
    )
    assert response.status_code == 200, response.text
    return SignedIn(response)


async def signed_up(
    http: httpx.AsyncClient, email: str | None = None, *, agent: str = "test-browser", **overrides: object
) -> SignedIn:
    http.cookies.clear()
    response = await http.post("/auth/signup", json=signup_body(email, **overrides), headers={"user-agent": agent})
    assert response.status_code == 201, response.text
    # the verification mail is written in the background: let it land, so row counts and event lists are settled
    await http.app.state.authgate.mailer.drain()  # type: ignore[attr-defined]
    return SignedIn(response)


def run_sql(database_url: str, sql: str, **params: object) -> list[Any]:
    engine = create_engine(sync_url(database_url))
    try:
        with engine.begin() as connection:
            result = connection.execute(text(sql), params)
            return list(result.all()) if result.returns_rows else []
    finally:
        engine.dispose()


def execute(database_url: str, statement: Executable) -> None:
    """A Core statement on the models' tables, with their column types (UUIDs, UTC times) applied."""
    engine = create_engine(sync_url(database_url))
    try:
        with engine.begin() as connection:
            connection.execute(statement)
    finally:
        engine.dispose()


def db_key(database_url: str, value: str | uuid.UUID) -> object:
    """A UUID as a raw query must spell it: SQLite stores it as 32 hex characters, PostgreSQL as a uuid."""
    parsed = value if isinstance(value, uuid.UUID) else uuid.UUID(value)
    return parsed.hex if database_url.startswith("sqlite") else parsed


def rows_of(database_url: str, user_id: str, email: str) -> dict[str, int]:
    """How many rows each table holds for this user, by id and by email."""
    engine = create_engine(sync_url(database_url))
    key = db_key(database_url, user_id)
    counts: dict[str, int] = {}
    try:
        with engine.connect() as connection:

            def count(sql: str, **params: object) -> int:
                return int(connection.execute(text(sql), params).scalar_one())

            counts["users"] = count("SELECT count(*) FROM users WHERE id = :k OR email = :e", k=key, e=email)
            for table in ("user_profiles", "refresh_tokens", "security_events"):
                counts[table] = count(f"SELECT count(*) FROM {table} WHERE user_id = :k", k=key)  # noqa: S608
            counts["one_time_tokens"] = count(
                "SELECT count(*) FROM one_time_tokens WHERE user_id = :k OR email = :e", k=key, e=email
            )
    finally:
        engine.dispose()
    return counts


def add_one_time_token(
    database_url: str,
    user_id: str,
    email: str,
    *,
    purpose: str = "reset_password",
    created_at: datetime,
    lifetime: timedelta = timedelta(hours=1),
    used_at: datetime | None = None,
) -> uuid.UUID:
    """A mailed-link row written straight to the table (its token is never needed: only the row is under test)."""
    row_id = uuid.uuid4()
    execute(
        database_url,
        insert(OneTimeToken.__table__).values(
            id=row_id,
            user_id=uuid.UUID(user_id),
            purpose=purpose,
            token_hash=hash_token(new_opaque_token()),
            email=email,
            expires_at=created_at + lifetime,
            used_at=used_at,
            created_at=created_at,
        ),
    )
    return row_id
