"""GET /auth/content/{page_id}: a page's members-only blocks, each to the readers its rule (from the artefact the
build wrote, never from the request) admits."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, text

from authgate.settings import Settings
from tests.conftest import FakeClock, app_client, cookie_of, make_settings, signup, sync_url

PAGE = "0123456789abcdef01234567"
OTHER = "fedcba9876543210fedcba98"
SECRET_TEXT = "MEMBERS-SECRET-ADVANCED"


def block(code: str, **rule: Any) -> dict[str, Any]:
    return {"rule": rule, "format": "mdx-function-body", "code": code}


def write_artefact(directory: Path, page: str, blocks: list[dict[str, Any]]) -> None:
    (directory / f"{page}.json").write_text(json.dumps({"version": 1, "page": page, "blocks": blocks}))


@pytest.fixture
def content_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "build-members"
    directory.mkdir()
    write_artefact(
        directory,
        PAGE,
        [
            block("return 'for every member'"),
            block(f"return '{SECRET_TEXT}'", levels=["advanced"]),
            block("return 'researchers and engineers'", roles=["researcher", "engineer"]),
            block("return 'verified only'", verified_email=True),
        ],
    )
    return directory


@pytest.fixture
def settings(database_url: str, content_dir: Path) -> Settings:
    return make_settings(database_url, members_content_dir=str(content_dir))


async def token_for(http: httpx.AsyncClient, **profile: object) -> str:
    response = await signup(http, **profile)
    http.cookies.clear()
    return str(response.json()["access_token"])


async def get(http: httpx.AsyncClient, page: str, token: str | None = None, **headers: str) -> httpx.Response:
    http.cookies.clear()
    if token is not None:
        headers["authorization"] = f"Bearer {token}"
    return await http.get(f"/auth/content/{page}", headers=headers)


def statuses(response: httpx.Response) -> list[str]:
    return [b.get("reason") or b["status"] for b in response.json()["blocks"]]


def assert_private(response: httpx.Response) -> None:
    assert response.headers["cache-control"] == "private, no-store"
    assert "Authorization" in response.headers["vary"]


async def test_each_block_is_filtered_by_its_own_rule_in_one_answer(client: httpx.AsyncClient) -> None:
    token = await token_for(client, experience_level="advanced", professional_role="student")
    response = await get(client, PAGE, token)
    assert response.status_code == 200, response.text
    assert_private(response)
    body = response.json()
    assert body["page"] == PAGE
    assert [b["index"] for b in body["blocks"]] == [0, 1, 2, 3]
    assert statuses(response) == ["admitted", "admitted", "ROLE_NOT_ADMITTED", "EMAIL_NOT_VERIFIED"]
    assert body["blocks"][1]["code"] == f"return '{SECRET_TEXT}'"
    # a denied block names its rule, never its content
    assert body["blocks"][2]["rule"]["roles"] == ["researcher", "engineer"]
    assert "code" not in body["blocks"][2] and "researchers and engineers" not in response.text


async def test_a_reader_of_another_level_never_gets_the_levels_block(client: httpx.AsyncClient) -> None:
    token = await token_for(client, experience_level="beginner", professional_role="researcher")
    response = await get(client, PAGE, token)
    assert statuses(response) == ["admitted", "LEVEL_NOT_ADMITTED", "admitted", "EMAIL_NOT_VERIFIED"]
    assert SECRET_TEXT not in response.text


async def test_a_verified_reader_gets_the_verified_block(client: httpx.AsyncClient, database_url: str) -> None:
    token = await token_for(client, email="verified@example.com", professional_role="engineer")
    engine = create_engine(sync_url(database_url))
    with engine.begin() as connection:
        connection.execute(text("UPDATE users SET is_verified = true WHERE email = 'verified@example.com'"))
    engine.dispose()
    response = await get(client, PAGE, token)
    assert statuses(response) == ["admitted", "LEVEL_NOT_ADMITTED", "admitted", "admitted"]


async def test_no_token_is_401_and_a_forged_token_too(client: httpx.AsyncClient) -> None:
    anonymous = await get(client, PAGE)
    assert anonymous.status_code == 401
    assert anonymous.json()["code"] == "NOT_AUTHENTICATED"
    assert_private(anonymous)
    forged = await get(client, PAGE, "eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.")
    assert forged.status_code == 401
    assert forged.json()["code"] == "INVALID_TOKEN"
    assert SECRET_TEXT not in anonymous.text + forged.text


async def test_the_refresh_cookie_alone_is_not_enough(client: httpx.AsyncClient) -> None:
    cookie = cookie_of(await signup(client))
    response = await get(client, PAGE, cookie=f"refresh_token={cookie}")
    assert response.status_code == 401


async def test_a_suspended_reader_gets_nothing(client: httpx.AsyncClient, database_url: str) -> None:
    token = await token_for(client, experience_level="advanced")
    engine = create_engine(sync_url(database_url))
    with engine.begin() as connection:
        connection.execute(text("UPDATE users SET is_active = false"))
    engine.dispose()
    response = await get(client, PAGE, token)
    assert response.status_code == 403
    assert response.json()["code"] == "ACCOUNT_SUSPENDED"
    assert SECRET_TEXT not in response.text


async def test_a_page_that_admits_none_of_its_blocks_is_403_with_the_reason(
    client: httpx.AsyncClient, content_dir: Path
) -> None:
    write_artefact(
        content_dir, OTHER, [block("return 'a'", levels=["advanced"]), block("return 'b'", levels=["advanced"])]
    )
    token = await token_for(client, experience_level="beginner")
    response = await get(client, OTHER, token)
    assert response.status_code == 403
    assert response.json() == {
        "detail": "This content is for readers of another experience level",
        "code": "LEVEL_NOT_ADMITTED",
    }
    assert_private(response)
    # refused for different reasons: one code for the page
    write_artefact(
        content_dir, OTHER, [block("return 'a'", levels=["advanced"]), block("return 'b'", roles=["engineer"])]
    )
    mixed = await get(client, OTHER, token)
    assert mixed.status_code == 403
    assert mixed.json()["code"] == "CONTENT_NOT_ADMITTED"


async def test_a_reader_without_a_profile_is_refused_profile_blocks(
    client: httpx.AsyncClient, content_dir: Path, database_url: str
) -> None:
    token = await token_for(client, email="noprofile@example.com")
    engine = create_engine(sync_url(database_url))
    with engine.begin() as connection:
        reader = "SELECT id FROM users WHERE email = 'noprofile@example.com'"
        connection.execute(text(f"DELETE FROM user_profiles WHERE user_id IN ({reader})"))
    engine.dispose()
    write_artefact(content_dir, OTHER, [block("return 'x'", roles=["student"])])
    response = await get(client, OTHER, token)
    assert response.status_code == 403
    assert response.json()["code"] == "PROFILE_REQUIRED"
    # a block for every member still opens
    assert statuses(await get(client, PAGE, token))[0] == "admitted"


async def test_the_rule_comes_from_the_artefact_not_the_request(client: httpx.AsyncClient) -> None:
    token = await token_for(client, experience_level="beginner")
    http = client
    http.cookies.clear()
    response = await http.get(
        f"/auth/content/{PAGE}",
        params={"levels": "beginner", "rule": "{}"},
        headers={"authorization": f"Bearer {token}", "x-rule": "signed-in"},
    )
    assert statuses(response)[1] == "LEVEL_NOT_ADMITTED"
    assert SECRET_TEXT not in response.text


async def test_an_unknown_page_is_404(client: httpx.AsyncClient) -> None:
    token = await token_for(client)
    response = await get(client, "ffffffffffffffffffffffff", token)
    assert response.status_code == 404
    assert response.json()["code"] == "CONTENT_NOT_FOUND"
    assert_private(response)


@pytest.mark.parametrize(
    "page",
    [
        "0123456789ABCDEF01234567",  # upper case: not an id the kit makes
        "0123456789abcdef0123456",  # one digit short
        "0123456789abcdef01234567.json",
        "..%2F..%2Fetc%2Fpasswd",
        "%2e%2e%2fsecret",
        "0123456789abcdef01234567%00",
        "....%5C....%5Cwindows",
    ],
)
async def test_a_malformed_page_id_is_refused_before_any_file_is_read(client: httpx.AsyncClient, page: str) -> None:
    token = await token_for(client)
    response = await get(client, page, token)
    assert response.status_code in (404, 422), response.text
    assert response.json()["code"] in ("VALIDATION_ERROR", "NOT_FOUND")


async def test_path_traversal_reaches_no_file_outside_the_folder(
    client: httpx.AsyncClient, content_dir: Path, tmp_path: Path
) -> None:
    # a valid artefact right next to the folder: reachable only through `..`
    write_artefact(tmp_path, OTHER, [block("return 'outside the folder'")])
    token = await token_for(client)
    for path in (
        f"/auth/content/../{OTHER}",
        f"/auth/content/..%2F{OTHER}",
        f"/auth/content/%2E%2E%2F{OTHER}",
        f"/auth/content/..%252F{OTHER}",
    ):
        client.cookies.clear()
        response = await client.get(path, headers={"authorization": f"Bearer {token}"})
        assert response.status_code in (404, 422), (path, response.status_code)
        assert "outside the folder" not in response.text
    # the same file inside the folder is served: the attack fails for the path, not for the file
    write_artefact(content_dir, OTHER, [block("return 'inside'")])
    assert (await get(client, OTHER, token)).json()["blocks"][0]["code"] == "return 'inside'"


async def test_an_artefact_renamed_to_another_page_is_not_served(client: httpx.AsyncClient, content_dir: Path) -> None:
    (content_dir / f"{OTHER}.json").write_text((content_dir / f"{PAGE}.json").read_text())
    token = await token_for(client)
    assert (await get(client, OTHER, token)).status_code == 404


async def test_a_rebuilt_artefact_is_read_again(client: httpx.AsyncClient, content_dir: Path) -> None:
    token = await token_for(client)
    assert statuses(await get(client, PAGE, token))[0] == "admitted"
    write_artefact(content_dir, PAGE, [block("return 'new build, now for advanced readers'", levels=["advanced"])])
    response = await get(client, PAGE, token)
    assert response.status_code == 403


async def test_the_setting_off_serves_no_page(database_url: str, content_dir: Path, clock: FakeClock) -> None:
    async with app_client(make_settings(database_url), clock) as http:
        token = await token_for(http)
        response = await get(http, PAGE, token)
        assert response.status_code == 404
        assert response.json()["code"] == "CONTENT_NOT_FOUND"


async def test_openapi_documents_the_route_and_its_codes(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/openapi.json")).json()
    responses = schema["paths"]["/auth/content/{page_id}"]["get"]["responses"]
    assert {"200", "401", "403", "404", "422"} <= set(responses)
    for code in ("LEVEL_NOT_ADMITTED", "ROLE_NOT_ADMITTED", "PROFILE_REQUIRED", "CONTENT_NOT_ADMITTED"):
        assert code in responses["403"]["description"]
    assert "CONTENT_NOT_FOUND" in responses["404"]["description"]


@pytest.fixture
async def plain_client(database_url: str, clock: FakeClock) -> AsyncIterator[httpx.AsyncClient]:
    async with app_client(make_settings(database_url), clock) as http:
        yield http


async def test_other_routes_keep_their_own_cache_headers(plain_client: httpx.AsyncClient) -> None:
    token = await token_for(plain_client)
    plain_client.cookies.clear()
    me = await plain_client.get("/auth/me", headers={"authorization": f"Bearer {token}"})
    assert me.headers["cache-control"] == "no-store"
