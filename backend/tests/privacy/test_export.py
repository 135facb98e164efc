"""GET /auth/me/export: all of the reader's data, as a download, without a password hash or any token."""

from __future__ import annotations

import json
import uuid

import httpx

from tests.conftest import PASSWORD, FakeClock, cookie_of
from tests.devices.conftest import HEX64, call, login, run_sql, signed_up
from tests.mfa.helpers import SoftAuthenticator, add_passkey, enrolled_reader, password_step


async def test_export_holds_user_profile_sessions_and_events(client: httpx.AsyncClient, clock: FakeClock) -> None:
    reader = await signed_up(client, "exporter@example.com", agent="first")
    clock.advance(minutes=1)
    second = await login(client, "exporter@example.com", agent="second")
    await call(client, "DELETE", "/auth/sessions", bearer=second.access)  # both sessions end
    clock.advance(seconds=1)
    third = await login(client, "exporter@example.com", agent="third")
    clock.advance(seconds=1)

    response = await call(client, "GET", "/auth/me/export", bearer=third.access, cookie=third.cookie)
    assert response.status_code == 200, response.text
    assert response.headers["content-disposition"] == 'attachment; filename="authgate-export.json"'
    assert response.headers["content-type"].startswith("application/json")
    assert response.headers["cache-control"] == "no-store"
    data = response.json()
    assert set(data) == {"user", "profile", "sessions", "events", "identities", "passkeys", "second_factor"}
    assert data["user"]["id"] == reader.user_id and data["user"]["email"] == "exporter@example.com"
    assert "hashed_password" not in data["user"]
    assert data["profile"]["experience_level"] == "intermediate"
    statuses = {s["user_agent"]: s["status"] for s in data["sessions"]}
    assert statuses == {"first": "ended", "second": "ended", "third": "active"}
    assert all("token" not in key for session in data["sessions"] for key in session)
    assert "signed_out_everywhere" in [e["type"] for e in data["events"]]

    # the export itself is recorded, for the next export and for /auth/me/events
    events = await call(client, "GET", "/auth/me/events", bearer=third.access)
    assert events.json()[0]["type"] == "data_exported"


async def test_export_contains_no_password_hash_or_token(
    client: httpx.AsyncClient, clock: FakeClock, database_url: str
) -> None:
    reader = await signed_up(client, "secrets@example.com")
    clock.advance(minutes=1)
    refreshed = await call(client, "POST", "/auth/refresh", cookie=reader.cookie)
    cookie = cookie_of(refreshed)
    access = refreshed.json()["access_token"]

    response = await call(client, "GET", "/auth/me/export", bearer=access)
    assert response.status_code == 200
    text = response.text
    (stored_hash,) = run_sql(database_url, "SELECT hashed_password FROM users")[0]
    for secret in (PASSWORD, reader.cookie, cookie, reader.access, access, stored_hash, "$argon2"):
        assert secret not in text
    hashes = run_sql(database_url, "SELECT token_hash FROM refresh_tokens UNION SELECT token_hash FROM one_time_tokens")
    assert len(hashes) >= 2
    for (token_hash,) in hashes:
        assert token_hash not in text
    assert not HEX64.search(text)
    assert "hash" not in json.dumps(list(_keys(response.json())))


def _keys(value: object) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in _keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in _keys(v)}
    return set()


async def test_export_holds_nothing_of_another_reader(client: httpx.AsyncClient) -> None:
    mine = await signed_up(client, "mine@example.com", agent="mine")
    await signed_up(client, "theirs@example.com", agent="theirs", organization="Theirs Inc")
    response = await call(client, "GET", "/auth/me/export", bearer=mine.access)
    assert "theirs" not in response.text.lower()


async def test_export_needs_a_signed_in_reader(client: httpx.AsyncClient) -> None:
    assert (await call(client, "GET", "/auth/me/export")).status_code == 401
    assert (await call(client, "GET", "/auth/me/export", cookie="made-up")).status_code == 401


async def test_export_holds_the_ways_in_but_none_of_their_secrets(
    client: httpx.AsyncClient, clock: FakeClock, database_url: str
) -> None:
    # GDPR art. 15 and 20: the provider accounts linked, the passkeys and two-step sign-in are the reader's data too;
    # what proves them (the app's secret, backup codes, a passkey's credential and public key) is not for a download
    reader = await enrolled_reader(client, clock, "ways-in@example.com")
    device = SoftAuthenticator()
    await add_passkey(client, reader.access, device, name="Laptop")
    (user_id,) = run_sql(database_url, "SELECT id FROM users WHERE email = 'ways-in@example.com'")[0]
    run_sql(
        database_url,
        "INSERT INTO identities (id, user_id, provider, subject, email, created_at, last_used_at) "
        "VALUES (:id, :user_id, 'github', 'gh-4711', 'ways-in@users.example', :now, NULL)",
        id=str(uuid.uuid4()) if database_url.startswith("postgresql") else uuid.uuid4().hex,
        user_id=user_id,
        now=clock.current.replace(tzinfo=None),
    )
    used = reader.backup_codes[0]
    challenge = await password_step(client, reader.email)
    assert (
        await client.post("/auth/mfa/verify", json={"challenge_token": challenge["challenge_token"], "code": used})
    ).status_code == 200

    response = await call(client, "GET", "/auth/me/export", bearer=reader.access)
    assert response.status_code == 200, response.text
    data = response.json()
    assert [(i["provider"], i["subject"], i["email"]) for i in data["identities"]] == [
        ("github", "gh-4711", "ways-in@users.example")
    ]
    assert [(p["name"], p["backed_up"]) for p in data["passkeys"]] == [("Laptop", False)]
    assert data["second_factor"]["totp_enabled"] is True and data["second_factor"]["totp_confirmed_at"]
    assert data["second_factor"]["backup_codes_remaining"] == len(reader.backup_codes) - 1
    stored = run_sql(database_url, "SELECT credential_id, public_key FROM passkeys")[0]
    sealed = run_sql(database_url, "SELECT secret_sealed FROM totp_factors")[0][0]
    code_hashes = [row[0] for row in run_sql(database_url, "SELECT code_hash FROM backup_codes")]
    for secret in (reader.secret, *reader.backup_codes, *stored, sealed, *code_hashes):
        assert secret not in response.text
