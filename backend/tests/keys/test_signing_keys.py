"""Access tokens signed with key pairs other services verify: JWKS, rotation across instances, introspection."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
from collections.abc import AsyncIterator

import httpx
import jwt
import pytest
from pydantic import SecretStr

from authgate.admin import signing_keys
from authgate.settings import Settings
from tests.conftest import FakeClock, app_client, make_settings, signup

INTROSPECTION_SECRET = "introspection-secret-for-the-tests-0123456789"


def header_of(token: str) -> dict[str, object]:
    part = token.split(".")[0]
    decoded: dict[str, object] = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    return decoded


def hand_signed_hs256(header: dict[str, object], payload: dict[str, object], key: bytes) -> str:
    # PyJWT refuses to use a JWK as an HMAC secret; an attacker would not ask it
    def part(value: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    signing_input = f"{part(header)}.{part(payload)}"
    signature = hmac.new(key, signing_input.encode(), hashlib.sha256).digest()
    return signing_input + "." + base64.urlsafe_b64encode(signature).rstrip(b"=").decode()


@pytest.fixture(params=["EdDSA", "ES256", "RS256"])
def pair_settings(request: pytest.FixtureRequest, database_url: str) -> Settings:
    return make_settings(
        database_url, jwt_algorithm=request.param, jwt_key_refresh_seconds=5, introspection_secret=INTROSPECTION_SECRET
    )


@pytest.fixture
async def pair_client(pair_settings: Settings, clock: FakeClock) -> AsyncIterator[httpx.AsyncClient]:
    async with app_client(pair_settings, clock) as http:
        yield http


async def test_tokens_name_a_published_key_and_the_jwks_holds_no_private_part(
    pair_client: httpx.AsyncClient, pair_settings: Settings
) -> None:
    token = (await signup(pair_client, "pair@example.com")).json()["access_token"]
    header = header_of(token)
    assert header["alg"] == pair_settings.jwt_algorithm and header["typ"] == "at+jwt"
    published = await pair_client.get("/auth/.well-known/jwks.json")
    assert published.status_code == 200
    assert published.headers["cache-control"].startswith("public")
    keys = published.json()["keys"]
    assert [k["kid"] for k in keys] == [header["kid"]]
    assert not {"d", "p", "q", "dp", "dq", "qi"} & set(keys[0])
    root = await pair_client.get("/.well-known/jwks.json")
    assert root.json() == published.json()
    # a verifier elsewhere, with the published key only
    key = jwt.PyJWK(keys[0])
    claims = jwt.decode(
        token, key.key, algorithms=[pair_settings.jwt_algorithm], audience="authgate", issuer="authgate"
    )
    assert claims["email"] == "pair@example.com"
    assert (await pair_client.get("/auth/me", headers={"Authorization": f"Bearer {token}"})).status_code == 200


async def test_the_metadata_names_the_issuer_and_the_jwks(pair_client: httpx.AsyncClient) -> None:
    metadata = (await pair_client.get("/.well-known/oauth-authorization-server")).json()
    assert metadata["issuer"] == "authgate"
    assert metadata["jwks_uri"] == "http://localhost:8000/auth/.well-known/jwks.json"
    assert metadata["introspection_endpoint"] == "http://localhost:8000/auth/introspect"


async def test_an_hmac_token_made_with_the_public_key_is_refused(
    pair_client: httpx.AsyncClient, pair_settings: Settings
) -> None:
    # RFC 8725 §2.1 key confusion: the published key used as an HMAC secret
    token = (await signup(pair_client, "confused@example.com")).json()["access_token"]
    jwk = (await pair_client.get("/auth/.well-known/jwks.json")).json()["keys"][0]
    payload = jwt.decode(token, options={"verify_signature": False})
    forged = hand_signed_hs256({"alg": "HS256", "typ": "at+jwt", "kid": jwk["kid"]}, payload, json.dumps(jwk).encode())
    pair_client.cookies.clear()  # /auth/me would fall back to the cookie
    refused = await pair_client.get("/auth/me", headers={"Authorization": f"Bearer {forged}"})
    assert refused.status_code == 401


async def test_rotation_keeps_the_old_key_published_until_its_tokens_expired(
    pair_client: httpx.AsyncClient, pair_settings: Settings, clock: FakeClock
) -> None:
    old_token = (await signup(pair_client, "rotate@example.com")).json()["access_token"]
    old_kid = header_of(old_token)["kid"]
    rows = await signing_keys(pair_settings, "rotate")
    assert [row[2] for row in rows][:2] == ["current", "retired, still published"]
    clock.advance(seconds=6)  # past JWT_KEY_REFRESH_SECONDS: this instance reloads
    new_token = (
        await pair_client.post("/auth/login", json={"email": "rotate@example.com", "password": "SecureP@ssw0rd"})
    ).json()["access_token"]
    assert header_of(new_token)["kid"] != old_kid
    published = {k["kid"] for k in (await pair_client.get("/auth/.well-known/jwks.json")).json()["keys"]}
    assert published == {old_kid, header_of(new_token)["kid"]}
    assert (await pair_client.get("/auth/me", headers={"Authorization": f"Bearer {old_token}"})).status_code == 200
    # the longest an old token lives (30 min), the leeway and the reload interval: then the old key is gone
    clock.advance(minutes=31)
    published = {k["kid"] for k in (await pair_client.get("/auth/.well-known/jwks.json")).json()["keys"]}
    assert published == {header_of(new_token)["kid"]}


async def test_another_instance_learns_a_new_key_from_the_first_token_it_sees(
    pair_settings: Settings, clock: FakeClock
) -> None:
    async with app_client(pair_settings, clock) as first, app_client(pair_settings, clock) as second:
        token = (await signup(first, "two-instances@example.com")).json()["access_token"]
        assert (await second.get("/auth/me", headers={"Authorization": f"Bearer {token}"})).status_code == 200
        await signing_keys(pair_settings, "rotate")
        clock.advance(seconds=6)
        fresh = (
            await first.post("/auth/login", json={"email": "two-instances@example.com", "password": "SecureP@ssw0rd"})
        ).json()["access_token"]
        # the second instance loaded its keys less than the reload interval ago... and learns the new one at once
        assert (await second.get("/auth/me", headers={"Authorization": f"Bearer {fresh}"})).status_code == 200


async def test_introspection_says_whether_a_token_is_still_good(pair_client: httpx.AsyncClient) -> None:
    token = (await signup(pair_client, "introspect@example.com")).json()["access_token"]
    service = {"Authorization": f"Bearer {INTROSPECTION_SECRET}"}
    as_form = await pair_client.post(
        "/auth/introspect",
        headers=service | {"content-type": "application/x-www-form-urlencoded"},
        content=f"token={token}",
    )
    assert as_form.status_code == 200
    assert as_form.json()["active"] is True and as_form.json()["email"] == "introspect@example.com"
    assert (await pair_client.post("/auth/introspect", headers=service, json={"token": "garbage"})).json() == {
        "active": False,
        **{k: None for k in ("sub", "email", "exp", "iat", "iss", "aud", "jti", "auth_time", "token_type")},
    }
    # signed out everywhere: the token still verifies by signature, but authgate says it is no longer active
    pair_client.cookies.clear()
    assert (await pair_client.delete("/auth/sessions", headers={"Authorization": f"Bearer {token}"})).status_code == 204
    after = await pair_client.post("/auth/introspect", headers=service, json={"token": token})
    assert after.json()["active"] is False


async def test_introspection_needs_the_services_secret(pair_client: httpx.AsyncClient) -> None:
    token = (await signup(pair_client, "nosecret@example.com")).json()["access_token"]
    for headers in ({}, {"Authorization": f"Bearer {token}"}, {"Authorization": "Bearer wrong"}):
        refused = await pair_client.post("/auth/introspect", headers=headers, json={"token": token})
        assert refused.status_code == 401


async def test_introspection_is_off_without_a_secret(client: httpx.AsyncClient) -> None:
    assert (await client.post("/auth/introspect", json={"token": "x"})).status_code == 404


async def test_a_blank_introspection_secret_leaves_introspection_off_not_open(
    database_url: str, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    # attack pass: `INTROSPECTION_SECRET=` (blank, as a compose file's `${INTROSPECTION_SECRET}` of an unset variable
    # writes it) turned the route on with "" as the secret; a request with no Authorization at all matched it and
    # learned the email behind any access token
    monkeypatch.setenv("INTROSPECTION_SECRET", "")
    settings = make_settings(database_url)
    from_environment = Settings(_env_file=None, **settings.model_dump(exclude={"introspection_secret"}))  # type: ignore[call-arg]
    # settings copied in code skip the validators: an empty secret there is off too
    copied = settings.model_copy(update={"introspection_secret": SecretStr("")})
    for blank in (from_environment, copied):
        async with app_client(blank, clock) as http:
            token = (await signup(http)).json()["access_token"]
            http.cookies.clear()
            for headers in ({}, {"Authorization": "Bearer"}, {"Authorization": "Bearer "}):
                answer = await http.post("/auth/introspect", headers=headers, json={"token": token})
                assert answer.status_code == 404, answer.text
                assert '"active":true' not in answer.text.replace(" ", "")


async def test_a_deeply_nested_introspection_body_is_inactive_not_a_500(database_url: str, clock: FakeClock) -> None:
    # attack pass: the introspection body is parsed by hand; JSON nested past the parser's depth raised
    # RecursionError, which no handler expected: a 500 and a traceback in the log instead of `active: false`
    settings = make_settings(database_url, introspection_secret=INTROSPECTION_SECRET)
    async with app_client(settings, clock) as http:
        service = {"Authorization": f"Bearer {INTROSPECTION_SECRET}", "content-type": "application/json"}
        for body in ("[" * 5000, '{"token": ' * 1400):  # within the 16 KiB body cap
            answer = await http.post("/auth/introspect", headers=service, content=body)
            assert answer.status_code == 200, answer.text
            assert answer.json()["active"] is False


async def test_hmac_tokens_carry_a_kid_and_publish_nothing(client: httpx.AsyncClient) -> None:
    token = (await signup(client, "hmac@example.com")).json()["access_token"]
    assert str(header_of(token)["kid"]).startswith("hs-")
    assert (await client.get("/auth/.well-known/jwks.json")).json() == {"keys": []}


async def test_a_changed_secret_makes_a_new_key_instead_of_failing_every_route(
    pair_settings: Settings, clock: FakeClock
) -> None:
    async with app_client(pair_settings, clock) as before:
        old = (await signup(before, "new-secret@example.com")).json()["access_token"]
    changed = pair_settings.model_copy(update={"jwt_secret_key": SecretStr("another-secret-k3Jd8sLq2pVn7xZt5cWb9rYf")})
    async with app_client(changed, clock) as after:
        signed_in = await after.post(
            "/auth/login", json={"email": "new-secret@example.com", "password": "SecureP@ssw0rd"}
        )
        assert signed_in.status_code == 200, signed_in.text
        fresh = signed_in.json()["access_token"]
        assert header_of(fresh)["kid"] != header_of(old)["kid"]
        assert (await after.get("/auth/me", headers={"Authorization": f"Bearer {fresh}"})).status_code == 200
        # the old key cannot be opened with the new secret: neither accepted nor published here
        after.cookies.clear()  # GET /auth/me would otherwise fall back to the refresh cookie of the sign-in above
        assert (await after.get("/auth/me", headers={"Authorization": f"Bearer {old}"})).status_code == 401
        published = (await after.get("/auth/.well-known/jwks.json")).json()["keys"]
        assert [k["kid"] for k in published] == [header_of(fresh)["kid"]]


async def test_made_up_kids_do_not_make_every_request_reload_the_keys(
    pair_client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # attack pass: a token naming a kid this instance does not know makes it reload the ring from the database (and
    # unseal every private key) at once; without a floor, each anonymous request with a made-up kid did so again
    from authgate.keys.service import KeyStore

    token = (await signup(pair_client, "kid-flood@example.com")).json()["access_token"]
    _, payload, signature = token.split(".")
    pair_client.cookies.clear()  # the bearer token alone
    loads = 0
    load = KeyStore.load

    async def counted(self: KeyStore, *args: object, **kwargs: object) -> object:
        nonlocal loads
        loads += 1
        return await load(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(KeyStore, "load", counted)

    def forged(n: int) -> str:
        header = {**header_of(token), "kid": f"made-up-{n}"}
        part = base64.urlsafe_b64encode(json.dumps(header).encode()).rstrip(b"=").decode()
        return f"{part}.{payload}.{signature}"

    for n in range(10):
        refused = await pair_client.get("/auth/me", headers={"Authorization": f"Bearer {forged(n)}"})
        assert refused.status_code == 401
    await asyncio.gather(
        *(pair_client.get("/auth/me", headers={"Authorization": f"Bearer {forged(n)}"}) for n in range(10, 30))
    )
    assert loads <= 1
