"""authgate: sign-up, sign-in and reader profiles for FastAPI apps and Docusaurus sites."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = [
    "AuthGate",
    "AuthRouter",
    "ConfigurationError",
    "CurrentProfile",
    "CurrentUser",
    "ErrorCode",
    "Settings",
    "User",
    "UserProfile",
    "__version__",
    "add_exception_handlers",
    "create_app",
    "create_auth_router",
    "current_user",
]

_EXPORTS = {
    "AuthGate": "authgate.gate",
    "AuthRouter": "authgate.router",
    "ConfigurationError": "authgate.settings",
    "CurrentProfile": "authgate.accounts.lookup",
    "CurrentUser": "authgate.accounts.lookup",
    "ErrorCode": "authgate.errors",
    "Settings": "authgate.settings",
    "User": "authgate.accounts.models",
    "UserProfile": "authgate.accounts.models",
    "add_exception_handlers": "authgate.app",
    "create_app": "authgate.app",
    "create_auth_router": "authgate.router",
    "current_user": "authgate.router",
}

if TYPE_CHECKING:
    from authgate.accounts.lookup import CurrentProfile, CurrentUser
    from authgate.accounts.models import User, UserProfile
    from authgate.app import add_exception_handlers, create_app
    from authgate.errors import ErrorCode
    from authgate.gate import AuthGate
    from authgate.router import AuthRouter, create_auth_router, current_user
    from authgate.settings import ConfigurationError, Settings


def __getattr__(name: str) -> Any:
    # lazy, so `import authgate` (e.g. for the CLI or alembic) stays cheap
    if name in _EXPORTS:
        import importlib

        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(name)
