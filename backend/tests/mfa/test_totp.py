"""Authenticator apps (RFC 6238) and backup codes, through the API: enrolment, the sign-in challenge, single use."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import httpx

from tests.conftest import PASSWORD, FakeClock, app_client, make_settings, signup
from tests.mail.smtp import execute, query
from tests.mfa.helpers import app_code, bearer, both_factors, enrolled_reader, password_step, turn_on_totp

QUICKSTART_LOGIN_KEYS = {"access_token", "token_type", "expires_in", "user", "profile", "profile_complete"}


async def test_setting_up_an_app_gives_a_160_bit_secret_its_uri_and_a_qr_code(client: httpx.AsyncClient) -> None:
    access = (await signup(client, "qr@example.com")).json()["access_token"]
    setup = await client.post("/auth/mfa/totp/setup", headers=bearer(access), json={"password": PASSWORD})
    assert setup.status_code == 200
    body = setup.json()
    assert len(body["secret"]) >= 32  # base32: 5 bits a character, so at least 160 bits
    assert body["otpauth_uri"].startswith("otpauth://totp/")
    assert f"secret={body['secret']}" in body["otpauth_uri"]
    assert body["qr_svg"].lstrip().startswith("<svg")
    status = await client.get("/auth/mfa", headers=bearer(access))
    assert status.json()["totp_enabled"] is False


async def test_the_secret_is_sealed_at_rest(client: httpx.AsyncClient, settings: object, clock: FakeClock) -> None:
    access = (await signup(client, "sealed@example.com")).json()["access_token"]
    secret, _ = await turn_on_totp(client, access, clock)
    rows = query(client.app.state.authgate.settings.database_url, "SELECT secret_sealed FROM totp_factors")  # type: ignore[attr-defined]
    assert rows and all(secret not in row[0] for row in rows)
    codes = query(client.app.state.authgate.settings.database_url, "SELECT code_hash FROM backup_codes")  # type: ignore[attr-defined]
    assert len(codes) == 10


async def test_a_wrong_first_code_does_not_turn_it_on(client: httpx.AsyncClient, clock: FakeClock) -> None:
    access = (await signup(client, "wrong-first@example.com")).json()["access_token"]
    secret = (await client.post("/auth/mfa/totp/setup", headers=bearer(access), json={"password": PASSWORD})).json()[
        "secret"
    ]
    wrong = await client.post(
        "/auth/mfa/totp/confirm", headers=bearer(access), json={"code": app_code(secret, clock, 3)}
    )
    assert wrong.status_code == 401
    assert wrong.json()["code"] == "INVALID_CODE"
    assert (await client.get("/auth/mfa", headers=bearer(access))).json()["totp_enabled"] is False


async def test_a_reader_without_a_second_factor_gets_the_quickstart_login_answer(client: httpx.AsyncClient) -> None:
    await signup(client, "plain@example.com")
    client.cookies.clear()
    answered = await client.post("/auth/login", json={"email": "plain@example.com", "password": PASSWORD})
    assert answered.status_code == 200
    assert set(answered.json()) == QUICKSTART_LOGIN_KEYS
    assert "refresh_token" in answered.cookies


async def test_the_password_ends_in_a_challenge_with_no_tokens_and_no_refresh_cookie(
    client: httpx.AsyncClient, clock: FakeClock
) -> None:
    reader = await enrolled_reader(client, clock)
    client.cookies.clear()
    answered = await client.post("/auth/login", json={"email": reader.email, "password": PASSWORD})
    assert answered.status_code == 200
    body = answered.json()
    assert set(body) == {"mfa_required", "challenge_token", "methods", "expires_in"}
    assert body["methods"] == ["totp", "backup_code"]
    assert 0 < body["expires_in"] <= 300
    assert "refresh_token" not in answered.cookies
    assert answered.cookies["authgate_challenge"] == body["challenge_token"]
    # nothing the challenge holds opens the account
    assert (await client.get("/auth/me")).status_code == 401
    assert (await client.post("/auth/refresh")).status_code == 401
    assert (await client.get("/auth/me", headers=bearer(body["challenge_token"]))).status_code == 401


async def test_a_code_passes_the_challenge_and_signs_in(client: httpx.AsyncClient, clock: FakeClock) -> None:
    reader, verified = await both_factors(client, clock)
    assert verified.status_code == 200, verified.text
    assert set(verified.json()) == QUICKSTART_LOGIN_KEYS
    assert "refresh_token" in verified.cookies
    me = await client.get("/auth/me", headers=bearer(verified.json()["access_token"]))
    assert me.json()["user"]["email"] == reader.email


async def test_the_challenge_cookie_alone_answers_it(client: httpx.AsyncClient, clock: FakeClock) -> None:
    reader = await enrolled_reader(client, clock)
    await password_step(client, reader.email)
    verified = await client.post("/auth/mfa/verify", json={"code": app_code(reader.secret, clock)})
    assert verified.status_code == 200, verified.text


async def test_the_same_code_twice_is_refused(client: httpx.AsyncClient, clock: FakeClock) -> None:
    # RFC 6238 §5.2: a code is accepted once; a second sign-in within the same 30 s must wait for the next code
    reader = await enrolled_reader(client, clock)
    code = app_code(reader.secret, clock)
    first = await password_step(client, reader.email)
    ok = await client.post("/auth/mfa/verify", json={"challenge_token": first["challenge_token"], "code": code})
    assert ok.status_code == 200
    second = await password_step(client, reader.email)
    again = await client.post("/auth/mfa/verify", json={"challenge_token": second["challenge_token"], "code": code})
    assert again.status_code == 401
    assert again.json()["code"] == "INVALID_CODE"


async def test_the_previous_steps_code_is_refused_once_a_later_one_was_used(
    client: httpx.AsyncClient, clock: FakeClock
) -> None:
    reader = await enrolled_reader(client, clock)
    earlier = app_code(reader.secret, clock)
    clock.advance(seconds=30)
    first = await password_step(client, reader.email)
    used = await client.post(
        "/auth/mfa/verify", json={"challenge_token": first["challenge_token"], "code": app_code(reader.secret, clock)}
    )
    assert used.status_code == 200
    second = await password_step(client, reader.email)
    # within the ±1 step drift, but older than the step already used
    late = await client.post("/auth/mfa/verify", json={"challenge_token": second["challenge_token"], "code": earlier})
    assert late.json()["code"] == "INVALID_CODE"


async def test_one_step_of_drift_either_way_and_no_more(client: httpx.AsyncClient, clock: FakeClock) -> None:
    reader = await enrolled_reader(client, clock)
    for steps, expected in ((-2, 401), (2, 401), (1, 200)):
        challenge = await password_step(client, reader.email)
        answered = await client.post(
            "/auth/mfa/verify",
            json={"challenge_token": challenge["challenge_token"], "code": app_code(reader.secret, clock, steps)},
        )
        assert answered.status_code == expected, (steps, answered.text)


async def test_concurrent_answers_with_one_code_sign_in_once(client: httpx.AsyncClient, clock: FakeClock) -> None:
    reader = await enrolled_reader(client, clock)
    code = app_code(reader.secret, clock)
    tokens = [(await password_step(client, reader.email))["challenge_token"]]
    client.cookies.clear()
    answers = await asyncio.gather(
        *(client.post("/auth/mfa/verify", json={"challenge_token": tokens[0], "code": code}) for _ in range(4))
    )
    assert sorted(a.status_code for a in answers).count(200) == 1


async def test_six_wrong_codes_kill_the_challenge(client: httpx.AsyncClient, clock: FakeClock) -> None:
    reader = await enrolled_reader(client, clock)
    token = (await password_step(client, reader.email))["challenge_token"]
    codes = []
    for _ in range(5):
        wrong = await client.post("/auth/mfa/verify", json={"challenge_token": token, "code": "000000"})
        codes.append(wrong.json()["code"])
    assert codes == ["INVALID_CODE"] * 5
    # the sixth, even the right code, finds the challenge dead
    right = await client.post(
        "/auth/mfa/verify", json={"challenge_token": token, "code": app_code(reader.secret, clock)}
    )
    assert right.status_code == 401
    assert right.json()["code"] == "CHALLENGE_INVALID"
    events = query(
        client.app.state.authgate.settings.database_url,  # type: ignore[attr-defined]
        "SELECT count(*) FROM security_events WHERE type = 'second_factor_failed'",
    )
    assert events[0][0] == 5


async def test_an_access_token_is_no_challenge(client: httpx.AsyncClient, clock: FakeClock) -> None:
    reader = await enrolled_reader(client, clock)
    client.cookies.clear()
    answered = await client.post(
        "/auth/mfa/verify", json={"challenge_token": reader.access, "code": app_code(reader.secret, clock)}
    )
    assert answered.json()["code"] == "CHALLENGE_INVALID"


async def test_a_challenge_lives_five_minutes(client: httpx.AsyncClient, clock: FakeClock) -> None:
    reader = await enrolled_reader(client, clock)
    token = (await password_step(client, reader.email))["challenge_token"]
    clock.advance(minutes=5, seconds=1)
    late = await client.post(
        "/auth/mfa/verify", json={"challenge_token": token, "code": app_code(reader.secret, clock)}
    )
    assert late.json()["code"] == "CHALLENGE_INVALID"


async def test_a_backup_code_works_once(client: httpx.AsyncClient, clock: FakeClock) -> None:
    reader = await enrolled_reader(client, clock)
    code = reader.backup_codes[0]
    first = await password_step(client, reader.email)
    assert first["methods"] == ["totp", "backup_code"]
    # written as printed, with spaces and capitals: one canonical form
    ok = await client.post(
        "/auth/mfa/verify", json={"challenge_token": first["challenge_token"], "code": f" {code.upper()} "}
    )
    assert ok.status_code == 200, ok.text
    second = await password_step(client, reader.email)
    again = await client.post("/auth/mfa/verify", json={"challenge_token": second["challenge_token"], "code": code})
    assert again.json()["code"] == "INVALID_CODE"
    status = await client.get("/auth/mfa", headers=bearer(ok.json()["access_token"]))
    assert status.json()["backup_codes_remaining"] == 9


async def test_a_backup_code_answering_for_a_suspended_account_stays_unspent(
    client: httpx.AsyncClient, clock: FakeClock, database_url: str
) -> None:
    # attack pass (known, not fixed until now): the code and the challenge were used up in a transaction of their
    # own, before the session's; a sign-in refused after them (here the account suspended between the two steps)
    # cost the reader a backup code, which for one who lost the app is the way back in
    reader = await enrolled_reader(client, clock)
    code = reader.backup_codes[0]
    step = await password_step(client, reader.email)
    execute(database_url, "UPDATE users SET is_active = false WHERE email = :email", email=reader.email)
    refused = await client.post("/auth/mfa/verify", json={"challenge_token": step["challenge_token"], "code": code})
    assert refused.status_code == 403 and refused.json()["code"] == "ACCOUNT_SUSPENDED"
    execute(database_url, "UPDATE users SET is_active = true WHERE email = :email", email=reader.email)
    ok = await client.post("/auth/mfa/verify", json={"challenge_token": step["challenge_token"], "code": code})
    assert ok.status_code == 200, ok.text
    status = await client.get("/auth/mfa", headers=bearer(ok.json()["access_token"]))
    assert status.json()["backup_codes_remaining"] == 9


async def test_a_backup_code_is_spent_only_with_the_session_it_opens(postgresql_url: str, clock: FakeClock) -> None:
    # the same, at the session's write: PostgreSQL rolls the sign-in back (a serialization failure, SQLSTATE 40001,
    # raised here by a trigger on new sessions). The reader is told to try again (503), and the code and the
    # challenge are still there when they do
    async with app_client(make_settings(postgresql_url), clock) as http:
        reader = await enrolled_reader(http, clock)
        step = await password_step(http, reader.email)
        answer = {"challenge_token": step["challenge_token"], "code": reader.backup_codes[0]}
        with sessions_refused_by_the_database(postgresql_url):
            refused = await http.post("/auth/mfa/verify", json=answer)
        assert refused.status_code == 503 and refused.headers["retry-after"], refused.text
        ok = await http.post("/auth/mfa/verify", json=answer)
        assert ok.status_code == 200, ok.text
        status = await http.get("/auth/mfa", headers=bearer(ok.json()["access_token"]))
        assert status.json()["backup_codes_remaining"] == 9


@contextmanager
def sessions_refused_by_the_database(postgresql_url: str) -> Iterator[None]:
    name = f"refuse_sessions_{uuid.uuid4().hex[:8]}"
    execute(
        postgresql_url,
        f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS "
        f"$$ BEGIN RAISE EXCEPTION 'refused by a test' USING ERRCODE = '40001'; END $$",
    )
    execute(
        postgresql_url,
        f"CREATE TRIGGER {name} BEFORE INSERT ON refresh_tokens FOR EACH ROW EXECUTE FUNCTION {name}()",
    )
    try:
        yield
    finally:
        execute(postgresql_url, f"DROP TRIGGER {name} ON refresh_tokens")
        execute(postgresql_url, f"DROP FUNCTION {name}()")


async def test_new_backup_codes_end_the_old_set(client: httpx.AsyncClient, clock: FakeClock) -> None:
    reader = await enrolled_reader(client, clock)
    fresh = await client.post("/auth/mfa/backup-codes", headers=bearer(reader.access), json={"password": PASSWORD})
    assert fresh.status_code == 200
    new_codes = fresh.json()["backup_codes"]
    assert len(new_codes) == 10 and not set(new_codes) & set(reader.backup_codes)
    challenge = await password_step(client, reader.email)
    old = await client.post(
        "/auth/mfa/verify", json={"challenge_token": challenge["challenge_token"], "code": reader.backup_codes[1]}
    )
    assert old.json()["code"] == "INVALID_CODE"
    new = await client.post(
        "/auth/mfa/verify", json={"challenge_token": challenge["challenge_token"], "code": new_codes[0]}
    )
    assert new.status_code == 200


async def test_turning_it_off_needs_a_recent_proof(client: httpx.AsyncClient, clock: FakeClock) -> None:
    reader = await enrolled_reader(client, clock)
    clock.advance(minutes=11)
    stale = await client.request("DELETE", "/auth/mfa/totp", headers=bearer(reader.access))
    assert stale.status_code == 403
    assert stale.json()["code"] == "RECENT_SIGN_IN_REQUIRED"
    wrong = await client.request("DELETE", "/auth/mfa/totp", headers=bearer(reader.access), json={"code": "123456"})
    assert wrong.json()["code"] == "INVALID_CODE"
    off = await client.request(
        "DELETE", "/auth/mfa/totp", headers=bearer(reader.access), json={"code": app_code(reader.secret, clock)}
    )
    assert off.status_code == 204
    client.cookies.clear()
    plain = await client.post("/auth/login", json={"email": reader.email, "password": PASSWORD})
    assert set(plain.json()) == QUICKSTART_LOGIN_KEYS


async def test_setting_up_a_second_app_while_one_is_on_is_refused(client: httpx.AsyncClient, clock: FakeClock) -> None:
    reader = await enrolled_reader(client, clock)
    again = await client.post("/auth/mfa/totp/setup", headers=bearer(reader.access), json={"password": PASSWORD})
    assert again.status_code == 409
    assert again.json()["code"] == "TWO_FACTOR_ALREADY_ON"


async def test_wrong_codes_count_toward_the_account_lockout(client: httpx.AsyncClient, clock: FakeClock) -> None:
    # the second step shares the sign-in's lockout: a stolen password does not buy unlimited code guesses
    reader = await enrolled_reader(client, clock)
    token = (await password_step(client, reader.email))["challenge_token"]
    for _ in range(5):
        await client.post("/auth/mfa/verify", json={"challenge_token": token, "code": "999999"})
    rows = query(
        client.app.state.authgate.settings.database_url,  # type: ignore[attr-defined]
        "SELECT failed_login_count FROM users WHERE email = :email",
        email=reader.email,
    )
    assert rows[0][0] == 5
    client.cookies.clear()
    slowed = await client.post("/auth/login", json={"email": reader.email, "password": PASSWORD})
    assert slowed.status_code == 429
