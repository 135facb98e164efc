from __future__ import annotations

import base64
import json
import time
import uuid

import httpx
import jwt
import pytest
from sqlalchemy import create_engine, text

from tests.conftest import TEST_SECRET, FakeClock, cookie_of, signup, sync_url

SECRET = TEST_SECRET
# RFC 9068: the header every access token carries (forgeries below carry it too, so each fails for its own reason)
AT = {"typ": "at+jwt"}


def b64(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def claims_for(user_id: str, **overrides: object) -> dict[str, object]:
    now = time.time()
    claims: dict[str, object] = {
        "sub": user_id,
        "iss": "authgate",
        "aud": "authgate",
        "iat": now,
        "exp": int(now) + 600,
        "jti": uuid.uuid4().hex,
    }
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}


async def me(http: httpx.AsyncClient, token: str) -> httpx.Response:
    http.cookies.clear()
    return await http.get("/auth/me", headers={"Authorization": f"Bearer {token}"})


async def test_me_with_a_bearer_token(client: httpx.AsyncClient) -> None:
    body = (await signup(client, "me@example.com", organization="Lab")).json()
    response = await me(client, body["access_token"])
    assert response.status_code == 200
    assert response.json()["user"]["email"] == "me@example.com"
    assert response.json()["profile"]["organization"] == "Lab"
    assert response.headers["cache-control"] == "no-store"


async def test_me_with_only_the_refresh_cookie_is_read_only(client: httpx.AsyncClient) -> None:
    refresh = cookie_of(await signup(client, "cookie@example.com"))
    client.cookies.clear()
    response = await client.get("/auth/me", headers={"cookie": f"refresh_token={refresh}"})
    assert response.status_code == 200
    assert response.json()["user"]["email"] == "cookie@example.com"
    assert "set-cookie" not in response.headers
    # the cookie was not consumed: it still refreshes
    client.cookies.clear()
    assert (await client.post("/auth/refresh", headers={"cookie": f"refresh_token={refresh}"})).status_code == 200


async def test_me_falls_back_to_the_cookie_when_the_bearer_token_expired(
    client: httpx.AsyncClient, clock: FakeClock
) -> None:
    signed_up = await signup(client)
    clock.advance(minutes=31)
    client.cookies.clear()
    response = await client.get(
        "/auth/me",
        headers={
            "Authorization": f"Bearer {signed_up.json()['access_token']}",
            "cookie": f"refresh_token={cookie_of(signed_up)}",
        },
    )
    assert response.status_code == 200


async def test_me_without_credentials_is_401(client: httpx.AsyncClient) -> None:
    response = await client.get("/auth/me")
    assert response.status_code == 401
    assert response.json()["code"] == "NOT_AUTHENTICATED"
    assert response.headers["www-authenticate"] == "Bearer"


async def test_expired_access_token_is_refused(client: httpx.AsyncClient, clock: FakeClock) -> None:
    token = (await signup(client)).json()["access_token"]
    clock.advance(minutes=30, seconds=11)
    response = await me(client, token)
    assert response.status_code == 401
    assert response.json()["code"] == "INVALID_TOKEN"


async def test_access_token_within_leeway_is_accepted(client: httpx.AsyncClient, clock: FakeClock) -> None:
    token = (await signup(client)).json()["access_token"]
    clock.advance(minutes=30, seconds=5)
    assert (await me(client, token)).status_code == 200


def forged_tokens(user_id: str) -> dict[str, str]:
    good = claims_for(user_id)
    header = {"alg": "HS256", "typ": "at+jwt"}
    valid = jwt.encode(good, SECRET, algorithm="HS256", headers=AT)
    head, payload, signature = valid.split(".")
    return {
        "alg_none": f"{b64({'alg': 'none', 'typ': 'JWT'})}.{b64(good)}.",
        "alg_none_with_signature": f"{b64({'alg': 'none'})}.{b64(good)}.{signature}",
        "wrong_key": jwt.encode(good, "another-secret-" + "y" * 40, algorithm="HS256", headers=AT),
        "hs512_header": jwt.encode(good, SECRET, algorithm="HS512", headers=AT),
        "wrong_audience": jwt.encode(claims_for(user_id, aud="other-app"), SECRET, algorithm="HS256", headers=AT),
        "wrong_issuer": jwt.encode(claims_for(user_id, iss="someone-else"), SECRET, algorithm="HS256", headers=AT),
        "no_exp": jwt.encode(claims_for(user_id, exp=None), SECRET, algorithm="HS256", headers=AT),
        "no_jti": jwt.encode(claims_for(user_id, jti=None), SECRET, algorithm="HS256", headers=AT),
        "no_iat": jwt.encode(claims_for(user_id, iat=None), SECRET, algorithm="HS256", headers=AT),
        "expired": jwt.encode(claims_for(user_id, exp=int(time.time()) - 60), SECRET, algorithm="HS256", headers=AT),
        "tampered_payload": f"{head}.{b64(claims_for(str(uuid.uuid4())))}.{signature}",
        "tampered_header": f"{b64(header | {'kid': '../../etc/passwd'})}.{payload}.{signature}",
        "unknown_user": jwt.encode(claims_for(str(uuid.uuid4())), SECRET, algorithm="HS256", headers=AT),
        # RFC 9068: signed with the real key, every claim right, but not typed as an access token
        "no_typ": jwt.encode(good, SECRET, algorithm="HS256", headers={"typ": None}),
        "typ_jwt": jwt.encode(good, SECRET, algorithm="HS256", headers={"typ": "JWT"}),
        "typ_id_token": jwt.encode(good, SECRET, algorithm="HS256", headers={"typ": "id+jwt"}),
        "sub_not_uuid": jwt.encode(claims_for("admin"), SECRET, algorithm="HS256", headers=AT),
        "garbage": "not.a.jwt",
        "empty_segments": "..",
        "huge": "a" * 9000,
    }


@pytest.mark.parametrize("kind", list(forged_tokens(str(uuid.UUID(int=0)))))
async def test_forged_access_tokens_are_refused(client: httpx.AsyncClient, kind: str) -> None:
    user_id = (await signup(client)).json()["user"]["id"]
    response = await me(client, forged_tokens(user_id)[kind])
    assert response.status_code == 401, kind
    assert response.json()["code"] in {"INVALID_TOKEN", "NOT_AUTHENTICATED"}


async def test_a_well_formed_token_made_with_the_real_key_is_accepted(client: httpx.AsyncClient) -> None:
    # the forgery test above would pass vacuously if the app refused everything
    user_id = (await signup(client)).json()["user"]["id"]
    assert (await me(client, jwt.encode(claims_for(user_id), SECRET, algorithm="HS256", headers=AT))).status_code == 200


async def test_suspension_refuses_live_access_tokens(client: httpx.AsyncClient, database_url: str) -> None:
    token = (await signup(client)).json()["access_token"]
    engine = create_engine(sync_url(database_url))
    with engine.begin() as connection:
        connection.execute(text("UPDATE users SET is_active = false"))
    engine.dispose()
    response = await me(client, token)
    assert response.status_code == 403
    assert response.json()["code"] == "ACCOUNT_SUSPENDED"


async def test_tokens_issued_before_tokens_valid_after_are_refused(
    client: httpx.AsyncClient, clock: FakeClock, database_url: str
) -> None:
    old = (await signup(client, "tva@example.com")).json()["access_token"]
    clock.advance(seconds=1)
    engine = create_engine(sync_url(database_url))
    with engine.begin() as connection:
        connection.execute(text("UPDATE users SET tokens_valid_after = :t"), {"t": clock.current})
    engine.dispose()
    assert (await me(client, old)).status_code == 401
    clock.advance(seconds=1)
    fresh = await client.post("/auth/login", json={"email": "tva@example.com", "password": "SecureP@ssw0rd"})
    assert (await me(client, fresh.json()["access_token"])).status_code == 200
