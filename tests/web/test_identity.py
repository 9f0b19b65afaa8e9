"""Client identity (``web.identity``): X-Forwarded-For only from trusted proxies."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from vectorstore.settings import load_settings
from web.identity import ClientIdentityMiddleware, TrustedProxies, parse_address, rate_key


@pytest.mark.parametrize(
    ("hop", "expected"),
    [
        ("1.2.3.4", "1.2.3.4"),
        (" 1.2.3.4 ", "1.2.3.4"),
        ("1.2.3.4:5678", "1.2.3.4"),
        ("[2001:db8::1]:443", "2001:db8::1"),
        ("2001:db8::1", "2001:db8::1"),
        ("::ffff:192.0.2.1", "192.0.2.1"),
        ("unknown", None),
        ("", None),
        ("1.2.3.4.5", None),
        ("<script>", None),
    ],
)
def test_parse_address(hop: str, expected: str | None) -> None:
    address = parse_address(hop)
    assert (str(address) if address is not None else None) == expected


def test_rate_key_groups_an_ipv6_64() -> None:
    assert rate_key("2001:db8:1:2::1") == rate_key("2001:db8:1:2:ffff::9") == "2001:db8:1:2::/64"
    assert rate_key("2001:db8:1:3::1") != rate_key("2001:db8:1:2::1")
    assert rate_key("192.0.2.1") == "192.0.2.1"
    assert rate_key("testclient") == "testclient"


def test_trusted_proxies_read_the_chain_from_the_right() -> None:
    proxies = TrustedProxies.parse(["127.0.0.1", "10.0.0.0/8"])
    # client -> proxy 10.1.1.1 -> proxy 127.0.0.1 (the peer)
    assert proxies.client("127.0.0.1", "198.51.100.7, 10.1.1.1") == "198.51.100.7"
    # Several headers are one list.
    assert proxies.client("127.0.0.1", "203.0.113.1,198.51.100.7,10.1.1.1") == "198.51.100.7"
    # Only proxies: the leftmost of them.
    assert proxies.client("127.0.0.1", "10.2.2.2, 10.1.1.1") == "10.2.2.2"
    # A hop that is no address: the last proxy that was read.
    assert proxies.client("127.0.0.1", "198.51.100.7, garbage") == "127.0.0.1"
    assert proxies.client("127.0.0.1", None) == "127.0.0.1"
    assert proxies.client("127.0.0.1", "x" * 5_000) == "127.0.0.1"
    # Not a proxy: the header is ignored.
    assert proxies.client("192.0.2.1", "198.51.100.7") == "192.0.2.1"
    assert not TrustedProxies() and proxies


def test_settings_take_a_comma_separated_list(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASKER_TRUSTED_PROXIES", "127.0.0.1, 10.0.0.0/8 ::1")
    settings = load_settings()
    assert settings.trusted_proxies == ("127.0.0.1", "10.0.0.0/8", "::1")
    assert TrustedProxies.from_settings(settings).trusts(parse_address("10.9.8.7"))
    monkeypatch.setenv("ASKER_TRUSTED_PROXIES", "proxy.example.org")
    with pytest.raises(ValueError, match="does not appear to be an IPv4 or IPv6"):
        load_settings()
    monkeypatch.delenv("ASKER_TRUSTED_PROXIES")
    assert load_settings().trusted_proxies == ()


def _client_seen(proxies: TrustedProxies, peer: str, headers: list[tuple[bytes, bytes]]) -> Any:
    seen: dict[str, Any] = {}

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        seen["client"] = scope["client"]

    scope = {"type": "http", "client": (peer, 1234), "headers": headers}
    asyncio.run(ClientIdentityMiddleware(app, proxies)(scope, None, None))
    return seen["client"]


def test_middleware_sets_the_scope_client() -> None:
    xff = [(b"x-forwarded-for", b"203.0.113.5"), (b"X-Forwarded-For", b"198.51.100.7")]
    trusted = TrustedProxies.parse(["127.0.0.1"])
    assert _client_seen(trusted, "127.0.0.1", xff) == ("198.51.100.7", 1234)
    assert _client_seen(TrustedProxies(), "127.0.0.1", xff) == ("127.0.0.1", 1234)
    assert _client_seen(trusted, "192.0.2.9", xff) == ("192.0.2.9", 1234)
