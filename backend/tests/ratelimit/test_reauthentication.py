"""Routes that check the current password are password guesses too: they share the per-IP sign-in limit."""

from __future__ import annotations

import pytest

from tests.conftest import PASSWORD, FakeClock, app_client, make_settings
from tests.devices.conftest import call, run_sql, signed_up

GUESSES = {
    "/auth/change-password": lambda password: {"current_password": password, "new_password": "Another-Passw0rd-9"},
    "/auth/change-email": lambda password: {"new_email": "moved@example.com", "password": password},
}


@pytest.mark.parametrize("path", list(GUESSES))
async def test_current_password_guesses_hit_the_login_limit(database_url: str, clock: FakeClock, path: str) -> None:
    settings = make_settings(database_url, rate_limit_login_ip="3/minute")
    async with app_client(settings, clock) as http:
        reader = await signed_up(http)
        for _ in range(3):
            guess = await call(http, "POST", path, bearer=reader.access, json=GUESSES[path]("wrong-guess"))
            assert guess.status_code == 401
        # the fourth guess in the minute is refused before any argon2 work, even with the right password
        over = await call(http, "POST", path, bearer=reader.access, json=GUESSES[path](PASSWORD))
        assert over.status_code == 429 and over.json()["code"] == "RATE_LIMITED"
        assert int(over.headers["retry-after"]) > 0


async def test_a_current_password_whose_hash_was_shed_is_not_left_counted(database_url: str, clock: FakeClock) -> None:
    # the re-authentication is reserved (counted) before hashing like a sign-in; shed with 503 it was never checked
    settings = make_settings(database_url, lockout_slowdown_after=10, lockout_reset_required_after=3)
    async with app_client(settings, clock) as http:
        reader = await signed_up(http)
        gate = http.app.state.authgate  # type: ignore[attr-defined]
        verify = gate.hashing.verify_and_update

        async def shed(*_args: object) -> None:
            raise gate._hashing_busy()

        gate.hashing.verify_and_update = shed
        for _ in range(3):
            shed_guess = await call(
                http,
                "POST",
                "/auth/change-password",
                bearer=reader.access,
                json=GUESSES["/auth/change-password"](PASSWORD),
            )
            assert shed_guess.status_code == 503
        gate.hashing.verify_and_update = verify
        rows = run_sql(database_url, "SELECT failed_login_count, password_reset_required FROM users")
        assert [tuple(row) for row in rows] == [(0, False)]
