"""Accounts: sign-up, sign-in with a password, the sign-in pipeline, the lockout, re-authentication."""

from __future__ import annotations

from authgate.accounts.router import add_routes
from authgate.errors import (
    AccountSuspended,
    EmailAlreadyExists,
    EmailNotVerified,
    InvalidCredentials,
    InvalidPassword,
    PasswordResetRequired,
    PasswordTooWeak,
)
from authgate.events.service import EventType
from authgate.feature import Feature

FEATURE = Feature(
    name="accounts",
    add_routes=add_routes,
    tables=("users", "user_profiles", "sign_in_failures"),
    errors=(
        EmailAlreadyExists,
        PasswordTooWeak,
        InvalidCredentials,
        AccountSuspended,
        EmailNotVerified,
        PasswordResetRequired,
        InvalidPassword,
    ),
    events=(
        EventType.ACCOUNT_CREATED,
        EventType.SIGN_IN_SUCCEEDED,
        EventType.SIGN_IN_FAILED,
        EventType.REAUTHENTICATION_FAILED,
        EventType.SIGN_IN_THROTTLED,
        EventType.ACCOUNT_LOCKED,
    ),
    rate_limits=("login_ip", "login_account", "signup_ip"),
)
