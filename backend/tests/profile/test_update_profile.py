from __future__ import annotations

import httpx

from tests.conftest import cookie_of, signup


async def test_patch_changes_only_the_fields_sent(client: httpx.AsyncClient) -> None:
    token = (await signup(client, organization="Old Lab")).json()["access_token"]
    response = await client.patch(
        "/auth/me/profile",
        json={"experience_level": "advanced", "professional_role": "other", "role_other": "Roboticist"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200
    profile = response.json()["profile"]
    assert profile["experience_level"] == "advanced"
    assert profile["professional_role"] == "other" and profile["role_other"] == "Roboticist"
    assert profile["organization"] == "Old Lab"
    again = await client.get("/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert again.json()["profile"] == profile


async def test_empty_string_clears_an_optional_field(client: httpx.AsyncClient) -> None:
    token = (await signup(client, organization="Lab")).json()["access_token"]
    response = await client.patch(
        "/auth/me/profile", json={"organization": ""}, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.json()["profile"]["organization"] is None


async def test_the_refresh_cookie_alone_cannot_change_the_profile(client: httpx.AsyncClient) -> None:
    # the refresh cookie proves who is calling only on GET /auth/me, refresh and logout; a change needs the
    # access token (an attack pass changed accounts with a stolen 7-day cookie alone)
    signed_up = await signup(client)
    refresh = cookie_of(signed_up)
    client.cookies.clear()
    response = await client.patch(
        "/auth/me/profile",
        json={"experience_level": "beginner"},
        headers={"cookie": f"refresh_token={refresh}", "origin": "http://localhost:3000"},
    )
    assert response.status_code == 401 and response.json()["code"] == "NOT_AUTHENTICATED"
    with_token = await client.patch(
        "/auth/me/profile",
        json={"experience_level": "beginner"},
        headers={"authorization": f"Bearer {signed_up.json()['access_token']}", "origin": "http://localhost:3000"},
    )
    assert with_token.status_code == 200
    assert with_token.json()["profile"]["experience_level"] == "beginner"


async def test_patch_is_refused_cross_site(client: httpx.AsyncClient) -> None:
    refresh = cookie_of(await signup(client))
    client.cookies.clear()
    response = await client.patch(
        "/auth/me/profile",
        json={"experience_level": "beginner"},
        headers={"cookie": f"refresh_token={refresh}", "origin": "https://evil.example"},
    )
    assert response.status_code == 403


async def test_invalid_patches_are_422(client: httpx.AsyncClient) -> None:
    token = (await signup(client)).json()["access_token"]
    auth = {"Authorization": f"Bearer {token}"}
    for body in (
        {"experience_level": None},
        {"experience_level": "guru"},
        {"is_active": False},
        {"role_other": "x" * 101},
    ):
        response = await client.patch("/auth/me/profile", json=body, headers=auth)
        assert response.status_code == 422, body
        assert isinstance(response.json()["detail"], str)


async def test_patch_requires_authentication(client: httpx.AsyncClient) -> None:
    response = await client.patch("/auth/me/profile", json={"experience_level": "beginner"})
    assert response.status_code == 401
