"""The purge: expired and long-revoked refresh tokens and spent mailed links go; what reuse detection needs stays."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import update

from authgate.cleanup.service import REVOKED_REFRESH_RETENTION, PurgeCounts, purge_expired
from authgate.gate import AuthGate
from authgate.sessions.models import RefreshToken
from tests.conftest import FakeClock, cookie_of
from tests.devices.conftest import add_one_time_token, call, db_key, execute, login, run_sql, signed_up
from tests.serving import cli_env, run_cli


def gate_of(http: httpx.AsyncClient) -> AuthGate:
    gate = http.app.state.authgate  # type: ignore[attr-defined]
    assert isinstance(gate, AuthGate) and not gate.cleanup.running
    return gate


async def purge(http: httpx.AsyncClient, clock: FakeClock) -> PurgeCounts:
    gate = gate_of(http)
    return await purge_expired(gate.engine, clock())


def refresh_rows(database_url: str) -> int:
    return int(run_sql(database_url, "SELECT count(*) FROM refresh_tokens")[0][0])


async def test_rotated_tokens_stay_until_their_family_expires_so_reuse_is_still_caught(
    quiet_client: httpx.AsyncClient, clock: FakeClock, database_url: str
) -> None:
    reader = await signed_up(quiet_client, "reuse@example.com")
    stolen = reader.cookie
    clock.advance(minutes=30)
    current = cookie_of(await call(quiet_client, "POST", "/auth/refresh", cookie=stolen))
    clock.advance(days=6)  # well past the grace period, still inside the 7 days

    assert (await purge(quiet_client, clock)).refresh_tokens == 0
    assert refresh_rows(database_url) == 2

    # the thief replays the rotated token: still recognised as reuse, and the whole sign-in is revoked
    replay = await call(quiet_client, "POST", "/auth/refresh", cookie=stolen)
    assert replay.status_code == 401 and replay.json()["code"] == "REFRESH_TOKEN_REUSED"
    assert (await call(quiet_client, "POST", "/auth/refresh", cookie=current)).status_code == 401


async def test_expired_families_are_purged_and_live_ones_kept(
    quiet_client: httpx.AsyncClient, clock: FakeClock, database_url: str
) -> None:
    old = await signed_up(quiet_client, "old@example.com")
    clock.advance(minutes=30)
    await call(quiet_client, "POST", "/auth/refresh", cookie=old.cookie)  # the old family has 2 rows
    clock.advance(days=5)
    young = await signed_up(quiet_client, "young@example.com")
    clock.advance(days=2)  # old: 7 days and 30 minutes; young: 2 days

    counts = await purge(quiet_client, clock)
    assert counts.refresh_tokens == 2
    key = db_key(database_url, young.user_id)
    remaining = run_sql(database_url, "SELECT user_id FROM refresh_tokens")
    assert [row[0] for row in remaining] == [key]
    assert (await call(quiet_client, "POST", "/auth/refresh", cookie=young.cookie)).status_code == 200
    # an expired and purged cookie is refused like an expired one
    assert (await call(quiet_client, "POST", "/auth/refresh", cookie=old.cookie)).status_code == 401


async def test_revoked_sessions_are_kept_for_a_day_then_purged(
    quiet_client: httpx.AsyncClient, clock: FakeClock, database_url: str
) -> None:
    reader = await signed_up(quiet_client, "revoked@example.com")
    other = await login(quiet_client, "revoked@example.com", agent="other")
    sessions = (await call(quiet_client, "GET", "/auth/sessions", bearer=reader.access)).json()
    other_id = next(s["id"] for s in sessions if s["user_agent"] == "other")
    assert (await call(quiet_client, "DELETE", f"/auth/sessions/{other_id}", bearer=reader.access)).status_code == 204

    clock.advance(seconds=REVOKED_REFRESH_RETENTION.total_seconds() - 1)
    assert (await purge(quiet_client, clock)).refresh_tokens == 0
    clock.advance(seconds=1)
    assert (await purge(quiet_client, clock)).refresh_tokens == 1
    assert refresh_rows(database_url) == 1
    assert (await call(quiet_client, "POST", "/auth/refresh", cookie=other.cookie)).status_code == 401
    assert (await call(quiet_client, "POST", "/auth/refresh", cookie=reader.cookie)).status_code == 200


async def test_used_and_expired_one_time_tokens_are_purged_live_ones_kept(
    quiet_client: httpx.AsyncClient, clock: FakeClock, database_url: str
) -> None:
    reader = await signed_up(quiet_client, "links@example.com")
    run_sql(database_url, "DELETE FROM one_time_tokens")  # only the rows written below
    now = clock()
    hour = timedelta(hours=1)
    expired = add_one_time_token(database_url, reader.user_id, reader.email, created_at=now - 2 * hour)
    used = add_one_time_token(
        database_url, reader.user_id, reader.email, purpose="verify_email", created_at=now, used_at=now
    )
    live = add_one_time_token(database_url, reader.user_id, reader.email, purpose="change_email", created_at=now)

    assert (await purge(quiet_client, clock)).one_time_tokens == 2
    remaining = {row[0] for row in run_sql(database_url, "SELECT id FROM one_time_tokens")}
    assert remaining == {db_key(database_url, live)}
    assert db_key(database_url, expired) not in remaining and db_key(database_url, used) not in remaining

    clock.advance(hours=1)
    assert (await purge(quiet_client, clock)).one_time_tokens == 1


async def test_a_spent_newer_link_stays_while_an_older_one_of_its_kind_is_live(
    quiet_client: httpx.AsyncClient, clock: FakeClock, database_url: str
) -> None:
    reader = await signed_up(quiet_client, "superseded@example.com")
    run_sql(database_url, "DELETE FROM one_time_tokens")
    now = clock()
    add_one_time_token(database_url, reader.user_id, reader.email, created_at=now)
    add_one_time_token(database_url, reader.user_id, reader.email, created_at=now + timedelta(minutes=1), used_at=now)
    clock.advance(minutes=2)
    # deleting the newer row would leave the older one as "the newest", should supersession ever read it that way
    assert (await purge(quiet_client, clock)).one_time_tokens == 0
    clock.advance(hours=1)
    assert (await purge(quiet_client, clock)).one_time_tokens == 2


async def test_cleanup_command_prints_what_it_purged(quiet_client: httpx.AsyncClient, database_url: str) -> None:
    reader = await signed_up(quiet_client, "cli-cleanup@example.com")
    bystander = await signed_up(quiet_client, "cli-keep@example.com")
    # the CLI runs on the real clock: age the reader's sign-in and links in the database instead
    long_ago = datetime(2000, 1, 1, tzinfo=UTC)
    execute(
        database_url,
        update(RefreshToken.__table__)
        .where(RefreshToken.__table__.c.user_id == uuid.UUID(reader.user_id))
        .values(expires_at=long_ago),
    )
    run_sql(database_url, "DELETE FROM one_time_tokens")
    add_one_time_token(database_url, reader.user_id, reader.email, created_at=long_ago)

    result = run_cli("cleanup", env=cli_env(database_url))
    assert result.returncode == 0, result.stderr
    assert (
        result.stdout.strip() == "purged 1 refresh tokens, 1 one-time tokens, 0 failure records of unknown addresses"
        " and 0 mails that expired unsent"
    )
    assert (await call(quiet_client, "POST", "/auth/refresh", cookie=bystander.cookie)).status_code == 200
    again = run_cli("cleanup", env=cli_env(database_url))
    assert (
        again.stdout.strip() == "purged 0 refresh tokens, 0 one-time tokens, 0 failure records of unknown addresses"
        " and 0 mails that expired unsent"
    )
