"""Provider sign-in routes. The browser routes (authorize, callback) always end in a redirect to the site: success
to `PUBLIC_URL` + `next` with the refresh cookie set, any failure to `PUBLIC_URL/auth/login?error=CODE`, a connection's
too (a failure before the flow is found cannot tell which kind it was). A browser flow never ends on a JSON page."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request, Response, status
from starlette.responses import RedirectResponse

from authgate.accounts.lookup import CurrentUser
from authgate.accounts.reauth import reauthenticate
from authgate.errors import (
    AccountSuspended,
    AuthError,
    EmailNotVerified,
    IdentityNotFound,
    InvalidCode,
    InvalidPassword,
    InvalidToken,
    LastWayIn,
    NotAuthenticated,
    PasswordResetRequired,
    ProviderNotFound,
    RateLimited,
    RecentSignInRequired,
    error_responses,
)
from authgate.gate import AuthGate
from authgate.oauth import service
from authgate.oauth.providers import Provider, ProviderClient, configured_providers
from authgate.oauth.schemas import AuthorizeResponse, IdentityOut, ProviderOut
from authgate.ratelimit.dependencies import check_ip_limit, rate_limit
from authgate.shared import PROOF_ERRORS, REQUEST_GUARDS, ProofFields, bearer_user, client_info, given_proof
from authgate.transport import cookie_path, set_challenge_cookie, set_refresh_cookie

FLOW_COOKIE = "authgate_oauth"
SIGNED_IN = (AccountSuspended,)


READER_ERRORS = (NotAuthenticated, InvalidToken, AccountSuspended)


def add_routes(router: APIRouter, gate: AuthGate) -> None:
    providers = configured_providers(gate.settings)
    names = {provider.id: provider.name for provider in providers.values()}
    client = ProviderClient(gate.settings)
    reader = bearer_user(gate)

    def provider_of(provider_id: str) -> Provider:
        found = providers.get(provider_id)
        if found is None:
            raise ProviderNotFound()
        return found

    @router.get(
        "/providers",
        operation_id="oauth_providers_list",
        response_model=list[ProviderOut],
        summary="The providers a reader can sign in with (none unless configured)",
    )
    async def list_providers() -> list[ProviderOut]:
        return [ProviderOut(id=p.id, name=p.name) for p in providers.values()]

    @router.get(
        "/oauth/{provider_id}/authorize",
        operation_id="oauth_authorize",
        status_code=status.HTTP_302_FOUND,
        response_class=RedirectResponse,
        summary="Start signing in with a provider: a redirect to it (PKCE, state bound to this browser, nonce)",
        # failures redirect to the site with ?error=CODE; only a request the framework cannot read answers JSON
        responses=error_responses(*REQUEST_GUARDS),
    )
    async def authorize(request: Request, provider_id: str, next: str | None = Query(None)) -> Response:  # noqa: A002
        try:
            # the limit is checked here, not as a dependency: a refusal redirects like every failure of the flow
            await check_ip_limit(gate, request, "oauth_ip")
            started = await service.start(gate, client, provider_of(provider_id), next)
        except AuthError as error:
            return _to_site(gate, "/auth/login", error)
        response = RedirectResponse(started.authorize_url, status_code=status.HTTP_302_FOUND)
        _set_flow_cookie(gate, request, response, started.browser_secret)
        return response

    @router.get(
        "/oauth/{provider_id}/callback",
        operation_id="oauth_callback",
        status_code=status.HTTP_302_FOUND,
        response_class=RedirectResponse,
        summary="Where the provider sends the browser back; ends in a redirect to the site",
        # failures redirect to the site with ?error=CODE; only a request the framework cannot read answers JSON
        responses=error_responses(*REQUEST_GUARDS),
    )
    async def callback(request: Request, provider_id: str) -> Response:
        query = {key: value for key, value in request.query_params.items() if len(value) <= 4096}
        try:
            await check_ip_limit(gate, request, "oauth_ip")
            provider = provider_of(provider_id)
            done = await service.finish(
                gate, client, provider, query, request.cookies.get(FLOW_COOKIE), client_info(request)
            )
        except AuthError as error:
            response = _to_site(gate, "/auth/login", error)
        else:
            if done.challenge is not None:
                # two-step sign-in: the site's challenge page takes it from here (the challenge rides in a cookie)
                page = f"/auth/two-factor?{urlencode({'next': service.safe_next(done.next_path)})}"
                site = gate.settings.public_url.rstrip("/")
                response = RedirectResponse(site + page, status_code=status.HTTP_302_FOUND)
                set_challenge_cookie(
                    response, request, done.challenge.token, gate.settings, max_age=done.challenge.expires_in
                )
            else:
                response = RedirectResponse(_site_url(gate, done.next_path), status_code=status.HTTP_302_FOUND)
            if done.signed_in is not None:
                refresh = done.signed_in.refresh
                max_age = int((refresh.expires_at - gate.now()).total_seconds())
                set_refresh_cookie(response, request, refresh.token, gate.settings, max_age=max_age)
        response.delete_cookie(FLOW_COOKIE, path=_flow_path(request))
        return response

    @router.post(
        "/oauth/{provider_id}/connect",
        operation_id="oauth_connect",
        response_model=AuthorizeResponse,
        summary="Connect a provider to the signed-in reader's account: the URL to send the browser to",
        responses=error_responses(
            ProviderNotFound,
            *PROOF_ERRORS,
            *READER_ERRORS,
            *REQUEST_GUARDS,
        ),
        dependencies=[rate_limit(gate, "oauth_ip")],
    )
    async def connect(
        provider_id: str, body: ProofFields, request: Request, response: Response, user: CurrentUser = Depends(reader)
    ) -> AuthorizeResponse:
        provider = provider_of(provider_id)
        # `explicit`: the password or a code, never a recent sign-in alone. A provider identity signs in alone and a
        # verified account keeps it through a password reset: an attack pass connected the thief's GitHub with an
        # access token stolen minutes after the sign-in and no password, and signed in through it after the
        # reader's reset. Adding a passkey asks the same (accounts/reauth.py); a reader with neither a password nor a
        # second factor still proves it by a recent sign-in
        await reauthenticate(
            gate, user, given_proof(request, body), client_info(request), action="connect a provider", explicit=True
        )
        started = await service.start(gate, client, provider, "/auth/account", connect_user_id=user.id)
        _set_flow_cookie(gate, request, response, started.browser_secret)
        return AuthorizeResponse(authorize_url=started.authorize_url)

    @router.get(
        "/identities",
        operation_id="oauth_identities_list",
        response_model=list[IdentityOut],
        summary="The provider accounts connected to the reader's account",
        responses=error_responses(*READER_ERRORS, *REQUEST_GUARDS),
    )
    async def identities(user: CurrentUser = Depends(reader)) -> list[IdentityOut]:
        found = await service.identities_of(gate, user.id)
        return [
            IdentityOut(
                id=i.id,
                provider=i.provider,
                name=names.get(i.provider, i.provider),
                email=i.email,
                created_at=i.created_at,
                last_used_at=i.last_used_at,
            )
            for i in found
        ]

    @router.delete(
        "/identities/{identity_id}",
        operation_id="oauth_identity_disconnect",
        status_code=status.HTTP_204_NO_CONTENT,
        response_class=Response,
        summary="Disconnect a provider (refused when it is the reader's only way in)",
        responses=error_responses(
            IdentityNotFound,
            LastWayIn,
            InvalidPassword,
            InvalidCode,
            RecentSignInRequired,
            PasswordResetRequired,
            RateLimited,
            *READER_ERRORS,
            *REQUEST_GUARDS,
        ),
    )
    async def disconnect(
        identity_id: str, body: ProofFields, request: Request, user: CurrentUser = Depends(reader)
    ) -> Response:
        info = client_info(request)
        # `explicit`, like connecting one (ASVS 5.0 V6.2 / V7.5): a token stolen minutes after the sign-in must not
        # cut the reader's own ways in; a reader with neither a password nor a second factor (only providers) still
        # proves it by a recent sign-in
        await reauthenticate(
            gate, user, given_proof(request, body), info, action="disconnect a provider", explicit=True
        )
        await service.disconnect(gate, user, identity_id, names, info)
        return Response(status_code=status.HTTP_204_NO_CONTENT)

    # EmailNotVerified (REQUIRE_VERIFIED_EMAIL) and AccountSuspended end a provider sign-in as an error code too
    _ = (EmailNotVerified, SIGNED_IN)


def _flow_path(request: Request) -> str:
    return cookie_path(request) + "/oauth"


def _set_flow_cookie(gate: AuthGate, request: Request, response: Response, secret: str) -> None:
    # the browser that started the flow must be the one that finishes it (RFC 9700 §2.1, CSRF on the callback); Lax
    # is sent on the provider's top-level redirect back
    response.set_cookie(
        FLOW_COOKIE,
        secret,
        max_age=gate.settings.oauth_flow_minutes * 60,
        path=_flow_path(request),
        domain=gate.settings.cookie_domain,
        secure=gate.settings.cookie_secure,
        httponly=True,
        samesite="lax",
    )


def _site_url(gate: AuthGate, path: str) -> str:
    return gate.settings.public_url.rstrip("/") + service.safe_next(path)


def _to_site(gate: AuthGate, page: str, error: AuthError) -> RedirectResponse:
    return RedirectResponse(
        f"{gate.settings.public_url.rstrip('/')}{page}?{urlencode({'error': error.code.value})}",
        status_code=status.HTTP_302_FOUND,
    )
