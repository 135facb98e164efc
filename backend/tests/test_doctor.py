"""`authgate doctor`: the analysis as pure functions on crafted headers, then the command against served instances
configured right (every check ok) and wrong (each mistake found, exit 1), a dead URL and a mail server."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from email.utils import formatdate

import httpx
import pytest
from aiosmtpd.controller import Controller

from authgate import doctor
from authgate.doctor import (
    Finding,
    check_clock,
    check_cookie,
    check_jwks,
    check_preflight,
    parse_set_cookie,
    registrable_domain,
    same_site,
)
from tests.conftest import PASSWORD, TEST_REDIS_URL, signup_body
from tests.ports import free_port
from tests.serving import cli_env, run_cli, served

SITE = "http://localhost:3000"
API = "https://api.example.org"
DOCS = "https://docs.example.org"


def by_check(findings: list[Finding]) -> dict[str, Finding]:
    return {finding.check: finding for finding in findings}


def statuses(findings: list[Finding]) -> dict[str, str]:
    return {finding.check: finding.status for finding in findings}


# ---------------------------------------------------------------- sites


@pytest.mark.parametrize(
    ("host", "site"),
    [
        ("api.example.org", "example.org"),
        ("docs.example.org", "example.org"),
        ("example.org", "example.org"),
        ("a.b.example.co.uk", "example.co.uk"),
        ("reader.github.io", "reader.github.io"),
        ("authgate-api.onrender.com", "authgate-api.onrender.com"),
        ("my-api.up.railway.app", "my-api.up.railway.app"),
        ("localhost", "localhost"),
        ("api.localhost", "localhost"),
        ("127.0.0.1", "127.0.0.1"),
        ("API.Example.ORG.", "example.org"),
    ],
)
def test_registrable_domain(host: str, site: str) -> None:
    assert registrable_domain(host) == site


def test_same_site_is_the_registrable_domain_not_the_origin() -> None:
    assert same_site(DOCS, API)
    assert same_site("http://localhost:3000", "http://localhost:8000")
    assert not same_site("https://reader.github.io", "https://authgate.onrender.com")
    # two projects on one hosting suffix are different sites (the suffix is public)
    assert not same_site("https://docs.vercel.app", "https://api.vercel.app")
    assert not same_site("https://docs.example.org", "https://api.example.com")


# ---------------------------------------------------------------- cookies


def test_set_cookie_parsing() -> None:
    cookie = parse_set_cookie(
        'refresh_token="abc"; Domain=.Example.org; expires=Thu, 01 Jan 2099 00:00:00 GMT; HttpOnly; '
        "Max-Age=604800; Path=/auth; SameSite=Lax; Secure"
    )
    assert cookie.name == "refresh_token" and cookie.value == "abc"
    assert cookie.secure and cookie.httponly
    assert cookie.samesite == "lax" and cookie.domain == "example.org" and cookie.path == "/auth"


GOOD = "refresh_token=x; HttpOnly; Max-Age=604800; Path=/auth; SameSite=lax; Secure"


def test_a_right_cookie_for_a_site_and_an_api_on_sibling_subdomains() -> None:
    findings = check_cookie(parse_set_cookie(GOOD), API, DOCS, seen_on="test")
    assert statuses(findings) == {
        "cookie.httponly": "ok",
        "cookie.secure": "ok",
        "cookie.samesite": "ok",
        "cookie.domain": "ok",
        "cookie.path": "ok",
    }
    assert "same site" in by_check(findings)["cookie.samesite"].message


def test_no_secure_flag_on_an_https_api_fails() -> None:
    cookie = parse_set_cookie("refresh_token=x; HttpOnly; Path=/auth; SameSite=lax")
    finding = by_check(check_cookie(cookie, API, DOCS, seen_on="test"))["cookie.secure"]
    assert finding.status == "fail" and finding.fix == "COOKIE_SECURE=true"


def test_a_secure_cookie_on_a_plain_http_api_fails_except_on_loopback() -> None:
    cookie = parse_set_cookie(GOOD)
    remote = by_check(check_cookie(cookie, "http://api.example.org", "http://docs.example.org", seen_on="t"))
    assert remote["cookie.secure"].status == "fail"
    local = by_check(check_cookie(cookie, "http://localhost:8000", SITE, seen_on="t"))
    assert local["cookie.secure"].status == "ok"


def test_lax_across_sites_fails_with_both_fixes() -> None:
    findings = by_check(check_cookie(parse_set_cookie(GOOD), "https://authgate.onrender.com", DOCS, seen_on="t"))
    samesite = findings["cookie.samesite"]
    assert samesite.status == "fail"
    assert "different sites" in samesite.message and "sibling subdomain" in samesite.fix
    assert "COOKIE_SAMESITE=none" in samesite.fix


def test_none_across_sites_is_a_warning_with_secure_and_a_failure_without() -> None:
    api = "https://authgate.onrender.com"
    secure = parse_set_cookie("refresh_token=x; HttpOnly; Path=/auth; SameSite=none; Secure")
    assert by_check(check_cookie(secure, api, DOCS, seen_on="t"))["cookie.samesite"].status == "warn"
    plain = parse_set_cookie("refresh_token=x; HttpOnly; Path=/auth; SameSite=none")
    assert by_check(check_cookie(plain, api, DOCS, seen_on="t"))["cookie.samesite"].status == "fail"


def test_none_on_the_same_site_and_a_missing_samesite_are_warnings() -> None:
    none = parse_set_cookie("refresh_token=x; HttpOnly; Path=/auth; SameSite=none; Secure")
    assert by_check(check_cookie(none, API, DOCS, seen_on="t"))["cookie.samesite"].status == "warn"
    missing = parse_set_cookie("refresh_token=x; HttpOnly; Path=/auth; Secure")
    assert by_check(check_cookie(missing, API, DOCS, seen_on="t"))["cookie.samesite"].status == "warn"


def test_mixed_schemes_on_one_site_are_a_warning() -> None:
    cookie = parse_set_cookie(GOOD)
    finding = by_check(check_cookie(cookie, API, "http://docs.example.org", seen_on="t"))["cookie.samesite"]
    assert finding.status == "warn" and "https" in finding.fix


@pytest.mark.parametrize(
    ("domain", "expected"),
    [
        ("api.example.org", "warn"),
        (".example.org", "warn"),
        ("example.com", "fail"),
        ("other.example.org", "fail"),
        ("org", "fail"),
    ],
)
def test_the_domain_attribute(domain: str, expected: str) -> None:
    cookie = parse_set_cookie(f"{GOOD}; Domain={domain}")
    finding = by_check(check_cookie(cookie, API, DOCS, seen_on="t"))["cookie.domain"]
    assert finding.status == expected
    if expected == "warn":
        assert "unset COOKIE_DOMAIN" in finding.fix


def test_a_domain_on_a_public_hosting_suffix_fails() -> None:
    cookie = parse_set_cookie(f"{GOOD}; Domain=onrender.com")
    finding = by_check(check_cookie(cookie, "https://authgate.onrender.com", DOCS, seen_on="t"))["cookie.domain"]
    assert finding.status == "fail" and "public suffix" in finding.message


def test_no_httponly_and_a_path_that_misses_the_refresh_route_fail() -> None:
    cookie = parse_set_cookie("refresh_token=x; Path=/api/auth; SameSite=lax; Secure")
    findings = by_check(check_cookie(cookie, API, DOCS, seen_on="t"))
    assert findings["cookie.httponly"].status == "fail"
    assert findings["cookie.path"].status == "fail"
    # given the mount prefix in the URL, the same path is right
    mounted = by_check(check_cookie(cookie, API + "/api", DOCS, seen_on="t"))
    assert mounted["cookie.path"].status == "ok"


# ---------------------------------------------------------------- clock, CORS, JWKS


def test_clock_skew() -> None:
    now = time.time()
    assert check_clock(formatdate(now, usegmt=True), now - 0.05, now + 0.05).status == "ok"
    assert check_clock(formatdate(now + 8, usegmt=True), now, now).status == "warn"
    late = check_clock(formatdate(now - 90, usegmt=True), now, now)
    assert late.status == "fail" and "behind" in late.message and "NTP" in late.fix
    assert check_clock(None, now, now).status == "warn"
    assert check_clock("yesterday", now, now).status == "warn"


def preflight_headers(*pairs: tuple[str, str]) -> httpx.Headers:
    return httpx.Headers(list(pairs))


def test_preflight_analysis() -> None:
    good = preflight_headers(
        ("access-control-allow-origin", DOCS),
        ("access-control-allow-credentials", "true"),
        ("access-control-allow-methods", "GET, POST, PATCH, DELETE, OPTIONS"),
    )
    assert statuses(check_preflight(200, good, DOCS)) == {"cors.preflight": "ok", "cors.credentials": "ok"}

    refused = check_preflight(400, preflight_headers(), DOCS)
    assert refused[0].status == "fail" and f"add {DOCS} to CORS_ORIGINS" in refused[0].fix

    no_credentials = preflight_headers(("access-control-allow-origin", DOCS))
    assert statuses(check_preflight(200, no_credentials, DOCS))["cors.credentials"] == "fail"

    wildcard = check_preflight(200, preflight_headers(("access-control-allow-origin", "*")), DOCS)
    assert wildcard[0].status == "fail" and "wildcard" in wildcard[0].message

    # a proxy adding its own header next to authgate's
    doubled = preflight_headers(("access-control-allow-origin", DOCS), ("access-control-allow-origin", DOCS))
    assert check_preflight(200, doubled, DOCS)[0].status == "fail"


def test_jwks_analysis() -> None:
    public = {"kty": "OKP", "crv": "Ed25519", "x": "abc", "kid": "k1", "alg": "EdDSA", "use": "sig"}
    assert check_jwks({"keys": [public]}).status == "ok"
    assert check_jwks({"keys": []}).status == "ok"
    assert check_jwks({"keys": [{"kty": "oct", "k": "c2VjcmV0", "kid": "hs"}]}).status == "fail"
    assert check_jwks({"keys": [{**public, "d": "private"}]}).status == "fail"
    assert check_jwks({"nothing": 1}).status == "fail"
    assert check_jwks(None).status == "fail"


# ---------------------------------------------------------------- an https deployment, simulated


def fake_https_api(*flaws: str) -> httpx.MockTransport:
    """What authgate behind a TLS proxy answers, with the given mistakes (a TLS server is more than these tests need:
    the checks only read answers)."""

    def cors(origin: str | None) -> dict[str, str]:
        if origin != DOCS:
            return {}
        return {"access-control-allow-origin": DOCS, "access-control-allow-credentials": "true"}

    def handle(request: httpx.Request) -> httpx.Response:
        url, path, origin = request.url, request.url.path, request.headers.get("origin")
        date = {"date": formatdate(time.time(), usegmt=True)}
        if url.scheme == "http":
            if "plain-http-open" in flaws:
                return httpx.Response(200, json={"status": "ok"})
            return httpx.Response(301, headers={"location": f"https://{url.host}{path}"})
        if path == "/healthz":
            hsts = {} if "no-hsts" in flaws else {"strict-transport-security": "max-age=63072000; includeSubDomains"}
            return httpx.Response(200, json={"status": "ok"}, headers={**date, **hsts})
        if path == "/healthz/":
            scheme = "http" if "tls-unseen" in flaws else "https"
            return httpx.Response(307, headers={"location": f"{scheme}://{url.host}/healthz"})
        if path == "/readyz":
            return httpx.Response(200, json={"status": "ok", "database": "ok", "redis": "ok"})
        if path == "/.well-known/oauth-authorization-server":
            return httpx.Response(200, json={"jwks_uri": f"{API}/auth/.well-known/jwks.json", "issuer": "authgate"})
        if path == "/.well-known/jwks.json":
            return httpx.Response(200, json={"keys": []})
        if path == "/metrics":
            return httpx.Response(401, json={"detail": "A metrics token is required", "code": "NOT_AUTHENTICATED"})
        if request.method == "OPTIONS" and path == "/auth/refresh":
            if origin != DOCS:
                return httpx.Response(400, json={"detail": "Origin not allowed", "code": "ORIGIN_NOT_ALLOWED"})
            return httpx.Response(200, headers={**cors(origin), "access-control-allow-methods": "GET, POST"})
        if request.method == "POST" and path == "/auth/logout":
            cookie = 'refresh_token=""; HttpOnly; Max-Age=0; Path=/auth; SameSite=lax'
            cookie += "" if "no-secure" in flaws else "; Secure"
            return httpx.Response(204, headers={**cors(origin), "set-cookie": cookie})
        if request.method == "POST" and path == "/auth/refresh":
            body = {"detail": "Invalid refresh token", "code": "REFRESH_TOKEN_INVALID"}
            return httpx.Response(401, json=body, headers=cors(origin))
        return httpx.Response(404, json={"detail": "Not found", "code": "NOT_FOUND"})

    return httpx.MockTransport(handle)


def test_an_https_deployment_behind_a_proxy_configured_right_is_all_ok() -> None:
    findings = doctor.run(doctor.Options(url=API, site=DOCS), transport=fake_https_api())
    assert {f.status for f in findings} == {"ok"}, doctor.as_text(doctor.Options(url=API, site=DOCS), findings)
    found = by_check(findings)
    assert "HSTS" in found["https"].message and "redirects to https" in found["https.plain"].message
    assert found["cookie.secure"].message.endswith("is Secure")


def test_https_mistakes_no_secure_cookie_no_hsts_plain_http_open_and_tls_unseen_by_the_app() -> None:
    transport = fake_https_api("no-secure", "no-hsts", "plain-http-open", "tls-unseen")
    found = by_check(doctor.run(doctor.Options(url=API, site=DOCS), transport=transport))
    assert found["cookie.secure"].status == "fail" and found["cookie.secure"].fix == "COOKIE_SECURE=true"
    assert found["https"].status == "warn" and "AUTH_PUBLIC_URL" in found["https"].fix
    assert found["https.plain"].status == "warn" and "return 301" in found["https.plain"].fix
    assert found["proxy.host"].status == "warn" and "plain http behind the TLS proxy" in found["proxy.host"].message


# ---------------------------------------------------------------- served instances


@pytest.fixture
def right_env(sqlite_url: str) -> Iterator[tuple[dict[str, str], int]]:
    port = free_port()
    env = cli_env(
        sqlite_url,
        CORS_ORIGINS=json.dumps([SITE]),
        AUTH_PUBLIC_URL=f"http://localhost:{port}",
        PUBLIC_URL=SITE,
        METRICS_TOKEN="a-scrape-token-for-the-test",
        JWT_ALGORITHM="EdDSA",
        REDIS_URL=TEST_REDIS_URL,
    )
    yield env, port


def test_a_deployment_configured_right_is_all_ok(right_env: tuple[dict[str, str], int]) -> None:
    env, port = right_env
    with served(env, port=port) as base:
        email = f"doctor-{time.monotonic_ns()}@example.com"
        assert httpx.post(f"{base}/auth/signup", json=signup_body(email)).status_code == 201

        result = run_cli("doctor", base, "--site", SITE, "--email", email, "--password", PASSWORD, "--json", env=env)
        assert result.returncode == 0, result.stdout + result.stderr
        report = json.loads(result.stdout)
        assert report["ok"] is True and report["summary"]["fail"] == 0 and report["summary"]["warn"] == 0
        found = {f["check"]: f for f in report["findings"]}
        for check in (
            "reach",
            "clock",
            "readyz",
            "redis",
            "jwks",
            "jwks.kid",
            "cors.preflight",
            "cors.credentials",
            "cors.others",
            "csrf",
            "cors.response",
            "signin",
            "refresh",
            "cookie.secure",
            "cookie.samesite",
            "cookie.domain",
            "cookie.path",
            "proxy.client_ip",
            "auth_public_url",
            "metrics",
        ):
            assert found[check]["status"] == "ok", found.get(check)
        assert "set by the sign-in" in found["cookie.samesite"]["message"]
        assert "Redis answers" in found["redis"]["message"]

        # without credentials the cleared cookie of a logout shows the same attributes
        options = doctor.Options(url=base, site=SITE)
        text = doctor.as_text(options, doctor.run(options))
        assert "as cleared by POST /auth/logout" in text
        assert text.rstrip().endswith("0 warn, 0 fail"), text

        # the doctor's own session was ended: only the sign-up's remains
        login = httpx.post(f"{base}/auth/login", json={"email": email, "password": PASSWORD})
        sessions = httpx.get(
            f"{base}/auth/sessions", headers={"Authorization": f"Bearer {login.json()['access_token']}"}
        )
        assert len(sessions.json()) == 2  # the sign-up's and this one


def test_a_site_missing_from_cors_and_other_mistakes_fail_with_their_fixes(sqlite_url: str) -> None:
    env = cli_env(sqlite_url, CORS_ORIGINS=json.dumps([SITE]))
    with served(env) as base:
        other_site = "http://localhost:4000"
        result = run_cli("doctor", base, "--site", other_site, env=env)
        assert result.returncode == 1
        assert "Traceback" not in result.stdout + result.stderr
        lines = result.stdout.splitlines()

        def line(check: str) -> str:
            return next(text for text in lines if text.split()[1:2] == [check])

        assert line("cors.preflight").split()[0] == "fail"
        assert line("csrf").split()[0] == "fail"
        assert line("cors.response").split()[0] == "fail"
        assert f"fix: add {other_site} to CORS_ORIGINS" in result.stdout
        # /metrics without a token, AUTH_PUBLIC_URL left at its default
        assert line("metrics").split()[0] == "warn" and "METRICS_TOKEN" in result.stdout
        assert line("auth_public_url").split()[0] == "warn" and f"AUTH_PUBLIC_URL={base}" in result.stdout
        # the cookie's attributes are still read (from a logout sent without Origin)
        assert line("cookie.httponly").split()[0] == "ok"


def test_a_made_up_forwarded_for_believed_and_a_wide_cookie_domain_are_found(sqlite_url: str) -> None:
    env = cli_env(
        sqlite_url, CORS_ORIGINS=json.dumps([SITE]), FORWARDED_ALLOW_IPS="0.0.0.0/0", COOKIE_DOMAIN="localhost"
    )
    with served(env) as base:
        email = f"doctor-{time.monotonic_ns()}@example.com"
        assert httpx.post(f"{base}/auth/signup", json=signup_body(email)).status_code == 201

        wrong = by_check(doctor.run(doctor.Options(url=base, site=SITE, email=email, password="not-the-password")))
        assert wrong["signin"].status == "fail" and "401" in wrong["signin"].message
        # the cookie is still checked, from the logout
        assert wrong["cookie.httponly"].status == "ok"

        findings = doctor.run(doctor.Options(url=base, site=SITE, email=email, password=PASSWORD))
        found = by_check(findings)
        assert found["proxy.client_ip"].status == "fail"
        assert "FORWARDED_ALLOW_IPS" in found["proxy.client_ip"].fix
        assert found["cookie.domain"].status == "warn"
        assert doctor.failed(findings)


# ---------------------------------------------------------------- dead URLs


@pytest.mark.faults  # bounds a wait in seconds: run alone (make test-faults)
def test_a_closed_port_is_a_clear_failure_without_a_traceback() -> None:
    port = free_port()
    started = time.monotonic()
    result = run_cli("doctor", f"http://127.0.0.1:{port}", "--site", SITE, "--timeout", "2", env=cli_env("sqlite://"))
    assert result.returncode == 1
    assert "Traceback" not in result.stdout + result.stderr
    assert "fail  reach" in result.stdout and "cannot reach" in result.stdout
    assert time.monotonic() - started < 15


@pytest.mark.faults  # bounds a wait in seconds: run alone (make test-faults)
def test_a_server_that_never_answers_costs_the_timeout_only() -> None:
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)  # accepts connections in the kernel, never reads or answers
        port = silent.getsockname()[1]
        started = time.monotonic()
        findings = doctor.run(doctor.Options(url=f"http://127.0.0.1:{port}", site=SITE, timeout=1))
        elapsed = time.monotonic() - started
    assert [f.check for f in findings] == ["reach"]
    assert findings[0].status == "fail" and "did not answer within 1 s" in findings[0].message
    assert elapsed < 5


def test_usage_errors_exit_2() -> None:
    assert doctor.validate(doctor.Options(url="api.example.org", site=SITE)) is not None
    assert doctor.validate(doctor.Options(url=API, site="docs.example.org")) is not None
    assert doctor.validate(doctor.Options(url=API, site=DOCS, email="a@example.com")) is not None
    assert doctor.validate(doctor.Options(url=API, site=DOCS, timeout=0)) is not None
    assert doctor.validate(doctor.Options(url=API, site=DOCS)) is None
    result = run_cli("doctor", "api.example.org", "--site", SITE, env=cli_env("sqlite://"))
    assert result.returncode == 2 and "absolute http(s) URL" in result.stderr


# ---------------------------------------------------------------- SMTP


class Sink:
    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:  # noqa: N802
        return "250 OK"


def test_smtp_reachable_without_starttls_is_a_warning_and_closed_is_a_failure() -> None:
    port = free_port()
    controller = Controller(Sink(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        finding = doctor.check_smtp(f"127.0.0.1:{port}", timeout=3)
    finally:
        controller.stop()
    assert finding.status == "warn" and "STARTTLS" in finding.message and "EHLO 250" in finding.message
    closed = doctor.check_smtp(f"127.0.0.1:{free_port()}", timeout=2)
    assert closed.status == "fail" and "cannot talk to SMTP" in closed.message
    assert doctor.check_smtp("no-port", timeout=1).status == "fail"
