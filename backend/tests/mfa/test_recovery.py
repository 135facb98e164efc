"""A reset password does not turn off a second factor turned on once the address was proven (one turned on before is
recovery/service.py's pre-account takeover case, tests/recovery); it ends the sign-ins half done with the old
password."""

from __future__ import annotations

import httpx

from tests.conftest import FakeClock, signup
from tests.mail.smtp import Inbox, drain
from tests.mfa.helpers import app_code, enrolled_reader, password_step, turn_on_totp

NEW_PASSWORD = "Brand-new-passphrase-42"


async def test_a_reset_keeps_the_second_factor_and_ends_open_challenges(
    mail_client: httpx.AsyncClient, inbox: Inbox, clock: FakeClock
) -> None:
    email = "verified-two-step@example.com"
    access = (await signup(mail_client, email)).json()["access_token"]
    await drain(mail_client)
    verify = inbox.token(email, "Verify your email address")
    assert (await mail_client.post("/auth/verify-email", json={"token": verify})).status_code == 200
    clock.advance(seconds=1)
    secret, _ = await turn_on_totp(mail_client, access, clock)
    open_challenge = (await password_step(mail_client, email))["challenge_token"]
    assert (await mail_client.post("/auth/forgot-password", json={"email": email})).status_code == 202
    await drain(mail_client)
    token = inbox.token(email, "Reset your password")
    reset = await mail_client.post("/auth/reset-password", json={"token": token, "new_password": NEW_PASSWORD})
    assert reset.status_code == 200
    clock.advance(seconds=1)

    stale = await mail_client.post(
        "/auth/mfa/verify", json={"challenge_token": open_challenge, "code": app_code(secret, clock)}
    )
    assert stale.json()["code"] == "CHALLENGE_INVALID"
    mail_client.cookies.clear()
    again = await mail_client.post("/auth/login", json={"email": email, "password": NEW_PASSWORD})
    assert again.json()["mfa_required"] is True


async def test_every_change_of_a_factor_is_mailed(
    mail_client: httpx.AsyncClient, inbox: Inbox, clock: FakeClock
) -> None:
    reader = await enrolled_reader(mail_client, clock)
    await drain(mail_client)
    subjects = [m["Subject"] for m in inbox.messages if m["To"] == reader.email]
    assert "Your sign-in security changed" in subjects
