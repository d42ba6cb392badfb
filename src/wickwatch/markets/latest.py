"""Latest prices shared through Redis (distributed mode).

Embedded, the API reads the collector's own :class:`~wickwatch.detection.LatestPrices` (same
process). Distributed, each collector writes the last close of its symbols to Redis about once
a second (:class:`LatestPriceWriter`: one hash per feed, ``wickwatch:prices:binance_spot``, field
= symbol, value = ``"<price> <ts_ms>"``, only what changed since the last write, everything
once a minute; a hash expires three minutes after its last write), and every API
process reads them through :class:`RedisLatestPrices` — a ``LatestPrices`` whose table is a
mirror of the symbols the API was asked about (and that exist: a symbol Redis has no price of
is not kept; one nobody asked about for ten minutes is dropped), refreshed every second, with
:meth:`fetch` reading Redis directly for a symbol not mirrored yet. A Redis that is away only
makes prices fall back to the stored 1-minute history (the services handle a missing live price).

A price in Redis only moves forward: the write replaces a symbol's price only with one at least
as new (a Lua script), so a collector that lost its feed to another one cannot put its frozen
prices back over the new holder's (it also forgets them: ``LatestPrices.drop_feed``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

import redis.asyncio as aioredis

from wickwatch.detection.price_bands import LatestPrices

log = logging.getLogger(__name__)

PREFIX = "wickwatch:prices:"
#: Longest one Redis round trip may take before it is given up.
OP_TIMEOUT_S = 2.0

Key = tuple[str, str, str]


def hash_key(exchange: str, market: str) -> str:
    return f"{PREFIX}{exchange}_{market}"


def _encode(price: float, ts_ms: int) -> str:
    return f"{price!r} {ts_ms}"


def _decode(raw: bytes | str | None) -> tuple[float, int] | None:
    if raw is None:
        return None
    text = raw.decode() if isinstance(raw, bytes) else raw
    try:
        price, ts_ms = text.split()
        return float(price), int(ts_ms)
    except ValueError:
        return None


#: HSET of the fields whose stored ``"<price> <ts_ms>"`` is not newer than the new one, then
#: the hash's expiry renewed if anything was written (a collector whose prices are all refused
#: is not the feed's writer any more and must not keep the hash alive). KEYS[1] the hash,
#: ARGV[1] the expiry in seconds, then field, value pairs. Returns how many were written.
_WRITE_NEWER = """
local written = 0
for i = 2, #ARGV, 2 do
  local old = redis.call('HGET', KEYS[1], ARGV[i])
  local new_ts = tonumber(string.match(ARGV[i + 1], '(%d+)$'))
  if not old or tonumber(string.match(old, '(%d+)$')) <= new_ts then
    redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
    written = written + 1
  end
end
if written > 0 then
  redis.call('EXPIRE', KEYS[1], ARGV[1])
end
return written
"""

#: A mirrored symbol nobody asked about for this long is no longer refreshed.
FORGET_AFTER_S = 600.0


def _client(url: str) -> aioredis.Redis:
    return aioredis.Redis.from_url(url, socket_connect_timeout=OP_TIMEOUT_S, socket_timeout=None)


class LatestPriceWriter:
    """Copies a collector's :class:`LatestPrices` to Redis every ``interval_s``."""

    def __init__(
        self,
        prices: LatestPrices,
        url: str,
        *,
        interval_s: float = 1.0,
        rewrite_every_s: float = 60.0,
    ) -> None:
        self.prices = prices
        self.interval_s = interval_s
        #: Every price is written again this often, and a feed's hash expires after three
        #: times as long without a write: a stopped collector's prices are not served as live
        #: for ever, and a Redis that lost its data gets the quiet symbols back.
        self.rewrite_every_s = rewrite_every_s
        self.redis = _client(url)
        self._write_newer = self.redis.register_script(_WRITE_NEWER)
        self.written = 0
        self._sent: dict[Key, int] = {}  #: ts_ms written per symbol
        self._next_rewrite = time.monotonic() + rewrite_every_s

    async def write_once(self) -> int:
        """Write the prices that changed since the last write; returns how many.

        One ``HSET`` per feed, each its own round trip: the event loop runs between them
        instead of waiting while one pipeline of every symbol (10,000 arguments at 5,000
        symbols) is encoded."""
        if time.monotonic() >= self._next_rewrite:
            self._next_rewrite = time.monotonic() + self.rewrite_every_s
            self._sent.clear()
        changed: dict[tuple[str, str], dict[str, str]] = {}
        stamps: dict[tuple[str, str], list[tuple[Key, int]]] = {}
        sent = self._sent
        ttl_s = max(1, int(3 * self.rewrite_every_s))
        for key, (price, ts_ms) in self.prices.items():
            if sent.get(key) != ts_ms:
                feed = (key[0], key[1])
                mapping = changed.get(feed)
                if mapping is None:
                    mapping = changed[feed] = {}
                    stamps[feed] = []
                mapping[key[2]] = _encode(price, ts_ms)
                stamps[feed].append((key, ts_ms))
        written = 0
        for feed, mapping in changed.items():
            args: list[str | int] = [ttl_s]
            for field, value in mapping.items():
                args += (field, value)
            async with asyncio.timeout(OP_TIMEOUT_S):
                done = int(
                    await self._write_newer(keys=[hash_key(*feed)], args=args, client=self.redis)
                )
            sent.update(stamps[feed])
            written += done
            self.written += done
        return written

    async def run(self) -> None:
        while True:
            await asyncio.sleep(self.interval_s)
            try:
                await self.write_once()
            except Exception as exc:  # live prices are best effort; history is the fallback
                log.debug("latest prices not written to Redis: %s", exc)

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await self.write_once()
        await self.redis.aclose()


class RedisLatestPrices(LatestPrices):
    """The latest prices every collector wrote to Redis, for an API process."""

    __slots__ = ("_task", "interval_s", "redis", "wanted")

    def __init__(self, url: str, *, interval_s: float = 1.0) -> None:
        super().__init__()
        self.redis = _client(url)
        self.interval_s = interval_s
        #: mirrored symbols, with when they were last asked about (monotonic seconds)
        self.wanted: dict[Key, float] = {}
        self._task: asyncio.Task[None] | None = None

    def get(self, exchange: str, market: str, symbol: str) -> tuple[float, int] | None:
        """The mirrored price (kept fresh while asked about), or None until it was read once."""
        key = (exchange, market, symbol)
        if key in self.wanted:
            self.wanted[key] = time.monotonic()
            return super().get(exchange, market, symbol)
        # Not mirrored yet: the next refresh reads it once and keeps it only if it exists.
        self.wanted[key] = time.monotonic()
        return None

    async def fetch(self, exchange: str, market: str, symbol: str) -> tuple[float, int] | None:
        """The price in Redis now; None when it has none or cannot be reached (then the
        stored history answers: the mirror's last value could be minutes old)."""
        key = (exchange, market, symbol)
        try:
            async with asyncio.timeout(OP_TIMEOUT_S):
                raw = await self.redis.hget(hash_key(exchange, market), symbol)
        except Exception as exc:
            log.debug("latest price of %s not read from Redis: %s", symbol, exc)
            return None
        value = _decode(raw)
        if value is not None:
            self.wanted[key] = time.monotonic()  # an existing symbol: mirrored from now on
            self.set(key, *value)
        return value

    async def refresh(self) -> None:
        """Re-read every wanted symbol (one round trip); forget those nobody asked about for
        :data:`FORGET_AFTER_S` and those Redis has no price of."""
        cut = time.monotonic() - FORGET_AFTER_S
        for key in [k for k, asked in self.wanted.items() if asked < cut]:
            del self.wanted[key]
            self.forget(key)
        keys = list(self.wanted)
        if not keys:
            return
        async with asyncio.timeout(OP_TIMEOUT_S):
            async with self.redis.pipeline(transaction=False) as pipe:
                for exchange, market, symbol in keys:
                    pipe.hget(hash_key(exchange, market), symbol)
                values = await pipe.execute()
        for key, raw in zip(keys, values, strict=True):
            value = _decode(raw)
            if value is not None:
                self.set(key, *value)
            else:  # no such symbol (or its feed's hash expired: no live price to serve)
                self.wanted.pop(key, None)
                self.forget(key)

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="latest-prices.refresh")

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.interval_s)
            try:
                await self.refresh()
            except Exception as exc:
                log.debug("latest prices not refreshed from Redis: %s", exc)

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        await self.redis.aclose()
