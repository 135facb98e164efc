"""Providers served on loopback for the provider sign-in tests, and an app configured to use them."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from authgate.settings import Settings
from tests.conftest import FakeClock, app_client, make_settings
from tests.providers import CLIENT_ID, CLIENT_SECRET, GitHubProvider, OidcProvider, serving


@pytest.fixture
def github() -> Iterator[GitHubProvider]:
    with serving(GitHubProvider()) as provider:
        assert isinstance(provider, GitHubProvider)
        yield provider


@pytest.fixture
def oidc() -> Iterator[OidcProvider]:
    with serving(OidcProvider()) as provider:
        assert isinstance(provider, OidcProvider)
        yield provider


def provider_settings(database_url: str, github: GitHubProvider, oidc: OidcProvider, **overrides: object) -> Settings:
    return make_settings(
        database_url,
        oauth_github_client_id=CLIENT_ID,
        oauth_github_client_secret=CLIENT_SECRET,
        oauth_github_url=github.url,
        oauth_github_api_url=f"{github.url}/api",
        oauth_oidc_providers=[
            {
                "id": "uni",
                "name": "University",
                "issuer": oidc.issuer,
                "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET,
            }
        ],
        # generous, for a loaded CI machine (an exchange once missed 3 s there); tests of the bound set their own
        **{"oauth_http_timeout_seconds": 15.0, **overrides},
    )


@pytest.fixture
async def api(
    database_url: str, github: GitHubProvider, oidc: OidcProvider, clock: FakeClock
) -> AsyncIterator[httpx.AsyncClient]:
    async with app_client(provider_settings(database_url, github, oidc), clock) as http:
        yield http
