"""DELETE /auth/sessions/{id} and DELETE /auth/sessions: only the caller's sign-ins, effective at once."""

from __future__ import annotations

import uuid

import httpx

from tests.conftest import PASSWORD, SITE, FakeClock, assert_cookie_cleared
from tests.devices.conftest import SignedIn, call, login, signed_up


async def session_ids(http: httpx.AsyncClient, reader: SignedIn) -> dict[str, str]:
    listed = await call(http, "GET", "/auth/sessions", bearer=reader.access, cookie=reader.cookie)
    assert listed.status_code == 200, listed.text
    return {s["user_agent"]: s["id"] for s in listed.json()}


async def events_of(http: httpx.AsyncClient, access: str) -> list[str]:
    listed = await call(http, "GET", "/auth/me/events", bearer=access)
    assert listed.status_code == 200, listed.text
    return [e["type"] for e in listed.json()]


async def test_revoking_one_sign_in_ends_only_that_one(client: httpx.AsyncClient) -> None:
    kept = await signed_up(client, "two@example.com", agent="kept")
    ended = await login(client, "two@example.com", agent="ended")
    ids = await session_ids(client, kept)

    response = await call(
        client,
        "DELETE",
        f"/auth/sessions/{ids['ended']}",
        bearer=kept.access,
        cookie=kept.cookie,
        headers={"origin": SITE},
    )
    assert response.status_code == 204
    assert "set-cookie" not in response.headers  # not this browser's session: its cookie stays

    refused = await call(client, "POST", "/auth/refresh", cookie=ended.cookie)
    assert refused.status_code == 401
    assert (await call(client, "POST", "/auth/refresh", cookie=kept.cookie)).status_code == 200
    assert "session_revoked" in await events_of(client, kept.access)


async def test_another_readers_session_id_is_not_found_and_their_session_lives_on(
    client: httpx.AsyncClient,
) -> None:
    attacker = await signed_up(client, agent="attacker")
    victim = await signed_up(client, agent="victim")
    victim_id = (await session_ids(client, victim))["victim"]

    response = await call(client, "DELETE", f"/auth/sessions/{victim_id}", bearer=attacker.access)
    assert response.status_code == 404
    assert response.json() == {"detail": "No such session", "code": "SESSION_NOT_FOUND"}
    # the same answer as for an id that does not exist at all, or is not even an id: nothing is revealed
    for unknown in (str(uuid.uuid4()), "not-a-uuid"):
        response = await call(client, "DELETE", f"/auth/sessions/{unknown}", bearer=attacker.access)
        assert response.status_code == 404 and response.json()["code"] == "SESSION_NOT_FOUND"

    assert (await call(client, "POST", "/auth/refresh", cookie=victim.cookie)).status_code == 200
    assert "session_revoked" not in await events_of(client, victim.access)


async def test_a_revoked_sessions_refresh_token_is_refused(client: httpx.AsyncClient) -> None:
    reader = await signed_up(client, agent="only")
    other_device = await login(client, reader.email, agent="other")
    ids = await session_ids(client, reader)
    assert (await call(client, "DELETE", f"/auth/sessions/{ids['other']}", bearer=reader.access)).status_code == 204
    refused = await call(client, "POST", "/auth/refresh", cookie=other_device.cookie)
    assert refused.status_code == 401
    assert_cookie_cleared(refused)
    # ending it twice: it is no longer a live session of the reader
    again = await call(client, "DELETE", f"/auth/sessions/{ids['other']}", bearer=reader.access)
    assert again.status_code == 404


async def test_revoking_this_browsers_own_session_clears_its_cookie(client: httpx.AsyncClient) -> None:
    reader = await signed_up(client, agent="here")
    own = (await session_ids(client, reader))["here"]
    response = await call(client, "DELETE", f"/auth/sessions/{own}", bearer=reader.access, cookie=reader.cookie)
    assert response.status_code == 204
    assert_cookie_cleared(response)
    assert (await call(client, "POST", "/auth/refresh", cookie=reader.cookie)).status_code == 401


async def test_cross_site_revocation_is_refused(client: httpx.AsyncClient) -> None:
    reader = await signed_up(client, agent="victim")
    own = (await session_ids(client, reader))["victim"]
    for headers in ({"origin": "https://evil.example"}, {"sec-fetch-site": "cross-site"}):
        for url in (f"/auth/sessions/{own}", "/auth/sessions"):
            response = await call(client, "DELETE", url, bearer=reader.access, cookie=reader.cookie, headers=headers)
            assert response.status_code == 403 and response.json()["code"] == "ORIGIN_NOT_ALLOWED"
    assert (await call(client, "POST", "/auth/refresh", cookie=reader.cookie)).status_code == 200


async def test_sign_out_everywhere_kills_every_refresh_and_access_token(
    client: httpx.AsyncClient, clock: FakeClock
) -> None:
    first = await signed_up(client, "everywhere@example.com", agent="one")
    second = await login(client, "everywhere@example.com", agent="two")
    bystander = await signed_up(client, agent="bystander")
    clock.advance(seconds=1)

    response = await call(
        client, "DELETE", "/auth/sessions", bearer=second.access, cookie=second.cookie, headers={"origin": SITE}
    )
    assert response.status_code == 204
    assert_cookie_cleared(response)

    for signed_in in (first, second):
        assert (await call(client, "POST", "/auth/refresh", cookie=signed_in.cookie)).status_code == 401
        # access tokens still inside their 30 minutes are refused at once (tokens_valid_after)
        me = await call(client, "GET", "/auth/me", bearer=signed_in.access)
        assert me.status_code == 401
    # somebody else's sessions are untouched
    assert (await call(client, "GET", "/auth/me", bearer=bystander.access)).status_code == 200
    assert (await call(client, "POST", "/auth/refresh", cookie=bystander.cookie)).status_code == 200

    clock.advance(seconds=1)
    again = await login(client, "everywhere@example.com", agent="back")
    assert "signed_out_everywhere" in await events_of(client, again.access)
    assert list(await session_ids(client, again)) == ["back"]


async def test_revocation_needs_a_signed_in_reader(client: httpx.AsyncClient) -> None:
    assert (await call(client, "DELETE", "/auth/sessions")).status_code == 401
    assert (await call(client, "DELETE", f"/auth/sessions/{uuid.uuid4()}")).status_code == 401


async def test_a_stolen_refresh_cookie_alone_cannot_end_sessions(client: httpx.AsyncClient) -> None:
    # the refresh cookie proves who is calling only on /auth/me (read-only), refresh and logout
    reader = await signed_up(client, agent="victim")
    own = (await session_ids(client, reader))["victim"]
    for url in (f"/auth/sessions/{own}", "/auth/sessions"):
        response = await call(client, "DELETE", url, cookie=reader.cookie, headers={"origin": SITE})
        assert response.status_code == 401 and response.json()["code"] == "NOT_AUTHENTICATED"
    assert (await call(client, "POST", "/auth/refresh", cookie=reader.cookie)).status_code == 200


async def test_ending_sessions_with_a_stale_sign_in_needs_a_proof(client: httpx.AsyncClient, clock: FakeClock) -> None:
    # a stolen session an hour old cannot sign the reader out everywhere (or end their sign-ins one by one)
    reader = await signed_up(client, "stale@example.com", agent="old")
    other = await login(client, "stale@example.com", agent="other")
    ids = await session_ids(client, reader)
    clock.advance(minutes=11)
    one = await call(client, "DELETE", f"/auth/sessions/{ids['other']}", bearer=reader.access)
    assert one.status_code == 403 and one.json()["code"] == "RECENT_SIGN_IN_REQUIRED"
    everywhere = await call(client, "DELETE", "/auth/sessions", bearer=reader.access)
    assert everywhere.status_code == 403 and everywhere.json()["code"] == "RECENT_SIGN_IN_REQUIRED"
    client.cookies.clear()
    assert (await client.post("/auth/refresh", headers={"cookie": f"refresh_token={other.cookie}"})).status_code == 200
    proved = await client.request(
        "DELETE", "/auth/sessions", headers={"Authorization": f"Bearer {reader.access}"}, json={"password": PASSWORD}
    )
    assert proved.status_code == 204
