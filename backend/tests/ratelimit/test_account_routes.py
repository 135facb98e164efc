"""Forgot/reset password and email verification: per-IP and per-address limits, the same for every address."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.conftest import PASSWORD, FakeClock, make_settings, signup, signup_body
from tests.mail.smtp import Inbox, events_of, inbox, smtp_settings  # noqa: F401 - the inbox fixture
from tests.ratelimit.conftest import DEFAULT_LIMITS, comparable, limited_settings

RATE_LIMITED = {"detail": "Too many requests; try again later", "code": "RATE_LIMITED"}


async def mail_limited_reader(database_url, storage, clock, make_peers, mailbox, address, email):  # type: ignore[no-untyped-def]
    """Peers with the default limits and real mail, and the access token of an account made from `address`."""
    settings = smtp_settings(database_url, mailbox, **{**DEFAULT_LIMITS, "redis_url": storage})
    peers = make_peers(settings, clock)
    token = (await signup(peers.at(address), email)).json()["access_token"]
    return peers, token


async def from_ten_addresses(peers, token: str, path: str, body: Callable[[int], object]) -> list[int]:  # type: ignore[no-untyped-def]
    """The account behind `token` posts `body(n)` to `path` from ten addresses in turn, the mail sent after each:
    the statuses. A password change answers a fresh token (the older ones are refused): the next request uses it."""
    statuses = []
    for n in range(10):
        response = await peers.at(f"198.51.100.{n + 1}").post(
            path, headers={"Authorization": f"Bearer {token}"}, json=body(n)
        )
        statuses.append(response.status_code)
        token = response.json().get("access_token", token)
        await peers.gate.mailer.drain()
    return statuses


async def test_forgot_password_is_limited_per_ip(database_url: str, clock: FakeClock, make_peers) -> None:
    peers = make_peers(limited_settings(database_url), clock)  # 5/minute per IP
    http = peers.at("203.0.113.80")
    for n in range(5):
        response = await http.post("/auth/forgot-password", json={"email": f"someone-{n}@example.com"})
        assert response.status_code == 202
    refused = await http.post("/auth/forgot-password", json={"email": "someone-else@example.com"})
    assert refused.status_code == 429 and refused.json() == RATE_LIMITED
    assert int(refused.headers["retry-after"]) >= 1


async def test_forgot_password_per_address_holds_across_ips_and_hides_existence(
    database_url: str, storage: str | None, clock: FakeClock, make_peers
) -> None:
    peers = make_peers(limited_settings(database_url, redis_url=storage), clock)  # 3/hour per address
    await signup(peers.at("192.0.2.1"), "real@example.com")
    answers: dict[str, list[tuple[int, bytes, dict[str, str]]]] = {"real@example.com": [], "fake@example.com": []}
    for n in range(4):
        for email, seen in answers.items():
            response = await peers.at(f"198.51.100.{n + 1}").post("/auth/forgot-password", json={"email": email})
            seen.append(comparable(response))
    real, fake = answers.values()
    assert [status for status, _, _ in real] == [202, 202, 202, 429]
    # Retry-After of an hourly window may differ by a second between the two addresses; everything else is equal
    strip = [(status, body, {k: v for k, v in headers.items() if k != "retry-after"}) for status, body, headers in real]
    assert strip == [(s, b, {k: v for k, v in h.items() if k != "retry-after"}) for s, b, h in fake]


async def test_reset_password_is_limited_per_ip(database_url: str, clock: FakeClock, make_peers) -> None:
    peers = make_peers(limited_settings(database_url), clock)  # 10/minute
    http = peers.at("203.0.113.81")
    body = {"token": "x" * 43, "new_password": "A-new-passw0rd-here"}
    for _ in range(10):
        assert (await http.post("/auth/reset-password", json=body)).status_code == 400
    refused = await http.post("/auth/reset-password", json=body)
    assert refused.status_code == 429 and refused.json() == RATE_LIMITED


async def test_verification_is_limited_per_ip(database_url: str, clock: FakeClock, make_peers) -> None:
    peers = make_peers(limited_settings(database_url), clock)  # 10/minute, verify and resend together
    http = peers.at("203.0.113.82")
    for _ in range(9):
        assert (await http.post("/auth/verify-email", json={"token": "y" * 43})).status_code == 400
    assert (await http.post("/auth/verify-email/resend")).status_code == 401
    refused = await http.post("/auth/verify-email", json={"token": "y" * 43})
    assert refused.status_code == 429 and refused.json() == RATE_LIMITED
    resend = await http.post("/auth/verify-email/resend")
    assert resend.status_code == 429


SPELLINGS = [
    "victim@example.com",
    "Victim@Example.com",
    " VICTIM@EXAMPLE.COM ",
    "n1 <victim@example.com>",
    "n2 <victim@example.com>",
    '"Victim" <Victim@example.com>',
    "victim@ｅｘａｍｐｌｅ.com",
    "victim@ＥＸＡＭＰＬＥ.ＣＯＭ",
    "victim@EXAMPLE.com",
    "victim@example.COM",
    "n3 <VICTIM@ｅｘａｍｐｌｅ.com>",
    "victim@example.com",
]


async def test_every_spelling_of_an_address_counts_against_one_forgot_password_limit(
    database_url: str,
    storage: str | None,
    clock: FakeClock,
    make_peers,
    inbox: Inbox,  # noqa: F811
) -> None:
    # the attack pass: display names and full-width domains reached the victim's account under 12 limiter keys,
    # and 12 reset mails went out (each cancelling the reader's previous link); the limit is 3 an hour
    settings = smtp_settings(database_url, inbox, **{**DEFAULT_LIMITS, "redis_url": storage})
    peers = make_peers(settings, clock)
    await signup(peers.at("192.0.2.1"), "victim@example.com")
    statuses = []
    for n, spelling in enumerate(SPELLINGS):
        response = await peers.at(f"198.51.100.{n + 1}").post("/auth/forgot-password", json={"email": spelling})
        statuses.append(response.status_code)
    assert statuses == [202] * 3 + [429] * 9
    await peers.gate.mailer.drain()
    assert events_of(database_url, "victim@example.com").count("password_reset_requested") == 3
    # three links were issued; a link superseded before its mail left is not mailed at all (mail/outbox.py)
    resets = [m for m in inbox.to("victim@example.com") if "reset" in m["Subject"].lower()]
    assert 1 <= len(resets) <= 3


@pytest.mark.parametrize(
    "lookalike",
    [
        "ｖｉｃｔｉｍ@example.com",  # full width: NFKC would fold it into victim
        "vіctim@example.com",  # a Cyrillic і among Latin letters
        "victim@exаmple.com",  # a Cyrillic а in the domain
        "VİCTIM@example.com",  # İ lower-cases to i + a combining dot
    ],
)
async def test_a_look_alike_of_an_address_is_refused_not_guessed_at(
    database_url: str, clock: FakeClock, make_peers, lookalike: str
) -> None:
    # another mailbox, or the look-alike twin of one (the attack pass signed up all of these next to victim@…)
    peers = make_peers(limited_settings(database_url), clock)
    http = peers.at("198.51.100.77")
    for path, body in (
        ("/auth/forgot-password", {"email": lookalike}),
        ("/auth/signup", {**signup_body(lookalike)}),
        ("/auth/login", {"email": lookalike, "password": "whatever-it-is"}),
    ):
        response = await http.post(path, json=body)
        assert response.status_code == 422 and response.json()["code"] == "VALIDATION_ERROR", path


@pytest.mark.parametrize(
    "address", ["віктор@пример.рф", "用户@例子.广告", "ユーザー漢字@example.jp", "müller@bücher.de"]
)
async def test_addresses_in_one_script_are_welcome(database_url: str, clock: FakeClock, make_peers, address: str):  # type: ignore[no-untyped-def]
    peers = make_peers(limited_settings(database_url), clock)
    assert (await peers.at("198.51.100.78").post("/auth/signup", json=signup_body(address))).status_code == 201


async def test_an_email_change_cannot_flood_someone_elses_mailbox(
    database_url: str,
    storage: str | None,
    clock: FakeClock,
    make_peers,
    inbox: Inbox,  # noqa: F811
) -> None:
    # attack pass: the attacker's own account, its own password, and `new_email` = the victim's address; each request
    # mailed the victim a confirmation link (30 a minute per IP under RATE_LIMIT_LOGIN_IP, no bound across IPs),
    # where forgot-password stops at 3 an hour per address
    peers, token = await mail_limited_reader(
        database_url, storage, clock, make_peers, inbox, "192.0.2.20", "attacker@example.com"
    )
    statuses = await from_ten_addresses(
        peers, token, "/auth/change-email", lambda n: {"new_email": "victim@example.net", "password": PASSWORD}
    )
    assert statuses == [202] * 3 + [429] * 7
    assert len(inbox.to("victim@example.net")) == 3


async def test_resending_verification_cannot_flood_the_address_an_account_was_made_with(
    database_url: str,
    storage: str | None,
    clock: FakeClock,
    make_peers,
    inbox: Inbox,  # noqa: F811
) -> None:
    # attack pass: sign up with the victim's address (it stays unverified) and ask for the verification link again
    # and again: 10 a minute per IP under RATE_LIMIT_VERIFICATION_IP, no bound across IPs, every one mailed
    peers, token = await mail_limited_reader(
        database_url, storage, clock, make_peers, inbox, "192.0.2.21", "squatted@example.net"
    )
    await peers.gate.mailer.drain()
    statuses = await from_ten_addresses(peers, token, "/auth/verify-email/resend", lambda n: None)
    # the sign-up's own link counts in the address's window too: three links in all
    assert statuses == [202] * 2 + [429] * 8
    assert len(inbox.to("squatted@example.net")) == 3


async def test_security_notices_cannot_be_used_to_flood_the_address_an_account_was_made_with(
    database_url: str,
    storage: str | None,
    clock: FakeClock,
    make_peers,
    inbox: Inbox,  # noqa: F811
) -> None:
    # attack pass: sign up with the victim's address (unverified accounts sign in) and change the password back and
    # forth: each change mailed the victim "Your password was changed", 30 a minute per IP under RATE_LIMIT_LOGIN_IP
    # and without bound across IPs. The changes go on; the notices beyond the first few of each kind an hour do not
    peers, token = await mail_limited_reader(
        database_url, storage, clock, make_peers, inbox, "192.0.2.22", "noticed@example.net"
    )
    passwords = [PASSWORD, "Another-passw0rd-9"]
    statuses = await from_ten_addresses(
        peers,
        token,
        "/auth/change-password",
        lambda n: {"current_password": passwords[n % 2], "new_password": passwords[(n + 1) % 2]},
    )
    assert statuses == [200] * 10
    notices = [m for m in inbox.to("noticed@example.net") if m["Subject"] == "Your password was changed"]
    assert len(notices) == 3


async def test_one_account_cannot_mail_confirmation_links_to_any_number_of_addresses(
    database_url: str,
    storage: str | None,
    clock: FakeClock,
    make_peers,
    inbox: Inbox,  # noqa: F811
) -> None:
    # attack pass: the per-address window holds for one victim, but one account asking to move to a new address each
    # time mailed a confirmation link (and the site's name) to every address on a list, 30 a minute per IP
    peers, token = await mail_limited_reader(
        database_url, storage, clock, make_peers, inbox, "192.0.2.23", "spammer@example.com"
    )
    statuses = await from_ten_addresses(
        peers, token, "/auth/change-email", lambda n: {"new_email": f"listed-{n}@example.net", "password": PASSWORD}
    )
    assert statuses == [202] * 3 + [429] * 7
    assert len([m for m in inbox.messages if m["To"].startswith("listed-")]) == 3


async def test_a_body_nested_to_the_edge_of_the_json_parsers_depth_is_never_a_500(
    database_url: str, clock: FakeClock, make_peers
) -> None:
    # attack pass: the per-address limit reads `email` from the body again, one stack frame deeper than FastAPI's own
    # parse: at the one depth FastAPI still managed and the second parse did not, RecursionError escaped as a 500 with
    # a traceback in the log, for anyone, before any limit counted it. Scanning the depths finds it in a hundred calls
    peers = make_peers(make_settings(database_url), clock)  # relaxed limits: every depth is tried
    http = peers.at("203.0.113.90")
    statuses = set()
    for depth in range(700, 1101):
        body = '{"email": "deep@example.com", "pad": ' + "[" * depth + "]" * depth + "}"
        response = await http.post("/auth/forgot-password", content=body, headers={"content-type": "application/json"})
        statuses.add(response.status_code)
    assert max(statuses) < 500, statuses


async def test_signing_up_and_deleting_again_and_again_cannot_flood_an_address(
    database_url: str,
    storage: str | None,
    clock: FakeClock,
    make_peers,
    inbox: Inbox,  # noqa: F811
) -> None:
    # attack pass: sign up with the victim's address (a verification link goes out), delete the account, sign up
    # again: a link per cycle, 10 an hour per IP under RATE_LIMIT_SIGNUP_IP and unbounded across IPs. The accounts are
    # made; the links beyond the address's window are not mailed (the reader can ask again later)
    settings = smtp_settings(database_url, inbox, **{**DEFAULT_LIMITS, "redis_url": storage})
    peers = make_peers(settings, clock)
    for n in range(6):
        http = peers.at(f"198.51.100.{n + 1}")
        token = (await signup(http, "cycled@example.net")).json()["access_token"]
        http.cookies.clear()
        deleted = await http.request(
            "DELETE", "/auth/me", headers={"Authorization": f"Bearer {token}"}, json={"password": PASSWORD}
        )
        assert deleted.status_code == 204, deleted.text
        await peers.gate.mailer.drain()
    assert len(inbox.to("cycled@example.net")) == 3
