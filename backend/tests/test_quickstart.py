"""The quickstart's curl commands, as written (only the port differs), against a served instance."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from tests.serving import cli_env, run_cli, served


def curl(*args: str, cwd: Path) -> str:
    return subprocess.run(  # noqa: S603
        ["curl", "-s", "-w", "\n%{http_code}", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=30,
        check=True,  # noqa: S607
    ).stdout


def test_quickstart_curl_commands(tmp_path: Path, database_url: str) -> None:
    env = cli_env(database_url)
    run_cli("migrate", env=env)
    with served(env) as base:
        signup = curl(
            "-X",
            "POST",
            f"{base}/auth/signup",
            "-H",
            "Content-Type: application/json",
            "-d",
            '{\n    "email": "test@example.com",\n    "password": "SecureP@ssw0rd",\n'
            '    "experience_level": "intermediate",\n    "professional_role": "student"\n  }',
            cwd=tmp_path,
        )
        body, status = signup.rsplit("\n", 1)
        assert status == "201" and json.loads(body)["token_type"] == "bearer"

        login = curl(
            "-X",
            "POST",
            f"{base}/auth/login",
            "-H",
            "Content-Type: application/json",
            "-d",
            '{"email": "test@example.com", "password": "SecureP@ssw0rd"}',
            "-c",
            "cookies.txt",
            cwd=tmp_path,
        )
        body, status = login.rsplit("\n", 1)
        assert status == "200"
        token = json.loads(body)["access_token"]
        jar = (tmp_path / "cookies.txt").read_text()
        assert "#HttpOnly_localhost" in jar and "refresh_token" in jar

        me = curl(
            "-X", "GET", f"{base}/auth/me", "-H", f"Authorization: Bearer {token}", "-b", "cookies.txt", cwd=tmp_path
        )
        body, status = me.rsplit("\n", 1)
        assert status == "200"
        assert json.loads(body)["user"]["email"] == "test@example.com"
        assert json.loads(body)["profile"]["experience_level"] == "intermediate"
