"""A router mounted under a prefix sets its refresh cookie on that prefix, so the browser sends it back."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from authgate import AuthGate, add_exception_handlers, create_auth_router
from authgate.settings import Settings
from tests.conftest import API, PASSWORD, FakeClock, signup_body


def host_app(settings: Settings, clock: FakeClock, prefix: str) -> tuple[FastAPI, AuthGate]:
    app = FastAPI()
    router = create_auth_router(settings, clock=clock)
    app.include_router(router, prefix=prefix)
    add_exception_handlers(app)
    return app, router.gate


async def test_a_router_under_a_prefix_scopes_its_cookie_to_that_prefix(settings: Settings, clock: FakeClock) -> None:
    # before: the cookie stayed on /auth while the routes were /api/auth/…, and every refresh failed
    app, router_gate = host_app(settings, clock, "/api")
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
    async with httpx.AsyncClient(transport=transport, base_url=API) as http:
        try:
            signed_up = await http.post("/api/auth/signup", json=signup_body())
            assert signed_up.status_code == 201
            assert "Path=/api/auth" in signed_up.headers["set-cookie"]
            # the jar sends the cookie back only to paths under /api/auth, as a browser does
            refreshed = await http.post("/api/auth/refresh")
            assert refreshed.status_code == 200 and "Path=/api/auth" in refreshed.headers["set-cookie"]
            me = await http.get("/api/auth/me")
            assert me.status_code == 200
            email = me.json()["user"]["email"]
            http.cookies.clear()
            login = await http.post("/api/auth/login", json={"email": email, "password": PASSWORD})
            assert "Path=/api/auth" in login.headers["set-cookie"]
            logout = await http.post("/api/auth/logout")
            assert logout.status_code == 204 and "Path=/api/auth" in logout.headers["set-cookie"]
        finally:
            await router_gate.dispose()


async def test_without_a_prefix_the_cookie_stays_on_auth(settings: Settings, clock: FakeClock) -> None:
    app, router_gate = host_app(settings, clock, "")
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
    async with httpx.AsyncClient(transport=transport, base_url=API) as http:
        try:
            signed_up = await http.post("/auth/signup", json=signup_body())
            assert "Path=/auth;" in signed_up.headers["set-cookie"]
        finally:
            await router_gate.dispose()
