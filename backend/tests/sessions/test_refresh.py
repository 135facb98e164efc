from __future__ import annotations

import asyncio

import httpx
import jwt
import pytest
from sqlalchemy import create_engine, text

from tests.conftest import API, SITE, FakeClock, app_client, cookie_of, make_settings, refresh_with, signup, sync_url


async def test_refresh_rotates_the_cookie_and_returns_a_new_access_token(client: httpx.AsyncClient) -> None:
    first = cookie_of(await signup(client))
    response = await refresh_with(client, first)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"access_token", "token_type", "expires_in"} and body["token_type"] == "bearer"
    second = cookie_of(response)
    assert second != first
    me = await client.get("/auth/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200


async def test_refresh_without_cookie_is_401(client: httpx.AsyncClient) -> None:
    response = await client.post("/auth/refresh")
    assert response.status_code == 401
    assert response.json()["code"] == "REFRESH_TOKEN_INVALID"


async def test_unknown_refresh_token_is_401_and_clears_the_cookie(client: httpx.AsyncClient) -> None:
    response = await refresh_with(client, "made-up-token")
    assert response.status_code == 401
    assert 'refresh_token=""' in response.headers["set-cookie"] and "Max-Age=0" in response.headers["set-cookie"]


async def test_only_the_hash_of_the_refresh_token_is_stored(client: httpx.AsyncClient, database_url: str) -> None:
    token = cookie_of(await signup(client))
    engine = create_engine(sync_url(database_url))
    with engine.connect() as connection:
        stored = connection.execute(text("SELECT token_hash FROM refresh_tokens")).scalar_one()
        dump = " ".join(str(v) for v in connection.execute(text("SELECT * FROM refresh_tokens")).one())
    engine.dispose()
    assert token not in dump
    assert len(stored) == 64 and stored != token


async def test_replaying_a_rotated_token_after_grace_revokes_the_family(
    client: httpx.AsyncClient, clock: FakeClock
) -> None:
    first = cookie_of(await signup(client))
    second = cookie_of(await refresh_with(client, first))
    clock.advance(seconds=11)
    replay = await refresh_with(client, first)
    assert replay.status_code == 401
    assert replay.json()["code"] == "REFRESH_TOKEN_REUSED"
    # the attacker's replay killed the legitimate successor too (RFC 9700 §4.14.2)
    after = await refresh_with(client, second)
    assert after.status_code == 401


async def test_replay_within_grace_returns_the_same_successor(client: httpx.AsyncClient, clock: FakeClock) -> None:
    first = cookie_of(await signup(client))
    a = await refresh_with(client, first)
    clock.advance(seconds=5)
    b = await refresh_with(client, first)
    assert a.status_code == b.status_code == 200
    assert cookie_of(a) == cookie_of(b)
    assert (await refresh_with(client, cookie_of(b))).status_code == 200


async def test_grace_follows_a_successor_that_was_rotated_again(client: httpx.AsyncClient, clock: FakeClock) -> None:
    first = cookie_of(await signup(client))
    second = cookie_of(await refresh_with(client, first))
    third = cookie_of(await refresh_with(client, second))
    clock.advance(seconds=2)
    late_tab = await refresh_with(client, first)
    assert late_tab.status_code == 200
    assert cookie_of(late_tab) == third


@pytest.mark.parametrize("grace", [0, 10])
async def test_twenty_way_refresh_race(database_url: str, clock: FakeClock, grace: int) -> None:
    settings = make_settings(database_url, refresh_reuse_grace_seconds=grace)
    async with app_client(settings, clock) as http:
        token = cookie_of(await signup(http))
        http.cookies.clear()
        responses = await asyncio.gather(
            *(http.post("/auth/refresh", headers={"cookie": f"refresh_token={token}"}) for _ in range(20))
        )
        statuses = [r.status_code for r in responses]
        if grace:
            # two tabs at once must not sign the reader out: every racer gets the same successor
            assert statuses == [200] * 20
            assert len({cookie_of(r) for r in responses}) == 1
            assert (await refresh_with(http, cookie_of(responses[0]))).status_code == 200
        else:
            assert statuses.count(200) == 1 and statuses.count(401) == 19
            winner = next(r for r in responses if r.status_code == 200)
            # strict mode: the replays revoked the family, the winner's successor included
            assert (await refresh_with(http, cookie_of(winner))).status_code == 401


async def test_rotation_never_extends_the_lifetime_set_at_sign_in(client: httpx.AsyncClient, clock: FakeClock) -> None:
    token = cookie_of(await signup(client))
    for _ in range(3):
        clock.advance(days=3)
        response = await refresh_with(client, token)
        if response.status_code != 200:
            break
        max_age = int(response.headers["set-cookie"].split("Max-Age=")[1].split(";")[0])
        assert max_age <= 7 * 86400 - 3 * 86400 + 1
        token = cookie_of(response)
    # day 9 > 7 days after sign-in: the family has expired whatever the rotations
    assert response.status_code == 401


async def test_expired_refresh_token_is_refused(client: httpx.AsyncClient, clock: FakeClock) -> None:
    token = cookie_of(await signup(client))
    clock.advance(days=7, seconds=1)
    assert (await refresh_with(client, token)).status_code == 401


async def test_cross_origin_refresh_is_refused(client: httpx.AsyncClient) -> None:
    token = cookie_of(await signup(client))
    evil = await refresh_with(client, token, origin="https://evil.example")
    assert evil.status_code == 403
    assert evil.json()["code"] == "ORIGIN_NOT_ALLOWED"
    cross_site = await refresh_with(client, token, **{"sec-fetch-site": "cross-site"})
    assert cross_site.status_code == 403
    # the refused requests did not consume the token; the quickstart's client (allowed origin) still works
    allowed = await refresh_with(client, token, origin=SITE, **{"sec-fetch-site": "same-site"})
    assert allowed.status_code == 200
    same_origin = await refresh_with(client, cookie_of(allowed), origin=API)
    assert same_origin.status_code == 200


async def test_access_tokens_carry_the_time_of_the_sign_in_through_refreshes(
    client: httpx.AsyncClient, clock: FakeClock
) -> None:
    # OpenID Connect's auth_time: when the reader last proved who they are (a refresh is not a proof)
    signed_up = await signup(client)
    first = jwt.decode(signed_up.json()["access_token"], options={"verify_signature": False})
    clock.advance(minutes=40)
    refreshed = await refresh_with(client, cookie_of(signed_up))
    later = jwt.decode(refreshed.json()["access_token"], options={"verify_signature": False})
    assert later["auth_time"] == first["auth_time"] and later["iat"] > first["iat"]
    assert abs(first["auth_time"] - first["iat"]) <= 1
