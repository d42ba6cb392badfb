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


QUERY = {"exchange": "binance", "market": "spot", "symbol": "BTCUSDT"}


async def test_redis_away_falls_back_to_newer_history_not_to_a_frozen_live_price(
    make_env: Any, redis_url: str
) -> None:
    """The API's mirror keeps the last price it read; while Redis is away the stored history
    (the collector keeps writing minutes) is newer and is what the user sees."""
    env = await make_env(redis_url=redis_url)
    _, headers = await member(env)
    collector = LatestPrices()
    writer = LatestPriceWriter(collector, redis_url)
    url = f"{API}/prices/latest"
    try:
        collector.update(closed("BTCUSDT", BASE_MS, 60_000.0))
        await writer.write_once()
        first = (await env.client.get(url, params=QUERY, headers=headers)).json()
        assert (first["price"], first["source"]) == ("60000.0", "live")

        mirror: RedisLatestPrices = env.app.state.latest_prices
        await mirror.redis.aclose()
        mirror.redis = Redis.from_url("redis://127.0.0.1:1", socket_connect_timeout=0.5)
        await add_rows(env.sessionmaker, [candle_row(BASE_MS + 600_000, "70000")])
        later = (await env.client.get(url, params=QUERY, headers=headers)).json()
        assert (later["price"], later["ts_ms"], later["source"]) == (
            "70000",
            BASE_MS + 600_000,
            "history",
        )
    finally:
        await writer.close()


async def test_a_collector_that_lost_its_feed_does_not_put_old_prices_back(
    make_env: Any, redis_url: str
) -> None:
    """Collector A lost the feed's lock and B took it over: A's minutely full write must not
    put A's older prices back over B's newer ones (a price in Redis only moves forward)."""
    env = await make_env(redis_url=redis_url)
    _, headers = await member(env)
    prices_a, prices_b = LatestPrices(), LatestPrices()
    writer_a = LatestPriceWriter(prices_a, redis_url)
    writer_b = LatestPriceWriter(prices_b, redis_url)
    url = f"{API}/prices/latest"
    try:
        await writer_a.redis.delete(hash_key("binance", "spot"))
        prices_a.update(closed("BTCUSDT", BASE_MS, 60_000.0))
        await writer_a.write_once()
        prices_b.update(closed("BTCUSDT", BASE_MS + 30_000, 61_000.0))
        await writer_b.write_once()
        writer_a._next_rewrite = 0.0  # a minute later: A's full write is due
        assert await writer_a.write_once() == 0
        later = (await env.client.get(url, params=QUERY, headers=headers)).json()
        assert (later["price"], later["ts_ms"]) == ("61000.0", BASE_MS + 30_000)
        writer_b._next_rewrite = 0.0  # the holder's own full write (same prices) still goes
        assert await writer_b.write_once() == 1
    finally:
        await writer_a.close()
        await writer_b.close()


def test_a_lost_feeds_prices_are_forgotten() -> None:
    prices = LatestPrices()
    prices.update(closed("BTCUSDT", BASE_MS, 1.0))
    prices.set(("okx", "spot", "BTC-USDT"), 2.0, BASE_MS)
    prices.drop_feed("binance", "spot")
    assert [key for key, _ in prices.items()] == [("okx", "spot", "BTC-USDT")]


async def test_asking_for_symbols_that_do_not_exist_does_not_grow_the_refresh_set(
    make_env: Any, redis_url: str
) -> None:
    """Every symbol asked about was re-read from Redis every second for the life of the
    process, also those that exist nowhere: one user could make each refresh slow enough to
    block the API's event loop."""
    env = await make_env(redis_url=redis_url)
    _, headers = await member(env)
    url = f"{API}/prices/latest"
    for i in range(3):
        response = await env.client.get(
            url, params={**QUERY, "symbol": f"NOSUCH{i}USDT"}, headers=headers
        )
        assert response.status_code == 404
    mirror: RedisLatestPrices = env.app.state.latest_prices
    await mirror.refresh()
    assert not mirror.wanted
