"""What a feature brings, declared once: its routes, tables, error codes, security events and rate-limit rules.

Each feature folder has a `feature.py` with one `FEATURE`; the router factory registers their routes, and the tests
check the declarations against what the code does (every table of the metadata is some feature's, every event type
is recorded by some flow, every rate-limit setting belongs to one feature, every error code is raised by someone's
declared error). Like Better Auth's plugins over a small core, without the plugin machinery.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from fastapi import APIRouter

from authgate.errors import AuthError

if TYPE_CHECKING:
    from authgate.gate import AuthGate


@dataclass(frozen=True)
class Feature:
    name: str
    # registers the feature's routes on the auth router; None for a feature that serves others (mailed tokens)
    add_routes: Callable[[APIRouter, AuthGate], None] | None = None
    tables: tuple[str, ...] = ()
    errors: tuple[type[AuthError], ...] = ()
    events: tuple[enum.StrEnum, ...] = ()
    # the `rate_limit_<rule>` settings the feature's routes count against
    rate_limits: tuple[str, ...] = ()
