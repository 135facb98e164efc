"""Faults, each a test: the database connection cut in the middle of a refresh, PostgreSQL lost under load, Redis
lost (refused and silent). The outages of single requests are in tests/test_database_down.py and
tests/ratelimit/test_redis_down.py; README "Faults and what happens" sums them up."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import asyncpg
import httpx
import pytest
from sqlalchemy import event
from sqlalchemy.engine import make_url

from authgate.security import hash_token, successor_token
from tests.conftest import FakeClock, app_client, make_settings, signup
from tests.relay import TcpRelay

# the timeouts the outage tests run with (as tests/test_database_down.py)
TIMEOUTS = {"db_connect_timeout_seconds": 1.0, "db_pool_timeout_seconds": 1.0, "db_statement_timeout_seconds": 1.0}
# far above what the timeouts allow: a request still unanswered by then is hung, which is the failure
HUNG_AFTER_SECONDS = 20


@pytest.fixture
async def relay(postgresql_url: str) -> AsyncIterator[tuple[TcpRelay, str]]:
    parsed = make_url(postgresql_url)
    hop = TcpRelay(parsed.host or "127.0.0.1", parsed.port or 5432)
    await hop.start()
    yield hop, parsed.set(port=hop.port).render_as_string(hide_password=False)
    await hop.close()


async def answered(request: Any) -> httpx.Response:
    response: httpx.Response = await asyncio.wait_for(request, HUNG_AFTER_SECONDS)
    return response


def assert_unavailable(response: httpx.Response) -> None:
    assert response.status_code == 503, (response.request.url.path, response.status_code, response.text)
    assert response.json() == {
        "detail": "The service is temporarily unavailable; try again shortly",
        "code": "SERVICE_UNAVAILABLE",
    }
    assert int(response.headers["retry-after"]) > 0
    assert response.headers["cache-control"] == "no-store"


async def query(database_url: str, sql: str, *args: object) -> list[asyncpg.Record]:
    """Straight to PostgreSQL (not through the relay): what was really committed."""
    connection = await asyncpg.connect(make_url(database_url).render_as_string(hide_password=False))
    try:
        return list(await connection.fetch(sql, *args))
    finally:
        await connection.close()


# ---------------------------------------------------------------------------------------------------------------
# 1. the connection cut mid-refresh


def local_port(connection: Any) -> int:
    """The client end of the TCP connection under a SQLAlchemy connection (asyncpg's transport)."""
    transport = connection.connection.driver_connection._transport
    return int(transport.get_extra_info("sockname")[1])


def on_rotation(engine: Any, point: str, act: Callable[[int], None]) -> list[str]:
    """Call `act(local port)` once, on the connection that consumes a refresh token, at `point`: right after the
    consuming UPDATE ("consumed") or just before the transaction's COMMIT is sent ("commit"). Returns a list the
    listener appends `point` to when it fired."""
    fired: list[str] = []
    armed: set[int] = set()

    def after_execute(connection: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if fired or not statement.startswith("UPDATE refresh_tokens SET rotated_at"):
            return
        if point == "consumed":
            fired.append(point)
            act(local_port(connection))
        else:
            armed.add(id(connection))

    def before_commit(connection: Any) -> None:
        if not fired and id(connection) in armed:
            fired.append(point)
            act(local_port(connection))

    event.listen(engine, "after_cursor_execute", after_execute)
    event.listen(engine, "commit", before_commit)
    return fired


@pytest.mark.parametrize("point", ["consumed", "commit"])
async def test_a_connection_cut_mid_refresh_rolls_back_and_the_old_cookie_works_once_more(
    relay: tuple[TcpRelay, str], postgresql_url: str, clock: FakeClock, point: str
) -> None:
    # the refresh token is consumed (rotated_at set, the successor inserted) and the connection is cut before COMMIT
    # reaches the server: the server rolls the transaction back, so the reader's cookie is still the live one
    hop, url = relay
    async with app_client(make_settings(url, **TIMEOUTS), clock) as http:
        signed_up = await signup(http)
        old = signed_up.cookies["refresh_token"]
        user_id = uuid.UUID(signed_up.json()["user"]["id"])
        http.cookies.clear()
        fired = on_rotation(http.app.state.authgate.engine.sync_engine, point, hop.cut)  # type: ignore[attr-defined]

        cut = await answered(http.post("/auth/refresh", headers={"cookie": f"refresh_token={old}"}))
        assert fired == [point]
        assert_unavailable(cut)
        assert "set-cookie" not in cut.headers  # the browser keeps its cookie: it is still the live one

        # nothing of the rotation was committed
        rows = await query(
            postgresql_url, "SELECT token_hash, rotated_at, revoked FROM refresh_tokens WHERE user_id = $1", user_id
        )
        assert [(row["token_hash"], row["rotated_at"], row["revoked"]) for row in rows] == [
            (hash_token(old), None, False)
        ]

        # the same cookie again (no restart): a normal rotation, not a reuse
        again = await answered(http.post("/auth/refresh", headers={"cookie": f"refresh_token={old}"}))
        assert again.status_code == 200, again.text
        new = again.cookies["refresh_token"]
        events = await query(postgresql_url, "SELECT type FROM security_events WHERE user_id = $1", user_id)
        assert "refresh_token_reused" not in {row["type"] for row in events}
        revoked = await query(
            postgresql_url, "SELECT count(*) FROM refresh_tokens WHERE user_id = $1 AND revoked", user_id
        )
        assert revoked[0][0] == 0
        bearer = {"Authorization": f"Bearer {again.json()['access_token']}"}
        assert len((await http.get("/auth/sessions", headers=bearer)).json()) == 1

        # once more only: the old cookie is now rotated for real (past the grace period it is a reuse)
        clock.advance(seconds=11)
        replayed = await answered(http.post("/auth/refresh", headers={"cookie": f"refresh_token={old}"}))
        assert replayed.status_code == 401 and replayed.json()["code"] == "REFRESH_TOKEN_REUSED"
        assert (await http.post("/auth/refresh", headers={"cookie": f"refresh_token={new}"})).status_code == 401


async def test_a_refresh_whose_commit_answer_is_lost_gets_503_and_the_retry_gets_the_same_successor(
    relay: tuple[TcpRelay, str], postgresql_url: str, clock: FakeClock
) -> None:
    # the other side of a cut: COMMIT reaches the server and its answer never comes back. The service cannot know
    # whether the rotation happened: it answers 503 after the statement timeout; the client, retrying after
    # Retry-After (5 s, inside the 10 s grace period), gets the successor the lost answer carried, not a reuse alarm
    hop, url = relay
    async with app_client(make_settings(url, **TIMEOUTS), clock) as http:
        signed_up = await signup(http)
        old = signed_up.cookies["refresh_token"]
        user_id = uuid.UUID(signed_up.json()["user"]["id"])
        http.cookies.clear()
        gate = http.app.state.authgate  # type: ignore[attr-defined]
        fired = on_rotation(gate.engine.sync_engine, "commit", hop.drop_replies)

        lost = await answered(http.post("/auth/refresh", headers={"cookie": f"refresh_token={old}"}))
        assert fired == ["commit"]
        assert_unavailable(lost)
        assert "set-cookie" not in lost.headers
        rotated = await query(
            postgresql_url, "SELECT rotated_at FROM refresh_tokens WHERE token_hash = $1", hash_token(old)
        )
        assert rotated[0]["rotated_at"] is not None  # it did commit

        clock.advance(seconds=gate.settings.db_unavailable_retry_after_seconds)
        retried = await answered(http.post("/auth/refresh", headers={"cookie": f"refresh_token={old}"}))
        assert retried.status_code == 200, retried.text
        assert retried.cookies["refresh_token"] == successor_token(gate.successor_key, old)
        events = await query(postgresql_url, "SELECT type FROM security_events WHERE user_id = $1", user_id)
        assert "refresh_token_reused" not in {row["type"] for row in events}
        revoked = await query(
            postgresql_url, "SELECT count(*) FROM refresh_tokens WHERE user_id = $1 AND revoked", user_id
        )
        assert revoked[0][0] == 0
