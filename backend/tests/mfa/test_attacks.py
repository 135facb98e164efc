"""Attacks on second factors, the challenge, passkeys and re-authentication that currently succeed.

Each test FAILS on the code it was written against: it asserts the behaviour a fix must give.
"""

from __future__ import annotations

import secrets
import struct
from datetime import timedelta
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import event
from webauthn.helpers import encode_cbor

from authgate.security.totp import code_at, step_of
from tests.conftest import PASSWORD, FakeClock, signup
from tests.mail.smtp import query
from tests.mfa.helpers import (
    ATTESTED_DATA,
    USER_PRESENT,
    USER_VERIFIED,
    Credential,
    Enrolled,
    SoftAuthenticator,
    _auth_data,
    _client_data,
    app_code,
    b64url,
    bearer,
    both_factors,
    enrolled_reader,
    password_step,
    unb64url,
)


def wrong_code(secret: str, clock: FakeClock, n: int = 0) -> str:
    """A 6-digit code that is none of the codes accepted now (steps -1, 0, +1)."""
    valid = {code_at(secret, step_of(clock()) + d) for d in (-1, 0, 1)}
    candidate = n
    while f"{candidate % 1_000_000:06d}" in valid:
        candidate += 1
    return f"{candidate % 1_000_000:06d}"


def at_address(client: httpx.AsyncClient, address: str) -> httpx.AsyncClient:
    """Another client on the same app whose requests come from `address`."""
    transport = httpx.ASGITransport(app=client.app, client=(address, 50000))  # type: ignore[attr-defined]
    return httpx.AsyncClient(transport=transport, base_url=str(client.base_url))


# ---------------------------------------------------------------- 1. unlimited TOTP guessing with the password


async def token_a_minute_after_a_full_sign_in(client: httpx.AsyncClient, clock: FakeClock) -> tuple[Enrolled, str]:
    """A two-step reader's access token from a full sign-in (password and app code), one minute old: what a thief who
    took it from the browser holds, with no password and no phone."""
    reader, passed = await both_factors(client, clock)
    assert passed.status_code == 200, passed.text
    clock.advance(minutes=1)
    return reader, passed.json()["access_token"]


async def test_the_password_step_does_not_reset_the_count_of_wrong_second_factor_codes(
    client: httpx.AsyncClient, clock: FakeClock
) -> None:
    """HIGH. With a stolen password, the attacker alternates `POST /auth/login` (right password) and 4 wrong codes at
    /auth/mfa/verify. complete_sign_in's two-factor branch writes failed_login_count = 0 (and forget_failures) when
    the first factor passes, so the count never reaches LOCKOUT_SLOWDOWN_AFTER (5), let alone the lockout cap (50):
    the second factor can be guessed forever, throttled only by the per-account window (10/min in production:
    ~8 codes a minute, ~11 500 a day; NIST SP 800-63B caps consecutive failures at 100)."""
    reader = await enrolled_reader(client, clock)
    cap = client.app.state.authgate.settings.lockout_reset_required_after  # type: ignore[attr-defined]
    guesses = 0
    refused = 0
    n = 0
    while guesses < cap + 10:
        client.cookies.clear()
        login = await client.post("/auth/login", json={"email": reader.email, "password": PASSWORD})
        if login.status_code != 200:
            refused += 1
            break
        token = login.json()["challenge_token"]
        for _ in range(4):
            n += 1
            answered = await client.post(
                "/auth/mfa/verify", json={"challenge_token": token, "code": wrong_code(reader.secret, clock, n)}
            )
            if answered.status_code in (403, 429):
                refused += 1
                break
            assert answered.status_code == 401, answered.text
            guesses += 1
        if refused:
            break
        clock.advance(seconds=1)
    # more wrong second-factor codes than the lockout allows must lock (or at least slow down) the account
    assert refused, f"{guesses} wrong second-factor codes were checked and nothing was ever refused"


# ---------------------------------------------------------------- 2. confirm codes are not counted


async def test_guessing_the_confirm_code_from_many_addresses_is_counted_on_the_account(
    client: httpx.AsyncClient, clock: FakeClock
) -> None:
    """MEDIUM-HIGH. /auth/mfa/totp/confirm checks a TOTP code without begin_sign_in: no per-account window, no
    failure count, no lockout, only the per-IP limit. A thief with a stolen *stale* access token (no recent proof:
    setup is closed to them) waits for the reader to start a setup (or finds an abandoned one: an unconfirmed factor
    never expires) and guesses the 6-digit code from many addresses; the winner turns two-step sign-in on with the
    reader's secret and receives the 10 backup codes, each of which is a `code` proof for every sensitive route
    (change-email, turn-off, add a passkey): an account takeover from a stale token (mfa/service.py confirm_totp)."""
    access = (await signup(client)).json()["access_token"]
    setup = await client.post("/auth/mfa/totp/setup", headers=bearer(access), json={"password": PASSWORD})
    assert setup.status_code == 200
    secret = setup.json()["secret"]
    statuses = []
    for n in range(15):
        async with at_address(client, f"127.0.0.{n + 2}") as thief:
            answered = await thief.post(
                "/auth/mfa/totp/confirm", headers=bearer(access), json={"code": wrong_code(secret, clock, n)}
            )
            statuses.append(answered.status_code)
    # like every other code guess: counted on the account, slowed after LOCKOUT_SLOWDOWN_AFTER (5) failures
    assert 429 in statuses or 403 in statuses, statuses


# ---------------------------------------------------------------- 3. unicode digits: 500


UNICODE_CODES = ["١٢٣٤٥٦", "１２３４５６", "¹²³⁴⁵⁶", "۱۲۳۴۵۶"]


@pytest.mark.parametrize("code", UNICODE_CODES)
async def test_a_code_of_unicode_digits_at_the_challenge_is_a_4xx_not_a_500(
    client: httpx.AsyncClient, clock: FakeClock, code: str
) -> None:
    """MEDIUM (availability/robustness; also burns a reserved lockout attempt without recording a failure).
    security/totp.py matching_step accepts `str.isdigit()` codes, which include Arabic-Indic, full-width and
    superscript digits, then calls hmac.compare_digest(str, str) which raises TypeError for non-ASCII str: 500."""
    reader = await enrolled_reader(client, clock)
    challenge = await password_step(client, reader.email)
    answered = await client.post(
        "/auth/mfa/verify", json={"challenge_token": challenge["challenge_token"], "code": code}
    )
    assert answered.status_code == 401, answered.text
    assert answered.json()["code"] == "INVALID_CODE"


@pytest.mark.parametrize("code", UNICODE_CODES[:2])
async def test_a_code_of_unicode_digits_as_a_proof_is_a_4xx_not_a_500(
    client: httpx.AsyncClient, clock: FakeClock, code: str
) -> None:
    reader = await enrolled_reader(client, clock)
    for method, path in [
        ("POST", "/auth/reauthenticate"),
        ("DELETE", "/auth/mfa/totp"),
        ("POST", "/auth/mfa/backup-codes"),
        ("POST", "/auth/passkeys/register/options"),
    ]:
        answered = await client.request(method, path, headers=bearer(reader.access), json={"code": code})
        assert answered.status_code == 401, (path, answered.status_code, answered.text)
        clock.advance(seconds=60)  # past any slowdown


async def test_a_code_of_unicode_digits_at_confirm_is_a_4xx_not_a_500(client: httpx.AsyncClient) -> None:
    access = (await signup(client)).json()["access_token"]
    assert (
        await client.post("/auth/mfa/totp/setup", headers=bearer(access), json={"password": PASSWORD})
    ).status_code == 200
    answered = await client.post("/auth/mfa/totp/confirm", headers=bearer(access), json={"code": "١٢٣٤٥٦"})
    assert answered.status_code == 401, answered.text


# ---------------------------------------------------------------- 4. a long credential id: stored but unusable


def create_with_id(device: SoftAuthenticator, options: dict[str, Any], credential_id: bytes) -> dict[str, Any]:
    """SoftAuthenticator.create with a chosen credential id (WebAuthn allows up to 1023 bytes)."""
    rp_id = options["rp"]["id"]
    key = ec.generate_private_key(ec.SECP256R1())
    credential = Credential(credential_id, key, unb64url(options["user"]["id"]), rp_id)
    numbers = key.public_key().public_numbers()
    cose_key = {1: 2, 3: -7, -1: 1, -2: numbers.x.to_bytes(32, "big"), -3: numbers.y.to_bytes(32, "big")}
    attested = bytes(16) + struct.pack(">H", len(credential_id)) + credential_id
    auth_data = _auth_data(rp_id, USER_PRESENT | USER_VERIFIED | ATTESTED_DATA, 0) + attested + encode_cbor(cose_key)
    client_data = _client_data("webauthn.create", options["challenge"], device.origin)
    device.credentials.append(credential)
    return {
        "id": b64url(credential_id),
        "rawId": b64url(credential_id),
        "type": "public-key",
        "response": {
            "clientDataJSON": b64url(client_data),
            "attestationObject": b64url(encode_cbor({"fmt": "none", "attStmt": {}, "authData": auth_data})),
            "transports": ["internal"],
        },
        "clientExtensionResults": {},
    }


async def test_a_passkey_with_a_1000_byte_credential_id_is_refused_cleanly_or_signs_in(
    client: httpx.AsyncClient,
) -> None:
    """LOW. WebAuthn allows credential ids up to 1023 bytes (1364 base64url characters). passkeys.register stores the
    id from the attested data without a length check: on SQLite it is stored, and then verify_assertion refuses every
    rawId over 1024 characters, so the reader holds a passkey that can never sign in (and whose registration
    challenge and notice mail were spent); on PostgreSQL the String(1024) column refuses it with a generic
    UNSTORABLE_VALUE 4xx instead of PASSKEY_INVALID. Both sides should agree on one limit, checked before storing."""
    access = (await signup(client)).json()["access_token"]
    options = (
        await client.post("/auth/passkeys/register/options", headers=bearer(access), json={"password": PASSWORD})
    ).json()["options"]
    device = SoftAuthenticator()
    credential = create_with_id(device, options, secrets.token_bytes(1000))
    added = await client.post("/auth/passkeys/register", headers=bearer(access), json={"credential": credential})
    assert added.status_code in (201, 400, 401, 422), added.text
    if added.status_code == 201:
        # stored: then it must also sign in
        auth_options = (await client.post("/auth/passkeys/authenticate/options")).json()["options"]
        signed = await client.post("/auth/passkeys/authenticate", json={"credential": device.get(auth_options)})
        assert signed.status_code == 200, signed.text


# ---------------------------------------------------------------- 5. checks outside the lock: a reset loses a race


async def _reset_password_now(client: httpx.AsyncClient, email: str) -> None:
    """What POST /auth/reset-password commits (the reader recovering the account): every session and access token
    ended, pending challenges gone."""
    import uuid as _uuid
    from datetime import timedelta

    from sqlalchemy import select

    from authgate.accounts.models import User
    from authgate.onetime.service import Purpose, issue

    gate = client.app.state.authgate  # type: ignore[attr-defined]
    async with gate.sessions.begin() as db:
        user_id = (await db.execute(select(User.id).where(User.email == email))).scalar_one()
        token = await issue(db, _uuid.UUID(str(user_id)), Purpose.RESET_PASSWORD, email, timedelta(hours=1), gate.now())
    async with at_address(client, "198.51.100.7") as reader_home:
        reset = await reader_home.post(
            "/auth/reset-password", json={"token": token, "new_password": "Recovered-pass-42"}
        )
    assert reset.status_code == 200, reset.text


async def test_a_password_reset_between_the_code_check_and_the_session_wins(
    client: httpx.AsyncClient, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """LOW-MEDIUM (race). mfa/service.py verify_challenge checks the code and uses the challenge up in one
    transaction, then calls complete_sign_in in another with a Proof that carries neither the verified password hash
    nor tokens_valid_after. A password reset (or change-password, sign-out-everywhere) that commits in between
    deletes the challenge too late, and the session is made after the reset: it survives the reader's recovery.
    The password path guards exactly this (Proof.verified_hash); the second-factor path does not."""
    from authgate.mfa import service as mfa_service

    reader = await enrolled_reader(client, clock)
    challenge = await password_step(client, reader.email)
    original = mfa_service.complete_sign_in

    async def reset_first(*args: Any, **kwargs: Any) -> Any:
        await _reset_password_now(client, reader.email)
        clock.advance(seconds=1)
        return await original(*args, **kwargs)

    monkeypatch.setattr(mfa_service, "complete_sign_in", reset_first)
    verified = await client.post(
        "/auth/mfa/verify",
        json={"challenge_token": challenge["challenge_token"], "code": app_code(reader.secret, clock)},
    )
    monkeypatch.undo()
    if verified.status_code == 200:
        me = await client.get("/auth/me", headers=bearer(verified.json()["access_token"]))
        refreshed = await client.post("/auth/refresh")
        assert me.status_code == 401 and refreshed.status_code == 401, (me.status_code, refreshed.status_code)


async def test_reauthenticate_does_not_hand_out_a_token_that_outlives_a_concurrent_reset(
    client: httpx.AsyncClient, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """LOW-MEDIUM (race). POST /auth/reauthenticate checks the proof (reauthenticate, no lock) and then issues a fresh
    access token with no re-check of tokens_valid_after: a reset committing in between is followed by a brand-new
    token (issued after the cutoff) with a *fresh* auth_time, i.e. a thief holding a stolen session and password or
    code keeps a token that passes every "recent proof" route after the reader reset the password."""
    from authgate.mfa import router as mfa_router

    reader = await enrolled_reader(client, clock)
    login = await client.post("/auth/login", json={"email": reader.email, "password": PASSWORD})
    token = login.json()["challenge_token"]
    signed = await client.post(
        "/auth/mfa/verify", json={"challenge_token": token, "code": app_code(reader.secret, clock)}
    )
    stolen = signed.json()["access_token"]
    original = mfa_router.reauthenticate

    async def reset_after(*args: Any, **kwargs: Any) -> Any:
        result = await original(*args, **kwargs)
        await _reset_password_now(client, reader.email)
        clock.advance(seconds=1)
        return result

    monkeypatch.setattr(mfa_router, "reauthenticate", reset_after)
    answered = await client.post("/auth/reauthenticate", headers=bearer(stolen), json={"password": PASSWORD})
    monkeypatch.undo()
    if answered.status_code == 200:
        fresh = answered.json()["access_token"]
        me = await client.get("/auth/me", headers=bearer(fresh))
        assert me.status_code == 401, "a token minted after the reset still works"


async def test_reauthenticate_dates_its_token_before_a_reset_that_commits_as_it_is_signed(
    client: httpx.AsyncClient, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Attack pass: the proof passed and the reader's row was checked; the route commits, then signs the new access
    token. A reset on another instance can commit in between (it takes the row once this transaction ends). Signed
    with the time read after the commit, the token would be dated after that reset's cut-off and outlive it: it is
    dated by the time read while the row was held. The other instance is played by moving the injected clock: the
    row is held at T, the token signed at T+2 s, the reset commits at T+1 s."""
    from authgate.mfa import router as mfa_router

    signed_up = await signup(client)
    email, stolen = signed_up.json()["user"]["email"], signed_up.json()["access_token"]
    lock = mfa_router.lock_reauthenticated_user
    held_at = []

    async def held(*args: Any, **kwargs: Any) -> Any:
        result = await lock(*args, **kwargs)
        held_at.append(clock.current)
        return result

    def slow_commit(_connection: Any) -> None:
        if held_at:
            clock.advance(seconds=2)  # the commit ends, and the token is signed, this much later

    engine = client.app.state.authgate.engine.sync_engine  # type: ignore[attr-defined]
    monkeypatch.setattr(mfa_router, "lock_reauthenticated_user", held)
    event.listen(engine, "commit", slow_commit)
    try:
        answered = await client.post("/auth/reauthenticate", headers=bearer(stolen), json={"password": PASSWORD})
    finally:
        event.remove(engine, "commit", slow_commit)
        monkeypatch.undo()
    assert answered.status_code == 200, answered.text
    clock.current = held_at[0] + timedelta(seconds=1)
    await _reset_password_now(client, email)
    clock.advance(seconds=5)
    client.cookies.clear()
    me = await client.get("/auth/me", headers=bearer(answered.json()["access_token"]))
    assert me.status_code == 401, "a token signed after the reset still works"


# ---------------------------------------------------------------- 6. a passkey planted with a stolen session


async def test_a_passkey_planted_with_a_stolen_fresh_session_does_not_survive_the_password_reset(
    client: httpx.AsyncClient, clock: FakeClock
) -> None:
    """MEDIUM (persistence; a policy decision to confirm). With a fresh stolen access token (XSS, a token leaked within
    RECENT_SIGN_IN_MINUTES of the sign-in) the thief registers their own passkey: no password or code needed. The
    reader gets a notice, resets the password ("every device signed out"), and the thief signs straight back in with
    the passkey, which counts as both factors. A reset ends sessions but keeps every passkey (recovery/service.py
    _store_new_password). At least passkeys added since the last proven sign-in (or all of them, with a notice) should
    go on reset, or a passkey added without the password/code should not survive it."""
    from tests.mfa.helpers import add_passkey, passkey_options

    signed_up = await signup(client)
    email = signed_up.json()["user"]["email"]
    stolen = signed_up.json()["access_token"]
    thief_device = SoftAuthenticator()
    # the thief has the token, not the password: planting is refused outright
    planted = await client.post("/auth/passkeys/register/options", headers=bearer(stolen))
    assert planted.status_code == 403
    if planted.status_code == 200:
        await add_passkey(client, stolen, thief_device)
    clock.advance(minutes=30)
    await _reset_password_now(client, email)
    client.cookies.clear()
    if thief_device.credentials:
        options = await passkey_options(client)
        back_in = await client.post("/auth/passkeys/authenticate", json={"credential": thief_device.get(options)})
        assert back_in.status_code != 200, "the thief's passkey signs in after the reader reset the password"


# ---------------------------------------------------------------- 7. passkey names


@pytest.mark.parametrize("name", ["\u202egnp.exe", "\u200b", "a\u2028b", "\ufeff", "\u2066x\u2069"])
async def test_a_passkey_name_of_invisible_or_bidi_characters_is_refused(client: httpx.AsyncClient, name: str) -> None:
    """LOW. schemas._passkey_name refuses only category Cc: format characters (Cf: U+202E RIGHT-TO-LEFT OVERRIDE,
    U+200B ZERO WIDTH SPACE, U+FEFF, isolates) and separators (U+2028) pass. The name is shown in the passkey list and
    written into the security-notice mail ('the passkey "…" was removed') and the security log, so a thief holding a
    session can rename the reader's passkeys (PATCH needs no proof) to invisible or reversed text."""
    from tests.mfa.helpers import add_passkey

    access = (await signup(client)).json()["access_token"]
    added = await add_passkey(client, access, SoftAuthenticator())
    renamed = await client.patch(f"/auth/passkeys/{added['id']}", headers=bearer(access), json={"name": name})
    assert renamed.status_code == 422, renamed.text


# ---------------------------------------------------------------- 8. a stale refresh cookie becomes a "recent sign-in"


async def test_shortening_the_refresh_lifetime_does_not_make_old_sessions_count_as_recent_sign_ins(
    database_url: str, clock: FakeClock
) -> None:
    """MEDIUM (needs an operator config change, a routine one). The access token's auth_time is derived, not stored:
    gate.signed_in_at = refresh.expires_at - REFRESH_TOKEN_EXPIRE_DAYS (the *current* setting). After the operator
    lowers REFRESH_TOKEN_EXPIRE_DAYS (30 -> 7), every existing session's derived sign-in time lies up to 23 days in
    the *future*, and reauth.recent() accepts it (now - signed_in_at is negative <= window). So a thief with a stale
    stolen refresh cookie refreshes and turns two-step sign-in off, regenerates backup codes, adds a passkey or
    changes the sign-in address with no password and no code (gate.py signed_in_at, accounts/reauth.py recent)."""
    from tests.conftest import app_client, cookie_of, make_settings, refresh_with

    async with app_client(make_settings(database_url, refresh_token_expire_days=30), clock) as before:
        reader = await enrolled_reader(before, clock)
        challenge = await password_step(before, reader.email)
        signed = await before.post(
            "/auth/mfa/verify",
            json={"challenge_token": challenge["challenge_token"], "code": app_code(reader.secret, clock)},
        )
        assert signed.status_code == 200
        stolen_cookie = cookie_of(signed)
    clock.advance(days=2)  # the sign-in is long stale
    async with app_client(make_settings(database_url, refresh_token_expire_days=7), clock) as after:
        refreshed = await refresh_with(after, stolen_cookie)
        assert refreshed.status_code == 200, refreshed.text
        access = refreshed.json()["access_token"]
        turned_off = await after.delete("/auth/mfa/totp", headers=bearer(access))
        assert turned_off.status_code == 403, "two-step sign-in turned off with a 2-day-old session and no proof"
        # turning it off now needs a typed proof whatever the sign-in time: signing out everywhere still takes a
        # recent sign-in alone, so it is what shows a stale session does not count as one
        signed_out = await after.delete("/auth/sessions", headers=bearer(access))
        assert signed_out.status_code == 403, "signed out everywhere with a 2-day-old session and no proof"


# ---------------------------------------------------------------- 9. a ceremony run in a cross-origin iframe


@pytest.mark.parametrize(
    "extra", [{"crossOrigin": True}, {"crossOrigin": True, "topOrigin": "https://attacker.example"}]
)
async def test_a_passkey_assertion_made_in_a_cross_origin_iframe_is_refused(
    client: httpx.AsyncClient, extra: dict[str, Any]
) -> None:
    """LOW (defence in depth). py_webauthn 3.0 parses clientData.crossOrigin but verifies neither it nor topOrigin
    (WebAuthn L3 §7.2 steps 10-11: the RP must check topOrigin is a page it expects to be framed by), and
    passkeys.verify_assertion does not either: a sign-in ceremony run inside an attacker's page framing the site
    (crossOrigin: true, topOrigin: https://attacker.example) is accepted as a full two-factor sign-in."""
    from tests.mfa.helpers import add_passkey, passkey_options

    access = (await signup(client)).json()["access_token"]
    device = SoftAuthenticator()
    await add_passkey(client, access, device)
    client.cookies.clear()
    options = await passkey_options(client)
    answered = await client.post(
        "/auth/passkeys/authenticate", json={"credential": device.get(options, client_data=extra)}
    )
    assert answered.status_code == 401, answered.text


# ---------------------------------------------------------------- 10. a provider whose id is a built-in method


@pytest.mark.parametrize("provider_id", ["signup"])
async def test_an_oidc_provider_named_signup_does_not_skip_the_second_factor(
    database_url: str, clock: FakeClock, provider_id: str
) -> None:
    """LOW-MEDIUM (needs an operator to pick that id; the consequence is a full 2FA bypass). OAUTH_OIDC_PROVIDERS ids
    only have to match ^[a-z0-9][a-z0-9-]{0,31}$, and a provider sign-in hands complete_sign_in Proof(user,
    provider.id). complete_sign_in skips the two-factor challenge (and REQUIRE_VERIFIED_EMAIL) when
    proof.method == "signup" (accounts/signin.py), so every sign-in through a provider configured as id "signup"
    (e.g. a company SSO used for sign-up) skips the reader's second factor: the provider alone is the session."""
    from tests.conftest import app_client, make_settings
    from tests.mfa.helpers import turn_on_totp
    from tests.providers import CLIENT_ID, CLIENT_SECRET, OidcProvider, serving, sign_in_through

    with serving(OidcProvider()) as oidc:
        assert isinstance(oidc, OidcProvider)
        entry = {
            "id": provider_id,
            "name": "Company SSO",
            "issuer": oidc.issuer,
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
        }
        try:
            settings = make_settings(database_url, oauth_oidc_providers=[entry], oauth_http_timeout_seconds=3.0)
        except ValueError:
            return  # a fix may reserve the built-in method names as provider ids: then nothing to attack
        async with app_client(settings, clock) as api:
            first = await sign_in_through(api, provider_id)
            assert first.status_code == 302, first.text
            access = (await api.post("/auth/refresh")).json()["access_token"]
            await turn_on_totp(api, access, clock)
            api.cookies.clear()
            back = await sign_in_through(api, provider_id)
            cookies = back.headers.get_list("set-cookie")
            assert not any(c.startswith("refresh_token=") for c in cookies), "signed in with no second factor"
            assert any(c.startswith("authgate_challenge=") for c in cookies)


# ---------------------------------------------------------------- 11. a provider linked before the second factor


async def test_a_provider_is_not_linked_to_a_two_step_account_before_the_second_factor_passes(
    database_url: str, clock: FakeClock
) -> None:
    """LOW-MEDIUM. oauth/service.py finish(): _account_of() links a new provider identity to the existing account (both
    sides vouch for the address) and commits, and only then does complete_sign_in raise SecondFactorRequired. So for
    a reader with two-step sign-in on, someone who controls the address at a provider adds a permanent way in to
    the account with one factor and abandons the challenge: the link stays (a sign-in method added without the
    second factor). It should be linked only once the challenge passes (or be refused for a two-step reader)."""
    from sqlalchemy import update

    from authgate.accounts.models import User
    from tests.conftest import app_client, make_settings, signup_body
    from tests.mfa.helpers import turn_on_totp
    from tests.providers import CLIENT_ID, CLIENT_SECRET, OidcProvider, serving, sign_in_through

    with serving(OidcProvider()) as oidc:
        assert isinstance(oidc, OidcProvider)
        entry = {"id": "uni", "name": "University", "issuer": oidc.issuer, "client_id": CLIENT_ID}
        settings = make_settings(
            database_url,
            oauth_oidc_providers=[{**entry, "client_secret": CLIENT_SECRET}],
            oauth_http_timeout_seconds=3.0,
        )
        async with app_client(settings, clock) as api:
            signed_up = await api.post("/auth/signup", json=signup_body(oidc.email))
            assert signed_up.status_code == 201
            access = signed_up.json()["access_token"]
            gate = api.app.state.authgate  # type: ignore[attr-defined]
            async with gate.sessions.begin() as db:
                await db.execute(update(User).where(User.email == oidc.email).values(is_verified=True))
            await turn_on_totp(api, access, clock)
            api.cookies.clear()
            back = await sign_in_through(api, "uni")
            assert not any(c.startswith("refresh_token=") for c in back.headers.get_list("set-cookie"))
            # the challenge (if any) is abandoned here
            listed = await api.get("/auth/identities", headers=bearer(access))
            assert listed.status_code == 200
            assert listed.json() == [], "a provider was linked to the account with only one factor"


async def test_new_backup_codes_need_the_password_or_a_code_not_only_a_fresh_sign_in(
    client: httpx.AsyncClient, clock: FakeClock
) -> None:
    """attack pass (HIGH for readers with two-step sign-in on): with an access token stolen minutes after the reader's
    full sign-in, and neither the password nor the phone, the thief asked for new backup codes with an empty body and
    got ten. A backup code is a `code` proof, which every `explicit` route accepts: the thief then added a passkey of
    their own (and could move the account to another address), while the reader's own backup codes stopped
    working. Minting codes must ask what planting a factor asks."""
    reader, stolen = await token_a_minute_after_a_full_sign_in(client, clock)
    minted = await client.post("/auth/mfa/backup-codes", headers=bearer(stolen), json={})
    if minted.status_code == 200:
        code = minted.json()["backup_codes"][0]
        planted = await client.post("/auth/passkeys/register/options", headers=bearer(stolen), json={"code": code})
        assert planted.status_code != 200, "a passkey planted with a backup code minted from the session alone"
    assert minted.status_code == 403, minted.text
    assert minted.json()["code"] == "RECENT_SIGN_IN_REQUIRED"
    # the reader, with a code from the app, still can
    clock.advance(seconds=30)
    own = await client.post(
        "/auth/mfa/backup-codes", headers=bearer(stolen), json={"code": app_code(reader.secret, clock)}
    )
    assert own.status_code == 200, own.text


# ---------------------------------------------------------------- 12. a challenge outliving a sign-out everywhere


@pytest.mark.parametrize("sign_out", ["everywhere", "logout"])
async def test_a_challenge_opened_before_the_reader_signed_out_everywhere_cannot_be_finished_after(
    client: httpx.AsyncClient, clock: FakeClock, sign_out: str
) -> None:
    """LOW-MEDIUM. attack pass: with the reader's stolen password, an attacker opens a sign-in challenge and relays
    (phishes) a code. The reader, seeing the new-sign-in attempt, signs out everywhere (or logs out, which also ends
    every sign-in). Only a reset or a change of password ended open challenges: the attacker's half sign-in, started
    before the sign-out, still completed into a session after it (like the provider connect flow an earlier pass
    closed). A challenge is a sign-in in progress: it must end with the sign-ins."""
    reader = await enrolled_reader(client, clock)
    token = (await password_step(client, reader.email))["challenge_token"]
    client.cookies.clear()
    clock.advance(seconds=5)
    if sign_out == "everywhere":
        ended = await client.request("DELETE", "/auth/sessions", headers=bearer(reader.access))
    else:
        ended = await client.post("/auth/logout", headers=bearer(reader.access))
    assert ended.status_code == 204, ended.text
    clock.advance(seconds=5)
    late = await client.post(
        "/auth/mfa/verify", json={"challenge_token": token, "code": app_code(reader.secret, clock)}
    )
    assert late.status_code == 401, late.text
    assert late.json()["code"] == "CHALLENGE_INVALID"
    # the code was not used up by the refused answer, and a sign-in started after the sign-out works
    fresh = await password_step(client, reader.email)
    signed_in = await client.post(
        "/auth/mfa/verify", json={"challenge_token": fresh["challenge_token"], "code": app_code(reader.secret, clock)}
    )
    assert signed_in.status_code == 200, signed_in.text


async def test_a_sign_out_everywhere_between_the_code_check_and_the_session_wins(
    client: httpx.AsyncClient, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """attack pass (the race of the test above): the sign-out everywhere commits after the code was checked and the
    challenge used up, before the session is written. The session's write is held to the cut-off at the challenge's
    opening, so no session outlives the sign-out."""
    from authgate.mfa import service as mfa_service

    reader = await enrolled_reader(client, clock)
    challenge = await password_step(client, reader.email)
    client.cookies.clear()
    original = mfa_service.complete_sign_in

    async def sign_out_first(*args: Any, **kwargs: Any) -> Any:
        clock.advance(seconds=1)
        ended = await client.request("DELETE", "/auth/sessions", headers=bearer(reader.access))
        assert ended.status_code == 204, ended.text
        clock.advance(seconds=1)
        return await original(*args, **kwargs)

    monkeypatch.setattr(mfa_service, "complete_sign_in", sign_out_first)
    verified = await client.post(
        "/auth/mfa/verify",
        json={"challenge_token": challenge["challenge_token"], "code": app_code(reader.secret, clock)},
    )
    monkeypatch.undo()
    assert verified.status_code == 401, verified.text
    assert "refresh_token" not in verified.cookies


async def test_confirming_a_code_while_the_app_is_already_on_leaves_no_failure_counted(
    client: httpx.AsyncClient, clock: FakeClock, database_url: str
) -> None:
    # attack pass: a confirm answered 409 TWO_FACTOR_ALREADY_ON had counted an attempt before the check and left it
    # counted, though no code was checked: repeated, it ran up the account's failure count, and with it the waits
    # (then the reset requirement) of the reader's sign-ins from any other address
    reader = await enrolled_reader(client, clock)
    for _ in range(8):
        answered = await client.post("/auth/mfa/totp/confirm", headers=bearer(reader.access), json={"code": "000000"})
        assert answered.status_code == 409 and answered.json()["code"] == "TWO_FACTOR_ALREADY_ON", answered.text
    counted = query(database_url, "SELECT failed_login_count FROM users WHERE email = :e", e=reader.email)
    assert counted == [(0,)]
    # and the reader's own password step is answered at once, with a challenge
    await password_step(client, reader.email)


# ---------------------------------------------------------------- 13. a factor taken away with a stolen fresh session


async def test_turning_two_step_sign_in_off_needs_the_password_or_a_code_not_only_a_fresh_sign_in(
    client: httpx.AsyncClient, clock: FakeClock
) -> None:
    """HIGH for readers with two-step sign-in on (found in review, after the backup-codes pass above): with an access
    token stolen minutes after the reader's full sign-in, and neither the password nor the phone, a thief could turn
    two-step sign-in off with an empty body: the password alone then signs in, and the backup codes were gone. Taking
    a factor away weakens the account as much as planting one (ASVS 5.0 V6.2 / V7.5): it asks what adding one asks.
    A reader with no password has a code to give here (two-step sign-in is on), so the recent sign-in alone is never
    the proof of this action."""
    reader, stolen = await token_a_minute_after_a_full_sign_in(client, clock)
    refused = await client.request("DELETE", "/auth/mfa/totp", headers=bearer(stolen), json={})
    assert refused.status_code == 403, refused.text
    assert refused.json()["code"] == "RECENT_SIGN_IN_REQUIRED"
    status = (await client.get("/auth/mfa", headers=bearer(stolen))).json()
    assert status["totp_enabled"] is True and status["backup_codes_remaining"] == 10
    # the reader, with the password, still can
    off = await client.request("DELETE", "/auth/mfa/totp", headers=bearer(stolen), json={"password": PASSWORD})
    assert off.status_code == 204, off.text
    assert (await client.get("/auth/mfa", headers=bearer(stolen))).json()["totp_enabled"] is False


async def test_removing_a_passkey_needs_the_password_or_a_code_not_only_a_fresh_sign_in(
    database_url: str, clock: FakeClock
) -> None:
    """found in review: with an access token stolen minutes after the reader's sign-in, a thief could remove the
    reader's passkeys with an empty body, a way in the reader had, which the thief's own could then outlast. Taking a
    factor away asks what adding one asks (ASVS 5.0 V6.2 / V7.5). A reader with neither a password nor a second factor
    (they arrived through a provider) has nothing to type: a recent sign-in is still their proof."""
    from tests.conftest import app_client, make_settings
    from tests.mfa.helpers import add_passkey
    from tests.providers import CLIENT_ID, CLIENT_SECRET, OidcProvider, serving, sign_in_through

    with serving(OidcProvider()) as oidc:
        assert isinstance(oidc, OidcProvider)
        entry = {"id": "uni", "name": "University", "issuer": oidc.issuer, "client_id": CLIENT_ID}
        settings = make_settings(
            database_url,
            oauth_oidc_providers=[{**entry, "client_secret": CLIENT_SECRET}],
            oauth_http_timeout_seconds=3.0,
        )
        async with app_client(settings, clock) as api:
            stolen = (await signup(api, "keeps-a-passkey@example.com")).json()["access_token"]
            passkey = await add_passkey(api, stolen, SoftAuthenticator())
            clock.advance(minutes=1)
            refused = await api.request("DELETE", f"/auth/passkeys/{passkey['id']}", headers=bearer(stolen), json={})
            assert refused.status_code == 403, refused.text
            assert refused.json()["code"] == "RECENT_SIGN_IN_REQUIRED"
            listed = (await api.get("/auth/passkeys", headers=bearer(stolen))).json()
            assert [p["id"] for p in listed] == [passkey["id"]]
            # the reader, with the password, still can
            own = await api.request(
                "DELETE", f"/auth/passkeys/{passkey['id']}", headers=bearer(stolen), json={"password": PASSWORD}
            )
            assert own.status_code == 204, own.text
            assert (await api.get("/auth/passkeys", headers=bearer(stolen))).json() == []

            # a provider-only reader: no password, no second factor; a sign-in a minute old proves it
            api.cookies.clear()
            await sign_in_through(api, "uni")
            fresh = (await api.post("/auth/refresh")).json()["access_token"]
            options = await api.post("/auth/passkeys/register/options", headers=bearer(fresh), json={})
            assert options.status_code == 200, options.text
            device = SoftAuthenticator()
            added = await api.post(
                "/auth/passkeys/register",
                headers=bearer(fresh),
                json={"credential": device.create(options.json()["options"])},
            )
            assert added.status_code == 201, added.text
            clock.advance(minutes=1)
            removed = await api.request(
                "DELETE", f"/auth/passkeys/{added.json()['id']}", headers=bearer(fresh), json={}
            )
            assert removed.status_code == 204, removed.text
            assert (await api.get("/auth/passkeys", headers=bearer(fresh))).json() == []
