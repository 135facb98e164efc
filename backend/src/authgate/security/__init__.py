"""Framework-free security core: passwords, password policy and tokens.

Nothing here imports FastAPI, Starlette or SQLAlchemy; the clock and keys are
always passed in as arguments.
"""

from .access_tokens import (
    ALLOWED_ALGORITHMS,
    AccessClaims,
    AccessTokenConfig,
    AccessTokenVerifier,
    InvalidAccessToken,
    decode_access_token,
    issue_access_token,
    truncate_to_milliseconds,
)
from .clock import Clock, utc_now
from .opaque_tokens import (
    derive_key,
    hash_token,
    new_opaque_token,
    successor_token,
    tokens_equal,
)
from .password_policy import PasswordRejected, check_password_policy
from .passwords import Argon2Params, HashingBusy, HashingPool, PasswordHasher, normalize_password

__all__ = [
    "ALLOWED_ALGORITHMS",
    "AccessClaims",
    "AccessTokenConfig",
    "AccessTokenVerifier",
    "Argon2Params",
    "Clock",
    "HashingBusy",
    "HashingPool",
    "InvalidAccessToken",
    "PasswordHasher",
    "PasswordRejected",
    "check_password_policy",
    "decode_access_token",
    "derive_key",
    "hash_token",
    "issue_access_token",
    "truncate_to_milliseconds",
    "new_opaque_token",
    "normalize_password",
    "successor_token",
    "tokens_equal",
    "utc_now",
]
