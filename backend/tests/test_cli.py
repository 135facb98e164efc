from __future__ import annotations

import httpx
import pyotp
import pytest

from authgate.settings import QUICKSTART_PLACEHOLDER_SECRET
from tests.conftest import PASSWORD, FakeClock, app_client, make_settings, signup, signup_body
from tests.mail.smtp import outbox_of
from tests.serving import cli_env, run_cli, served


def test_migrate_then_users_list_suspend_activate(database_url: str) -> None:
    env = cli_env(database_url)
    assert run_cli("migrate", env=env).returncode == 0
    with served(env) as base:
        signed_up = httpx.post(f"{base}/auth/signup", json=signup_body("Cli@Example.com"))
        assert signed_up.status_code == 201
        access = signed_up.json()["access_token"]
        refresh = signed_up.cookies["refresh_token"]

        listed = run_cli("users", "list", env=env)
        assert listed.returncode == 0 and "cli@example.com\tactive" in listed.stdout

        suspended = run_cli("users", "suspend", "CLI@example.com", env=env)
        assert suspended.returncode == 0, suspended.stderr
        # suspension takes effect at once: live access token, refresh cookie and password all refused
        me = httpx.get(f"{base}/auth/me", headers={"Authorization": f"Bearer {access}"})
        assert me.status_code in (401, 403)
        assert httpx.post(f"{base}/auth/refresh", cookies={"refresh_token": refresh}).status_code == 401
        login = httpx.post(f"{base}/auth/login", json={"email": "cli@example.com", "password": PASSWORD})
        assert login.status_code == 403
        assert "suspended" in run_cli("users", "list", env=env).stdout

        assert run_cli("users", "activate", "cli@example.com", env=env).returncode == 0
        login = httpx.post(f"{base}/auth/login", json={"email": "cli@example.com", "password": PASSWORD})
        assert login.status_code == 200


def test_unknown_user_is_a_clear_error(database_url: str) -> None:
    result = run_cli("users", "suspend", "ghost@example.com", env=cli_env(database_url))
    assert result.returncode == 1 and "no user" in result.stderr


@pytest.mark.parametrize("secret", ["", "too-short", QUICKSTART_PLACEHOLDER_SECRET])
def test_serve_refuses_a_weak_secret_and_names_the_fix(tmp_path, secret: str) -> None:  # type: ignore[no-untyped-def]
    env = cli_env(f"sqlite:///{tmp_path / 'x.db'}", JWT_SECRET_KEY=secret)
    result = run_cli("serve", "--port", "1", env=env, cwd=tmp_path)
    assert result.returncode == 2
    assert "JWT_SECRET_KEY" in result.stderr and "secrets.token_urlsafe" in result.stderr
    assert "Traceback" not in result.stderr


def test_serve_refuses_wildcard_cors_with_credentials(tmp_path) -> None:  # type: ignore[no-untyped-def]
    env = cli_env(f"sqlite:///{tmp_path / 'x.db'}", CORS_ORIGINS='["*"]')
    result = run_cli("serve", env=env, cwd=tmp_path)
    assert result.returncode == 2 and "CORS_ORIGINS" in result.stderr and "Traceback" not in result.stderr


def test_reset_2fa_lets_a_reader_who_lost_every_factor_back_in(database_url: str) -> None:
    env = cli_env(database_url)
    assert run_cli("migrate", env=env).returncode == 0
    with served(env) as base:
        access = httpx.post(f"{base}/auth/signup", json=signup_body("Lost@Example.com")).json()["access_token"]
        auth = {"Authorization": f"Bearer {access}"}
        secret = httpx.post(f"{base}/auth/mfa/totp/setup", headers=auth, json={"password": PASSWORD}).json()["secret"]
        code = pyotp.TOTP(secret).now()
        assert httpx.post(f"{base}/auth/mfa/totp/confirm", headers=auth, json={"code": code}).status_code == 200
        login = {"email": "lost@example.com", "password": PASSWORD}
        assert httpx.post(f"{base}/auth/login", json=login).json()["mfa_required"] is True

        reset = run_cli("users", "reset-2fa", "LOST@example.com", env=env)
        assert reset.returncode == 0, reset.stderr
        assert "access_token" in httpx.post(f"{base}/auth/login", json=login).json()
        events = run_cli("users", "events", "lost@example.com", env=env).stdout
        assert "two_factor_reset" in events
    assert run_cli("users", "reset-2fa", "ghost@example.com", env=env).returncode == 1


def test_migrate_goes_to_the_direct_url_never_through_the_pooler(postgresql_url: str) -> None:
    pooled = cli_env("postgresql://app@127.0.0.1:1/pooled", DATABASE_POOLER="pgbouncer")
    refused = run_cli("migrate", env=pooled)
    assert refused.returncode == 2 and "DATABASE_DIRECT_URL" in refused.stderr
    migrated = run_cli("migrate", env={**pooled, "DATABASE_DIRECT_URL": postgresql_url})
    assert migrated.returncode == 0, migrated.stderr


def test_a_served_worker_freezes_what_start_up_made_for_the_garbage_collector(
    monkeypatch: pytest.MonkeyPatch, tmp_path: object
) -> None:
    # `authgate serve`: start-up's objects live as long as the process, and a full collection no longer walks them
    import gc
    import secrets

    from authgate.cli import worker_app

    monkeypatch.setenv("JWT_SECRET_KEY", secrets.token_urlsafe(48))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/frozen.db")
    gc.unfreeze()
    try:
        app = worker_app()
        frozen = gc.get_freeze_count()
        assert frozen > 10_000
        # the app itself is among them: its routes are not tracked for collection any more
        assert not any(route is app.router.routes[0] for route in gc.get_objects())
    finally:
        gc.unfreeze()


def _terminal_controls(text: str) -> list[str]:
    # C0 controls but tab and newline, DEL, and C1 controls (U+0080..U+009F; U+009B is a one-character CSI)
    return [c for c in text if (ord(c) < 0x20 and c not in "\t\n") or 0x7F <= ord(c) <= 0x9F]


async def test_users_events_shows_an_attackers_user_agent_without_its_terminal_controls(
    database_url: str, clock: FakeClock
) -> None:
    # attack pass: anyone can plant a security event on any account (a wrong password for its email) with a
    # User-Agent of their choosing; `authgate users events` printed it raw to the operator's terminal, so escape
    # sequences could erase the lines that show the attacker's address (ESC[1A ESC[2K), retitle the window or, on
    # terminals that honour OSC 52, write the operator's clipboard. ESC reaches the app through h11-based servers
    # and a C1 CSI (byte 0x9b, obs-text) through uvicorn's default httptools parser too
    async with app_client(make_settings(database_url), clock) as http:
        await signup(http, "watched@example.com")
        for agent in (b"\x1b[1A\x1b[2K\x1b]52;c;ZXZpbA==\x07curl", b"x\x9b2Jy\x7f"):
            failed = await http.post(
                "/auth/login",
                headers={"user-agent": agent},
                json={"email": "watched@example.com", "password": "not-the-password-1"},
            )
            assert failed.status_code == 401, failed.text
    shown = run_cli("users", "events", "watched@example.com", env=cli_env(database_url))
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.count("sign_in_failed") == 2
    assert _terminal_controls(shown.stdout) == []


@pytest.mark.parametrize("secret", ["the service's", "another"])
async def test_reset_2fa_leaves_other_readers_mail_in_the_outbox(
    database_url: str, clock: FakeClock, secret: str
) -> None:
    # attack pass: `authgate users reset-2fa` drained the whole outbox from the operator's shell, every reader's due
    # mail and not just its own notice. Run where SMTP_HOST is unset (a laptop with --database-url), each reader's
    # link was "sent" to the operator's terminal and deleted: never delivered, its token in the operator's
    # scrollback. Run with another (valid) JWT_SECRET_KEY, every due mail failed to open and was dropped for good
    settings = make_settings(database_url)
    async with app_client(settings, clock, mail_sender=False) as http:  # mail waits in the outbox, as between polls
        await signup(http, "waiting@example.com")
        await signup(http, "lost-factors@example.com")
    waiting = [row for row in outbox_of(database_url) if row.recipient == "waiting@example.com"]
    assert len(waiting) == 1
    env = cli_env(database_url, SMTP_HOST="")
    if secret == "the service's":
        env["JWT_SECRET_KEY"] = settings.secret
    reset = run_cli("users", "reset-2fa", "lost-factors@example.com", env=env)
    assert reset.returncode == 0, reset.stderr
    assert "waiting@example.com" not in reset.stderr + reset.stdout
    assert [row.id for row in outbox_of(database_url) if row.recipient == "waiting@example.com"] == [waiting[0].id]
