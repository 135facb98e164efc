from __future__ import annotations

import httpx
from sqlalchemy import create_engine, text

from tests.conftest import PASSWORD, FakeClock, app_client, make_settings, signup, sync_url


async def test_login_returns_the_signup_shape_and_a_cookie(client: httpx.AsyncClient) -> None:
    await signup(client, "login@example.com")
    response = await client.post("/auth/login", json={"email": "LOGIN@example.com", "password": PASSWORD})
    assert response.status_code == 200
    body = response.json()
    assert set(body) >= {"access_token", "token_type", "user", "profile"}
    assert body["user"]["email"] == "login@example.com" and body["user"]["last_login_at"]
    assert body["profile"]["professional_role"] == "student"
    assert "HttpOnly" in response.headers["set-cookie"]


async def test_wrong_password_and_unknown_email_answer_identically(client: httpx.AsyncClient) -> None:
    await signup(client, "known@example.com")
    wrong = await client.post("/auth/login", json={"email": "known@example.com", "password": "Wrong-passw0rd"})
    unknown = await client.post("/auth/login", json={"email": "nobody@example.com", "password": "Wrong-passw0rd"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.content == unknown.content
    assert wrong.json() == {"detail": "Invalid email or password", "code": "INVALID_CREDENTIALS"}
    drop = {"date", "content-length", "x-request-id"}
    assert {k: v for k, v in wrong.headers.items() if k not in drop} == {
        k: v for k, v in unknown.headers.items() if k not in drop
    }


async def test_unknown_email_still_runs_a_real_argon2_verification(client: httpx.AsyncClient) -> None:
    gate = client.app.state.authgate  # type: ignore[attr-defined]
    calls: list[str] = []
    original = gate.hashing.dummy_verify

    async def counting(password: str) -> None:
        calls.append("dummy")
        await original(password)

    gate.hashing.dummy_verify = counting
    await client.post("/auth/login", json={"email": "ghost@example.com", "password": "Whatever-123"})
    assert calls == ["dummy"]


async def test_suspended_account_is_403_only_with_the_right_password(
    client: httpx.AsyncClient, database_url: str
) -> None:
    await signup(client, "suspended@example.com")
    engine = create_engine(sync_url(database_url))
    with engine.begin() as connection:
        connection.execute(text("UPDATE users SET is_active = false"))
    engine.dispose()
    right = await client.post("/auth/login", json={"email": "suspended@example.com", "password": PASSWORD})
    assert right.status_code == 403
    assert right.json() == {"detail": "Account is suspended", "code": "ACCOUNT_SUSPENDED"}
    wrong = await client.post("/auth/login", json={"email": "suspended@example.com", "password": "Nope-12345"})
    assert wrong.status_code == 401


async def test_login_rehashes_when_argon2_parameters_change(database_url: str, clock: FakeClock) -> None:
    async with app_client(make_settings(database_url), clock) as http:
        await signup(http, "rehash@example.com")
    stronger = make_settings(database_url, argon2_time_cost=3)
    async with app_client(stronger, clock) as http:
        response = await http.post("/auth/login", json={"email": "rehash@example.com", "password": PASSWORD})
        assert response.status_code == 200
    engine = create_engine(sync_url(database_url))
    with engine.connect() as connection:
        stored = connection.execute(text("SELECT hashed_password FROM users")).scalar_one()
    engine.dispose()
    assert "t=3" in stored


async def test_overlong_password_on_login_is_401_and_absurd_length_is_422(client: httpx.AsyncClient) -> None:
    await signup(client, "long@example.com")
    response = await client.post("/auth/login", json={"email": "long@example.com", "password": "x" * 129})
    assert response.status_code == 401
    huge = await client.post("/auth/login", json={"email": "long@example.com", "password": "x" * 5000})
    assert huge.status_code == 422
