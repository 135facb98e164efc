from __future__ import annotations

import asyncio
import threading

import httpx
import pytest
from sqlalchemy import create_engine, text

from tests.conftest import PASSWORD, FakeClock, app_client, make_settings, signup, signup_body, sync_url


async def test_signup_returns_tokens_user_profile_and_cookie(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/auth/signup",
        json=signup_body("Test@Example.com", role_other=None, organization="Humanoid Lab"),
    )
    assert response.status_code == 201
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["access_token"].count(".") == 2
    assert body["user"]["email"] == "test@example.com"
    assert body["user"]["is_active"] is True
    assert body["profile"] == body["profile"] | {
        "experience_level": "intermediate",
        "professional_role": "student",
        "organization": "Humanoid Lab",
    }
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("refresh_token=")
    assert "HttpOnly" in cookie and "Path=/auth" in cookie and "SameSite=lax" in cookie
    assert "Max-Age=604800" in cookie
    assert response.headers["cache-control"] == "no-store"


async def test_duplicate_email_is_409_case_insensitively(client: httpx.AsyncClient) -> None:
    await signup(client, "dup@example.com")
    response = await client.post("/auth/signup", json=signup_body("DUP@example.COM"))
    assert response.status_code == 409
    assert response.json() == {"detail": "An account with this email already exists", "code": "EMAIL_ALREADY_EXISTS"}


async def test_enum_values_are_stored_lower_case(client: httpx.AsyncClient, database_url: str) -> None:
    await signup(client, "enum@example.com", experience_level="advanced", professional_role="researcher")
    engine = create_engine(sync_url(database_url))
    with engine.connect() as connection:
        row = connection.execute(
            text("SELECT CAST(experience_level AS VARCHAR), CAST(professional_role AS VARCHAR) FROM user_profiles")
        ).one()
    engine.dispose()
    assert tuple(row) == ("advanced", "researcher")


async def test_password_is_stored_as_argon2id_never_plain(client: httpx.AsyncClient, database_url: str) -> None:
    await signup(client, "hash@example.com")
    engine = create_engine(sync_url(database_url))
    with engine.connect() as connection:
        stored = connection.execute(text("SELECT hashed_password FROM users")).scalar_one()
    engine.dispose()
    assert stored.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert PASSWORD not in stored


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"email": "not-an-email"}, "email"),
        ({"experience_level": "expert"}, "experience_level"),
        ({"professional_role": "astronaut"}, "professional_role"),
        ({"role_other": "x" * 101}, "role_other"),
        ({"organization": "x" * 256}, "organization"),
        ({"password": None}, "password"),
    ],
)
async def test_invalid_fields_are_422_with_readable_detail(
    client: httpx.AsyncClient, overrides: dict[str, object], field: str
) -> None:
    response = await client.post("/auth/signup", json=signup_body(**overrides))
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "VALIDATION_ERROR"
    assert isinstance(body["detail"], str) and field in body["detail"]
    assert any(field in error["loc"] for error in body["errors"])


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("short7!", "at least 8"),
        ("x" * 129, "at most 128"),
        ("password123", "too common"),
    ],
)
async def test_weak_passwords_are_rejected_with_a_reason(client: httpx.AsyncClient, password: str, reason: str) -> None:
    response = await client.post("/auth/signup", json=signup_body(password=password))
    assert response.status_code == 422
    assert response.json()["code"] == "PASSWORD_TOO_WEAK"
    assert reason in response.json()["detail"]


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        # accepted before the attack pass; each is among the first guesses of an online attack
        ("passwordpassword", "repeated"),
        ("textbook123", "name or topic of this site"),
        ("Robotics2026!", "name or topic of this site"),
        ("authgate!!", "name or topic of this site"),
        ("ada.lovelace1815", "your email address"),  # the reader's own local part
        ("lovelace!!", "your email address"),  # a piece of it
        ("analyticalengine99", "your email address"),  # the domain
        ("qwertyuiop", "too common"),  # the shipped list (over 10,000 entries)
    ],
)
async def test_context_words_and_common_passwords_are_refused(
    client: httpx.AsyncClient, password: str, reason: str
) -> None:
    response = await client.post(
        "/auth/signup", json=signup_body("ada.lovelace@analyticalengine.org", password=password)
    )
    assert response.status_code == 422, password
    assert response.json()["code"] == "PASSWORD_TOO_WEAK"
    assert reason in response.json()["detail"], response.json()["detail"]


async def test_the_sites_words_are_configurable(database_url: str, clock: FakeClock) -> None:
    settings = make_settings(database_url, password_context_words=["quadruped", "gearbox"])
    async with app_client(settings, clock) as http:
        refused = await http.post("/auth/signup", json=signup_body(password="Gearbox2026"))
        assert refused.status_code == 422 and refused.json()["code"] == "PASSWORD_TOO_WEAK"
        # the shipped words are replaced, not added to
        assert (await http.post("/auth/signup", json=signup_body(password="Textbook!!2026"))).status_code == 201


async def test_password_equal_to_email_is_rejected(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/auth/signup", json=signup_body("same.as.pw@example.com", password="same.as.pw@example.com")
    )
    assert response.status_code == 422
    assert response.json()["code"] == "PASSWORD_TOO_WEAK"


async def test_nfkc_password_signs_in_with_either_form(client: httpx.AsyncClient) -> None:
    # fullwidth digits normalise to ASCII under NFKC (NIST SP 800-63B)
    await signup(client, "nfkc@example.com", password="Quadruped\uff11\uff12\uff13\uff14")
    response = await client.post("/auth/login", json={"email": "nfkc@example.com", "password": "Quadruped1234"})
    assert response.status_code == 200


async def test_twenty_concurrent_signups_with_one_email_make_one_account(
    client: httpx.AsyncClient, database_url: str
) -> None:
    body = signup_body("race@example.com")
    responses = await asyncio.gather(*(client.post("/auth/signup", json=body) for _ in range(20)))
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201] + [409] * 19
    engine = create_engine(sync_url(database_url))
    with engine.connect() as connection:
        counts = [
            connection.execute(text(f"SELECT COUNT(*) FROM {t}")).scalar_one()
            for t in ("users", "user_profiles", "refresh_tokens")
        ]
    engine.dispose()
    assert counts == [1, 1, 1]


async def test_a_sign_up_whose_hash_no_thread_takes_in_time_is_503_and_writes_nothing(
    database_url: str, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    # one hashing thread, held by the first sign-up: the second waits its queue timeout, is answered 503 with
    # Retry-After (never left waiting for a thread that may not come), is counted as shed, and leaves no account
    from prometheus_client import REGISTRY

    # the timeout holds for every sign-up here: long enough for an idle low-priority thread to wake on a busy CI
    # machine (the first and the last must be taken in time), short next to the 10 s default
    settings = make_settings(database_url, hashing_max_in_flight=1, hashing_queue_timeout_seconds=2.0)
    async with app_client(settings, clock) as http:
        hasher = http.app.state.authgate.hashing.hasher  # type: ignore[attr-defined]
        started, release = threading.Event(), threading.Event()
        original = hasher.hash

        def held(password: str) -> str:
            started.set()
            release.wait(10)
            return original(password)

        monkeypatch.setattr(hasher, "hash", held)
        shed_before = REGISTRY.get_sample_value("authgate_password_hashes_shed_total") or 0.0
        first = asyncio.create_task(http.post("/auth/signup", json=signup_body("first@example.com")))
        try:
            assert await asyncio.to_thread(started.wait, 5)
            shed = await http.post("/auth/signup", json=signup_body("shed@example.com"))
        finally:
            release.set()
        assert (await first).status_code == 201
        assert shed.status_code == 503, shed.text
        assert shed.json()["code"] == "SERVICE_UNAVAILABLE"
        assert shed.headers["retry-after"] == str(settings.db_unavailable_retry_after_seconds)
        assert "set-cookie" not in shed.headers
        assert REGISTRY.get_sample_value("authgate_password_hashes_shed_total") == shed_before + 1
        # nothing of it was written; the address is free for the reader's next try
        retried = await http.post("/auth/signup", json=signup_body("shed@example.com"))
        assert retried.status_code == 201
