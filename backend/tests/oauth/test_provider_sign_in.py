"""Signing in with GitHub or an OpenID Connect provider, against real providers on loopback, and every attack on it."""

from __future__ import annotations

import asyncio
import gzip
import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.conftest import PASSWORD, SITE, FakeClock, app_client, make_settings, signup
from tests.mail.smtp import MAIL_FROM, Inbox, drain, execute, query
from tests.mail.smtp import serving as serving_inbox
from tests.oauth.conftest import provider_settings
from tests.providers import CLIENT_ID, CLIENT_SECRET, GitHubProvider, OidcProvider, serving, sign_in_through
from tests.relay import TcpRelay


def error_of(response: httpx.Response) -> str | None:
    assert response.status_code == 302, response.text
    location = urlsplit(response.headers["location"])
    return parse_qs(location.query).get("error", [None])[0]


def assert_refused(response: httpx.Response, code: str) -> None:
    assert error_of(response) == code
    assert response.headers["location"].startswith(f"{SITE}/auth/login?")
    assert "refresh_token=" not in response.headers.get("set-cookie", "")


async def me(api: httpx.AsyncClient) -> httpx.Response:
    return await api.get("/auth/me")


async def test_the_enabled_providers_are_listed(api: httpx.AsyncClient, database_url: str, clock: FakeClock) -> None:
    listed = await api.get("/auth/providers")
    assert listed.json() == [{"id": "github", "name": "GitHub"}, {"id": "uni", "name": "University"}]
    async with app_client(make_settings(database_url), clock) as plain:
        assert (await plain.get("/auth/providers")).json() == []


async def test_a_new_reader_signs_in_with_github_and_lands_on_the_site(
    api: httpx.AsyncClient, github: GitHubProvider, database_url: str
) -> None:
    done = await sign_in_through(api, "github", next_path="/docs/intro")
    assert done.status_code == 302 and done.headers["location"] == f"{SITE}/docs/intro"
    assert "refresh_token=" in done.headers["set-cookie"] and "HttpOnly" in done.headers["set-cookie"]
    # authorization code with PKCE (S256), state, exact redirect URI from settings
    asked = github.authorize_requests[-1]
    assert asked["code_challenge_method"] == "S256" and len(asked["code_challenge"]) == 43
    assert asked["redirect_uri"] == "http://localhost:8000/auth/oauth/github/callback"
    assert len(asked["state"]) >= 43
    assert len(github.token_requests[-1]["code_verifier"]) >= 43
    reader = (await me(api)).json()
    assert reader["user"]["email"] == "octo@example.com" and reader["user"]["is_verified"] is True
    assert reader["profile"] is None and reader["profile_complete"] is False
    events = {row[0] for row in query(database_url, "SELECT type FROM security_events")}
    assert {"account_created", "identity_connected", "sign_in_succeeded"} <= events
    details = {
        row[0] for row in query(database_url, "SELECT detail FROM security_events WHERE type='sign_in_succeeded'")
    }
    assert details == {"method: github"}

    # the profile completion: once the reader says who they are, the profile is complete
    token = (await api.post("/auth/refresh")).json()["access_token"]
    completed = await api.patch(
        "/auth/me/profile",
        json={"experience_level": "advanced", "professional_role": "engineer"},
        headers={"authorization": f"Bearer {token}"},
    )
    assert completed.status_code == 200 and completed.json()["profile_complete"] is True


async def test_the_same_github_person_comes_back_to_the_same_account(
    api: httpx.AsyncClient, github: GitHubProvider
) -> None:
    await sign_in_through(api, "github")
    first = (await me(api)).json()["user"]["id"]
    api.cookies.clear()
    # their address changed at GitHub: the identity is the subject, not the address
    github.emails = [{"email": "octo-new@example.com", "primary": True, "verified": True}]
    await sign_in_through(api, "github")
    assert (await me(api)).json()["user"]["id"] == first


async def test_github_without_a_verified_primary_address_is_refused(
    api: httpx.AsyncClient, github: GitHubProvider
) -> None:
    github.emails = [
        {"email": "unverified@example.com", "primary": True, "verified": False},
        {"email": "other@example.com", "primary": False, "verified": True},
    ]
    assert_refused(await sign_in_through(api, "github"), "OAUTH_EMAIL_REQUIRED")


async def test_a_new_reader_signs_in_with_an_openid_provider(api: httpx.AsyncClient, oidc: OidcProvider) -> None:
    done = await sign_in_through(api, "uni")
    assert done.headers["location"] == f"{SITE}/docs/intro"
    assert oidc.authorize_requests[-1]["nonce"]
    assert (await me(api)).json()["user"]["email"] == "reader@example.com"


@pytest.mark.parametrize(
    "attack",
    [
        {"claims": {"iss": "https://evil.example"}},
        {"claims": {"aud": "someone-else"}},
        {"claims": {"nonce": "not-the-one-sent"}},
        {"claims": {"nonce": None}},
        {"claims": {"exp": int(time.time()) - 3600, "iat": int(time.time()) - 7200}},
        {"claims": {"sub": None}},
        {"algorithm": "none"},
        {"algorithm": "HS256"},
        {"foreign_key": rsa.generate_private_key(public_exponent=65537, key_size=2048)},
        {"issuer_override": "https://evil.example"},
    ],
    ids=[
        "issuer",
        "audience",
        "nonce",
        "no-nonce",
        "expired",
        "no-subject",
        "alg-none",
        "alg-hs256",
        "wrong-key",
        "discovery-issuer",
    ],
)
async def test_an_id_token_that_cannot_be_trusted_signs_nobody_in(
    api: httpx.AsyncClient, oidc: OidcProvider, attack: dict[str, object]
) -> None:
    for name, value in attack.items():
        if name == "algorithm" and value == "HS256":
            # an HMAC "signature" keyed with something public: the confusion attack (RFC 8725 §2.1)
            oidc.algorithm, oidc.foreign_key = "HS256", "a-public-value-used-as-a-key-32b!"
        else:
            setattr(oidc, name, value)
    done = await sign_in_through(api, "uni")
    assert_refused(done, "OAUTH_PROVIDER_ERROR")
    assert (await me(api)).status_code == 401


async def test_email_verified_as_the_string_false_is_not_verified(
    api: httpx.AsyncClient, oidc: OidcProvider, database_url: str
) -> None:
    # Better Auth read email_verified: "false" as true; here only a JSON true counts
    oidc.claims = {"email_verified": "false", "email": "strings@example.com"}
    await sign_in_through(api, "uni")
    assert (await me(api)).json()["user"]["is_verified"] is False


async def test_pre_account_takeover_is_refused(api: httpx.AsyncClient, oidc: OidcProvider, database_url: str) -> None:
    # an attacker signs up with the victim's address (never verified) and waits for the victim to use a provider
    attacker = await signup(api, "victim@example.com")
    api.cookies.clear()
    oidc.email = "victim@example.com"
    assert_refused(await sign_in_through(api, "uni"), "OAUTH_LINK_REQUIRED")
    assert query(database_url, "SELECT count(*) FROM identities")[0][0] == 0
    # the attacker's account did not become the victim's way in either
    assert attacker.json()["user"]["is_verified"] is False


async def test_a_verified_account_is_linked_when_the_provider_vouches_for_the_address(
    api: httpx.AsyncClient, oidc: OidcProvider, database_url: str
) -> None:
    local = await signup(api, "both@example.com")
    query(database_url, "SELECT 1")

    execute(database_url, "UPDATE users SET is_verified = true WHERE email = 'both@example.com'")
    api.cookies.clear()
    oidc.email = "both@example.com"
    done = await sign_in_through(api, "uni")
    assert error_of(done) is None
    assert (await me(api)).json()["user"]["id"] == local.json()["user"]["id"]
    # the provider does not vouch: no link, even to a verified account
    api.cookies.clear()
    with serving(
        OidcProvider(subject="someone-else", email="both@example.com", claims={"email_verified": False})
    ) as other:
        assert isinstance(other, OidcProvider)
        async with app_client(provider_settings(database_url, GitHubProvider(), other), FakeClock()) as second:
            assert_refused(await sign_in_through(second, "uni"), "OAUTH_LINK_REQUIRED")


async def test_a_suspended_account_gets_no_new_identity_on_its_way_to_the_refusal(
    api: httpx.AsyncClient, oidc: OidcProvider, database_url: str
) -> None:
    # known, not fixed until now: a provider vouching for a suspended account's address had its identity linked (and
    # the reader mailed about a new way in) before the sign-in was refused as suspended. The answer is the same
    # refusal, and no identity or event is written
    await signup(api, "suspended@example.com")
    execute(
        database_url, "UPDATE users SET is_verified = true, is_active = false WHERE email = 'suspended@example.com'"
    )
    api.cookies.clear()
    oidc.email = "suspended@example.com"
    assert_refused(await sign_in_through(api, "uni"), "ACCOUNT_SUSPENDED")
    assert query(database_url, "SELECT count(*) FROM identities")[0][0] == 0
    events = {row[0] for row in query(database_url, "SELECT type FROM security_events")}
    assert "identity_connected" not in events


@pytest.mark.parametrize(
    "next_path",
    [
        "//evil.example",
        "https://evil.example",
        "/\\evil.example",
        "javascript:alert(1)",
        "evil",
        "",
        # control characters: no path of the site has them, and the database cannot store a NUL
        "/docs\x00/intro",
        "/docs\x01\x7f",
    ],
)
async def test_next_is_only_ever_a_path_on_the_site(api: httpx.AsyncClient, next_path: str) -> None:
    done = await sign_in_through(api, "github", next_path=next_path)
    assert done.headers["location"] == f"{SITE}/"


async def test_the_state_is_single_use_and_bound_to_the_browser(api: httpx.AsyncClient) -> None:
    started = await api.get("/auth/oauth/github/authorize", params={"next": "/"})
    async with httpx.AsyncClient() as browser:
        back = urlsplit((await browser.get(started.headers["location"])).headers["location"])
    params = {k: v[0] for k, v in parse_qs(back.query).items()}
    flow_cookie = api.cookies.get("authgate_oauth")
    assert flow_cookie
    # another browser (no cookie, or its own) cannot finish this flow
    api.cookies.clear()
    assert_refused(await api.get(back.path, params=params), "OAUTH_STATE_INVALID")
    api.cookies.set("authgate_oauth", "someone-elses", path="/auth/oauth")
    assert_refused(await api.get(back.path, params=params), "OAUTH_STATE_INVALID")
    # a wrong or missing state
    api.cookies.set("authgate_oauth", flow_cookie, path="/auth/oauth")
    assert_refused(await api.get(back.path, params={**params, "state": "forged"}), "OAUTH_STATE_INVALID")
    assert_refused(await api.get(back.path, params={"code": params["code"]}), "OAUTH_STATE_INVALID")


async def test_a_callback_is_used_once(api: httpx.AsyncClient) -> None:
    started = await api.get("/auth/oauth/github/authorize", params={"next": "/"})
    cookie = api.cookies.get("authgate_oauth")
    async with httpx.AsyncClient() as browser:
        back = urlsplit((await browser.get(started.headers["location"])).headers["location"])
    params = {k: v[0] for k, v in parse_qs(back.query).items()}
    assert error_of(await api.get(back.path, params=params)) is None
    api.cookies.clear()
    api.cookies.set("authgate_oauth", cookie, path="/auth/oauth")
    assert_refused(await api.get(back.path, params=params), "OAUTH_STATE_INVALID")


async def test_a_flow_left_too_long_is_refused(api: httpx.AsyncClient, clock: FakeClock) -> None:
    started = await api.get("/auth/oauth/github/authorize", params={"next": "/"})
    async with httpx.AsyncClient() as browser:
        back = urlsplit((await browser.get(started.headers["location"])).headers["location"])
    clock.advance(minutes=11)
    assert_refused(
        await api.get(back.path, params={k: v[0] for k, v in parse_qs(back.query).items()}), "OAUTH_STATE_INVALID"
    )


async def test_the_reader_saying_no_at_the_provider(api: httpx.AsyncClient, github: GitHubProvider) -> None:
    github.deny = True
    assert_refused(await sign_in_through(api, "github"), "OAUTH_ACCESS_DENIED")


async def test_an_unreachable_provider_is_an_error_page_not_a_hang(database_url: str, clock: FakeClock) -> None:
    # nothing listens on these ports: discovery fails at once; the timeout bounds a provider that never answers
    gone = OidcProvider()
    settings = provider_settings(database_url, GitHubProvider(), gone)
    async with app_client(settings, clock) as http:
        started = await http.get("/auth/oauth/uni/authorize", params={"next": "/"})
        assert_refused(started, "OAUTH_PROVIDER_ERROR")
        unknown = await http.get("/auth/oauth/nobody/authorize")
        assert_refused(unknown, "PROVIDER_NOT_FOUND")


async def test_a_signed_in_reader_connects_and_disconnects_a_provider(
    api: httpx.AsyncClient, github: GitHubProvider, database_url: str
) -> None:
    signed_up = await signup(api, "connector@example.com")
    bearer = {"authorization": f"Bearer {signed_up.json()['access_token']}"}
    # the password is asked again (counted like a sign-in)
    wrong = await api.post("/auth/oauth/github/connect", json={"password": "Not-it-at-all-1"}, headers=bearer)
    assert wrong.status_code == 401 and wrong.json()["code"] == "INVALID_PASSWORD"
    asked = await api.post("/auth/oauth/github/connect", json={"password": PASSWORD}, headers=bearer)
    assert asked.status_code == 200
    done = await sign_in_through(api, "github", start=asked.json()["authorize_url"])
    assert done.headers["location"] == f"{SITE}/auth/account"
    listed = (await api.get("/auth/identities", headers=bearer)).json()
    assert [(i["provider"], i["name"], i["email"]) for i in listed] == [("github", "GitHub", "octo@example.com")]

    # the same GitHub person cannot be connected to a second account
    other = await signup(api, "second@example.com")
    second_bearer = {"authorization": f"Bearer {other.json()['access_token']}"}
    again = await api.post("/auth/oauth/github/connect", json={"password": PASSWORD}, headers=second_bearer)
    assert error_of(await sign_in_through(api, "github", start=again.json()["authorize_url"])) == "IDENTITY_IN_USE"

    # another reader's identity id is not found; the owner removes it
    identity = listed[0]["id"]
    foreign = await api.request(
        "DELETE", f"/auth/identities/{identity}", json={"password": PASSWORD}, headers=second_bearer
    )
    assert foreign.status_code == 404 and foreign.json()["code"] == "IDENTITY_NOT_FOUND"
    removed = await api.request("DELETE", f"/auth/identities/{identity}", json={"password": PASSWORD}, headers=bearer)
    assert removed.status_code == 204
    assert (await api.get("/auth/identities", headers=bearer)).json() == []
    events = {row[0] for row in query(database_url, "SELECT type FROM security_events")}
    assert {"identity_connected", "identity_disconnected"} <= events


async def test_a_provider_only_reader_cannot_remove_their_last_way_in(api: httpx.AsyncClient, clock: FakeClock) -> None:
    await sign_in_through(api, "github")
    token = (await api.post("/auth/refresh")).json()["access_token"]
    bearer = {"authorization": f"Bearer {token}"}
    identity = (await api.get("/auth/identities", headers=bearer)).json()[0]["id"]
    refused = await api.request("DELETE", f"/auth/identities/{identity}", json={}, headers=bearer)
    assert refused.status_code == 409 and refused.json()["code"] == "LAST_WAY_IN"
    # and a change like this one needs a recent sign-in, for a reader with no password to ask for
    clock.advance(minutes=11)
    token = (await api.post("/auth/refresh")).json()["access_token"]
    stale = await api.request(
        "DELETE", f"/auth/identities/{identity}", json={}, headers={"authorization": f"Bearer {token}"}
    )
    assert stale.status_code == 403 and stale.json()["code"] == "RECENT_SIGN_IN_REQUIRED"


@asynccontextmanager
async def app_with_a_silent_provider(database_url: str, clock: FakeClock) -> AsyncIterator[httpx.AsyncClient]:
    """The service with an OpenID provider whose address accepts connections and never answers (1 s timeout)."""
    silent = TcpRelay("127.0.0.1", 9)
    await silent.start()
    silent.silence()
    try:
        issuer = OidcProvider(port=silent.port)
        settings = provider_settings(database_url, GitHubProvider(), issuer, oauth_http_timeout_seconds=1.0)
        async with app_client(settings, clock) as http:
            yield http
    finally:
        await silent.close()


@pytest.mark.faults  # bounds a wait in seconds: run alone (make test-faults)
async def test_a_provider_that_never_answers_is_an_error_page_within_the_timeout(
    database_url: str, clock: FakeClock
) -> None:
    # connections accepted, nothing answered: OAUTH_HTTP_TIMEOUT_SECONDS bounds the wait
    async with app_with_a_silent_provider(database_url, clock) as http:
        started = await asyncio.wait_for(http.get("/auth/oauth/uni/authorize", params={"next": "/"}), 20)
        assert_refused(started, "OAUTH_PROVIDER_ERROR")


async def test_a_browser_flow_that_is_rate_limited_still_ends_on_the_site(
    database_url: str, github: GitHubProvider, oidc: OidcProvider, clock: FakeClock
) -> None:
    settings = provider_settings(database_url, github, oidc, rate_limit_oauth_ip="2/minute")
    async with app_client(settings, clock) as http:
        for _ in range(2):
            assert error_of(await http.get("/auth/oauth/github/authorize")) is None
        refused = await http.get("/auth/oauth/github/authorize")
        assert_refused(refused, "RATE_LIMITED")
        assert_refused(
            await http.get("/auth/oauth/github/callback", params={"state": "x", "code": "y"}), "RATE_LIMITED"
        )


async def test_a_code_exchanged_without_its_pkce_verifier_is_refused(
    api: httpx.AsyncClient, github: GitHubProvider, database_url: str
) -> None:
    # the provider checks the verifier against the challenge it was given: a verifier that is not the flow's
    # (here: the stored one replaced) gets no token, and the reader is told so on the site
    started = await api.get("/auth/oauth/github/authorize", params={"next": "/"})

    # in a thread: the app's own background work (the cleanup job) must go on meanwhile on this loop
    await asyncio.to_thread(
        execute,
        database_url,
        "UPDATE oauth_flows SET code_verifier = 'not-the-verifier-of-this-flow-0123456789abcdefgh'",
    )
    done = await sign_in_through(api, "github", start=started.headers["location"])
    assert_refused(done, "OAUTH_PROVIDER_ERROR")


@pytest.mark.parametrize(("hd", "refused"), [("uni.example", False), ("elsewhere.example", True), (None, True)])
async def test_google_with_a_hosted_domain_admits_only_that_domain(
    database_url: str, oidc: OidcProvider, clock: FakeClock, hd: str | None, refused: bool
) -> None:
    # Google through discovery (our provider plays it), restricted to one Workspace domain
    settings = make_settings(
        database_url,
        oauth_google_client_id=CLIENT_ID,
        oauth_google_client_secret=CLIENT_SECRET,
        oauth_google_issuer=oidc.issuer,
        oauth_google_hosted_domain="uni.example",
    )
    oidc.claims = {"hd": hd}
    async with app_client(settings, clock) as http:
        assert (await http.get("/auth/providers")).json() == [{"id": "google", "name": "Google"}]
        done = await sign_in_through(http, "google")
        assert oidc.authorize_requests[-1]["hd"] == "uni.example"
        if refused:
            assert_refused(done, "OAUTH_PROVIDER_ERROR")
        else:
            assert error_of(done) is None


async def test_a_provider_only_reader_proves_themselves_with_a_recent_sign_in(
    api: httpx.AsyncClient, clock: FakeClock, database_url: str
) -> None:
    # no password to ask for: a sign-in at most RECENT_SIGN_IN_MINUTES old (the access token's auth_time, carried
    # through refreshes) is the proof; an older one must sign in through the provider again
    await sign_in_through(api, "github")
    clock.advance(minutes=11)
    stale = (await api.post("/auth/refresh")).json()["access_token"]
    refused = await api.request("DELETE", "/auth/me", json={}, headers={"authorization": f"Bearer {stale}"})
    assert refused.status_code == 403 and refused.json()["code"] == "RECENT_SIGN_IN_REQUIRED"
    api.cookies.clear()
    await sign_in_through(api, "github")
    fresh = (await api.post("/auth/refresh")).json()["access_token"]
    deleted = await api.request("DELETE", "/auth/me", json={}, headers={"authorization": f"Bearer {fresh}"})
    assert deleted.status_code == 204
    assert query(database_url, "SELECT count(*) FROM users")[0][0] == 0


async def test_a_provider_identity_that_never_vouched_for_the_address_does_not_survive_the_owners_reset(
    database_url: str, github: GitHubProvider, oidc: OidcProvider, clock: FakeClock
) -> None:
    # pre-account takeover through a provider that does not vouch for the address: the attacker's provider account
    # claims the victim's address (email_verified false) and an unverified account is made for it; the victim,
    # told the address is taken, resets the password through their mailbox. The attacker's identity must not still
    # sign in to the account the victim now uses.
    async with provider_api_with_mail(database_url, github, oidc, clock) as (api, inbox):
        oidc.email, oidc.claims = "prehijacked@example.com", {"email_verified": False}
        assert error_of(await sign_in_through(api, "uni")) is None
        assert (await me(api)).json()["user"]["is_verified"] is False
        api.cookies.clear()
        await api.post("/auth/forgot-password", json={"email": "prehijacked@example.com"})
        await drain(api)
        token = inbox.token("prehijacked@example.com", "Reset your password")
        reset = await api.post("/auth/reset-password", json={"token": token, "new_password": "Fresh-passphrase-42"})
        assert reset.status_code == 200, reset.text
        # the attacker comes back through the provider
        api.cookies.clear()
        again = await sign_in_through(api, "uni")
        assert (await me(api)).status_code == 401, again.headers.get("location")


@pytest.mark.parametrize(
    "claims",
    [
        # the address a known identity comes back with is stored for the reader's list: never checked at all
        {"email": "x" * 300 + "@example.com"},
        # a display-name form that validates to a short address but is longer than the column as given
        {"email": "R" * 250 + " <longname@example.com>"},
        # OpenID Connect Core §2: at most 255 ASCII characters; a provider that sends more is not to be trusted
        {"sub": "s" * 300},
    ],
    ids=["long-email-known-identity", "display-name-email", "long-subject"],
)
async def test_a_provider_value_longer_than_its_column_ends_on_the_site_not_on_a_json_page(
    api: httpx.AsyncClient, oidc: OidcProvider, claims: dict[str, object]
) -> None:
    if "email" in claims and "x" * 300 in str(claims["email"]):
        assert error_of(await sign_in_through(api, "uni")) is None
        api.cookies.clear()
    oidc.claims = claims
    done = await sign_in_through(api, "uni")
    assert done.status_code == 302, done.text


@asynccontextmanager
async def provider_api_with_mail(
    database_url: str, github: GitHubProvider, oidc: OidcProvider, clock: FakeClock
) -> AsyncIterator[tuple[httpx.AsyncClient, Inbox]]:
    """The service with both providers and a real SMTP inbox: its client and the inbox."""
    with serving_inbox(Inbox()) as inbox:
        assert isinstance(inbox, Inbox)
        settings = provider_settings(
            database_url,
            github,
            oidc,
            smtp_host="127.0.0.1",
            smtp_port=inbox.port,
            smtp_starttls=False,
            mail_from=MAIL_FROM,
        )
        async with app_client(settings, clock) as api:
            yield api, inbox


@pytest.mark.parametrize("revocation", ["owner_resets_the_password", "reader_signs_out_everywhere"])
async def test_a_connect_flow_started_before_the_sessions_were_ended_cannot_finish_after(
    database_url: str, github: GitHubProvider, oidc: OidcProvider, clock: FakeClock, revocation: str
) -> None:
    # attack pass: a squatter signs up with the victim's address (or a thief holds a fresh session), starts connecting
    # their own GitHub account and stops at the provider. The owner then resets the password (or signs out
    # everywhere), which is meant to end every way in the intruder had; the intruder finishes the flow they had
    # left open within its 10 minutes and signs in to the account through GitHub from then on.
    async with provider_api_with_mail(database_url, github, oidc, clock) as (api, inbox):
        intruder = await signup(api, "squatted@example.com")
        bearer = {"authorization": f"Bearer {intruder.json()['access_token']}"}
        asked = await api.post("/auth/oauth/github/connect", json={"password": PASSWORD}, headers=bearer)
        assert asked.status_code == 200, asked.text
        clock.advance(seconds=30)
        if revocation == "owner_resets_the_password":
            # the owner of the mailbox, from another browser
            async with httpx.AsyncClient(transport=api._transport, base_url=str(api.base_url)) as owner:
                await owner.post("/auth/forgot-password", json={"email": "squatted@example.com"})
                await drain(api)
                token = inbox.token("squatted@example.com", "Reset your password")
                reset = await owner.post(
                    "/auth/reset-password", json={"token": token, "new_password": "Fresh-passphrase-42"}
                )
                assert reset.status_code == 200, reset.text
        else:
            ended = await api.delete("/auth/sessions", headers=bearer)
            assert ended.status_code == 204, ended.text
        assert (await api.get("/auth/me", headers=bearer)).status_code == 401
        clock.advance(seconds=30)
        # the intruder's browser still holds the flow's cookie: it comes back from GitHub
        finished = await sign_in_through(api, "github", start=asked.json()["authorize_url"])
        assert error_of(finished) is not None, finished.headers["location"]
        assert query(database_url, "SELECT count(*) FROM identities")[0][0] == 0
        # GitHub now signs its person in to an account of their own, not to the owner's
        api.cookies.clear()
        await sign_in_through(api, "github")
        assert (await me(api)).json()["user"]["email"] == "octo@example.com"


async def test_a_fresh_access_token_alone_cannot_connect_a_provider_that_outlives_the_readers_reset(
    database_url: str, github: GitHubProvider, oidc: OidcProvider, clock: FakeClock
) -> None:
    # attack pass: an access token stolen within minutes of the reader's sign-in asked to connect a provider with no
    # password at all, and the thief connected their own GitHub account: a way in that signs in alone and that the
    # reader's password reset keeps (a verified account keeps its identities). Adding a passkey or an authenticator
    # app already needs the password or a code for exactly this reason (accounts/reauth.py `explicit`).
    async with provider_api_with_mail(database_url, github, oidc, clock) as (api, inbox):
        signed_up = await signup(api, "reader-with-xss@example.com")
        stolen = {"authorization": f"Bearer {signed_up.json()['access_token']}"}
        # a reader who verified the address (a verified account keeps its identities through a reset)
        await drain(api)
        verify = inbox.token("reader-with-xss@example.com", "Verify your email address")
        assert (await api.post("/auth/verify-email", json={"token": verify})).status_code == 200
        clock.advance(minutes=1)
        asked = await api.post("/auth/oauth/github/connect", json={}, headers=stolen)
        if asked.status_code == 200:
            # what the thief did with it: connect, let the reader reset, and still sign in through GitHub
            assert error_of(await sign_in_through(api, "github", start=asked.json()["authorize_url"])) is None
            await api.post("/auth/forgot-password", json={"email": "reader-with-xss@example.com"})
            await drain(api)
            token = inbox.token("reader-with-xss@example.com", "Reset your password")
            reset = await api.post("/auth/reset-password", json={"token": token, "new_password": "Fresh-passphrase-42"})
            assert reset.status_code == 200
            api.cookies.clear()
            await sign_in_through(api, "github")
            assert (await me(api)).json()["user"]["email"] != "reader-with-xss@example.com", "taken over"
        assert asked.status_code == 403, asked.text
        assert asked.json()["code"] == "RECENT_SIGN_IN_REQUIRED"
        # the reader, with the password, still can
        own = await api.post("/auth/oauth/github/connect", json={"password": PASSWORD}, headers=stolen)
        assert own.status_code == 200, own.text


# a JSON array nested far past the parser's recursion limit: json.loads raises RecursionError, not ValueError
NESTED_JSON = b"[" * 100_000 + b"]" * 100_000


@pytest.mark.parametrize(
    ("provider_id", "path"),
    [
        ("github", "/api/user/emails"),
        ("github", "/login/oauth/access_token"),
        ("uni", "/token"),
        ("uni", "/.well-known/openid-configuration"),
        ("uni", "/jwks"),
    ],
    ids=["github-emails", "github-token", "oidc-token", "oidc-discovery", "oidc-keys"],
)
async def test_a_provider_answer_nested_past_the_json_parsers_depth_ends_on_the_site_not_on_a_500(
    api: httpx.AsyncClient, github: GitHubProvider, oidc: OidcProvider, provider_id: str, path: str
) -> None:
    # attack pass: a provider (hostile, or an impostor on its network path) answering any of its endpoints with a
    # deeply nested body left the reader on authgate's JSON 500 page, not on the site
    (github if provider_id == "github" else oidc).raw_answers[path] = NESTED_JSON
    assert_refused(await sign_in_through(api, provider_id), "OAUTH_PROVIDER_ERROR")
    assert (await me(api)).status_code == 401


async def test_a_github_id_longer_than_the_subject_column_is_a_provider_error_not_a_json_page(
    api: httpx.AsyncClient, github: GitHubProvider, database_url: str
) -> None:
    # attack pass: a GitHub Enterprise server (or an impostor) answering /user with a 300-digit id. The OpenID
    # subject was bounded to the column, GitHub's was not: PostgreSQL refused the insert and the browser flow ended
    # on a 422 JSON page; SQLite stored it. A number no GitHub account has is an answer not to trust
    github.user_id = 10**300
    assert_refused(await sign_in_through(api, "github"), "OAUTH_PROVIDER_ERROR")
    assert query(database_url, "SELECT count(*) FROM identities")[0][0] == 0


@pytest.mark.faults  # bounds a wait in seconds: run alone (make test-faults)
@pytest.mark.parametrize(
    ("provider_id", "path"),
    [
        ("uni", "/.well-known/openid-configuration"),
        ("uni", "/token"),
        ("github", "/login/oauth/access_token"),
        ("github", "/api/user"),
    ],
    ids=["oidc-discovery", "oidc-token", "github-token", "github-user"],
)
async def test_a_provider_that_trickles_its_answer_is_an_error_page_within_the_timeout(
    database_url: str, clock: FakeClock, provider_id: str, path: str
) -> None:
    # attack pass: a provider (or a middlebox) that sends one byte every 0.2 s never trips httpx's timeout, which
    # bounds each read, not the answer: the sign-in hung for as long as the trickle went on. OAUTH_HTTP_TIMEOUT_SECONDS
    # bounds each exchange with a provider as a whole
    with serving(GitHubProvider()) as github, serving(OidcProvider()) as oidc:
        (github if provider_id == "github" else oidc).trickled.add(path)
        assert isinstance(github, GitHubProvider) and isinstance(oidc, OidcProvider)
        settings = provider_settings(database_url, github, oidc, oauth_http_timeout_seconds=1.0)
        async with app_client(settings, clock) as http:
            began = time.monotonic()
            done = await asyncio.wait_for(sign_in_through(http, provider_id), 15)
            assert_refused(done, "OAUTH_PROVIDER_ERROR")
            # one bounded exchange, plus the quick ones before it; nowhere near the trickle's length
            assert time.monotonic() - began < 5


@pytest.mark.faults  # bounds a wait in seconds: run alone (make test-faults)
async def test_readers_signing_in_at_once_through_a_provider_that_never_answers_each_wait_one_timeout_at_most(
    database_url: str, clock: FakeClock
) -> None:
    # attack pass: discovery and keys are fetched under one lock per URL, so that one fetch fills the cache for all.
    # While the provider was silent, each waiting sign-in took its turn at the lock and its own full timeout: the
    # eighth reader of a burst waited eight timeouts (80 s by default), the hundredth of an outage far past any
    # proxy's. Waiting for the lock counts against the same OAUTH_HTTP_TIMEOUT_SECONDS as the fetch
    async with app_with_a_silent_provider(database_url, clock) as http:
        began = time.monotonic()

        async def one_reader() -> float:
            started = await http.get("/auth/oauth/uni/authorize", params={"next": "/"})
            assert_refused(started, "OAUTH_PROVIDER_ERROR")
            return time.monotonic() - began

        waited = await asyncio.wait_for(asyncio.gather(*(one_reader() for _ in range(8))), 30)
        assert max(waited) < 3, waited


@pytest.mark.parametrize("endpoint", ["authorization_endpoint", "token_endpoint", "jwks_uri"])
async def test_a_discovery_document_naming_a_plain_http_endpoint_off_loopback_is_refused(
    api: httpx.AsyncClient, oidc: OidcProvider, endpoint: str
) -> None:
    # attack pass: OpenID Connect Discovery §3 asks https of every endpoint; one named with plain http on another host
    # was used as named, and the code and client secret would have crossed the network in the clear. `127.1` is a
    # host the rule does not count as loopback that the resolver still takes to the test provider, so without the
    # rule this sign-in goes through
    path = {"authorization_endpoint": "/authorize", "token_endpoint": "/token", "jwks_uri": "/jwks"}[endpoint]
    document = {**oidc.discovery_document(), endpoint: f"http://127.1:{oidc.port}{path}"}
    oidc.raw_answers["/.well-known/openid-configuration"] = json.dumps(document).encode()
    assert_refused(await sign_in_through(api, "uni"), "OAUTH_PROVIDER_ERROR")
    assert (await me(api)).status_code == 401


@pytest.mark.parametrize("endpoint", ["token_endpoint", "jwks_uri"])
@pytest.mark.parametrize("url", ["http://\x00/", "https://login.uni.example/" + "k" * 70_000], ids=["nul", "overlong"])
async def test_a_discovery_document_naming_an_endpoint_no_client_can_reach_ends_on_the_site_not_on_a_500(
    api: httpx.AsyncClient, oidc: OidcProvider, endpoint: str, url: str
) -> None:
    # attack pass: discovery (OpenID Connect Discovery §3) naming a token endpoint or key set URL with a NUL, or one
    # past httpx's URL length limit: httpx raises InvalidURL, which is not one of its HTTPErrors, and every callback
    # ended on a 500 page for as long as the document stayed cached (an hour)
    document = {**oidc.discovery_document(), endpoint: url}
    oidc.raw_answers["/.well-known/openid-configuration"] = json.dumps(document).encode()
    assert_refused(await sign_in_through(api, "uni"), "OAUTH_PROVIDER_ERROR")
    assert (await me(api)).status_code == 401


@pytest.mark.parametrize("lifetime", [b'"expires_in": 1e400', b'"expires_at": 1e400'], ids=["expires_in", "expires_at"])
@pytest.mark.parametrize("provider_id", ["github", "uni"])
async def test_a_token_answer_with_an_infinite_lifetime_ends_on_the_site_not_on_a_500(
    api: httpx.AsyncClient, github: GitHubProvider, oidc: OidcProvider, provider_id: str, lifetime: bytes
) -> None:
    # attack pass: RFC 6749 §5.1's expires_in as 1e400, which JSON reads as infinity; the client library turns it into
    # an int and raises OverflowError (not a ValueError), and the callback ended on a 500 page
    path = "/login/oauth/access_token" if provider_id == "github" else "/token"
    answer = b'{"access_token": "a-token", "token_type": "bearer", ' + lifetime + b"}"
    (github if provider_id == "github" else oidc).raw_answers[path] = answer
    assert_refused(await sign_in_through(api, provider_id), "OAUTH_PROVIDER_ERROR")


async def test_a_fresh_access_token_alone_cannot_disconnect_a_provider(
    api: httpx.AsyncClient, clock: FakeClock
) -> None:
    # found in review: an access token stolen within minutes of the reader's sign-in could disconnect the reader's
    # GitHub with an empty body, a way in the reader had. Disconnecting asks what connecting asks (ASVS 5.0 V6.2 /
    # V7.5): the password or a code; a reader with neither (only providers, no second factor) still proves it by a
    # recent sign-in
    signed_up = await signup(api, "keeps-github@example.com")
    stolen = {"authorization": f"Bearer {signed_up.json()['access_token']}"}
    asked = await api.post("/auth/oauth/github/connect", json={"password": PASSWORD}, headers=stolen)
    assert error_of(await sign_in_through(api, "github", start=asked.json()["authorize_url"])) is None
    identity = (await api.get("/auth/identities", headers=stolen)).json()[0]["id"]
    clock.advance(minutes=1)
    refused = await api.request("DELETE", f"/auth/identities/{identity}", json={}, headers=stolen)
    assert refused.status_code == 403, refused.text
    assert refused.json()["code"] == "RECENT_SIGN_IN_REQUIRED"
    assert [i["id"] for i in (await api.get("/auth/identities", headers=stolen)).json()] == [identity]
    # the reader, with the password, still can
    own = await api.request("DELETE", f"/auth/identities/{identity}", json={"password": PASSWORD}, headers=stolen)
    assert own.status_code == 204, own.text
    assert (await api.get("/auth/identities", headers=stolen)).json() == []

    # a provider-only reader with two providers: no password, no second factor; a sign-in a minute old proves it
    api.cookies.clear()
    await sign_in_through(api, "uni")
    fresh = {"authorization": f"Bearer {(await api.post('/auth/refresh')).json()['access_token']}"}
    connect = await api.post("/auth/oauth/github/connect", json={}, headers=fresh)
    assert connect.status_code == 200, connect.text
    assert error_of(await sign_in_through(api, "github", start=connect.json()["authorize_url"])) is None
    both = {i["provider"]: i["id"] for i in (await api.get("/auth/identities", headers=fresh)).json()}
    assert set(both) == {"github", "uni"}
    clock.advance(minutes=1)
    removed = await api.request("DELETE", f"/auth/identities/{both['uni']}", json={}, headers=fresh)
    assert removed.status_code == 204, removed.text
    assert [i["provider"] for i in (await api.get("/auth/identities", headers=fresh)).json()] == ["github"]


def usable_answer(provider_id: str, github: GitHubProvider, oidc: OidcProvider) -> tuple[str, bytes]:
    """A path of the provider and the answer it gives there anyway, as bytes for `raw_answers`."""
    if provider_id == "github":
        return "/api/user/emails", json.dumps(github.emails).encode()
    return "/.well-known/openid-configuration", json.dumps(oidc.discovery_document()).encode()


@pytest.mark.parametrize("encoding", ["identity", "gzip"])
@pytest.mark.parametrize("provider_id", ["github", "uni"])
async def test_a_provider_answer_past_a_megabyte_ends_on_the_site_before_it_is_all_in_memory(
    api: httpx.AsyncClient, github: GitHubProvider, oidc: OidcProvider, provider_id: str, encoding: str
) -> None:
    # attack pass: the answers are a few kilobytes, but the client read whatever came within the deadline into memory,
    # then inflated it: 2 MiB of JSON padding, or 8 MiB of it gzipped into a few kilobytes, went through whole and the
    # sign-in succeeded. Past 1 MiB, before or after decoding, the answer is unusable
    path, answer = usable_answer(provider_id, github, oidc)
    padded = answer + b" " * (2 << 20 if encoding == "identity" else 8 << 20)
    target = github if provider_id == "github" else oidc
    if encoding == "gzip":
        target.raw_answers[path] = gzip.compress(padded)
        target.raw_headers[path] = {"Content-Encoding": "gzip"}
        assert len(target.raw_answers[path]) < 64 << 10  # the bomb is small on the wire
    else:
        target.raw_answers[path] = padded
    assert_refused(await sign_in_through(api, provider_id), "OAUTH_PROVIDER_ERROR")
    assert (await me(api)).status_code == 401


@pytest.mark.parametrize("provider_id", ["github", "uni"])
async def test_a_gzipped_answer_within_the_bound_signs_in(
    api: httpx.AsyncClient, github: GitHubProvider, oidc: OidcProvider, provider_id: str
) -> None:
    # the other side of the bound: providers compress their answers (authgate asks for gzip and inflates it itself),
    # and one padded to just under a megabyte is still read
    path, answer = usable_answer(provider_id, github, oidc)
    target = github if provider_id == "github" else oidc
    target.raw_answers[path] = gzip.compress(answer + b" " * ((1 << 20) - len(answer)))
    target.raw_headers[path] = {"Content-Encoding": "gzip"}
    signed_in = await sign_in_through(api, provider_id)
    assert signed_in.status_code == 302 and "error=" not in signed_in.headers["location"], signed_in.headers
    assert (await me(api)).status_code == 200
