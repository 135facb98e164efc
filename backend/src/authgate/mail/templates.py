"""The mails authgate sends, each as plain text and HTML. Every interpolated value is escaped in the HTML part."""

from __future__ import annotations

from datetime import timedelta
from html import escape

from authgate.mail.service import Mail

SITE_NAME = "the textbook"


def _html(paragraphs: list[str], link: str | None = None, button: str = "") -> str:
    body = "".join(f"<p>{escape(text)}</p>" for text in paragraphs)
    if link is not None:
        safe = escape(link, quote=True)
        body += f'<p><a href="{safe}">{escape(button)}</a></p><p style="color:#666">{safe}</p>'
    return f'<!doctype html><html><body style="font-family:sans-serif">{body}</body></html>'


def _hours(minutes: int) -> str:
    if minutes % 60 == 0:
        hours = minutes // 60
        return "1 hour" if hours == 1 else f"{hours} hours"
    return f"{minutes} minutes"


def verification(to: str, link: str, lifetime_minutes: int) -> Mail:
    lines = [
        f"Confirm that this address is yours to finish setting up your account for {SITE_NAME}.",
        f"The link works once and expires in {_hours(lifetime_minutes)}.",
        "If you did not sign up, ignore this mail.",
    ]
    return Mail(
        to=to,
        subject="Verify your email address",
        text="\n\n".join([lines[0], link, *lines[1:]]) + "\n",
        html=_html(lines, link, "Verify my email address"),
        valid_for=timedelta(minutes=lifetime_minutes),
    )


def password_reset(to: str, link: str, lifetime_minutes: int) -> Mail:
    lines = [
        f"Someone (hopefully you) asked to reset the password of your account for {SITE_NAME}.",
        f"The link works once and expires in {_hours(lifetime_minutes)}; asking again replaces it.",
        "If you did not ask, ignore this mail: your password stays as it is.",
    ]
    return Mail(
        to=to,
        subject="Reset your password",
        text="\n\n".join([lines[0], link, *lines[1:]]) + "\n",
        html=_html(lines, link, "Choose a new password"),
        valid_for=timedelta(minutes=lifetime_minutes),
    )


def password_changed(to: str, *, reset: bool) -> Mail:
    how = "reset with a link sent to this address" if reset else "changed from a signed-in session"
    lines = [
        f"The password of your account for {SITE_NAME} was just {how}.",
        "Other devices were signed out." if not reset else "Every device was signed out.",
        'If this was not you, reset your password now with "Forgot password" on the sign-in page.',
    ]
    return Mail(to=to, subject="Your password was changed", text="\n\n".join(lines) + "\n", html=_html(lines))


def email_change(to: str, link: str, lifetime_minutes: int) -> Mail:
    lines = [
        f"Confirm this address to make it the sign-in address of your account for {SITE_NAME}.",
        f"The link works once and expires in {_hours(lifetime_minutes)}.",
        "If you did not ask for this, ignore this mail.",
    ]
    return Mail(
        to=to,
        subject="Confirm your new email address",
        text="\n\n".join([lines[0], link, *lines[1:]]) + "\n",
        html=_html(lines, link, "Confirm my new address"),
        valid_for=timedelta(minutes=lifetime_minutes),
    )


def email_change_notice(to: str, new_email: str) -> Mail:
    lines = [
        f"Someone signed in to your account for {SITE_NAME} asked to change its address to {new_email}.",
        "Nothing changes until the link sent to the new address is used.",
        "If this was not you, change your password now: whoever asked knew it.",
    ]
    return Mail(to=to, subject="Your email address is being changed", text="\n\n".join(lines) + "\n", html=_html(lines))


def identity_connected(to: str, provider_name: str) -> Mail:
    lines = [
        f"{provider_name} was just connected to your account for {SITE_NAME}: you can now sign in with it.",
        'If this was not you, disconnect it on your account page and reset your password with "Forgot password".',
    ]
    return Mail(to=to, subject=f"{provider_name} was connected", text="\n\n".join(lines) + "\n", html=_html(lines))


def identity_disconnected(to: str, provider_name: str) -> Mail:
    lines = [
        f"{provider_name} was just disconnected from your account for {SITE_NAME}: it no longer signs you in.",
        'If this was not you, reset your password now with "Forgot password" on the sign-in page.',
    ]
    return Mail(to=to, subject=f"{provider_name} was disconnected", text="\n\n".join(lines) + "\n", html=_html(lines))


def sign_in_factor_changed(to: str, what: str) -> Mail:
    """A factor was added or removed (an authenticator app, backup codes, a passkey, or all of them by support)."""
    lines = [
        f"On your account for {SITE_NAME}: {what}.",
        "You can see every change in the security log on your account page.",
        'If this was not you, reset your password now with "Forgot password" on the sign-in page, then check your '
        "sign-in security settings.",
    ]
    return Mail(to=to, subject="Your sign-in security changed", text="\n\n".join(lines) + "\n", html=_html(lines))
