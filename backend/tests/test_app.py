from __future__ import annotations

import httpx

from tests.conftest import SITE, signup_body


async def test_body_above_the_cap_is_413(client: httpx.AsyncClient) -> None:
    body = signup_body(organization="x" * 20_000)
    response = await client.post("/auth/signup", json=body)
    assert response.status_code == 413
    assert response.json()["code"] == "PAYLOAD_TOO_LARGE"


async def test_chunked_body_above_the_cap_is_413(client: httpx.AsyncClient) -> None:
    async def chunks():  # type: ignore[no-untyped-def]
        for _ in range(40):
            yield b"x" * 1024

    response = await client.post("/auth/login", content=chunks(), headers={"content-type": "application/json"})
    assert response.status_code == 413


async def test_non_json_body_is_415(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/auth/login", content="email=a@b.c&password=x", headers={"content-type": "application/x-www-form-urlencoded"}
    )
    assert response.status_code == 415
    assert response.json() == {"detail": "Request body must be application/json", "code": "UNSUPPORTED_MEDIA_TYPE"}


async def test_malformed_json_is_422_not_500(client: httpx.AsyncClient) -> None:
    response = await client.post("/auth/login", content="{not json", headers={"content-type": "application/json"})
    assert response.status_code == 422
    assert response.json()["code"] == "VALIDATION_ERROR"


async def test_unknown_route_has_the_error_shape(client: httpx.AsyncClient) -> None:
    response = await client.get("/auth/nope")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not Found", "code": "NOT_FOUND"}


async def test_cors_preflight_allows_the_site_with_credentials(client: httpx.AsyncClient) -> None:
    response = await client.options(
        "/auth/login",
        headers={
            "origin": SITE,
            "access-control-request-method": "POST",
            "access-control-request-headers": "content-type",
        },
    )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == SITE
    assert response.headers["access-control-allow-credentials"] == "true"


async def test_cors_does_not_reflect_other_origins(client: httpx.AsyncClient) -> None:
    response = await client.get("/auth/me", headers={"origin": "https://evil.example"})
    assert "access-control-allow-origin" not in response.headers


async def test_openapi_lists_every_route_with_its_errors(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/openapi.json")).json()
    expected = {
        ("/auth/signup", "post"): {"201", "409", "422", "413", "415", "403", "503"},
        ("/auth/login", "post"): {"200", "401", "403", "422", "413", "415", "503"},
        ("/auth/refresh", "post"): {"200", "401", "403"},
        ("/auth/logout", "post"): {"204", "403"},
        ("/auth/me", "get"): {"200", "401", "403", "503"},
        ("/auth/me/profile", "patch"): {"200", "401", "403", "422"},
    }
    for (path, method), statuses in expected.items():
        responses = schema["paths"][path][method]["responses"]
        assert statuses <= set(responses), (path, set(responses))
    assert "ErrorBody" in schema["components"]["schemas"]
    assert "EMAIL_ALREADY_EXISTS" in str(schema["components"]["schemas"]["ErrorCode"])
    assert (await client.get("/docs")).status_code == 200


async def test_no_secret_or_password_in_logs(client: httpx.AsyncClient, caplog) -> None:  # type: ignore[no-untyped-def]
    caplog.set_level("DEBUG")
    body = signup_body("logs@example.com")
    signed_up = await client.post("/auth/signup", json=body)
    await client.post("/auth/login", json={"email": "logs@example.com", "password": "Wrong-password-1"})
    text = caplog.text
    assert body["password"] not in text and "Wrong-password-1" not in text
    assert signed_up.json()["access_token"] not in text
    assert signed_up.cookies.get("refresh_token", "") not in text or not signed_up.cookies.get("refresh_token")
