"""Reset: single use, 1 h, newest link only, bound to the address; revokes everything; never signs in."""

from __future__ import annotations

import asyncio
import hashlib

import httpx
import pytest

from tests.conftest import PASSWORD, FakeClock, cookie_of, refresh_with, signup
from tests.mail.smtp import PUBLIC_URL, Inbox, bearer, drain, events_of, execute, gate_of, query, text_part
from tests.mfa.helpers import SoftAuthenticator, add_passkey, passkey_options, turn_on_totp

RESET = "Reset your password"
NEW_PASSWORD = "Fresh-passphrase-42"


async def _reset_token(http: httpx.AsyncClient, inbox: Inbox, email: str) -> str:
    await http.post("/auth/forgot-password", json={"email": email})
    await drain(http)
    return inbox.token(email, RESET)


async def _reset(http: httpx.AsyncClient, token: str, password: str = NEW_PASSWORD) -> httpx.Response:
    return await http.post("/auth/reset-password", json={"token": token, "new_password": password})


async def _login(http: httpx.AsyncClient, email: str, password: str) -> httpx.Response:
    return await http.post("/auth/login", json={"email": email, "password": password})


async def test_reset_sets_the_password_revokes_everything_and_does_not_sign_in(
    mail_client: httpx.AsyncClient, inbox: Inbox, database_url: str, clock: FakeClock
) -> None:
    signed_up = await signup(mail_client, "forgetful@example.com")
    other_device = await _login(mail_client, "forgetful@example.com", PASSWORD)
    live_access = [signed_up.json()["access_token"], other_device.json()["access_token"]]
    live_refresh = [cookie_of(signed_up), cookie_of(other_device)]
    execute(
        database_url,
        "UPDATE users SET failed_login_count = 60, password_reset_required = true "
        "WHERE email = 'forgetful@example.com'",
    )
    token = await _reset_token(mail_client, inbox, "forgetful@example.com")
    clock.advance(seconds=5)
    mail_client.cookies.clear()
    response = await _reset(mail_client, token)
    assert response.status_code == 200 and set(response.json()) == {"detail"}
    assert "set-cookie" not in response.headers and "access_token" not in response.text
    # every access token issued before, though unexpired, and every refresh token are dead
    for access in live_access:
        assert (await mail_client.get("/auth/me", headers=bearer(access))).status_code == 401
    for refresh in live_refresh:
        assert (await refresh_with(mail_client, refresh)).status_code == 401
    (row,) = query(
        database_url,
        "SELECT failed_login_count, password_reset_required, is_verified FROM users "
        "WHERE email = 'forgetful@example.com'",
    )
    assert tuple(row) == (0, False, True)
    clock.advance(seconds=1)
    assert (await _login(mail_client, "forgetful@example.com", PASSWORD)).status_code == 401
    fresh = await _login(mail_client, "forgetful@example.com", NEW_PASSWORD)
    assert fresh.status_code == 200
    assert (await mail_client.get("/auth/me", headers=bearer(fresh.json()["access_token"]))).status_code == 200
    await drain(mail_client)
    notice = inbox.last_to("forgetful@example.com", "Your password was changed")
    assert token not in text_part(notice) and "reset" in text_part(notice)
    assert {"password_reset_requested", "password_reset"} <= set(events_of(database_url, "forgetful@example.com"))


async def test_an_access_token_issued_in_the_same_instant_is_revoked(
    mail_client: httpx.AsyncClient, inbox: Inbox, clock: FakeClock
) -> None:
    # the clock does not move: a token minted in the very millisecond of the reset must not survive it
    await signup(mail_client, "instant@example.com")
    token = await _reset_token(mail_client, inbox, "instant@example.com")
    login = await _login(mail_client, "instant@example.com", PASSWORD)
    assert (await _reset(mail_client, token)).status_code == 200
    assert (await mail_client.get("/auth/me", headers=bearer(login.json()["access_token"]))).status_code == 401


async def test_a_used_link_is_refused(mail_client: httpx.AsyncClient, inbox: Inbox) -> None:
    await signup(mail_client, "once@example.com")
    token = await _reset_token(mail_client, inbox, "once@example.com")
    assert (await _reset(mail_client, token)).status_code == 200
    replay = await _reset(mail_client, token, "Another-passphrase-7")
    assert replay.status_code == 400 and replay.json()["code"] == "TOKEN_INVALID"


async def test_concurrent_resets_with_one_link_succeed_once(mail_client: httpx.AsyncClient, inbox: Inbox) -> None:
    await signup(mail_client, "raced@example.com")
    token = await _reset_token(mail_client, inbox, "raced@example.com")
    responses = await asyncio.gather(*(_reset(mail_client, token, f"Racing-passphrase-{i}") for i in range(4)))
    assert sorted(r.status_code for r in responses) == [200, 400, 400, 400]


async def test_the_link_expires_after_an_hour(mail_client: httpx.AsyncClient, inbox: Inbox, clock: FakeClock) -> None:
    await signup(mail_client, "slow@example.com")
    token = await _reset_token(mail_client, inbox, "slow@example.com")
    clock.advance(minutes=60)
    expired = await _reset(mail_client, token)
    assert expired.status_code == 400 and expired.json()["code"] == "TOKEN_INVALID"
    await signup(mail_client, "quick@example.com")
    token = await _reset_token(mail_client, inbox, "quick@example.com")
    clock.advance(minutes=59, seconds=59)
    assert (await _reset(mail_client, token)).status_code == 200


async def test_a_newer_link_supersedes_the_older_one(mail_client: httpx.AsyncClient, inbox: Inbox) -> None:
    await signup(mail_client, "twice@example.com")
    older = await _reset_token(mail_client, inbox, "twice@example.com")
    newer = await _reset_token(mail_client, inbox, "twice@example.com")
    assert older != newer
    refused = await _reset(mail_client, older)
    assert refused.status_code == 400 and refused.json()["code"] == "TOKEN_INVALID"
    assert (await _reset(mail_client, newer)).status_code == 200


async def test_a_weak_password_is_refused_and_the_link_still_works(
    mail_client: httpx.AsyncClient, inbox: Inbox
) -> None:
    await signup(mail_client, "weak@example.com")
    token = await _reset_token(mail_client, inbox, "weak@example.com")
    for weak in ("short", "password123", "weak@example.com"):
        response = await _reset(mail_client, token, weak)
        assert response.status_code == 422 and response.json()["code"] == "PASSWORD_TOO_WEAK", weak
    assert (await _reset(mail_client, token)).status_code == 200


async def test_the_link_is_bound_to_the_address_it_was_sent_to(
    mail_client: httpx.AsyncClient, inbox: Inbox, database_url: str
) -> None:
    await signup(mail_client, "moved@example.com")
    token = await _reset_token(mail_client, inbox, "moved@example.com")
    execute(database_url, "UPDATE users SET email = 'elsewhere@example.com' WHERE email = 'moved@example.com'")
    assert (await _reset(mail_client, token)).status_code == 400


async def test_verification_and_made_up_tokens_do_not_reset(mail_client: httpx.AsyncClient, inbox: Inbox) -> None:
    await signup(mail_client, "mixup@example.com")
    await drain(mail_client)
    verify_token = inbox.token("mixup@example.com", "Verify your email address")
    for token in (verify_token, "forged", hashlib.sha256(verify_token.encode()).hexdigest()):
        response = await _reset(mail_client, token)
        assert response.status_code == 400 and response.json()["code"] == "TOKEN_INVALID"
    assert (await _login(mail_client, "mixup@example.com", PASSWORD)).status_code == 200


async def test_only_the_hash_of_the_reset_token_is_stored(
    mail_client: httpx.AsyncClient, inbox: Inbox, database_url: str
) -> None:
    await signup(mail_client, "stored@example.com")
    token = await _reset_token(mail_client, inbox, "stored@example.com")
    rows = query(database_url, "SELECT token_hash FROM one_time_tokens WHERE purpose = 'reset_password'")
    assert [r[0] for r in rows] == [hashlib.sha256(token.encode()).hexdigest()]
    for table in ("one_time_tokens", "security_events"):
        assert token not in str(query(database_url, f"SELECT * FROM {table}"))  # noqa: S608 - fixed names


async def test_a_reset_that_lands_while_a_change_of_password_is_being_checked_wins(
    mail_client: httpx.AsyncClient, inbox: Inbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the attack pass: someone holding the password and a session changed it while the reader's reset went through;
    # the reset said "every device signed out", and the attacker kept their new password and a working token
    signed_up = await signup(mail_client, "contested@example.com")
    stolen = signed_up.json()["access_token"]
    token = await _reset_token(mail_client, inbox, "contested@example.com")
    mail_client.cookies.clear()
    gate = gate_of(mail_client)
    paused, release = asyncio.Event(), asyncio.Event()
    original_hash = gate.hashing.hash

    async def held_hash(password: str) -> str:
        # the attacker's change-password, between its password check and its write
        paused.set()
        await release.wait()
        return await original_hash(password)

    monkeypatch.setattr(gate.hashing, "hash", held_hash)
    change = asyncio.create_task(
        mail_client.post(
            "/auth/change-password",
            headers=bearer(stolen),
            json={"current_password": PASSWORD, "new_password": "Attackers-own-phrase-1"},
        )
    )
    await asyncio.wait_for(paused.wait(), 10)
    monkeypatch.setattr(gate.hashing, "hash", original_hash)
    assert (await _reset(mail_client, token)).status_code == 200
    release.set()
    changed = await asyncio.wait_for(change, 30)
    assert changed.status_code == 401, changed.text

    assert (await _login(mail_client, "contested@example.com", NEW_PASSWORD)).status_code == 200
    assert (await _login(mail_client, "contested@example.com", "Attackers-own-phrase-1")).status_code == 401
    mail_client.cookies.clear()
    assert (await mail_client.get("/auth/me", headers=bearer(stolen))).status_code == 401


async def test_a_sign_in_checked_before_a_reset_gets_no_session_after_it(
    mail_client: httpx.AsyncClient, inbox: Inbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    await signup(mail_client, "late-login@example.com")
    token = await _reset_token(mail_client, inbox, "late-login@example.com")
    mail_client.cookies.clear()
    gate = gate_of(mail_client)
    paused, release = asyncio.Event(), asyncio.Event()
    original_verify = gate.hashing.verify_and_update

    async def held_verify(password: str, stored: str) -> tuple[bool, str | None]:
        result = await original_verify(password, stored)
        paused.set()
        await release.wait()
        return result

    monkeypatch.setattr(gate.hashing, "verify_and_update", held_verify)
    login = asyncio.create_task(_login(mail_client, "late-login@example.com", PASSWORD))
    await asyncio.wait_for(paused.wait(), 10)
    assert (await _reset(mail_client, token)).status_code == 200
    release.set()
    refused = await asyncio.wait_for(login, 30)
    # the old password was right when checked, but the account's password changed before the session was made
    assert refused.status_code == 401 and "set-cookie" not in refused.headers


async def test_a_reader_without_a_password_sets_one_through_a_reset(
    mail_client: httpx.AsyncClient, inbox: Inbox, database_url: str
) -> None:
    # a reader who arrived through a provider has no password: sign-in with any password is answered like a wrong
    # one, re-authentication by password is refused, and forgot/reset gives them a password
    signed_up = await signup(mail_client, "provider-only@example.com")
    execute(database_url, "UPDATE users SET hashed_password = NULL WHERE email = 'provider-only@example.com'")
    mail_client.cookies.clear()
    for password in (PASSWORD, "anything-at-all-9"):
        refused = await _login(mail_client, "provider-only@example.com", password)
        assert refused.status_code == 401 and refused.json()["code"] == "INVALID_CREDENTIALS"
    change = await mail_client.post(
        "/auth/change-password",
        headers=bearer(signed_up.json()["access_token"]),
        json={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
    )
    assert change.status_code == 401 and change.json()["code"] == "INVALID_PASSWORD"
    token = await _reset_token(mail_client, inbox, "provider-only@example.com")
    assert (await _reset(mail_client, token)).status_code == 200
    assert (await _login(mail_client, "provider-only@example.com", NEW_PASSWORD)).status_code == 200


async def test_a_refresh_that_holds_the_row_while_a_reset_waits_gets_no_access_token_after_it(
    mail_client: httpx.AsyncClient, inbox: Inbox, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    # attack pass: the reset read the time, then waited for the reader's row while a refresh (the attacker's stolen
    # cookie) held it, rotated and minted an access token; "every device was signed out" must cover that token too
    from authgate.recovery import service

    signed_up = await signup(mail_client, "held-row@example.com")
    token = await _reset_token(mail_client, inbox, "held-row@example.com")
    mail_client.cookies.clear()
    lock_user = service.lock_user
    raced: list[httpx.Response] = []

    async def refresh_while_waiting(db: object, locked: object) -> bool:
        if not raced:
            raced.append(httpx.Response(0))
            clock.advance(seconds=1)
            raced[0] = await refresh_with(mail_client, cookie_of(signed_up))
        return await lock_user(db, locked)  # type: ignore[arg-type]

    monkeypatch.setattr(service, "lock_user", refresh_while_waiting)
    assert (await _reset(mail_client, token)).status_code == 200
    monkeypatch.undo()
    assert raced[0].status_code == 200
    assert (await mail_client.get("/auth/me", headers=bearer(raced[0].json()["access_token"]))).status_code == 401
    assert (await refresh_with(mail_client, cookie_of(raced[0]))).status_code == 401


async def test_a_passkey_added_before_the_address_was_proven_does_not_survive_the_owners_reset(
    mail_client: httpx.AsyncClient, inbox: Inbox, database_url: str
) -> None:
    # pre-account takeover (Sudhodanan & Paverd, 2022): an attacker signs up with the victim's address (never
    # verified) and adds a passkey; the victim, told the address is taken, resets the password through their mailbox
    # and uses the account. The attacker's passkey must not still sign in to it.
    attacker = await signup(mail_client, "prehijack@example.com")
    device = SoftAuthenticator(origin=PUBLIC_URL)
    await add_passkey(mail_client, attacker.json()["access_token"], device)
    mail_client.cookies.clear()
    token = await _reset_token(mail_client, inbox, "prehijack@example.com")
    assert (await _reset(mail_client, token)).status_code == 200
    assert query(database_url, "SELECT is_verified FROM users WHERE email = 'prehijack@example.com'")[0][0]
    options = await passkey_options(mail_client)
    signed_in = await mail_client.post("/auth/passkeys/authenticate", json={"credential": device.get(options)})
    assert signed_in.status_code == 401, signed_in.text


async def _passkey_sign_in(http: httpx.AsyncClient, device: SoftAuthenticator) -> httpx.Response:
    http.cookies.clear()
    options = await passkey_options(http)
    return await http.post("/auth/passkeys/authenticate", json={"credential": device.get(options)})


def _reset_detail(database_url: str, email: str) -> str | None:
    rows = query(
        database_url,
        "SELECT e.detail FROM security_events e JOIN users u ON u.id = e.user_id "
        "WHERE u.email = :email AND e.type = 'password_reset'",
        email=email,
    )
    return rows[-1][0] if rows else None


async def test_an_authenticator_app_turned_on_before_the_address_was_proven_does_not_survive_the_owners_reset(
    mail_client: httpx.AsyncClient, inbox: Inbox, database_url: str, clock: FakeClock
) -> None:
    # attack pass (pre-account takeover): the squatter turns on an authenticator app before the owner shows up; after
    # the owner's reset the squatter could not get in, but neither could the owner: every sign-in asked for the
    # squatter's code, and the squatter's backup codes still worked as a second factor
    email = "prehijack-app@example.com"
    squatter = await signup(mail_client, email)
    await turn_on_totp(mail_client, squatter.json()["access_token"], clock)
    mail_client.cookies.clear()
    clock.advance(seconds=5)
    assert (await _reset(mail_client, await _reset_token(mail_client, inbox, email))).status_code == 200
    owner = await _login(mail_client, email, NEW_PASSWORD)
    # signed in with the password alone: an access token, no second-factor challenge
    assert owner.status_code == 200 and "access_token" in owner.json(), owner.text
    assert query(database_url, "SELECT count(*) FROM backup_codes")[0][0] == 0
    assert "two-step sign-in" in (_reset_detail(database_url, email) or "")


async def test_the_owner_who_follows_the_squatters_verification_link_first_still_removes_the_squatters_passkey(
    mail_client: httpx.AsyncClient, inbox: Inbox, database_url: str, clock: FakeClock
) -> None:
    # attack pass (pre-account takeover): the owner receives the verification mail of the squatter's sign-up, follows
    # it, then resets the password. The account was verified by then, so the reset used to keep the passkey the
    # squatter added before anyone had proven the address
    email = "prehijack-verified@example.com"
    squatter = await signup(mail_client, email)
    device = SoftAuthenticator(origin=PUBLIC_URL)
    await add_passkey(mail_client, squatter.json()["access_token"], device)
    mail_client.cookies.clear()
    await drain(mail_client)
    clock.advance(seconds=5)
    verified = await mail_client.post(
        "/auth/verify-email", json={"token": inbox.token(email, "Verify your email address")}
    )
    assert verified.status_code == 200, verified.text
    clock.advance(seconds=5)
    assert (await _reset(mail_client, await _reset_token(mail_client, inbox, email))).status_code == 200
    assert (await _passkey_sign_in(mail_client, device)).status_code == 401
    assert "1 passkeys" in (_reset_detail(database_url, email) or "")


async def test_ways_in_added_after_the_address_was_proven_survive_a_reset_and_a_change_of_address(
    mail_client: httpx.AsyncClient, inbox: Inbox, database_url: str, clock: FakeClock
) -> None:
    # the other side of the rule: a reader who proved the address and then added a passkey and an authenticator app
    # keeps both through a reset, even after a change of address (which proves a new address, not the first one)
    email, new_email = "proven-first@example.com", "proven-later@example.com"
    signed_up = await signup(mail_client, email)
    access = signed_up.json()["access_token"]
    await drain(mail_client)
    verify = inbox.token(email, "Verify your email address")
    assert (await mail_client.post("/auth/verify-email", json={"token": verify})).status_code == 200
    clock.advance(seconds=5)
    device = SoftAuthenticator(origin=PUBLIC_URL)
    await add_passkey(mail_client, access, device)
    await turn_on_totp(mail_client, access, clock)
    clock.advance(seconds=5)
    changed = await mail_client.post(
        "/auth/change-email", json={"new_email": new_email, "password": PASSWORD}, headers=bearer(access)
    )
    assert changed.status_code == 202, changed.text
    await drain(mail_client)
    confirm = inbox.token(new_email, "Confirm your new email address")
    assert (await mail_client.post("/auth/verify-email", json={"token": confirm})).status_code == 200
    mail_client.cookies.clear()
    clock.advance(seconds=5)
    assert (await _reset(mail_client, await _reset_token(mail_client, inbox, new_email))).status_code == 200
    assert (await _passkey_sign_in(mail_client, device)).status_code == 200
    mail_client.cookies.clear()
    password = await _login(mail_client, new_email, NEW_PASSWORD)
    assert password.status_code == 200 and password.json()["mfa_required"] is True, password.text
    assert _reset_detail(database_url, new_email) is None


async def test_a_link_mailed_before_the_account_was_suspended_no_longer_works(
    mail_client: httpx.AsyncClient, inbox: Inbox, database_url: str
) -> None:
    # attack pass: a suspended account gets no new reset link (test_forgot_password), but the one mailed minutes before
    # the operator suspended it still set a new password, cleared the lockout and marked the address verified on an
    # account the operator had closed
    await signup(mail_client, "closed@example.com")
    token = await _reset_token(mail_client, inbox, "closed@example.com")
    # what `authgate users suspend` writes
    execute(database_url, "UPDATE users SET is_active = false WHERE email = 'closed@example.com'")
    response = await _reset(mail_client, token)
    assert response.status_code == 400 and response.json()["code"] == "TOKEN_INVALID", response.text
    (row,) = query(database_url, "SELECT is_verified FROM users WHERE email = 'closed@example.com'")
    assert row[0] in (False, 0)
