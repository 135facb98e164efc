"""Sign-in through GitHub, Google or any OpenID Connect provider; connected identities."""

from __future__ import annotations

from authgate.errors import (
    IdentityInUse,
    IdentityNotFound,
    LastWayIn,
    OAuthAccessDenied,
    OAuthEmailRequired,
    OAuthLinkRequired,
    OAuthProviderError,
    OAuthStateInvalid,
    ProviderNotFound,
    RecentSignInRequired,
)
from authgate.events.service import EventType
from authgate.feature import Feature
from authgate.oauth.router import add_routes

FEATURE = Feature(
    name="oauth",
    add_routes=add_routes,
    tables=("identities", "oauth_flows"),
    errors=(
        ProviderNotFound,
        OAuthStateInvalid,
        OAuthAccessDenied,
        OAuthProviderError,
        OAuthEmailRequired,
        OAuthLinkRequired,
        IdentityInUse,
        IdentityNotFound,
        LastWayIn,
        RecentSignInRequired,
    ),
    events=(EventType.IDENTITY_CONNECTED, EventType.IDENTITY_DISCONNECTED),
    rate_limits=("oauth_ip",),
)
