"""What every response carries, and how every error is answered: {detail, code}, no-store, never plain text."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import create_engine, text

from authgate.accounts import service as accounts_service
from tests.conftest import API, PASSWORD, SITE, FakeClock, app_client, make_settings, signup, signup_body, sync_url

SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "content-security-policy": "frame-ancestors 'none'",
}


def assert_hardened(response: httpx.Response) -> None:
    for name, value in SECURITY_HEADERS.items():
        assert response.headers.get(name) == value, (response.request.url.path, name)
    assert response.headers.get("x-request-id")


async def test_every_response_carries_the_security_headers(client: httpx.AsyncClient) -> None:
    signed_up = await signup(client)
    responses = [
        signed_up,
        await client.get("/auth/me", headers={"authorization": f"Bearer {signed_up.json()['access_token']}"}),
        await client.post("/auth/login", json={"email": "nobody@example.com", "password": "wrong-password"}),
        await client.get("/health"),
        await client.get("/no-such-page"),
        await client.get("/docs"),
        await client.options("/auth/login", headers={"origin": SITE, "access-control-request-method": "POST"}),
    ]
    for response in responses:
        assert_hardened(response)
    # plain http here: no HSTS (it would pin a host that has no https)
    assert all("strict-transport-security" not in r.headers for r in responses)


async def test_hsts_when_the_public_url_is_https(database_url: str, clock: FakeClock) -> None:
    settings = make_settings(database_url, public_url="https://docs.example.org", cookie_secure=True)
    async with app_client(settings, clock) as http:
        for response in (await http.get("/health"), await http.get("/auth/me"), await http.get("/nowhere")):
            assert response.headers["strict-transport-security"] == "max-age=63072000; includeSubDomains"


async def test_the_api_docs_can_be_turned_off(database_url: str, clock: FakeClock) -> None:
    async with app_client(make_settings(database_url, api_docs=False), clock) as http:
        for path in ("/docs", "/redoc", "/openapi.json"):
            response = await http.get(path)
            assert response.status_code == 404 and response.json()["code"] == "NOT_FOUND"
            assert response.headers["cache-control"] == "no-store"
    async with app_client(make_settings(database_url), clock) as http:
        assert (await http.get("/openapi.json")).status_code == 200


async def test_a_request_id_is_echoed_when_plain_and_made_otherwise(client: httpx.AsyncClient) -> None:
    given = await client.get("/health", headers={"x-request-id": "trace-1234.abc"})
    assert given.headers["x-request-id"] == "trace-1234.abc"
    for hostile in ("a" * 500, "line\r\nbreak", "<script>"):
        made = await client.get("/auth/me", headers={"x-request-id": hostile.replace("\r\n", " ")})
        assert made.headers["x-request-id"] != hostile and len(made.headers["x-request-id"]) == 32


@pytest.mark.parametrize(
    "body",
    [
        b'{"email": "a@example.com", "password":',  # cut short
        b"[" * 20000,  # nested past the parser's recursion limit (once answered HTTP_400 without no-store)
        b"\xff\xfe\x00",  # not UTF-8
        b'"just a string"',
        b"null",
    ],
)
async def test_malformed_json_is_a_4xx_with_detail_code_and_no_store(client: httpx.AsyncClient, body: bytes) -> None:
    response = await client.post(
        "/auth/login", content=body[:16000], headers={"content-type": "application/json", "origin": SITE}
    )
    assert 400 <= response.status_code < 500
    assert set(response.json()) >= {"detail", "code"} and isinstance(response.json()["detail"], str)
    assert response.headers["cache-control"] == "no-store"
    assert_hardened(response)


async def test_an_unknown_route_and_a_wrong_method_are_json_with_stable_codes(client: httpx.AsyncClient) -> None:
    missing = await client.get("/auth/nothing-here")
    assert missing.status_code == 404 and missing.json()["code"] == "NOT_FOUND"
    wrong_method = await client.put("/auth/login", json={})
    assert wrong_method.status_code == 405 and wrong_method.json()["code"] == "METHOD_NOT_ALLOWED"
    for response in (missing, wrong_method):
        assert response.headers["cache-control"] == "no-store"


async def test_an_unexpected_error_is_a_json_500_with_the_request_id_in_the_log(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("a bug nobody planned for, mentioning secret-marker-4711")

    monkeypatch.setattr(accounts_service, "login", broken)
    caplog.set_level(logging.ERROR, logger="authgate")
    response = await client.post(
        "/auth/login",
        json={"email": "a@example.com", "password": PASSWORD},
        headers={"x-request-id": "req-500-test"},
    )
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {
        "detail": "Something went wrong on our side; the request id in X-Request-ID helps the operator find it",
        "code": "INTERNAL_ERROR",
    }
    assert "secret-marker-4711" not in response.text
    assert response.headers["x-request-id"] == "req-500-test"
    assert any("req-500-test" in record.getMessage() for record in caplog.records)


async def test_an_unexpected_database_error_is_a_json_500_not_plain_text(postgresql_url: str, clock: FakeClock) -> None:
    # a real database error nobody planned for: a table missing under a running service
    url = postgresql_url
    async with app_client(make_settings(url), clock) as http:
        token = (await signup(http, f"dropped-{uuid.uuid4().hex[:8]}@example.com")).json()["access_token"]
        engine = create_engine(sync_url(url))
        with engine.begin() as connection:
            connection.execute(text("ALTER TABLE security_events RENAME TO security_events_gone"))
        try:
            response = await http.get("/auth/me/export", headers={"authorization": f"Bearer {token}"})
        finally:
            with engine.begin() as connection:
                connection.execute(text("ALTER TABLE security_events_gone RENAME TO security_events"))
            engine.dispose()
    assert response.status_code == 500
    assert response.json()["code"] == "INTERNAL_ERROR"
    assert response.headers["cache-control"] == "no-store"


async def test_the_apis_own_origin_comes_from_settings_not_from_the_host_header(client: httpx.AsyncClient) -> None:
    # before: an Origin equal to scheme://Host passed the CSRF check, and Host is the client's to choose
    response = await client.post("/auth/logout", headers={"origin": "http://evil.example", "host": "evil.example"})
    assert response.status_code == 403 and response.json()["code"] == "ORIGIN_NOT_ALLOWED"
    # the configured API origin (AUTH_PUBLIC_URL) and the site's are trusted
    for origin in (API, SITE):
        assert (await client.post("/auth/logout", headers={"origin": origin})).status_code == 204


async def test_a_refused_cors_preflight_is_json_too(client: httpx.AsyncClient) -> None:
    refused = await client.options(
        "/auth/login", headers={"origin": "http://evil.example", "access-control-request-method": "POST"}
    )
    assert refused.status_code == 400
    assert refused.json() == {"detail": "Cross-site request refused", "code": "ORIGIN_NOT_ALLOWED"}
    assert refused.headers["cache-control"] == "no-store"
    assert_hardened(refused)


async def test_a_body_trickled_in_is_answered_408_not_waited_for(database_url: str, clock: FakeClock) -> None:
    # slowloris: the headers promise a body that arrives a few bytes at a time, or never
    async def trickle() -> AsyncIterator[bytes]:
        yield b'{"email": '
        await asyncio.sleep(30)
        yield b'"a@example.com", "password": "whatever"}'

    async with app_client(make_settings(database_url, body_read_timeout_seconds=0.5), clock) as http:
        response = await asyncio.wait_for(
            http.post(
                "/auth/login",
                content=trickle(),
                headers={"content-type": "application/json", "content-length": "60"},
            ),
            15,
        )
    assert response.status_code == 408
    assert response.json()["code"] == "REQUEST_TIMEOUT" and response.headers["cache-control"] == "no-store"


@pytest.mark.parametrize("field", ["organization", "role_other"])
@pytest.mark.parametrize("value", ["a\u0000b", "line\u0007bell", "\u001b[31mred"])
async def test_control_characters_in_free_text_are_422(client: httpx.AsyncClient, field: str, value: str) -> None:
    # a NUL reached PostgreSQL and answered 500 (text cannot hold it)
    signed_up = await client.post("/auth/signup", json=signup_body(**{field: value}))
    assert signed_up.status_code == 422 and signed_up.json()["code"] == "VALIDATION_ERROR"
    token = (await signup(client)).json()["access_token"]
    patched = await client.patch("/auth/me/profile", json={field: value}, headers={"authorization": f"Bearer {token}"})
    assert patched.status_code == 422 and patched.json()["code"] == "VALIDATION_ERROR"


@pytest.mark.parametrize("before", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"])
async def test_an_events_cursor_outside_what_utc_can_hold_is_422(client: httpx.AsyncClient, before: str) -> None:
    token = (await signup(client)).json()["access_token"]
    response = await client.get(
        "/auth/me/events", params={"before": before}, headers={"authorization": f"Bearer {token}"}
    )
    assert response.status_code == 422 and response.json()["code"] == "VALIDATION_ERROR"


def test_a_lost_database_is_logged_with_the_drivers_exception_name_never_its_message(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # the log says which failure it was (a closed connection, a session the server timed out), not the driver's
    # message, which may quote a statement's values
    import asyncpg
    from sqlalchemy.exc import DBAPIError
    from starlette.requests import Request

    from authgate.routing import database_error_response
    from authgate.settings import Settings

    class AdaptedError(Exception):  # what SQLAlchemy's asyncpg adapter raises, the driver's error as its cause
        pass

    driver = asyncpg.exceptions.ConnectionDoesNotExistError("closed while sending 'reader@example.com'")
    adapted = AdaptedError("closed while sending 'reader@example.com'")
    adapted.__cause__ = driver
    error = DBAPIError("INSERT …", None, adapted, connection_invalidated=True)
    request = Request({"type": "http", "headers": [(b"x-request-id", b"f" * 32)]})
    with caplog.at_level(logging.WARNING, logger="authgate"):
        response = database_error_response(error, request, Settings(_env_file=None, jwt_secret_key="k" * 32))  # type: ignore[call-arg]
    assert response.status_code == 503
    assert caplog.messages == [
        f"database unavailable (SQLSTATE 08003, ConnectionDoesNotExistError) [request {'f' * 32}]"
    ]
