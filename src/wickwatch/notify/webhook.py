"""Webhook delivery: a signed JSON POST to the user's URL.

Channel configuration (kind ``webhook``): ``{"url": "https://…"}``; the channel's encrypted
secret is the signing key. Every request carries::

    Content-Type: application/json
    Idempotency-Key: <the delivery's key, the same on every retry>
    X-Wickwatch-Timestamp: <unix seconds>
    X-Wickwatch-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>

A receiver verifies the signature (and rejects old timestamps against replays) and drops a
repeated ``Idempotency-Key``: the dispatcher delivers at least once, so that makes it exactly once.
Answers: 2xx delivered; 408, 425, 429 and 5xx retried (``Retry-After`` honoured); redirects and
other 4xx are permanent failures.

Server-side request forgery: unless ``WICKWATCH_WEBHOOK_ALLOW_PRIVATE`` is set, a URL whose host
is, or resolves to, any private, loopback, link-local, multicast or otherwise non-public address
is refused. Every address the name resolves to is checked, and the connection is made to exactly
those checked addresses (the check sits in the connector's resolver), so a DNS answer cannot
change between check and connect. The channels API runs the same check when a URL is saved
(:func:`target_problem`), so a user learns at once that a target will never be called.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import ipaddress
import socket
import time
from collections.abc import Iterable, Mapping
from typing import Any, Self
from urllib.parse import urlsplit

import aiohttp
import orjson
import yarl
from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import DefaultResolver

from wickwatch import __version__
from wickwatch.config import Settings
from wickwatch.notify.base import Delivery, Notifier, SendResult
from wickwatch.notify.templates import AlertLike, Rendered

SIGNATURE_HEADER = "X-Wickwatch-Signature"
TIMESTAMP_HEADER = "X-Wickwatch-Timestamp"
#: The most of a receiver's answer that is read (the rest is dropped with the connection).
MAX_ANSWER_BYTES = 64 * 1024
IDEMPOTENCY_HEADER = "Idempotency-Key"
_RETRY_STATUSES = frozenset({408, 425, 429})


class BlockedTarget(Exception):
    """The webhook's host is not a public address (and private targets are not allowed)."""


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """``sha256=<hex>`` of HMAC-SHA256(secret, ``<timestamp>.<body>``)."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


def verify(secret: str, timestamp: str, body: bytes, signature: str) -> bool:
    """What a receiver checks (constant-time)."""
    return hmac.compare_digest(sign(secret, timestamp, body), signature)


_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


def address_problem(address: str) -> str | None:
    """Why ``address`` is not a public unicast address, or None when it is."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        # An IPv6 address that carries an IPv4 one is judged by the IPv4 one: mapped, 6to4
        # (2002::/16, which Python calls global) and NAT64's well-known prefix (64:ff9b::/96,
        # which a NAT64 network translates to the embedded address, private ones included).
        embedded = ip.ipv4_mapped or ip.sixtofour
        if embedded is None and ip in _NAT64:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None:
            ip = embedded
    for label, flag in (
        ("loopback", ip.is_loopback),
        ("unspecified", ip.is_unspecified),
        ("link-local", ip.is_link_local),
        ("multicast", ip.is_multicast),
        ("private", ip.is_private),
        ("reserved", ip.is_reserved),
    ):
        if flag:
            return f"{address} is a {label} address"
    if not ip.is_global:
        return f"{address} is not a public address"
    return None


def resolved_problem(host: str, addresses: Iterable[str]) -> str | None:
    """Why a host that resolves to ``addresses`` may not be called, or None when every one is
    public."""
    for address in addresses:
        problem = address_problem(address)
        if problem:
            return f"{host} resolves to {problem}"
    return None


class GuardedResolver(AbstractResolver):
    """Resolves with the system resolver and refuses the host when any address is not public."""

    def __init__(self, allow_private: bool) -> None:
        self.allow_private = allow_private
        self._inner = DefaultResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        results = await self._inner.resolve(host, port, family)
        if not self.allow_private:
            problem = resolved_problem(host, (result["host"] for result in results))
            if problem:
                raise BlockedTarget(problem)
        return results

    async def close(self) -> None:
        await self._inner.close()


def url_problem(url: str, *, allow_private: bool) -> str | None:
    """What is wrong with a webhook URL before any lookup (scheme, host, literal address)."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a bad port
    except ValueError as exc:
        return f"malformed URL: {exc}"
    if parts.scheme not in ("http", "https"):
        return "the URL must start with https:// or http://"
    if not parts.hostname:
        return "the URL has no host"
    if parts.username or parts.password:
        return "credentials in the URL are not allowed; use the signing secret"
    if allow_private:
        return None
    host = parts.hostname
    with contextlib.suppress(ValueError):
        # The host aiohttp connects to: IDNA maps "１２７.０.０.１" or "127。0。0。1" to a literal
        # address, which is never resolved (so never seen by the resolver's check).
        host = yarl.URL(url).host or host
    try:
        ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return None  # a name: checked when it is resolved
    return address_problem(host)


async def target_problem(
    url: str, *, allow_private: bool, resolve_timeout_s: float = 5.0
) -> str | None:
    """Why webhooks to ``url`` would be refused (:func:`url_problem`, then every address its host
    resolves to now), or None. For saving a channel; a name that does not resolve now is not
    refused here — every send checks again."""
    problem = url_problem(url, allow_private=allow_private)
    if problem or allow_private:
        return problem
    return await host_problem(urlsplit(url).hostname or "", resolve_timeout_s=resolve_timeout_s)


async def host_problem(host: str, *, resolve_timeout_s: float = 5.0) -> str | None:
    """Why ``host`` (a literal address or a name, resolved now) is not public, or None; a name
    that does not resolve is not refused here (the connection attempt fails on its own)."""
    try:
        ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        pass
    else:
        return address_problem(host)
    try:
        infos = await asyncio.wait_for(
            asyncio.get_running_loop().getaddrinfo(host, None, type=socket.SOCK_STREAM),
            resolve_timeout_s,
        )
    except (OSError, TimeoutError):
        return None
    return resolved_problem(host, (str(info[4][0]) for info in infos))


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        from email.utils import parsedate_to_datetime

        try:
            return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
        except (TypeError, ValueError):
            return None


class WebhookNotifier(Notifier):
    slug = "webhook"

    def __init__(self, *, allow_private: bool = False, timeout_s: float = 10.0) -> None:
        self.allow_private = allow_private
        self.timeout = aiohttp.ClientTimeout(total=timeout_s, connect=min(5.0, timeout_s))
        self._session: aiohttp.ClientSession | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> Self:
        return cls(
            allow_private=settings.webhook_allow_private, timeout_s=settings.webhook_timeout_s
        )

    @staticmethod
    def destination(config: Mapping[str, Any]) -> str:
        return str(config.get("url", ""))[:255]

    def server_of(self, delivery: Delivery) -> str | None:
        # Per user: many users' hooks on one big host (a chat service) are not one server's load.
        host = urlsplit(str(delivery.config.get("url", ""))).hostname or ""
        return f"hook:{delivery.user_id}:{host}"

    def session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(
                resolver=GuardedResolver(self.allow_private), ttl_dns_cache=10, limit=200
            )
            self._session = aiohttp.ClientSession(
                connector=connector,
                timeout=self.timeout,
                trust_env=False,  # never route users' URLs through a configured proxy
                headers={"User-Agent": f"wickwatch-webhook/{__version__}"},
            )
        return self._session

    def body(self, delivery: Delivery, rendered: Rendered) -> bytes:
        document = {
            "idempotency_key": delivery.idempotency_key,
            "delivery_id": delivery.id,
            **rendered.payload,
        }
        return orjson.dumps(document)

    async def send(self, delivery: Delivery, alert: AlertLike, rendered: Rendered) -> SendResult:
        url = str(delivery.config.get("url") or "")
        problem = url_problem(url, allow_private=self.allow_private)
        if problem:
            return SendResult.failed(f"webhook refused: {problem}")
        body = self.body(delivery, rendered)
        timestamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/json",
            IDEMPOTENCY_HEADER: delivery.idempotency_key,
            TIMESTAMP_HEADER: timestamp,
        }
        if delivery.secret:
            headers[SIGNATURE_HEADER] = sign(delivery.secret, timestamp, body)
        try:
            async with self.session().post(
                url, data=body, headers=headers, allow_redirects=False
            ) as response:
                status = response.status
                retry_after = _retry_after(response.headers.get("Retry-After"))
                # Read (so a small answer leaves the connection reusable), but at most this
                # much: the URL is the user's, its answer must not fill our memory.
                await response.content.read(MAX_ANSWER_BYTES)
        except BlockedTarget as exc:
            return SendResult.failed(f"webhook refused: {exc}")
        except TimeoutError:
            return SendResult.retry("webhook timed out")
        except aiohttp.ClientError as exc:
            return SendResult.retry(f"webhook unreachable: {type(exc).__name__}: {exc}")
        if 200 <= status < 300:
            return SendResult.sent(str(status))
        text = f"webhook answered HTTP {status}"
        if status == 429:
            return SendResult.throttled(retry_after if retry_after is not None else 30.0, text)
        if status >= 500 or status in _RETRY_STATUSES:
            return SendResult.retry(text, retry_after)
        if 300 <= status < 400:
            return SendResult.failed(text + " (redirects are not followed)")
        return SendResult.failed(text)

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
