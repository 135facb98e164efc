"""Routes that check the current password are password guesses too: they share the per-IP sign-in limit."""

from __future__ import annotations

import pytest

from tests.conftest import PASSWORD, FakeClock, app_client, make_settings
from tests.devices.conftest import call, signed_up

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
