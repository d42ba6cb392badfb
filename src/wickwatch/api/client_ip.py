"""The real client address behind trusted reverse proxies.

``X-Forwarded-For`` is believed only when the direct peer is a configured trusted proxy
(``WICKWATCH_TRUSTED_PROXIES``); the client is then the right-most address that is not itself a
trusted proxy, so a client cannot choose its address by sending the header itself. The same
applies to ``X-Forwarded-Proto`` (used for ``Secure`` cookies and HSTS).

Run uvicorn with ``proxy_headers=False`` so this is the only place such headers are trusted.
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Iterable

log = logging.getLogger(__name__)

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def parse_networks(cidrs: Iterable[str]) -> list[Network]:
    return [ipaddress.ip_network(c.strip(), strict=False) for c in cidrs]


def _address(text: str) -> Address | None:
    text = text.strip().strip('"')
    if text.startswith("[") and "]" in text:  # [v6]:port
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # v4:port
        text = text.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


class ClientResolver:
    def __init__(self, trusted: Iterable[str]) -> None:
        self.networks = parse_networks(trusted)
        self._warned = False

    def trusted(self, address: Address) -> bool:
        return any(address in network for network in self.networks)

    def resolve(
        self, peer: str | None, forwarded_for: list[str], forwarded_proto: list[str]
    ) -> tuple[str | None, str | None]:
        """(client address, scheme or None) for a request from ``peer`` with these headers."""
        peer_address = _address(peer) if peer else None
        if peer_address is None or not self.networks or not self.trusted(peer_address):
            if forwarded_for and not self._warned:
                # Behind a proxy that is not trusted every client looks like the proxy: they
                # share one address's rate limits, and Secure cookies are not set.
                self._warned = True
                log.warning(
                    "X-Forwarded-For from %s, which is not in WICKWATCH_TRUSTED_PROXIES: the "
                    "header is ignored (add the proxy if it is yours; said once)",
                    peer,
                )
            return peer, None
        client: Address = peer_address
        hops = [hop for value in forwarded_for for hop in value.split(",") if hop.strip()]
        for hop in reversed(hops):
            address = _address(hop)
            if address is None:
                break
            client = address
            if not self.trusted(address):
                break
        scheme = None
        protos = [p.strip().lower() for value in forwarded_proto for p in value.split(",")]
        if protos and protos[-1] in {"http", "https"}:
            scheme = protos[-1]
        return str(client), scheme
