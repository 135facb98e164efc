"""`authgate serve | migrate | cleanup | doctor | keys … | users list|suspend|activate|reset-2fa|events`."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
from collections.abc import Sequence
from typing import Any

from authgate.observability import MULTIPROCESS_ENV, configure_logging
from authgate.settings import ConfigurationError, Settings


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.run is _doctor:
        # checks a deployment from the outside: this machine's own settings play no part
        return int(_doctor(args))
    try:
        settings = Settings()
        if args.database_url:
            settings = settings.model_copy(update={"database_url": args.database_url})
        return int(args.run(settings, args) or 0)
    except ConfigurationError as error:
        # the message names settings and fixes, never a value (Settings converts pydantic's errors)
        print(f"authgate: invalid configuration: {error}", file=sys.stderr)
        return 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="authgate", description="authgate auth service")
    parser.add_argument("--database-url", help="overrides DATABASE_URL")
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help="serve the API with uvicorn")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.add_argument("--log-level", default="info")
    serve.set_defaults(run=_serve)

    migrate = commands.add_parser("migrate", help="upgrade the database to the newest schema")
    migrate.add_argument("revision", nargs="?", default="head")
    migrate.set_defaults(run=_migrate)

    users = commands.add_parser("users", help="list, suspend or activate users").add_subparsers(
        required=True, metavar="ACTION"
    )
    listing = users.add_parser("list", help="list users")
    listing.add_argument("--limit", type=int, default=100)
    listing.set_defaults(run=_users_list)
    for action, func in (("suspend", _users_suspend), ("activate", _users_activate)):
        sub = users.add_parser(action, help=f"{action} a user (suspension also revokes every session)")
        sub.add_argument("email")
        sub.set_defaults(run=func)
    reset_2fa = users.add_parser(
        "reset-2fa", help="remove a user's authenticator app, backup codes and passkeys (they lost every factor)"
    )
    reset_2fa.add_argument("email")
    reset_2fa.set_defaults(run=_users_reset_2fa)
    events = users.add_parser("events", help="a user's security events, newest first")
    events.add_argument("email")
    events.add_argument("--limit", type=int, default=50)
    events.set_defaults(run=_users_events)

    keys = commands.add_parser("keys", help="signing key pairs (JWT_ALGORITHM EdDSA, ES256, RS256)").add_subparsers(
        required=True, metavar="ACTION"
    )
    for action, text in (
        ("generate", "make the first key pair, if there is none"),
        ("rotate", "a new key signs from now on; the old ones stay published until their tokens expire"),
        ("list", "the keys: kid, algorithm, status, created, retired"),
    ):
        keys.add_parser(action, help=text).set_defaults(run=_keys, action=action)

    cleanup = commands.add_parser("cleanup", help="purge expired sessions, spent one-time tokens and expired mail")
    cleanup.set_defaults(run=_cleanup)

    doctor = commands.add_parser(
        "doctor",
        help="check a live deployment from the site's point of view",
        description="Checks CORS, the refresh cookie, HTTPS, the clock, the JWKS, readiness, proxy headers and "
        "optionally SMTP of a running authgate, as the site at --site sees it. Exit status 1 when a check fails.",
    )
    doctor.add_argument("url", help="the API's public base URL, e.g. https://api.example.org")
    doctor.add_argument("--site", required=True, help="the site's origin, e.g. https://docs.example.org")
    doctor.add_argument(
        "--email", help="a test account: sign in to check the real refresh cookie (that session is ended after)"
    )
    doctor.add_argument("--password", help="the test account's password (or AUTHGATE_DOCTOR_PASSWORD)")
    doctor.add_argument("--smtp", metavar="HOST:PORT", help="also check the mail server: TCP, EHLO, STARTTLS")
    doctor.add_argument("--timeout", type=float, default=5.0, help="seconds per request (default 5)")
    doctor.add_argument("--json", action="store_true", help="one JSON document instead of text")
    doctor.set_defaults(run=_doctor)
    return parser


def _serve(settings: Settings, args: argparse.Namespace) -> int:
    import uvicorn

    settings.check_secret()
    # uvicorn's access log writes query strings (an OAuth callback's code); ours writes route templates
    common: dict[str, object] = {
        "host": args.host,
        "port": args.port,
        "log_level": args.log_level,
        "proxy_headers": False,
        "access_log": False,
        "log_config": None,
    }
    os.environ["AUTHGATE_LOG_LEVEL"] = args.log_level
    if args.workers > 1:
        # every worker writes its metrics to files in one directory, and /metrics adds them up
        os.environ[MULTIPROCESS_ENV] = tempfile.mkdtemp(prefix="authgate-metrics-")
        # each worker builds its own app from the environment, which already holds every setting
        uvicorn.run("authgate.cli:worker_app", factory=True, workers=args.workers, **common)  # type: ignore[arg-type]
        return 0
    configure_logging(settings.log_format, args.log_level)
    from authgate.app import create_app, freeze_startup_objects

    app = create_app(settings)
    freeze_startup_objects()
    uvicorn.run(app, **common)  # type: ignore[arg-type]
    return 0


def worker_app() -> Any:
    """One worker of `authgate serve --workers N`: logging as configured, then the app."""
    settings = Settings()
    configure_logging(settings.log_format, os.environ.get("AUTHGATE_LOG_LEVEL", "info"))
    from authgate.app import create_app, freeze_startup_objects

    app = create_app(settings)
    freeze_startup_objects()
    return app


def _migrate(settings: Settings, args: argparse.Namespace) -> int:
    from authgate.migrate import upgrade

    # never through a transaction pooler: DATABASE_DIRECT_URL when DATABASE_URL is one (ConfigurationError if unset)
    upgrade(settings.migration_url, args.revision)
    print(f"authgate: database at {args.revision}")
    return 0


def _users_list(settings: Settings, args: argparse.Namespace) -> int:
    from authgate.admin import list_users

    for row in asyncio.run(list_users(settings, limit=args.limit)):
        print(_terminal_safe(row))
    return 0


def _users_suspend(settings: Settings, args: argparse.Namespace) -> int:
    from authgate.admin import set_active

    found = asyncio.run(set_active(settings, args.email, active=False))
    return _report(found, f"suspended {args.email}; every session revoked", args.email)


def _users_activate(settings: Settings, args: argparse.Namespace) -> int:
    from authgate.admin import set_active

    found = asyncio.run(set_active(settings, args.email, active=True))
    return _report(found, f"activated {args.email}", args.email)


def _users_reset_2fa(settings: Settings, args: argparse.Namespace) -> int:
    from authgate.admin import reset_second_factors

    found = asyncio.run(reset_second_factors(settings, args.email))
    message = f"removed the second factors and passkeys of {args.email}; they sign in with their password or provider"
    return _report(found, message, args.email)


def _users_events(settings: Settings, args: argparse.Namespace) -> int:
    from authgate.admin import user_events

    rows = asyncio.run(user_events(settings, args.email, limit=args.limit))
    if rows is None:
        return _report(False, "", args.email)
    for row in rows:
        print(_terminal_safe(row))
    return 0


def _keys(settings: Settings, args: argparse.Namespace) -> int:
    from authgate.admin import signing_keys

    settings.check_secret()
    try:
        rows = asyncio.run(signing_keys(settings, args.action))
    except ValueError as error:
        print(f"authgate: {error}", file=sys.stderr)
        return 1
    for row in rows:
        print("\t".join(row))
    return 0


def _cleanup(settings: Settings, args: argparse.Namespace) -> int:
    from authgate.admin import cleanup

    counts = asyncio.run(cleanup(settings))
    print(
        f"purged {counts.refresh_tokens} refresh tokens, {counts.one_time_tokens} one-time tokens,"
        f" {counts.sign_in_failures} failure records of unknown addresses"
        f" and {counts.mail_expired} mails that expired unsent"
    )
    return 0


def _doctor(args: argparse.Namespace) -> int:
    from authgate import doctor

    password = args.password or os.environ.get("AUTHGATE_DOCTOR_PASSWORD")
    options = doctor.Options(
        url=args.url, site=args.site, email=args.email, password=password, smtp=args.smtp, timeout=args.timeout
    )
    problem = doctor.validate(options)
    if problem is not None:
        print(f"authgate doctor: {problem}", file=sys.stderr)
        return 2
    findings = doctor.run(options)
    print(doctor.as_json(options, findings) if args.json else doctor.as_text(options, findings))
    return 1 if doctor.failed(findings) else 0


# C0 controls (tab and newline included: they are the output's own separators), DEL and C1 controls (U+009B is a
# one-character CSI): what a terminal acts on instead of showing
_CONTROLS = {code: f"\\x{code:02x}" for code in (*range(0x20), *range(0x7F, 0xA0))}


def _terminal_safe(row: tuple[str, ...]) -> str:
    """A row of text for the operator's terminal, tab-separated, every control character written out as `\\xNN`.

    A user agent (and whatever else a request chose) is stored as sent: anyone can plant one on any account's events
    with a wrong password, and printed raw its escape sequences erased lines (the attacker's address), retitled the
    window or wrote the clipboard (OSC 52): CWE-150. Shown escaped, the operator still sees what was sent."""
    return "\t".join(value.translate(_CONTROLS) for value in row)


def _report(found: bool, message: str, email: str) -> int:
    if not found:
        print(f"authgate: no user with email {email}", file=sys.stderr)
        return 1
    print(message)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
