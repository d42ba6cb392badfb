"""Distributed live prices: a collector writes its latest closes to Redis and an API process
without a collector serves them (``source: live``), falling back to the stored history for a
symbol no collector wrote."""

from __future__ import annotations

from typing import Any

import pytest
from redis.asyncio import Redis
from redis.exceptions import RedisError

from tests.api.kit import API
from tests.seed import BASE_MS, add_rows, candle_row, member
from wickwatch.detection import LatestPrices
from wickwatch.market.types import Candle
from wickwatch.markets.latest import LatestPriceWriter, RedisLatestPrices, hash_key

pytestmark = pytest.mark.redis


def closed(symbol: str, ts_ms: int, close: float) -> Candle:
    return Candle("binance", "spot", symbol, ts_ms, close, close, close, close, 1, close, 1, 0)


async def test_an_api_without_a_collector_serves_the_collectors_prices(
    make_env: Any, redis_url: str
) -> None:
    env = await make_env(redis_url=redis_url)
    _, headers = await member(env)
    await add_rows(
        env.sessionmaker, [candle_row(BASE_MS, "60000"), candle_row(BASE_MS, "1", symbol="ETHUSDT")]
    )
    assert isinstance(env.app.state.latest_prices, RedisLatestPrices)

    collector_prices = LatestPrices()
    writer = LatestPriceWriter(collector_prices, redis_url)
    try:
        collector_prices.update(closed("BTCUSDT", BASE_MS + 61_000, 65_000.25))
        assert await writer.write_once() == 1
        assert await writer.write_once() == 0  # only what changed is written again

        url = f"{API}/prices/latest"
        query = {"exchange": "binance", "market": "spot", "symbol": "BTCUSDT"}
        live = (await env.client.get(url, params=query, headers=headers)).json()
        assert (live["price"], live["ts_ms"], live["source"]) == (
            "65000.25",
            BASE_MS + 61_000,
            "live",
        )
        eth = (
            await env.client.get(url, params={**query, "symbol": "ETHUSDT"}, headers=headers)
        ).json()
        assert (eth["price"], eth["source"]) == ("1", "history")

        # a newer close reaches the API's mirror with its next refresh
        collector_prices.update(closed("BTCUSDT", BASE_MS + 62_000, 65_100.5))
        assert await writer.write_once() == 1
        mirror: RedisLatestPrices = env.app.state.latest_prices
        await mirror.refresh()
        assert mirror.get("binance", "spot", "BTCUSDT") == (65_100.5, BASE_MS + 62_000)
    finally:
        await writer.close()


async def test_each_feed_has_its_own_hash_and_a_failed_write_is_retried(redis_url: str) -> None:
    prices = LatestPrices()
    writer = LatestPriceWriter(prices, redis_url)
    feeds = [("binance", "spot"), ("bybit", "futures"), ("okx", "futures")]
    try:
        await writer.redis.delete(*(hash_key(e, m) for e, m in feeds))
        for i, (exchange, market) in enumerate(feeds):
            for j, symbol in enumerate(("BTCUSDT", "ETHUSDT")):
                prices.set((exchange, market, symbol), 100.5 * (i + 1) + j, BASE_MS + i)
        assert await writer.write_once() == 6
        for i, (exchange, market) in enumerate(feeds):
            stored = await writer.redis.hgetall(hash_key(exchange, market))
            assert stored == {
                b"BTCUSDT": f"{100.5 * (i + 1)!r} {BASE_MS + i}".encode(),
                b"ETHUSDT": f"{100.5 * (i + 1) + 1!r} {BASE_MS + i}".encode(),
            }

        # Redis away: nothing is marked written, so the next write sends it again.
        prices.set(("okx", "futures", "BTCUSDT"), 7.25, BASE_MS + 9)
        await writer.redis.aclose()
        writer.redis = Redis.from_url("redis://127.0.0.1:1", socket_connect_timeout=0.5)
        with pytest.raises(RedisError):
            await writer.write_once()
        writer.redis = Redis.from_url(redis_url)
        assert await writer.write_once() == 1
        assert await writer.redis.hget(hash_key("okx", "futures"), "BTCUSDT") == (
            f"7.25 {BASE_MS + 9}".encode()
        )
    finally:
        await writer.close()


async def test_prices_are_written_again_now_and_then_and_expire_without_a_writer(
    redis_url: str,
) -> None:
    """A stopped collector's prices must not be served as live for ever (each feed's hash
    expires), and a Redis that lost its data gets quiet symbols back at the next full write."""
    prices = LatestPrices()
    writer = LatestPriceWriter(prices, redis_url, rewrite_every_s=10.0)
    key = hash_key("gate", "spot")
    try:
        await writer.redis.delete(key)
        prices.set(("gate", "spot", "BTC_USDT"), 1.5, BASE_MS)
        assert await writer.write_once() == 1
        assert 0 < await writer.redis.ttl(key) <= 30
        await writer.redis.delete(key)  # Redis restarted empty
        assert await writer.write_once() == 0  # nothing changed since: not yet
        writer._next_rewrite = 0.0  # the periodic full write is due
        assert await writer.write_once() == 1
        assert await writer.redis.hget(key, "BTC_USDT") == f"1.5 {BASE_MS}".encode()
    finally:
        await writer.close()
