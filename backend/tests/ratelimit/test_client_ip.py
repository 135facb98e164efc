"""Whose address: X-Forwarded-For is believed only from a trusted proxy, and only as far as our proxies go."""

from __future__ import annotations

import pytest

from authgate.router import build_gate
from authgate.settings import ConfigurationError
from authgate.transport import resolve_client_ip, trusted_networks
from tests.conftest import make_settings

PROXIES = trusted_networks(("10.0.0.0/8", "192.0.2.1"))


def test_header_from_an_untrusted_peer_is_ignored() -> None:
    assert resolve_client_ip("203.0.113.7", ["198.51.100.1"], PROXIES) == "203.0.113.7"


def test_header_is_ignored_when_no_proxy_is_configured() -> None:
    assert resolve_client_ip("10.0.0.5", ["198.51.100.1"], ()) == "10.0.0.5"


def test_right_most_address_that_is_not_our_proxy_wins() -> None:
    # the client wrote "6.6.6.6"; our two proxies appended what they saw: the client and then the first proxy
    header = ["6.6.6.6, 198.51.100.1, 10.1.2.3"]
    assert resolve_client_ip("192.0.2.1", header, PROXIES) == "198.51.100.1"


def test_several_header_lines_are_one_list() -> None:
    assert resolve_client_ip("10.0.0.1", ["6.6.6.6", "198.51.100.9"], PROXIES) == "198.51.100.9"


def test_garbage_from_the_client_side_falls_back_to_the_peer() -> None:
    assert resolve_client_ip("10.0.0.1", ["198.51.100.1, not-an-ip"], PROXIES) == "10.0.0.1"


def test_ports_brackets_and_mapped_addresses() -> None:
    assert resolve_client_ip("10.0.0.1", ["198.51.100.1:4711"], PROXIES) == "198.51.100.1"
    assert resolve_client_ip("10.0.0.1", ["[2001:db8::1]:443"], PROXIES) == "2001:db8::1"
    assert resolve_client_ip("::ffff:10.0.0.1", ["::ffff:198.51.100.1"], PROXIES) == "198.51.100.1"


def test_only_proxies_in_the_chain_gives_the_left_most() -> None:
    assert resolve_client_ip("10.0.0.1", ["10.0.0.2, 10.0.0.3"], PROXIES) == "10.0.0.2"
    assert resolve_client_ip("10.0.0.1", [], PROXIES) == "10.0.0.1"


def test_a_malformed_proxy_setting_refuses_to_start() -> None:
    with pytest.raises(ConfigurationError, match="FORWARDED_ALLOW_IPS"):
        build_gate(make_settings("sqlite:///unused.db", forwarded_allow_ips=["10.0.0.0/8", "proxy.internal"]))


def test_a_malformed_limit_refuses_to_start() -> None:
    with pytest.raises(ConfigurationError, match="RATE_LIMIT_LOGIN_IP"):
        build_gate(make_settings("sqlite:///unused.db", rate_limit_login_ip="lots"))
