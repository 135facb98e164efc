"""The README's curl walk-through works as printed: its bash block, run by bash with the real curl against a served
`authgate` (the README's http://127.0.0.1:8000 swapped for the instance's port), signs up, signs in, reads the
profile, refreshes and signs out; the sign-out really ends the session."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import httpx

from tests.ports import free_port
from tests.serving import cli_env, run_cli, served

README = Path(__file__).resolve().parents[2] / "README.md"
HEADING = "## Use it as a standalone service"
README_BASE = "http://127.0.0.1:8000"


def walkthrough() -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index("```bash\n", text.index(HEADING)) + len("```bash\n")
    return text[start : text.index("```", start)]


def run(block: str, base: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    bash = shutil.which("bash")
    assert bash is not None and shutil.which("curl") is not None, "the walk-through needs bash and curl"
    return subprocess.run(  # noqa: S603 - the README's own commands
        [bash, "-euo", "pipefail", "-c", block.replace(README_BASE, base)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_readme_curl_walkthrough_signs_up_in_refreshes_and_out(tmp_path: Path) -> None:
    block = walkthrough()
    assert block.count(README_BASE) == 5  # sign-up, login, me, refresh, logout: all swapped below
    env = cli_env(f"sqlite:///{tmp_path / 'walkthrough.db'}")
    assert run_cli("migrate", env=env).returncode == 0
    port = free_port()
    with served(env, port=port):
        base = f"http://127.0.0.1:{port}"
        # one line added after the block keeps its access token, to check the sign-out from outside
        done = run(block + 'printf %s "$TOKEN" > token.txt\n', base, tmp_path)
        assert done.returncode == 0, done.stderr
        signup, me, refreshed, logout = done.stdout.splitlines()
        assert json.loads(signup)["profile"]["experience_level"] == "beginner"
        assert json.loads(me)["user"]["email"] == "ada@example.com"
        assert json.loads(refreshed)["token_type"] == "bearer"
        assert logout == "204"
        # signed out: the cookie is gone from the jar and the access token is refused
        assert "refresh_token" not in (tmp_path / "cookies.txt").read_text()
        token = (tmp_path / "token.txt").read_text()
        assert token.count(".") == 2
        after = httpx.get(f"{base}/auth/me", headers={"Authorization": f"Bearer {token}"})
        assert (after.status_code, after.json()["code"]) == (401, "INVALID_TOKEN")
        # run again: sign-up is 409 and everything else still works
        again = run(block, base, tmp_path)
        assert again.returncode == 0, again.stderr
        assert json.loads(again.stdout.splitlines()[0])["code"] == "EMAIL_ALREADY_EXISTS"
        assert again.stdout.splitlines()[-1] == "204"
