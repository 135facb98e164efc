"""Signing keys: key pairs other services verify access tokens with (JWKS), rotation, and token introspection."""

from __future__ import annotations

from authgate.feature import Feature
from authgate.keys.router import add_routes

FEATURE = Feature(name="keys", add_routes=add_routes, tables=("signing_keys",))
