"""Start the real `authgate` command as a subprocess, for tests that need a served instance."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.ports import free_port

AUTHGATE = str(Path(sys.executable).with_name("authgate"))
SECRET = secrets.token_urlsafe(48)


def cli_env(database_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JWT_", "DATABASE_", "CORS_"))}
    env.update({"DATABASE_URL": database_url, "JWT_SECRET_KEY": SECRET}, **extra)
    return env


def run_cli(*args: str, env: dict[str, str], cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own console script
        [AUTHGATE, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=60, check=False
    )


@contextmanager
def served(env: dict[str, str], cwd: Path | None = None, port: int | None = None) -> Iterator[str]:
    # a port chosen beforehand lets a test put the instance's own URL in its settings (AUTH_PUBLIC_URL)
    port = port or free_port()
    process = subprocess.Popen(  # noqa: S603
        [AUTHGATE, "serve", "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
        env=env,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://localhost:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"authgate serve exited: {process.stdout.read() if process.stdout else ''}")
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)
