"""authgate's verifier in another service's process: tokens checked with the published keys, a rotation followed."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.conftest import PASSWORD, signup_body
from tests.serving import cli_env, free_port, run_cli, served

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
