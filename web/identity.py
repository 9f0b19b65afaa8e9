"""Who a request comes from: the peer's address, or, only when the peer is a configured trusted
proxy (``settings.trusted_proxies``), the client that proxy names in ``X-Forwarded-For``.

:class:`ClientIdentityMiddleware` writes the result into the ASGI scope's ``client``, so that
the API, the page's Gradio events and the rate limits all see one identity. Nothing else may
rewrite it: ``app.py`` runs uvicorn with ``proxy_headers=False`` (uvicorn otherwise believes
``X-Forwarded-For`` from 127.0.0.1).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from vectorstore.settings import Settings

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

#: IPv6 clients are counted per /64: one home or server gets a whole /64 and could otherwise
#: take a fresh address for every request.
IPV6_BUCKET_PREFIX = 64
#: Longest X-Forwarded-For value read (a chain of a few proxies is far shorter).
MAX_FORWARDED_CHARS = 2048


def parse_address(text: str) -> IPAddress | None:
    """An address from one X-Forwarded-For hop (``1.2.3.4``, ``1.2.3.4:5678``, ``[::1]:80``,
    ``::1``); IPv4-mapped IPv6 becomes IPv4. None when it is no address."""
    value = text.strip()
    if value.startswith("["):
        value = value[1:].partition("]")[0]
    elif value.count(":") == 1:  # IPv4 with a port
        value = value.partition(":")[0]
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def rate_key(host: str) -> str:
    """The rate-limit bucket of a client address: the address itself, an IPv6 address's /64."""
    address = parse_address(host)
    if isinstance(address, ipaddress.IPv6Address):
        network = ipaddress.IPv6Network((address, IPV6_BUCKET_PREFIX), strict=False)
        return str(network)
    return str(address) if address is not None else host


@dataclass(frozen=True)
class TrustedProxies:
    """The proxies whose ``X-Forwarded-For`` is believed (none by default)."""

    networks: tuple[IPNetwork, ...] = ()

    @classmethod
    def parse(cls, entries: Iterable[str]) -> TrustedProxies:
        return cls(tuple(ipaddress.ip_network(e.strip(), strict=False) for e in entries))

    @classmethod
    def from_settings(cls, settings: Settings) -> TrustedProxies:
        return cls.parse(settings.trusted_proxies)

    def __bool__(self) -> bool:
        return bool(self.networks)

    def trusts(self, address: IPAddress | None) -> bool:
        return address is not None and any(
            address.version == n.version and address in n for n in self.networks
        )

    def client(self, peer: str, forwarded_for: str | None) -> str:
        """The client behind ``peer``: X-Forwarded-For read from the right, past the trusted
        proxies, up to the first address that is not one. The peer itself when it is not
        trusted, when there is no header, or when a hop cannot be read."""
        current = parse_address(peer)
        if current is None or not self.trusts(current) or not forwarded_for:
            return peer
        if len(forwarded_for) > MAX_FORWARDED_CHARS:
            return str(current)
        for hop in reversed(forwarded_for.split(",")):
            address = parse_address(hop)
            if address is None:
                break
            current = address
            if not self.trusts(address):
                break
        return str(current)


def _forwarded_for(headers: Iterable[tuple[bytes, bytes]]) -> str | None:
    """Every X-Forwarded-For header of a request, joined in order (as one list of hops)."""
    values = [v.decode("latin-1") for k, v in headers if k.lower() == b"x-forwarded-for"]
    return ",".join(values) if values else None


class ClientIdentityMiddleware:
    """Sets ``scope["client"]`` to the client a trusted proxy forwarded for (pure ASGI)."""

    def __init__(self, app: Any, proxies: TrustedProxies) -> None:
        self.app = app
        self.proxies = proxies

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        client = scope.get("client")
        if self.proxies and scope["type"] in ("http", "websocket") and client:
            host, port = client[0], client[1]
            resolved = self.proxies.client(str(host), _forwarded_for(scope.get("headers", ())))
            if resolved != host:
                scope = {**scope, "client": (resolved, port)}
        await self.app(scope, receive, send)
