"""Time-based one-time passwords (RFC 6238) and backup codes. Pure functions: the secret, the code and the time in.

A code is accepted within one step either side of now (RFC 6238 §5.2 allows for clock drift and the time to type),
and each step at most once per reader: the caller stores the last step used and passes it back, so a code seen over
someone's shoulder cannot be replayed within its 30 seconds (§5.2: "the verifier MUST NOT accept the second attempt").
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import datetime

import pyotp

STEP_SECONDS = 30
DIGITS = 6
# RFC 4226 §4 asks for at least 128 bits; 160 (the HMAC-SHA1 block the algorithm is built on) is what apps expect
SECRET_BYTES = 20
DRIFT_STEPS = 1
BACKUP_CODES = 10
# 10 characters of a 32-letter alphabet: 50 bits each, single-use and rate-limited
_BACKUP_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read off a printout
_BACKUP_LENGTH = 10


def new_secret() -> str:
    """A fresh base32 secret from the CSPRNG (160 bits)."""
    return base64.b32encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii").rstrip("=")


def step_of(moment: datetime) -> int:
    return int(moment.timestamp()) // STEP_SECONDS


def code_at(secret: str, step: int) -> str:
    return str(pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).at(step * STEP_SECONDS))


def matching_step(secret: str, code: str, now: datetime, last_used_step: int | None) -> int | None:
    """The step `code` belongs to, within ±DRIFT_STEPS of `now` and after `last_used_step`; else None."""
    code = code.strip().replace(" ", "")
    # ASCII digits only: str.isdigit() accepts Arabic-Indic, full-width and superscript digits too
    if len(code) != DIGITS or not (code.isascii() and code.isdigit()):
        return None
    current = step_of(now)
    found = None
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        # every candidate is compared, in constant time, so the timing does not tell which step matched
        if hmac.compare_digest(code_at(secret, step), code) and found is None:
            found = step
    if found is None or (last_used_step is not None and found <= last_used_step):
        return None
    return found


def provisioning_uri(secret: str, *, account: str, issuer: str) -> str:
    """The otpauth:// URI authenticator apps read from the QR code (Key Uri Format)."""
    return str(
        pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).provisioning_uri(name=account, issuer_name=issuer)
    )


def new_backup_codes(count: int = BACKUP_CODES) -> list[str]:
    """Single-use codes shown once, written as xxxxx-xxxxx."""
    codes = []
    for _ in range(count):
        raw = "".join(secrets.choice(_BACKUP_ALPHABET) for _ in range(_BACKUP_LENGTH))
        codes.append(f"{raw[:5]}-{raw[5:]}")
    return codes


def normalize_backup_code(code: str) -> str:
    return "".join(char for char in code.lower() if char.isalnum())


def backup_code_hash(key: bytes, code: str) -> str:
    """What is stored: a keyed hash of the normalised code (a leaked table does not give codes back)."""
    return hmac.new(key, normalize_backup_code(code).encode("ascii", "ignore"), hashlib.sha256).hexdigest()
