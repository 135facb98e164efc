from __future__ import annotations

import uuid

import httpx
import jwt
import pytest

from authgate.sessions import service
from authgate.transport import ClientInfo
from tests.conftest import FakeClock, assert_cookie_cleared, cookie_of, refresh_with, signup


async def test_logout_with_bearer_and_cookie_revokes_and_clears(client: httpx.AsyncClient) -> None:
    signed_up = await signup(client)
    token = signed_up.json()["access_token"]
    response = await client.post("/auth/logout", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 204
    assert_cookie_cleared(response)
    assert (await refresh_with(client, cookie_of(signed_up))).status_code == 401
    # the access token issued before logout is refused at once, not 30 minutes later
    me = await client.get("/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 401


async def test_logout_with_the_cookie_alone(client: httpx.AsyncClient) -> None:
    refresh = cookie_of(await signup(client))
    client.cookies.clear()
    response = await client.post("/auth/logout", headers={"cookie": f"refresh_token={refresh}"})
    assert response.status_code == 204
    assert_cookie_cleared(response)
    assert (await refresh_with(client, refresh)).status_code == 401


async def test_logout_with_an_expired_access_token_and_the_cookie(client: httpx.AsyncClient, clock: FakeClock) -> None:
    signed_up = await signup(client)
    clock.advance(minutes=45)
    client.cookies.clear()
    response = await client.post(
        "/auth/logout",
        headers={
            "Authorization": f"Bearer {signed_up.json()['access_token']}",
            "cookie": f"refresh_token={cookie_of(signed_up)}",
        },
    )
    assert response.status_code == 204
    assert (await refresh_with(client, cookie_of(signed_up))).status_code == 401


async def test_logout_with_nothing_is_an_idempotent_204(client: httpx.AsyncClient) -> None:
    for _ in range(2):
        response = await client.post("/auth/logout")
        assert response.status_code == 204
        assert_cookie_cleared(response)


async def test_logout_revokes_every_session_of_the_reader(client: httpx.AsyncClient) -> None:
    first = await signup(client, "two-devices@example.com")
    second = await client.post("/auth/login", json={"email": "two-devices@example.com", "password": "SecureP@ssw0rd"})
    client.cookies.clear()
    await client.post("/auth/logout", headers={"cookie": f"refresh_token={cookie_of(second)}"})
    assert (await refresh_with(client, cookie_of(first))).status_code == 401


async def test_cross_origin_logout_is_refused(client: httpx.AsyncClient) -> None:
    refresh = cookie_of(await signup(client))
    client.cookies.clear()
    response = await client.post(
        "/auth/logout", headers={"cookie": f"refresh_token={refresh}", "origin": "https://evil.example"}
    )
    assert response.status_code == 403
    assert (await refresh_with(client, refresh)).status_code == 200


async def test_an_old_rotated_cookie_does_not_sign_the_reader_out(client: httpx.AsyncClient) -> None:
    # a stolen cookie that was rotated since names no live session: logout clears it and revokes nothing
    old = cookie_of(await signup(client))
    client.cookies.clear()
    refreshed = await refresh_with(client, old)
    assert refreshed.status_code == 200
    current = cookie_of(refreshed)
    client.cookies.clear()
    response = await client.post("/auth/logout", headers={"cookie": f"refresh_token={old}"})
    assert response.status_code == 204
    client.cookies.clear()
    assert (await refresh_with(client, current)).status_code == 200


async def signed_up_reader(client: httpx.AsyncClient) -> tuple[httpx.Response, object, uuid.UUID]:
    """A new reader: the sign-up's answer, the gate and the reader's id."""
    signed_up = await signup(client)
    gate = client.app.state.authgate  # type: ignore[attr-defined]
    user_id = uuid.UUID(jwt.decode(signed_up.json()["access_token"], options={"verify_signature": False})["sub"])
    return signed_up, gate, user_id


async def assert_signed_out(client: httpx.AsyncClient, answered: httpx.Response) -> None:
    """A refresh that answered 200, yet neither its access token nor its cookie works any more."""
    assert answered.status_code == 200
    me = await client.get("/auth/me", headers={"Authorization": f"Bearer {answered.json()['access_token']}"})
    assert me.status_code == 401
    assert (await refresh_with(client, cookie_of(answered))).status_code == 401


async def test_a_refresh_finishing_around_a_logout_gets_no_access_token_that_outlives_it(
    client: httpx.AsyncClient, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    # attack pass: the refresh's rotation commits, a logout (sign out everywhere) runs to the end, and only then does
    # the refresh mint its access token. "Every access token issued until now" must cover that one too: the refresh
    # happened before the logout, so its access token must not be dated after it.
    signed_up, gate, user_id = await signed_up_reader(client)
    rotate = service.rotate

    async def rotate_then_logout(*args: object, **kwargs: object) -> object:
        result = await rotate(*args, **kwargs)  # type: ignore[arg-type]
        clock.advance(seconds=1)
        await service.sign_out(gate, user_id, ClientInfo())
        clock.advance(seconds=1)
        return result

    monkeypatch.setattr(service, "rotate", rotate_then_logout)
    refreshed = await refresh_with(client, cookie_of(signed_up))
    monkeypatch.undo()
    await assert_signed_out(client, refreshed)


async def test_a_logout_waiting_for_a_refresh_still_ends_the_refresh_s_access_token(
    client: httpx.AsyncClient, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    # attack pass: the logout reads the time, then waits for the reader's row while a refresh holds it; the refresh
    # rotates and mints its access token meanwhile. The cut-off must be taken once the logout holds the row.
    signed_up, gate, user_id = await signed_up_reader(client)
    lock_user = service.lock_user
    raced: list[httpx.Response] = []

    async def refresh_while_waiting(db: object, locked: uuid.UUID) -> bool:
        if not raced:
            raced.append(httpx.Response(0))  # once: the refresh below locks the row too
            clock.advance(seconds=1)
            raced[0] = await refresh_with(client, cookie_of(signed_up))
        return await lock_user(db, locked)  # type: ignore[arg-type]

    monkeypatch.setattr(service, "lock_user", refresh_while_waiting)
    await service.sign_out(gate, user_id, ClientInfo())
    monkeypatch.undo()
    await assert_signed_out(client, raced[0])
