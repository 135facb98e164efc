"""`authgate doctor URL --site ORIGIN`: a live deployment checked from the site's point of view.

Each check ends in a finding (ok, warn or fail) with the fix when it is not ok. Without credentials the doctor changes
nothing on the server: it reads `/healthz`, `/readyz`, the JWKS, the server metadata and the OpenAPI document, sends
a CORS preflight, and calls the two auth routes that need no credentials and change nothing: `POST /auth/logout`
with no cookie (an idempotent 204 whose `Set-Cookie` clears the refresh cookie with exactly the attributes a real one
gets: Secure, SameSite, Domain, Path, HttpOnly) and `POST /auth/refresh` with no cookie (a 401 the site's script must
be able to read). It never tries a wrong password: that would count toward the per-address and per-IP limits and
leave a failure record. With `--email/--password` of a test account it signs in as the site would (the real refresh
cookie, a refresh with it, the address the API records for the session, the token's key in the JWKS) and signs out
again. With `--smtp host:port` it opens the mail server and says EHLO (and STARTTLS when offered).

The same-site analysis uses a registrable-domain heuristic, not the Public Suffix List: the last two labels of the
host, or three under a short list of well-known multi-label suffixes (co.uk, github.io, vercel.app …). For another
multi-label public suffix it can call two unrelated sites "same site"; the fix it prints is then still right for the
usual layout (docs.example.org + api.example.org).
"""

from __future__ import annotations

import base64
import ipaddress
import json
import smtplib
import ssl
import time
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any, Literal
from urllib.parse import urlsplit

import httpx

from authgate import __version__
from authgate.transport import CHALLENGE_COOKIE, REFRESH_COOKIE, REFRESH_COOKIE_PATH

Status = Literal["ok", "warn", "fail"]

# a documentation address (RFC 5737): sent as X-Forwarded-For to see whether a made-up header is believed
PROBE_FORWARDED_FOR = "203.0.113.7"
# an origin no deployment allows: a reflected Access-Control-Allow-Origin means any site may call the API
PROBE_ORIGIN = "https://authgate-doctor.invalid"
# clock skew: the Date header has one-second resolution; tokens allow JWT_LEEWAY_SECONDS (10 by default)
CLOCK_OK_SECONDS = 3.0
CLOCK_WARN_SECONDS = 10.0

# multi-label public suffixes common for docs sites and APIs (a tiny part of the Public Suffix List)
MULTI_LABEL_SUFFIXES = frozenset(
    {
        "co.uk",
        "org.uk",
        "ac.uk",
        "gov.uk",
        "com.au",
        "net.au",
        "org.au",
        "edu.au",
        "co.nz",
        "co.jp",
        "ac.jp",
        "co.in",
        "co.za",
        "com.br",
        "com.cn",
        "com.mx",
        "com.tr",
        "github.io",
        "gitlab.io",
        "vercel.app",
        "netlify.app",
        "pages.dev",
        "workers.dev",
        "web.app",
        "firebaseapp.com",
        "appspot.com",
        "herokuapp.com",
        "onrender.com",
        "fly.dev",
        "up.railway.app",
        "azurewebsites.net",
        "azurestaticapps.net",
        "cloudfront.net",
        "amplifyapp.com",
        "readthedocs.io",
        "deno.dev",
    }
)
LOOPBACK_NAMES = frozenset({"localhost"})


@dataclass(frozen=True)
class Finding:
    check: str
    status: Status
    message: str
    fix: str = ""


# ---------------------------------------------------------------- sites and origins


def host_of(url: str) -> str:
    return (urlsplit(url).hostname or "").lower().rstrip(".")


def origin_of(url: str) -> str:
    """scheme://host[:port], lower case, the default port dropped (what a browser sends in Origin)."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"
    port = parts.port
    if port is None or (scheme, port) in (("http", 80), ("https", 443)):
        return f"{scheme}://{host}"
    return f"{scheme}://{host}:{port}"


def _ip(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def is_loopback(host: str) -> bool:
    address = _ip(host)
    if address is not None:
        return address.is_loopback
    return host in LOOPBACK_NAMES or host.endswith(".localhost")


def is_private_address(text: str) -> bool:
    """A loopback, private or link-local address: what a proxy in front of the API has, not a reader."""
    address = _ip(text)
    return address is not None and (address.is_private or address.is_loopback or address.is_link_local)


def registrable_domain(host: str) -> str:
    """The "site" of a host for SameSite: its registrable domain (eTLD+1), by a heuristic (see the module's doc).

    An IP address or a single label (localhost) is its own site.
    """
    host = host.lower().rstrip(".")
    if _ip(host) is not None or "." not in host:
        return host
    labels = host.split(".")
    if host.endswith(".localhost"):
        return "localhost"
    for size in (3, 2):
        suffix = ".".join(labels[-size:])
        if suffix in MULTI_LABEL_SUFFIXES:
            return ".".join(labels[-size - 1 :]) if len(labels) > size else host
    return ".".join(labels[-2:])


def is_public_suffix(domain: str) -> bool:
    """Whether a cookie Domain would name a public suffix (browsers refuse such a cookie), by the same heuristic."""
    domain = domain.lower().strip(".")
    if domain in MULTI_LABEL_SUFFIXES:
        return True
    return "." not in domain and domain not in LOOPBACK_NAMES and _ip(domain) is None


def same_site(a: str, b: str) -> bool:
    """Whether two URLs are the same site: the same registrable domain (the scheme is compared separately)."""
    return registrable_domain(host_of(a)) == registrable_domain(host_of(b))


# ---------------------------------------------------------------- cookies


@dataclass(frozen=True)
class SetCookie:
    name: str
    value: str
    attributes: Mapping[str, str] = field(default_factory=dict)
    flags: frozenset[str] = frozenset()

    @property
    def secure(self) -> bool:
        return "secure" in self.flags

    @property
    def httponly(self) -> bool:
        return "httponly" in self.flags

    @property
    def samesite(self) -> str | None:
        value = self.attributes.get("samesite")
        return value.lower() if value else None

    @property
    def domain(self) -> str | None:
        value = self.attributes.get("domain")
        return value.lower().lstrip(".") if value else None

    @property
    def path(self) -> str | None:
        return self.attributes.get("path")


def parse_set_cookie(header: str) -> SetCookie:
    """One Set-Cookie header value (RFC 6265 §5.2): name=value, then attributes, names case-insensitive."""
    first, *rest = header.split(";")
    name, _, value = first.partition("=")
    attributes: dict[str, str] = {}
    flags: set[str] = set()
    for part in rest:
        key, has_value, attribute = part.strip().partition("=")
        key = key.strip().lower()
        if not key:
            continue
        if has_value:
            attributes[key] = attribute.strip()
        else:
            flags.add(key)
    return SetCookie(name.strip(), value.strip().strip('"'), attributes, frozenset(flags))


def find_cookie(headers: Iterable[str], names: Iterable[str]) -> SetCookie | None:
    wanted = list(names)
    parsed = [parse_set_cookie(header) for header in headers]
    for name in wanted:
        for cookie in parsed:
            if cookie.name == name:
                return cookie
    return None


def check_cookie(cookie: SetCookie, api_url: str, site: str, *, seen_on: str) -> list[Finding]:
    """The refresh cookie's attributes against where the API and the site are."""
    findings: list[Finding] = []
    api_host = host_of(api_url)
    https = urlsplit(api_url).scheme == "https"
    where = f"{cookie.name} ({seen_on})"

    if cookie.httponly:
        findings.append(Finding("cookie.httponly", "ok", f"{where} is HttpOnly"))
    else:
        findings.append(
            Finding(
                "cookie.httponly",
                "fail",
                f"{where} is not HttpOnly: page script (and any injected script) can read the refresh token",
                "Something between the API and the browser rewrites the cookie: authgate always sets HttpOnly; "
                "remove the proxy's cookie rewriting (nginx proxy_cookie_flags)",
            )
        )

    if https and not cookie.secure:
        findings.append(
            Finding(
                "cookie.secure",
                "fail",
                f"{where} has no Secure flag on an https API: it would also be sent over plain http",
                "COOKIE_SECURE=true",
            )
        )
    elif not https and cookie.secure and not is_loopback(api_host):
        findings.append(
            Finding(
                "cookie.secure",
                "fail",
                f"{where} is Secure but the API is plain http: browsers drop it, readers are signed out on reload",
                "serve the API over https (or COOKIE_SECURE=false for local development only)",
            )
        )
    else:
        state = "Secure" if cookie.secure else "not Secure (plain http on loopback: development)"
        findings.append(Finding("cookie.secure", "ok", f"{where} is {state}"))

    findings.append(_samesite_finding(cookie, api_url, site, where))

    domain = cookie.domain
    if domain is None:
        findings.append(Finding("cookie.domain", "ok", f"{where} is host-only ({api_host}): the tightest scope"))
    elif is_public_suffix(domain):
        findings.append(
            Finding(
                "cookie.domain",
                "fail",
                f"{where} has Domain={domain}, a public suffix: browsers refuse the cookie",
                "unset COOKIE_DOMAIN (host-only is right for a site and an API on sibling subdomains)",
            )
        )
    elif api_host != domain and not api_host.endswith("." + domain):
        findings.append(
            Finding(
                "cookie.domain",
                "fail",
                f"{where} has Domain={domain}, which does not cover the API's host {api_host}: browsers refuse it",
                "unset COOKIE_DOMAIN, or set it to the API's host or a parent of it",
            )
        )
    else:
        findings.append(
            Finding(
                "cookie.domain",
                "warn",
                f"{where} has Domain={domain}: it also goes to every other host under {domain} (on its path)",
                "the site never reads the cookie (HttpOnly) and the API is the only one that needs it: unset "
                "COOKIE_DOMAIN unless several API hostnames must share sessions",
            )
        )

    path = cookie.path or "/"
    refresh_path = urlsplit(api_url).path.rstrip("/") + REFRESH_COOKIE_PATH + "/refresh"
    if refresh_path == path or refresh_path.startswith(path.rstrip("/") + "/"):
        findings.append(Finding("cookie.path", "ok", f"{where} has Path={path}: it comes back to {refresh_path}"))
    else:
        findings.append(
            Finding(
                "cookie.path",
                "fail",
                f"{where} has Path={path}, so it never comes back to {refresh_path}",
                "give the doctor the URL the site uses as the API's base (mount prefix included); a proxy that "
                "rewrites paths must rewrite the cookie's path too (nginx proxy_cookie_path)",
            )
        )
    return findings


def _samesite_finding(cookie: SetCookie, api_url: str, site: str, where: str) -> Finding:
    samesite = cookie.samesite
    api_site = registrable_domain(host_of(api_url))
    page_site = registrable_domain(host_of(site))
    together = same_site(api_url, site)
    schemes_differ = urlsplit(api_url).scheme != urlsplit(site).scheme
    relation = (
        f"the site ({page_site}) and the API are the same site"
        if together
        else f"the site ({page_site}) and the API ({api_site}) are different sites"
    )
    if samesite is None:
        return Finding(
            "cookie.samesite",
            "warn",
            f"{where} has no SameSite attribute; browsers differ on the default ({relation})",
            "COOKIE_SAMESITE=lax (authgate always sets one: a proxy removed it)",
        )
    if together and schemes_differ:
        return Finding(
            "cookie.samesite",
            "warn",
            f"{relation}, but one is http and the other https: browsers with schemeful same-site treat them as "
            f"cross-site and withhold the SameSite={samesite} cookie",
            "serve the site and the API both over https",
        )
    if together:
        if samesite == "none":
            return Finding(
                "cookie.samesite",
                "warn",
                f"{where} is SameSite=None although {relation}: every cross-site request carries it",
                "COOKIE_SAMESITE=lax",
            )
        return Finding("cookie.samesite", "ok", f"{where} is SameSite={samesite}; {relation}")
    if samesite == "none":
        secure = "" if cookie.secure else " and without Secure browsers refuse it;"
        return Finding(
            "cookie.samesite",
            "fail" if not cookie.secure else "warn",
            f"{where} is SameSite=None because {relation};{secure} browsers that block third-party cookies "
            "(Safari, Firefox's strict mode, Chrome with the setting on) still drop it",
            "put the API on a sibling subdomain of the site (docs.example.org + api.example.org) and use "
            "COOKIE_SAMESITE=lax; keep None only when that is impossible, with COOKIE_SECURE=true",
        )
    return Finding(
        "cookie.samesite",
        "fail",
        f"{where} is SameSite={samesite} but {relation}: the browser never sends it on the site's calls to the "
        "API, so every reader is signed out on reload",
        "put the API on a sibling subdomain of the site (docs.example.org + api.example.org); otherwise "
        "COOKIE_SAMESITE=none with COOKIE_SECURE=true",
    )


# ---------------------------------------------------------------- clock, CORS, keys


def check_clock(date_header: str | None, sent_at: float, received_at: float) -> Finding:
    """The server's Date against this machine's clock (the midpoint of the request)."""
    if not date_header:
        return Finding("clock", "warn", "the response has no Date header: the clock cannot be compared")
    try:
        server = parsedate_to_datetime(date_header).timestamp()
    except (TypeError, ValueError):
        return Finding("clock", "warn", f"the Date header is unreadable: {date_header[:60]!r}")
    skew = server - (sent_at + received_at) / 2
    # the header drops the fraction of a second: up to one second of it is no skew
    off = max(abs(skew) - 1.0 - (received_at - sent_at) / 2, 0.0)
    direction = "ahead of" if skew > 0 else "behind"
    if off <= CLOCK_OK_SECONDS:
        return Finding("clock", "ok", f"the server's clock agrees with this machine's (within {CLOCK_OK_SECONDS:g} s)")
    fix = "run NTP (chrony, systemd-timesyncd) on the server and on this machine"
    if off <= CLOCK_WARN_SECONDS:
        return Finding(
            "clock",
            "warn",
            f"the server's clock is about {off:.0f} s {direction} this machine's: close to the "
            f"{CLOCK_WARN_SECONDS:g} s tokens allow by default (JWT_LEEWAY_SECONDS)",
            fix,
        )
    return Finding(
        "clock",
        "fail",
        f"the server's clock is about {off:.0f} s {direction} this machine's: services verifying its tokens refuse "
        "them as not yet valid or expired, and authenticator codes drift out of their window",
        fix,
    )


def check_preflight(status: int, headers: httpx.Headers, site: str) -> list[Finding]:
    """A CORS preflight from the site on a credentialed route."""
    origins = headers.get_list("access-control-allow-origin")
    credentials = headers.get("access-control-allow-credentials", "")
    methods = {m.strip().upper() for m in headers.get("access-control-allow-methods", "").split(",") if m.strip()}
    if len(origins) > 1:
        return [
            Finding(
                "cors.preflight",
                "fail",
                f"{len(origins)} Access-Control-Allow-Origin headers: browsers refuse the answer",
                "the proxy adds its own CORS headers on top of authgate's: remove them (add_header "
                "Access-Control-*) and let CORS_ORIGINS decide",
            )
        ]
    origin = origins[0] if origins else None
    if origin is None:
        return [
            Finding(
                "cors.preflight",
                "fail",
                f"the API does not allow the site's origin {site} (preflight answered {status} without "
                "Access-Control-Allow-Origin): the browser blocks every call of the kit",
                f"add {site} to CORS_ORIGINS (scheme, host and port exactly, no path or trailing slash)",
            )
        ]
    if origin == "*":
        return [
            Finding(
                "cors.preflight",
                "fail",
                "Access-Control-Allow-Origin is *: browsers refuse credentialed calls with a wildcard",
                f"list {site} in CORS_ORIGINS; remove any wildcard CORS header the proxy adds",
            )
        ]
    if origin.rstrip("/") != site:
        return [
            Finding(
                "cors.preflight",
                "fail",
                f"the preflight allows {origin}, not the site's origin {site}",
                f"add {site} to CORS_ORIGINS; remove any fixed Access-Control-Allow-Origin the proxy adds",
            )
        ]
    findings = [Finding("cors.preflight", "ok", f"a preflight from {site} is allowed")]
    if credentials.lower() != "true":
        findings.append(
            Finding(
                "cors.credentials",
                "fail",
                "the preflight lacks Access-Control-Allow-Credentials: true: the refresh cookie never travels",
                "CORS_ALLOW_CREDENTIALS=true",
            )
        )
    else:
        findings.append(Finding("cors.credentials", "ok", "credentials (the refresh cookie) are allowed"))
    if methods and "POST" not in methods:
        findings.append(
            Finding("cors.methods", "fail", f"POST is not among the allowed methods ({', '.join(sorted(methods))})")
        )
    return findings


SYMMETRIC_OR_PRIVATE_MEMBERS = frozenset({"k", "d", "p", "q", "dp", "dq", "qi", "oth"})


def check_jwks(document: Any) -> Finding:
    """The published key set: public keys only, never a symmetric key."""
    keys = document.get("keys") if isinstance(document, dict) else None
    if not isinstance(keys, list):
        return Finding("jwks", "fail", "the JWKS is not a JSON object with a keys list", "check the proxy's routing")
    for key in keys:
        if not isinstance(key, dict):
            return Finding("jwks", "fail", "the JWKS holds an entry that is not a key")
        secret = SYMMETRIC_OR_PRIVATE_MEMBERS & set(key)
        if key.get("kty") == "oct" or secret:
            return Finding(
                "jwks",
                "fail",
                f"the JWKS publishes secret key material (kid {key.get('kid')!r}: "
                f"{', '.join(sorted(secret)) or 'kty oct'}): anyone can sign tokens",
                "take the document down at once, change JWT_SECRET_KEY, and rotate the keys",
            )
    if not keys:
        return Finding(
            "jwks",
            "ok",
            "no public keys (an HMAC JWT_ALGORITHM: other services cannot verify tokens locally; "
            "JWT_ALGORITHM=EdDSA publishes keys for them)",
        )
    algorithms = sorted({str(key.get("alg", key.get("kty", "?"))) for key in keys})
    return Finding("jwks", "ok", f"{len(keys)} public key(s) published ({', '.join(algorithms)}), no secret material")


def token_key_id(token: str) -> tuple[str | None, str | None]:
    """The alg and kid of a JWT's header (not verified: only to match it with the JWKS)."""
    try:
        segment = token.split(".")[0]
        header = json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    except (ValueError, IndexError):
        return None, None
    if not isinstance(header, dict):
        return None, None
    alg, kid = header.get("alg"), header.get("kid")
    return (alg if isinstance(alg, str) else None), (kid if isinstance(kid, str) else None)


# ---------------------------------------------------------------- the run


@dataclass
class Options:
    url: str
    site: str
    email: str | None = None
    password: str | None = None
    smtp: str | None = None
    timeout: float = 5.0


class Doctor:
    """Runs every check in order against one deployment."""

    def __init__(self, options: Options, client: httpx.Client) -> None:
        self.options = options
        self.url = options.url.rstrip("/")
        self.site = origin_of(options.site)
        self.client = client
        self.findings: list[Finding] = []
        self.jwks_kids: set[str] | None = None
        self.cleared_cookie: SetCookie | None = None
        self.cookie_checked = False

    def add(self, finding: Finding) -> None:
        self.findings.append(finding)

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.client.get(self.url + path, **kwargs)

    def run(self) -> list[Finding]:
        if not self.reachable():
            return self.findings
        for step in (
            self.readiness,
            self.transport_security,
            self.redirects,
            self.public_url,
            self.jwks,
            self.openapi,
            self.metrics,
            self.cors,
            self.credentialed_calls,
            self.signed_in,
            self.cookie_without_sign_in,
        ):
            try:
                step()
            except httpx.TimeoutException:
                self.add(Finding(step.__name__, "fail", f"no answer within {self.options.timeout:g} s", TIMEOUT_FIX))
            except httpx.RequestError as error:
                self.add(Finding(step.__name__, "fail", f"the connection failed: {_reason(error)}"))
            except Exception as error:  # noqa: BLE001 - an answer shaped like nothing expected: say so, go on
                self.add(Finding(step.__name__, "warn", f"the check could not finish: {_reason(error)}"))
        if self.options.smtp:
            self.add(check_smtp(self.options.smtp, self.options.timeout))
        return self.findings

    # -- each check

    def reachable(self) -> bool:
        sent = time.time()
        try:
            response = self.get("/healthz")
        except httpx.TimeoutException:
            self.add(
                Finding("reach", "fail", f"{self.url} did not answer within {self.options.timeout:g} s", TIMEOUT_FIX)
            )
            return False
        except httpx.RequestError as error:
            reason = _reason(error)
            certificate = "CERTIFICATE" in reason.upper()
            self.add(
                Finding(
                    "reach",
                    "fail",
                    f"cannot reach {self.url}: {reason}",
                    "the TLS certificate is not valid for this host name (expired, self-signed, or another name's)"
                    if certificate
                    else "check the URL, DNS, the firewall, and that `authgate serve` (or the platform) runs behind it",
                )
            )
            return False
        received = time.time()
        if response.status_code == 404:
            try:
                response = self.get("/health")
            except httpx.RequestError:
                pass
        if response.status_code == 200:
            self.add(Finding("reach", "ok", f"{self.url} answers (GET {response.url.path} 200)"))
        else:
            self.add(
                Finding(
                    "reach",
                    "warn",
                    f"{self.url} answers, but GET /healthz is {response.status_code}: is this the authgate service "
                    "(the standalone app has /healthz; a host app mounting the router may not)?",
                )
            )
        self.add(check_clock(response.headers.get("date"), sent, received))
        return True

    def readiness(self) -> None:
        response = self.get("/readyz")
        body = _json(response)
        if response.status_code == 404:
            self.add(Finding("readyz", "warn", "no /readyz (a host app mounting the router?): readiness not checked"))
            return
        if not isinstance(body, dict):
            self.add(Finding("readyz", "fail", f"/readyz answered {response.status_code} without its JSON body"))
            return
        if response.status_code != 200:
            down = [name for name in ("database", "redis") if body.get(name) == "unavailable"]
            self.add(
                Finding(
                    "readyz",
                    "fail",
                    f"/readyz is {response.status_code}: {' and '.join(down) or 'a dependency'} unavailable",
                    "check DATABASE_URL (TLS: sslmode=require) and REDIS_URL, and that the server reaches them",
                )
            )
            return
        self.add(Finding("readyz", "ok", "ready: the database answers"))
        if body.get("redis") == "ok":
            self.add(Finding("redis", "ok", "Redis answers: rate-limit counters are shared by every worker"))
        else:
            self.add(
                Finding(
                    "redis",
                    "ok",
                    "Redis is not configured: rate-limit counters are per process (right for one worker; with "
                    "several workers or instances set REDIS_URL)",
                )
            )

    def transport_security(self) -> None:
        parts = urlsplit(self.url)
        host = parts.hostname or ""
        site_parts = urlsplit(self.site)
        if site_parts.scheme != "https" and not is_loopback(site_parts.hostname or ""):
            self.add(
                Finding(
                    "site.https",
                    "warn",
                    f"the site {self.site} is plain http",
                    "serve the site over https (the kit's pages take passwords)",
                )
            )
        if parts.scheme != "https":
            if is_loopback(host):
                self.add(Finding("https", "ok", "plain http on loopback (development)"))
            else:
                self.add(
                    Finding(
                        "https",
                        "fail",
                        "the API is served over plain http: passwords, tokens and the refresh cookie travel in clear",
                        "put TLS in front (nginx or the platform's load balancer) and use the https:// URL",
                    )
                )
            return
        hsts = self.get("/healthz").headers.get("strict-transport-security")
        if hsts:
            self.add(Finding("https", "ok", f"https with HSTS ({hsts})"))
        else:
            self.add(
                Finding(
                    "https",
                    "warn",
                    "https, but no Strict-Transport-Security header",
                    "set PUBLIC_URL and AUTH_PUBLIC_URL to their https:// URLs (authgate then sends HSTS), or add "
                    "it at the proxy",
                )
            )
        plain = f"http://{parts.netloc}/healthz"
        try:
            answer = self.client.get(plain)
        except httpx.RequestError:
            self.add(Finding("https.plain", "ok", "plain http is closed"))
            return
        location = answer.headers.get("location", "")
        if answer.is_redirect and location.startswith("https://"):
            self.add(Finding("https.plain", "ok", f"plain http redirects to https ({answer.status_code})"))
        else:
            self.add(
                Finding(
                    "https.plain",
                    "warn",
                    f"plain http answers {answer.status_code} instead of redirecting to https",
                    "redirect port 80 to https at the proxy (nginx: return 301 https://$host$request_uri;)",
                )
            )

    def redirects(self) -> None:
        """Where the API's own redirects point: a trailing slash is redirected by the framework from the request's
        scheme and Host, which is how a proxy that drops Host, or TLS the app does not see, shows."""
        response = self.get("/healthz/")
        location = response.headers.get("location", "")
        if not response.is_redirect or "://" not in location:
            return
        expected = origin_of(self.url)
        actual = origin_of(location)
        if actual == expected:
            self.add(Finding("proxy.host", "ok", "the API builds its redirects with the public scheme and host"))
            return
        scheme_only = host_of(location) == host_of(self.url)
        self.add(
            Finding(
                "proxy.host",
                "warn",
                f"the API's redirects point at {actual}, not {expected}: "
                + (
                    "the app sees plain http behind the TLS proxy (harmless for authgate's own links, which come "
                    "from PUBLIC_URL and AUTH_PUBLIC_URL)"
                    if scheme_only
                    else "the proxy does not pass the Host header"
                ),
                "nginx: proxy_set_header Host $host; and proxy_redirect http:// https://;",
            )
        )

    def public_url(self) -> None:
        response = self.get("/.well-known/oauth-authorization-server")
        body = _json(response)
        if response.status_code != 200 or not isinstance(body, dict) or not isinstance(body.get("jwks_uri"), str):
            return
        configured = origin_of(body["jwks_uri"])
        if configured == origin_of(self.url):
            self.add(Finding("auth_public_url", "ok", f"AUTH_PUBLIC_URL matches the API's public origin {configured}"))
        else:
            self.add(
                Finding(
                    "auth_public_url",
                    "warn",
                    f"AUTH_PUBLIC_URL is {configured} (from the server metadata), but the API answers at "
                    f"{origin_of(self.url)}: provider redirect URIs, the published jwks_uri and the CSRF check's "
                    "own origin use the setting",
                    f"AUTH_PUBLIC_URL={self.url}",
                )
            )

    def jwks(self) -> None:
        response = self.get("/.well-known/jwks.json")
        if response.status_code == 404:
            response = self.get("/auth/.well-known/jwks.json")
        if response.status_code != 200:
            self.add(
                Finding(
                    "jwks",
                    "fail",
                    f"/.well-known/jwks.json answered {response.status_code}",
                    "with a key-pair JWT_ALGORITHM the keys are sealed under JWT_SECRET_KEY: a changed secret makes "
                    "them unreadable (see docs/deploy.md, backups); otherwise check the proxy's routing",
                )
            )
            return
        body = _json(response)
        finding = check_jwks(body)
        self.add(finding)
        if finding.status == "ok" and isinstance(body, dict):
            self.jwks_kids = {str(key.get("kid")) for key in body.get("keys", []) if isinstance(key, dict)}

    def openapi(self) -> None:
        response = self.get("/openapi.json")
        body = _json(response)
        if response.status_code != 200 or not isinstance(body, dict):
            self.add(Finding("openapi", "ok", "no public OpenAPI document (API_DOCS=false or not exposed)"))
            return
        paths = body.get("paths") if isinstance(body.get("paths"), dict) else {}
        info = body.get("info") if isinstance(body.get("info"), dict) else {}
        if "/auth/refresh" not in (paths or {}):
            self.add(
                Finding(
                    "openapi",
                    "warn",
                    "the OpenAPI document has no /auth/refresh: the auth routes are elsewhere (a mount prefix?)",
                    "give the doctor the base URL under which /auth/… lives",
                )
            )
            return
        servers = [s.get("url", "") for s in body.get("servers", []) if isinstance(s, dict)]
        wrong = [s for s in servers if s.startswith("http://") and self.url.startswith("https://")]
        if wrong:
            self.add(
                Finding(
                    "openapi",
                    "warn",
                    f"the OpenAPI document names http servers ({', '.join(wrong)}) for an https API",
                    "the app is told the wrong scheme: set root_path/servers with the https URL",
                )
            )
            return
        version = info.get("version", "?") if info else "?"
        self.add(Finding("openapi", "ok", f"authgate {version}; API docs are public (API_DOCS=false hides them)"))

    def metrics(self) -> None:
        response = self.get("/metrics")
        if response.status_code == 200 and "authgate_" in response.text:
            self.add(
                Finding(
                    "metrics",
                    "warn",
                    "/metrics is public: anyone can read sign-in and error rates",
                    "METRICS_TOKEN=<a random value> (Prometheus sends it as a bearer token), or block /metrics at "
                    "the proxy and scrape the service directly",
                )
            )
        elif response.status_code == 401:
            self.add(Finding("metrics", "ok", "/metrics asks for METRICS_TOKEN"))
        else:
            self.add(Finding("metrics", "ok", f"/metrics is not public ({response.status_code})"))

    def cors(self) -> None:
        preflight = self.client.options(
            self.url + "/auth/refresh",
            headers={
                "Origin": self.site,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "authorization, content-type",
            },
        )
        for finding in check_preflight(preflight.status_code, preflight.headers, self.site):
            self.add(finding)
        probe = self.client.options(
            self.url + "/auth/refresh",
            headers={"Origin": PROBE_ORIGIN, "Access-Control-Request-Method": "POST"},
        )
        allowed = probe.headers.get("access-control-allow-origin")
        if allowed in (PROBE_ORIGIN, "*"):
            self.add(
                Finding(
                    "cors.others",
                    "fail",
                    f"a preflight from an arbitrary origin ({PROBE_ORIGIN}) is allowed: any web site can call the API "
                    "with the reader's cookie",
                    "remove CORS headers the proxy adds (e.g. add_header Access-Control-Allow-Origin $http_origin); "
                    "CORS_ORIGINS lists the allowed origins",
                )
            )
        else:
            self.add(Finding("cors.others", "ok", "other origins are refused"))

    def credentialed_calls(self) -> None:
        """The two calls the kit makes with credentials that need none to answer: logout and refresh."""
        headers = {"Origin": self.site}
        logout = self.client.post(self.url + "/auth/logout", headers=headers)
        if _code(logout) == "ORIGIN_NOT_ALLOWED":
            self.add(
                Finding(
                    "csrf",
                    "fail",
                    f"POST /auth/logout from {self.site} is refused 403 ORIGIN_NOT_ALLOWED: the site cannot sign "
                    "in, refresh or sign out",
                    f"add {self.site} to CORS_ORIGINS",
                )
            )
        elif logout.status_code == 204:
            self.add(Finding("csrf", "ok", f"state-changing calls from {self.site} pass the origin check"))
        else:
            self.add(Finding("csrf", "warn", f"POST /auth/logout answered {logout.status_code} (204 expected)"))
        refresh = self.client.post(self.url + "/auth/refresh", headers=headers)
        unreadable = [
            f"{name} {answer.status_code}"
            for name, answer in (("POST /auth/logout", logout), ("POST /auth/refresh", refresh))
            if answer.headers.get("access-control-allow-origin") != self.site
            or answer.headers.get("access-control-allow-credentials", "").lower() != "true"
        ]
        if unreadable:
            self.add(
                Finding(
                    "cors.response",
                    "fail",
                    f"answers lack the CORS headers for {self.site} ({', '.join(unreadable)}): the site's script "
                    "cannot read them",
                    f"add {self.site} to CORS_ORIGINS; make sure the proxy passes the API's headers through on "
                    "every status",
                )
            )
        else:
            self.add(Finding("cors.response", "ok", "answers (errors included) carry the CORS headers for the site"))
        if refresh.status_code == 429:
            self.add(Finding("errors", "warn", "POST /auth/refresh is rate-limited right now (429)"))
        elif _code(refresh):
            self.add(Finding("errors", "ok", f"errors come from authgate ({refresh.status_code} {{detail, code}})"))
        else:
            self.add(
                Finding(
                    "errors",
                    "warn",
                    f"POST /auth/refresh without a cookie answered {refresh.status_code} without authgate's "
                    "{detail, code} body: does something else answer in front of the API?",
                )
            )
        # the real cookie of a sign-in is inspected instead when there is one (cookie_without_sign_in)
        if logout.status_code != 204:
            # refused from the site: the same call without Origin (as curl sends it) still shows the attributes
            logout = self.client.post(self.url + "/auth/logout")
        self.cleared_cookie = find_cookie(logout.headers.get_list("set-cookie"), [REFRESH_COOKIE])

    def cookie_without_sign_in(self) -> None:
        if self.cookie_checked:
            return
        if self.cleared_cookie is None:
            self.add(
                Finding(
                    "cookie",
                    "warn",
                    "POST /auth/logout set no refresh cookie to clear: its attributes cannot be checked",
                    "run the doctor with --email/--password of a test account",
                )
            )
            return
        self.inspect_cookie(self.cleared_cookie, "as cleared by POST /auth/logout")

    def inspect_cookie(self, cookie: SetCookie, seen_on: str) -> None:
        for finding in check_cookie(cookie, self.url, self.site, seen_on=seen_on):
            self.add(finding)
        self.cookie_checked = True

    def signed_in(self) -> None:
        if not self.options.email:
            return
        headers = {"Origin": self.site, "X-Forwarded-For": PROBE_FORWARDED_FOR}
        login = self.client.post(
            self.url + "/auth/login",
            json={"email": self.options.email, "password": self.options.password or ""},
            headers=headers,
        )
        body = _json(login)
        if login.status_code != 200 or not isinstance(body, dict):
            self.add(
                Finding(
                    "signin",
                    "fail",
                    f"the test account's sign-in answered {login.status_code} {_code(login) or ''}".rstrip(),
                    "check --email/--password (a wrong password counts toward the account's lockout)",
                )
            )
            return
        cookies = login.headers.get_list("set-cookie")
        if body.get("mfa_required"):
            self.add(
                Finding(
                    "signin",
                    "warn",
                    "the test account has two-step sign-in: only the challenge cookie was checked",
                    "use a test account without a second factor for the full check",
                )
            )
            challenge = find_cookie(cookies, [CHALLENGE_COOKIE])
            if challenge is not None:
                self.inspect_cookie(challenge, "set by the sign-in")
            return
        access = body.get("access_token")
        cookie = find_cookie(cookies, [REFRESH_COOKIE])
        if not isinstance(access, str) or cookie is None:
            self.add(Finding("signin", "fail", "the sign-in answered 200 without an access token and refresh cookie"))
            return
        self.add(Finding("signin", "ok", "the test account signs in from the site"))
        self.inspect_cookie(cookie, "set by the sign-in")
        self._token_key(access)
        # every call of the session carries the made-up forwarded address: the session records the latest
        signed = {**headers, "Cookie": f"{REFRESH_COOKIE}={cookie.value}"}
        refreshed = self.client.post(self.url + "/auth/refresh", headers=signed)
        answer = _json(refreshed)
        if refreshed.status_code == 200 and isinstance(answer, dict):
            self.add(Finding("refresh", "ok", "a refresh with the cookie answers a new access token"))
            access = str(answer.get("access_token", access))
            rotated = find_cookie(refreshed.headers.get_list("set-cookie"), [REFRESH_COOKIE])
            if rotated is not None:
                signed["Cookie"] = f"{REFRESH_COOKIE}={rotated.value}"
        else:
            self.add(
                Finding("refresh", "fail", f"a refresh with the sign-in's cookie answered {refreshed.status_code}")
            )
        signed["Authorization"] = f"Bearer {access}"
        session_id = self._client_address(signed)
        # end this session only (POST /auth/logout would end every session of the test account)
        ended = (
            self.client.delete(self.url + f"/auth/sessions/{session_id}", headers=signed).status_code
            if session_id
            else None
        )
        if ended != 204:
            self.add(
                Finding(
                    "signout",
                    "warn",
                    f"the doctor's session could not be ended ({ended or 'no session id'}): it stays until it expires",
                    "end it from the test account's page (signed-in devices)",
                )
            )

    def _token_key(self, access: str) -> None:
        alg, kid = token_key_id(access)
        if self.jwks_kids is None or alg is None or alg.startswith("HS"):
            return
        if kid in self.jwks_kids:
            self.add(Finding("jwks.kid", "ok", f"the access token's key ({alg}, kid {kid}) is published"))
        else:
            self.add(
                Finding(
                    "jwks.kid",
                    "fail",
                    f"the access token is signed with kid {kid}, which the JWKS does not publish: other services "
                    "refuse it",
                    "a cache in front of /.well-known/jwks.json serves an old key set: do not cache it longer than "
                    "its Cache-Control says",
                )
            )

    def _client_address(self, signed: dict[str, str]) -> str | None:
        """The address the API recorded for the doctor's session; returns the session's id."""
        sessions = self.client.get(self.url + "/auth/sessions", headers=signed)
        rows = _json(sessions)
        if sessions.status_code != 200 or not isinstance(rows, list):
            return None
        current = next((row for row in rows if isinstance(row, dict) and row.get("current")), None)
        if current is None:
            return None
        session_id = str(current.get("id") or "") or None
        address = str(current.get("ip_address") or "")
        if not address:
            return session_id
        if address == PROBE_FORWARDED_FOR:
            self.add(
                Finding(
                    "proxy.client_ip",
                    "fail",
                    f"a made-up X-Forwarded-For ({PROBE_FORWARDED_FOR}) was taken as the reader's address: anyone "
                    "can pick the address rate limits and the lockout count",
                    "FORWARDED_ALLOW_IPS must list only your proxies' addresses (never 0.0.0.0/0), and the proxy "
                    "must append to X-Forwarded-For (nginx: $proxy_add_x_forwarded_for), not pass the client's",
                )
            )
        elif (
            is_private_address(address)
            and not is_private_address(host_of(self.url))
            and not is_loopback(host_of(self.url))
        ):
            self.add(
                Finding(
                    "proxy.client_ip",
                    "warn",
                    f"the API records this sign-in as coming from {address}, a private address (your proxy?): every "
                    "reader would share one rate-limit bucket",
                    f"FORWARDED_ALLOW_IPS={address} (the proxies' addresses or CIDRs) so that X-Forwarded-For is read",
                )
            )
        else:
            self.add(Finding("proxy.client_ip", "ok", f"the API records the client's address ({address})"))
        return session_id


TIMEOUT_FIX = "check that the URL reaches the service (firewall, proxy timeouts), or raise --timeout"


def _reason(error: Exception) -> str:
    text = str(error).strip()
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _code(response: httpx.Response) -> str | None:
    body = _json(response)
    code = body.get("code") if isinstance(body, dict) else None
    return code if isinstance(code, str) else None


# ---------------------------------------------------------------- SMTP


def check_smtp(target: str, timeout: float) -> Finding:
    """TCP, the greeting, EHLO, and STARTTLS with certificate checks when offered (implicit TLS on 465)."""
    host, _, port_text = target.rpartition(":")
    host = host.strip("[]")
    if not host or not port_text.isdigit():
        return Finding("smtp", "fail", f"--smtp {target!r} is not host:port")
    port = int(port_text)
    context = ssl.create_default_context()
    try:
        if port == 465:
            with smtplib.SMTP_SSL(host, port, timeout=timeout, context=context) as smtp:
                code, _ = smtp.ehlo()
                return Finding("smtp", "ok", f"{target}: implicit TLS, EHLO {code}")
        with smtplib.SMTP(host, port, timeout=timeout) as smtp:
            code, _ = smtp.ehlo()
            if not smtp.has_extn("starttls"):
                return Finding(
                    "smtp",
                    "warn",
                    f"{target} answers EHLO {code} but offers no STARTTLS: with SMTP_STARTTLS=true (the default) "
                    "every send fails",
                    "use the provider's submission port (587 with STARTTLS, or 465); SMTP_STARTTLS=false only for a "
                    "relay on the same host or private network",
                )
            smtp.starttls(context=context)
            code, _ = smtp.ehlo()
            return Finding("smtp", "ok", f"{target}: EHLO {code}, STARTTLS with a valid certificate")
    except (OSError, smtplib.SMTPException) as error:
        return Finding(
            "smtp",
            "fail",
            f"cannot talk to SMTP at {target}: {_reason(error)}",
            "check SMTP_HOST/SMTP_PORT and the firewall (many clouds block outbound port 25: use 587 or 465)",
        )


# ---------------------------------------------------------------- entry point and output


def run(options: Options, *, transport: httpx.BaseTransport | None = None) -> list[Finding]:
    """Every check against `options.url`; each request bounded by `options.timeout`."""
    timeout = httpx.Timeout(options.timeout)
    headers = {"User-Agent": f"authgate-doctor/{__version__}", "Accept": "application/json"}
    with httpx.Client(
        timeout=timeout, follow_redirects=False, headers=headers, transport=transport, trust_env=False
    ) as client:
        return Doctor(options, client).run()


def failed(findings: Iterable[Finding]) -> bool:
    return any(finding.status == "fail" for finding in findings)


def summary(findings: list[Finding]) -> dict[str, int]:
    return {status: sum(1 for f in findings if f.status == status) for status in ("ok", "warn", "fail")}


def as_text(options: Options, findings: list[Finding]) -> str:
    lines = [f"authgate doctor: {options.url.rstrip('/')} as seen from {origin_of(options.site)}", ""]
    for finding in findings:
        lines.append(f"  {finding.status:<5} {finding.check:<18} {finding.message}")
        if finding.fix and finding.status != "ok":
            lines.append(f"  {'':<5} {'':<18} fix: {finding.fix}")
    counts = summary(findings)
    lines += ["", f"{counts['ok']} ok, {counts['warn']} warn, {counts['fail']} fail"]
    return "\n".join(lines)


def as_json(options: Options, findings: list[Finding]) -> str:
    document = {
        "url": options.url.rstrip("/"),
        "site": origin_of(options.site),
        "ok": not failed(findings),
        "summary": summary(findings),
        "findings": [asdict(finding) for finding in findings],
    }
    return json.dumps(document, indent=2)


def validate(options: Options) -> str | None:
    """A usage problem with the arguments, or None."""
    for name, value in (("URL", options.url), ("--site", options.site)):
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            return f"{name} must be an absolute http(s) URL, e.g. https://api.example.org"
    if bool(options.email) != bool(options.password):
        return "--email and --password go together"
    if options.timeout <= 0:
        return "--timeout must be positive"
    return None


__all__ = [
    "Finding",
    "Options",
    "SetCookie",
    "as_json",
    "as_text",
    "check_clock",
    "check_cookie",
    "check_jwks",
    "check_preflight",
    "check_smtp",
    "failed",
    "parse_set_cookie",
    "registrable_domain",
    "run",
    "same_site",
]
