"""Rate limits with the ``limits`` library: in memory (embedded mode) or in Redis (shared by
every API process when ``WICKWATCH_REDIS_URL`` is set).

Limits are moving windows written in the ``limits`` syntax, several tiers separated by ``;``.
For failed logins per account the tiers make a growing lock-out: with the default
``5/minute;10/15 minutes;20/hour;50/day`` five failures lock the account for up to a minute, ten
for up to 15 minutes, and so on; a successful login clears them. Accounts are keyed by a hash of
the e-mail address, known or not, so the lock-out tells nothing about which accounts exist.

When the storage fails (Redis down) requests are let through and the failure is logged: a limiter
outage must not lock every user out. Argon2 keeps password guessing expensive meanwhile.
"""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import time
from typing import TYPE_CHECKING

from limits import RateLimitItem, parse_many
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.errors import StorageError

from wickwatch.accounts.errors import RateLimited
from wickwatch.config import Settings

if TYPE_CHECKING:
    from redis.asyncio import ConnectionPool

log = logging.getLogger(__name__)

KEY_PREFIX = "wickwatch:ratelimit"
_OUTAGE_LOG_INTERVAL_S = 60.0


class SafeMemoryStorage(MemoryStorage):
    """limits' in-memory storage with a ``clear`` its expiry task survives.

    The task walks a snapshot of the keys and reads each one's entries; a key ``clear`` had
    removed meanwhile (a successful sign-in clears its failures) raised ``KeyError`` and ended
    the task, logged as "Task exception was never retrieved" in the operator's error log.
    Here the entries are emptied instead, and the task drops the empty key itself."""

    async def clear(self, key: str) -> None:
        self.storage.pop(key, None)
        self.expirations.pop(key, None)
        if key in self.events:
            self.events[key] = []


class RateLimiter:
    """The product's rate limits; each ``hit_*``/``check_*`` raises :class:`RateLimited`."""

    def __init__(self, settings: Settings) -> None:
        self.login_ip = parse_many(settings.rate_limit_login_ip)
        self.login_account = parse_many(settings.rate_limit_login_account)
        self.register_ip = parse_many(settings.rate_limit_register_ip)
        self.user = parse_many(settings.rate_limit_user)
        self._pool: ConnectionPool | None = None
        storage: Storage
        if settings.redis_url is not None:
            import redis.asyncio as redis

            self._pool = redis.ConnectionPool.from_url(str(settings.redis_url))
            storage = RedisStorage(
                "async+" + str(settings.redis_url),
                implementation="redispy",
                key_prefix=KEY_PREFIX,
                wrap_exceptions=True,
                connection_pool=self._pool,  # type: ignore[arg-type]  # we own and close it
            )
        else:
            storage = SafeMemoryStorage(wrap_exceptions=True)
        self.storage = storage
        self._strategy = MovingWindowRateLimiter(storage)
        self._last_outage_log = 0.0

    async def aclose(self) -> None:
        if self._pool is not None:
            await self._pool.aclose()
        timer = getattr(self.storage, "timer", None)
        if timer is not None and not timer.done():
            timer.cancel()

    def _outage(self, exc: Exception) -> None:
        now = time.monotonic()
        if now - self._last_outage_log >= _OUTAGE_LOG_INTERVAL_S:
            self._last_outage_log = now
            log.error("rate-limit storage unavailable, limits not enforced: %s", exc)

    async def _retry_after(self, item: RateLimitItem, *identifiers: str) -> float:
        stats = await self._strategy.get_window_stats(item, *identifiers)
        return stats.reset_time - time.time()

    async def hit(self, items: list[RateLimitItem], *identifiers: str, what: str) -> None:
        """Count one request against every tier; :class:`RateLimited` when one is exhausted."""
        try:
            for item in items:
                if not await self._strategy.hit(item, *identifiers):
                    retry = await self._retry_after(item, *identifiers)
                    raise RateLimited(f"too many {what}; try again later", retry_after=retry)
        except StorageError as exc:
            self._outage(exc)

    async def clear(self, items: list[RateLimitItem], *identifiers: str) -> None:
        try:
            for item in items:
                await self._strategy.clear(item, *identifiers)
        except StorageError as exc:
            self._outage(exc)

    # --- the product's limits ------------------------------------------------------------

    async def hit_login_ip(self, ip: str) -> None:
        await self.hit(self.login_ip, "login-ip", address_key(ip), what="login attempts")

    async def hit_login_account(self, email: str) -> None:
        """One sign-in attempt on the account (cleared when it succeeds)."""
        await self.hit(self.login_account, "login-fail", _account_key(email), what="failed logins")

    async def clear_login_failures(self, email: str) -> None:
        await self.clear(self.login_account, "login-fail", _account_key(email))

    async def hit_register_ip(self, ip: str) -> None:
        await self.hit(self.register_ip, "register-ip", address_key(ip), what="registrations")

    async def hit_user(self, user_id: int) -> None:
        await self.hit(self.user, "user", str(user_id), what="requests")


def address_key(ip: str) -> str:
    """The client an address limit counts: an IPv4 address, or an IPv6 address's /64 (one
    subscriber's whole network, which a client can walk through at will)."""
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ip
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def _account_key(email: str) -> str:
    return hashlib.sha256(email.strip().casefold().encode()).hexdigest()[:32]
