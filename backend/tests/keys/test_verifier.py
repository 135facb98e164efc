"""authgate's verifier in another service's process: tokens checked with the published keys, a rotation followed."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import Depends, FastAPI

from authgate.verifier import JWKSVerifier, access_claims
from tests.conftest import PASSWORD, signup_body
from tests.ports import free_port
from tests.serving import cli_env, run_cli, served

BACKEND = Path(__file__).resolve().parents[2]


@contextmanager
def second_service(jwks_url: str) -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen(  # noqa: S603 - the test's own module
        [
            sys.executable,
            "-m",
            "uvicorn",
            "tests.keys.verifier_service:app",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        cwd=BACKEND,
        env={"AUTHGATE_JWKS_URL": jwks_url, "PATH": "/usr/bin:/bin"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(process.stdout.read() if process.stdout else "the second service exited")
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_a_second_service_verifies_tokens_and_follows_a_rotation(database_url: str) -> None:
    env = cli_env(database_url, JWT_ALGORITHM="EdDSA", JWT_KEY_REFRESH_SECONDS="1")
    assert run_cli("migrate", env=env).returncode == 0
    with served(env) as auth, second_service(f"{auth}/.well-known/jwks.json") as service:
        signed_up = httpx.post(f"{auth}/auth/signup", json=signup_body("chatbot@example.com"))
        token = signed_up.json()["access_token"]
        ok = httpx.get(f"{service}/progress", headers={"Authorization": f"Bearer {token}"})
        assert ok.status_code == 200, ok.text
        assert ok.json()["email"] == "chatbot@example.com"

        tampered = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
        assert httpx.get(f"{service}/progress", headers={"Authorization": f"Bearer {tampered}"}).status_code == 401
        assert httpx.get(f"{service}/progress").status_code == 401

        assert run_cli("keys", "rotate", env=env).returncode == 0
        time.sleep(1.2)  # the served instance reloads its keys within JWT_KEY_REFRESH_SECONDS
        login = httpx.post(f"{auth}/auth/login", json={"email": "chatbot@example.com", "password": PASSWORD})
        fresh = login.json()["access_token"]
        assert fresh.split(".")[0] != token.split(".")[0]  # another kid in the header
        # the second service has never seen that key: it fetches the JWKS again, once, and accepts the token
        again = httpx.get(f"{service}/progress", headers={"Authorization": f"Bearer {fresh}"})
        assert again.status_code == 200, again.text
        # and the old token, signed by the retired key, still passes until it expires
        assert httpx.get(f"{service}/progress", headers={"Authorization": f"Bearer {token}"}).status_code == 200


def test_an_hmac_authgate_token_is_refused_by_the_verifier(database_url: str) -> None:
    env = cli_env(database_url)
    assert run_cli("migrate", env=env).returncode == 0
    with served(env) as auth, second_service(f"{auth}/.well-known/jwks.json") as service:
        token = httpx.post(f"{auth}/auth/signup", json=signup_body("hmac-svc@example.com")).json()["access_token"]
        # nothing is published for an HMAC key, and the verifier never accepts HS256
        assert httpx.get(f"{service}/progress", headers={"Authorization": f"Bearer {token}"}).status_code == 401


# ---------------------------------------------------------------- in process: authgate's JWKS answering badly

A_TOKEN = "eyJhbGciOiJFZERTQSIsImtpZCI6ImsxIiwidHlwIjoiYXQrand0In0.e30.c2ln"  # {"alg":"EdDSA","kid":"k1",...}


def in_process_service(handler: Callable[[httpx.Request], httpx.Response]) -> tuple[httpx.AsyncClient, list[int]]:
    """The second service as an ASGI app whose verifier reaches a fake authgate through `handler`."""
    calls: list[int] = []

    def counted(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        return handler(request)

    verifier = JWKSVerifier(
        "http://auth.test/.well-known/jwks.json",
        issuer="authgate",
        audience="authgate",
        http=httpx.AsyncClient(transport=httpx.MockTransport(counted)),
    )
    app = FastAPI()
    reader = access_claims(verifier)

    @app.get("/progress")
    async def progress(claims: dict[str, Any] = Depends(reader)) -> dict[str, Any]:
        return claims

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    return httpx.AsyncClient(transport=transport, base_url="http://service.test"), calls


@pytest.mark.parametrize(
    "body",
    [
        "<html>the proxy is under maintenance</html>",  # not JSON at all
        json.dumps({"keys": {"k1": {"kty": "OKP"}}}),  # keys not a list
        json.dumps({"keys": "k1"}),
        json.dumps({"keys": [1, None, "k1", ["kty", "OKP"]]}),  # entries that are not objects
    ],
)
async def test_a_jwks_answer_that_is_not_a_key_set_is_a_503_or_401_never_a_500(body: str) -> None:
    service, _ = in_process_service(lambda request: httpx.Response(200, text=body))
    async with service:
        response = await service.get("/progress", headers={"Authorization": f"Bearer {A_TOKEN}"})
    assert response.status_code in (401, 503), response.text


async def test_while_authgate_is_down_requests_do_not_queue_behind_one_fetch_each() -> None:
    # attack pass: with authgate unreachable, every request fetched the key set again, one after another under the
    # verifier's lock (each up to its timeout): N requests waited N timeouts. One failed fetch answers the others.
    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    service, calls = in_process_service(down)
    async with service:
        responses = await asyncio.gather(
            *(service.get("/progress", headers={"Authorization": f"Bearer {A_TOKEN}"}) for _ in range(20))
        )
    assert {r.status_code for r in responses} == {503}
    assert len(calls) == 1
