from __future__ import annotations

import asyncio
import uuid

import httpx
import jwt
import pytest
from sqlalchemy import create_engine, event, text

from authgate.accounts import service, signin
from authgate.devices.service import sign_out_everywhere
from authgate.transport import ClientInfo
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


async def test_two_sign_ins_at_once_after_argon2_parameters_change_both_get_in(
    database_url: str, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    # attack pass: with new argon2 parameters every sign-in stores a new hash of the same password. Of two sign-ins
    # at once (two tabs), the second found the hash it had verified replaced by the first's and answered 401, with
    # the right password, counted as a failure
    async with app_client(make_settings(database_url), clock) as http:
        await signup(http, "two-tabs@example.com")
    body = {"email": "two-tabs@example.com", "password": PASSWORD}
    async with app_client(make_settings(database_url, argon2_time_cost=3), clock) as http:
        complete = service.complete_sign_in
        first_tab: list[httpx.Response] = []

        async def the_other_tab_first(*args: object, **kwargs: object) -> object:
            if not first_tab:
                first_tab.append(httpx.Response(0))  # once: the other tab's own sign-in goes straight through
                first_tab[0] = await http.post("/auth/login", json=body)
            return await complete(*args, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(service, "complete_sign_in", the_other_tab_first)
        second_tab = await http.post("/auth/login", json=body)
        monkeypatch.undo()
    assert first_tab[0].status_code == 200, first_tab[0].text
    assert second_tab.status_code == 200, second_tab.text
    assert _rows(database_url, "SELECT failed_login_count FROM users") == [(0,)]


async def test_a_password_changed_between_the_check_and_the_session_is_still_refused_after_a_rehash(
    database_url: str, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the other side: the hash moved because the password was reset, not re-hashed; the old password must not get in
    async with app_client(make_settings(database_url), clock) as http:
        await signup(http, "changed-meanwhile@example.com")
    async with app_client(make_settings(database_url, argon2_time_cost=3), clock) as http:
        gate = http.app.state.authgate  # type: ignore[attr-defined]
        complete = service.complete_sign_in

        async def password_changed_first(*args: object, **kwargs: object) -> object:
            new_hash = await gate.hashing.hash("Another-passphrase-77")
            engine = create_engine(sync_url(database_url))
            with engine.begin() as connection:
                connection.execute(text("UPDATE users SET hashed_password = :h"), {"h": new_hash})
            engine.dispose()
            return await complete(*args, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(service, "complete_sign_in", password_changed_first)
        old = await http.post("/auth/login", json={"email": "changed-meanwhile@example.com", "password": PASSWORD})
        monkeypatch.undo()
    assert old.status_code == 401, old.text


async def test_overlong_password_on_login_is_401_and_absurd_length_is_422(client: httpx.AsyncClient) -> None:
    await signup(client, "long@example.com")
    response = await client.post("/auth/login", json={"email": "long@example.com", "password": "x" * 129})
    assert response.status_code == 401
    huge = await client.post("/auth/login", json={"email": "long@example.com", "password": "x" * 5000})
    assert huge.status_code == 422


def _rows(database_url: str, sql: str) -> list[tuple[object, ...]]:
    engine = create_engine(sync_url(database_url))
    with engine.connect() as connection:
        rows = [tuple(row) for row in connection.execute(text(sql))]
    engine.dispose()
    return rows


async def test_a_password_changed_while_it_was_checked_refuses_the_sign_in_and_writes_nothing(
    client: httpx.AsyncClient, database_url: str
) -> None:
    # a reset that commits while argon2 runs wins: no session, no success event, no last_login_at (on PostgreSQL
    # the sign-in's writes are one statement, elsewhere a transaction: both must leave nothing behind)
    await signup(client, "raced@example.com")
    gate = client.app.state.authgate  # type: ignore[attr-defined]
    sessions_before = _rows(database_url, "SELECT count(*) FROM refresh_tokens")[0][0]
    succeeded = "SELECT count(*) FROM security_events WHERE type = 'sign_in_succeeded'"
    events_before = _rows(database_url, succeeded)
    last_login_before = _rows(database_url, "SELECT last_login_at FROM users")
    original = gate.hashing.verify_and_update

    async def reset_meanwhile(password: str, hashed: str) -> tuple[bool, str | None]:
        result = await original(password, hashed)
        engine = create_engine(sync_url(database_url))
        with engine.begin() as connection:
            connection.execute(text("UPDATE users SET hashed_password = 'replaced-by-a-reset'"))
        engine.dispose()
        return result

    gate.hashing.verify_and_update = reset_meanwhile
    response = await client.post("/auth/login", json={"email": "raced@example.com", "password": PASSWORD})
    assert response.status_code == 401
    assert "set-cookie" not in response.headers
    assert _rows(database_url, "SELECT count(*) FROM refresh_tokens")[0][0] == sessions_before
    assert _rows(database_url, succeeded) == events_before
    assert _rows(database_url, "SELECT last_login_at FROM users") == last_login_before


async def test_on_postgresql_a_password_sign_in_is_two_single_statements(postgresql_url: str, clock: FakeClock) -> None:
    # the lookup with the attempt's reservation, then the users row + event + session: two statements, no pooled
    # SQLAlchemy connection, no BEGIN/COMMIT round trips (the fast path `make bench` measures)
    async with app_client(make_settings(postgresql_url), clock) as http:
        await signup(http, "fast@example.com")
        gate = http.app.state.authgate  # type: ignore[attr-defined]
        statements: list[str] = []
        original = gate.users.fetchrow

        async def counted(statement, params):  # type: ignore[no-untyped-def]
            statements.append(" ".join(statement.sql.split()[:4]))
            return await original(statement, params)

        gate.users.fetchrow = counted
        sessions = "SELECT count(*) FROM refresh_tokens WHERE revoked = false"
        sessions_before = _rows(postgresql_url, sessions)[0][0]
        succeeded = "SELECT count(*) FROM security_events WHERE type = 'sign_in_succeeded'"
        events_before = _rows(postgresql_url, succeeded)[0][0]
        # the request runs in this task (httpx's ASGI transport): checkouts by the mail sender's task do not count
        checkouts: list[object] = []
        this_task = asyncio.current_task()

        def on_checkout(*_: object) -> None:
            if asyncio.current_task() is this_task:
                checkouts.append(this_task)

        event.listen(gate.engine.sync_engine, "checkout", on_checkout)
        response = await http.post("/auth/login", json={"email": "fast@example.com", "password": PASSWORD})
        assert response.status_code == 200
        assert statements == ["WITH reserved AS (UPDATE", "WITH signed AS (UPDATE"]
        assert checkouts == []
        assert _rows(postgresql_url, succeeded) == [(events_before + 1,)]
        assert _rows(postgresql_url, sessions) == [(sessions_before + 1,)]


def _subject(response: httpx.Response) -> uuid.UUID:
    return uuid.UUID(jwt.decode(response.json()["access_token"], options={"verify_signature": False})["sub"])


async def _signed_up(client: httpx.AsyncClient, email: str) -> tuple[object, uuid.UUID]:
    """A new reader: the gate and the reader's id."""
    return client.app.state.authgate, _subject(await signup(client, email))  # type: ignore[attr-defined]


async def _me(client: httpx.AsyncClient, signed_in: httpx.Response) -> int:
    # the bearer token alone: GET /auth/me falls back to the refresh cookie when it has one
    client.cookies.clear()
    token = signed_in.json()["access_token"]
    return (await client.get("/auth/me", headers={"Authorization": f"Bearer {token}"})).status_code


async def test_a_sign_out_everywhere_between_a_sign_in_s_commit_and_its_answer_ends_its_access_token(
    client: httpx.AsyncClient, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    # attack pass: the sign-in's session commits, a sign-out everywhere runs to the end, and only then is the access
    # token signed. Dated by that moment it would outlive "every access token issued until now" for its whole life.
    email = "raced-sign-in@example.com"
    gate, user_id = await _signed_up(client, email)
    complete = service.complete_sign_in

    async def complete_then_sign_out_everywhere(*args: object, **kwargs: object) -> object:
        signed_in = await complete(*args, **kwargs)  # type: ignore[arg-type]
        clock.advance(seconds=1)
        await sign_out_everywhere(gate, user_id, ClientInfo())
        clock.advance(seconds=1)
        return signed_in

    monkeypatch.setattr(service, "complete_sign_in", complete_then_sign_out_everywhere)
    raced = await client.post("/auth/login", json={"email": email, "password": PASSWORD})
    monkeypatch.undo()
    assert raced.status_code == 200
    assert await _me(client, raced) == 401
    client.cookies.clear()
    cookie = f"refresh_token={raced.cookies['refresh_token']}"
    assert (await client.post("/auth/refresh", headers={"cookie": cookie})).status_code == 401


async def test_a_sign_in_that_waited_behind_a_sign_out_everywhere_answers_a_token_that_works(
    client: httpx.AsyncClient, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the other order: the sign-out everywhere commits after the sign-in read its time but before it wrote its
    # session. The session is newer than the sign-out, and so must be the access token answered with it: dated by
    # the time read before the sign-out, it would be refused at once (the one-statement path on PostgreSQL checks
    # the cut-off and hands over to the general path, which reads the time again once it holds the row)
    email = "waited-sign-in@example.com"
    gate, user_id = await _signed_up(client, email)
    signed_out: list[bool] = []

    async def sign_out_first() -> None:
        if not signed_out:
            signed_out.append(True)
            clock.advance(seconds=1)
            await sign_out_everywhere(gate, user_id, ClientInfo())
            clock.advance(seconds=1)

    one_statement, transaction = signin._sign_in_in_one_statement, signin._sign_in_in_a_transaction

    async def one_statement_after_a_sign_out(*args: object, **kwargs: object) -> object:
        await sign_out_first()
        return await one_statement(*args, **kwargs)  # type: ignore[arg-type]

    async def transaction_after_a_sign_out(*args: object, **kwargs: object) -> object:
        await sign_out_first()
        return await transaction(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(signin, "_sign_in_in_one_statement", one_statement_after_a_sign_out)
    monkeypatch.setattr(signin, "_sign_in_in_a_transaction", transaction_after_a_sign_out)
    waited = await client.post("/auth/login", json={"email": email, "password": PASSWORD})
    monkeypatch.undo()
    assert signed_out and waited.status_code == 200
    assert await _me(client, waited) == 200
