"""``/api/v1/markets``, ``/symbols``, ``/prices/latest``, ``/candles`` on SQLite and PostgreSQL:
feed status (stale rows are down), symbol search over the stored history, latest price (live or
stored), candles of a time range."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tests.api.kit import API, Env
from tests.seed import add_rows, candle_row, feed_row, member
from wickwatch.detection.price_bands import LatestPrices
from wickwatch.market.types import Candle

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
NOW_MS = int(NOW.timestamp() * 1000)


async def test_feed_status_and_stale_rows(env: Env) -> None:
    env.clock.now = NOW
    _, headers = await member(env)
    await add_rows(
        env.sessionmaker,
        [
            feed_row("binance", "spot", NOW - timedelta(seconds=2)),
            feed_row(
                "bybit",
                "futures",
                NOW - timedelta(seconds=1),
                status="degraded",
                reason="1 of 3 connections down",
                connections_up=2,
                connections_total=3,
            ),
            # the default status interval is 5 s: older than 15 s is stale
            feed_row("okx", "spot", NOW - timedelta(seconds=15)),
            feed_row("okx", "futures", NOW - timedelta(seconds=15, milliseconds=1)),
            feed_row(
                "gate", "futures", NOW, status="down", reason="connect refused", connections_up=0
            ),
        ],
    )
    response = await env.client.get(f"{API}/markets", headers=headers)
    assert response.status_code == 200, response.text
    feeds = {(f["exchange"], f["market"]): f for f in response.json()}
    assert len(feeds) == 12  # every configured feed, reported or not
    assert list(feeds)[:4] == [
        ("binance", "spot"),
        ("binance", "futures"),
        ("bybit", "spot"),
        ("bybit", "futures"),
    ]

    def state(key: tuple[str, str]) -> tuple[Any, ...]:
        f = feeds[key]
        return f["status"], f["reason"], f["stale"], f["reported_status"]

    assert state(("binance", "spot")) == ("active", None, False, "up")
    assert feeds[("binance", "spot")]["age_s"] == 2.0
    assert feeds[("binance", "spot")]["symbols"] == 100
    assert state(("bybit", "futures")) == ("degraded", "1 of 3 connections down", False, "degraded")
    assert state(("okx", "spot")) == ("active", None, False, "up")
    status, reason, stale, reported = state(("okx", "futures"))
    assert (status, stale, reported) == ("down", True, "up")
    assert "stopped reporting" in reason
    assert state(("gate", "futures")) == ("down", "connect refused", False, "down")
    never = feeds[("hyperliquid", "spot")]
    assert (never["status"], never["reason"], never["updated_at"]) == (
        "down",
        "no status reported yet",
        None,
    )

    # time passes without reports: everything is down
    env.clock.advance(60)
    later = (await env.client.get(f"{API}/markets", headers=headers)).json()
    assert {f["status"] for f in later} == {"down"}


async def test_symbol_search(env: Env) -> None:
    _, headers = await member(env)
    minute = NOW_MS - NOW_MS % 60_000
    stored = [
        ("binance", "spot", "BTCUSDT"),
        ("binance", "spot", "ETHBTC"),
        ("binance", "spot", "ETHUSDT"),
        ("binance", "futures", "BTCUSDT"),
        ("binance", "futures", "BTCDOMUSDT"),
        ("okx", "futures", "BTC-USDT-SWAP"),
        ("hyperliquid", "futures", "BTC"),
        ("gate", "spot", "SOL_USDT"),
    ]
    rows = [
        candle_row(minute - i * 60_000, "1", exchange=e, market=m, symbol=s)
        for e, m, s in stored
        for i in range(3)
    ]
    await add_rows(env.sessionmaker, rows)

    async def search(**params: Any) -> list[tuple[str, str, str]]:
        response = await env.client.get(f"{API}/symbols", params=params, headers=headers)
        assert response.status_code == 200, response.text
        return [(s["exchange"], s["market"], s["symbol"]) for s in response.json()]

    assert await search(q="btc") == [
        ("binance", "spot", "BTCUSDT"),  # base BTC, feeds in the usual order
        ("binance", "futures", "BTCUSDT"),
        ("okx", "futures", "BTC-USDT-SWAP"),
        ("hyperliquid", "futures", "BTC"),
        ("binance", "futures", "BTCDOMUSDT"),  # a prefix
        ("binance", "spot", "ETHBTC"),  # contains
    ]
    assert await search(q="BTC", exchange="binance", market="futures") == [
        ("binance", "futures", "BTCUSDT"),
        ("binance", "futures", "BTCDOMUSDT"),
    ]
    assert await search(q="btc", limit=2) == [
        ("binance", "spot", "BTCUSDT"),
        ("binance", "futures", "BTCUSDT"),
    ]
    assert await search(q="sol_") == [("gate", "spot", "SOL_USDT")]
    full = (await env.client.get(f"{API}/symbols", params={"q": "SOL"}, headers=headers)).json()
    assert full == [
        {
            "exchange": "gate",
            "market": "spot",
            "symbol": "SOL_USDT",
            "base": "SOL",
            "quote": "USDT",
            "last_candle_ms": minute,
        }
    ]
    assert await search(q="nothing") == []
    assert await search(limit=3) == [
        ("binance", "spot", "BTCUSDT"),
        ("binance", "spot", "ETHBTC"),
        ("binance", "spot", "ETHUSDT"),
    ]

    # the list is cached for a minute per process
    await add_rows(env.sessionmaker, [candle_row(minute, "1", symbol="NEWUSDT")])
    assert await search(q="new") == []
    env.app.state.symbol_catalog.invalidate()
    assert await search(q="new") == [("binance", "spot", "NEWUSDT")]

    for params, field in (
        ({"q": ""}, "query.q"),
        ({"q": "a b"}, "query.q"),
        ({"q": "x" * 33}, "query.q"),
        ({"q": "btc", "limit": 0}, "query.limit"),
        ({"q": "btc", "exchange": "kraken"}, "query.exchange"),
    ):
        response = await env.client.get(f"{API}/symbols", params=params, headers=headers)
        assert response.status_code == 422, params
        assert field in [d["field"] for d in response.json()["error"]["details"]]


async def test_latest_price(env: Env) -> None:
    _, headers = await member(env)
    minute = NOW_MS - NOW_MS % 60_000
    await add_rows(
        env.sessionmaker,
        [
            candle_row(minute - 60_000, "64000.1"),
            candle_row(minute, "65000.123456789"),
            candle_row(minute + 60_000, "1", symbol="ETHUSDT"),
        ],
    )
    url = f"{API}/prices/latest"
    query = {"exchange": "binance", "market": "spot", "symbol": "BTCUSDT"}
    stored = (await env.client.get(url, params=query, headers=headers)).json()
    assert stored == {
        **query,
        "price": "65000.123456789",
        "ts_ms": minute,
        "source": "history",
    }
    missing = await env.client.get(url, params={**query, "market": "futures"}, headers=headers)
    assert missing.status_code == 404
    bad = await env.client.get(url, params={**query, "symbol": "BTC USDT"}, headers=headers)
    assert bad.status_code == 422

    # a process with a collector shares its live prices
    live = LatestPrices()
    live.update(Candle("binance", "spot", "BTCUSDT", minute + 61_000, 1, 2, 0.5, 1.5, 1, 1, 1, 0))
    env.app.state.latest_prices = live
    try:
        now = (await env.client.get(url, params=query, headers=headers)).json()
        assert (now["price"], now["ts_ms"], now["source"]) == ("1.5", minute + 61_000, "live")
        eth = {**query, "symbol": "ETHUSDT"}
        other = (await env.client.get(url, params=eth, headers=headers)).json()
        assert other["source"] == "history"
    finally:
        del env.app.state.latest_prices


async def test_candles_of_a_time_range(env: Env) -> None:
    env.clock.now = NOW
    _, headers = await member(env)
    minute = NOW_MS - NOW_MS % 60_000
    times = [minute - i * 60_000 for i in range(90)][::-1]
    await add_rows(
        env.sessionmaker,
        [candle_row(t, f"{i}.25", market="futures") for i, t in enumerate(times)]
        + [candle_row(minute, "7")],
    )
    url = f"{API}/candles"
    query = {"exchange": "binance", "market": "futures", "symbol": "BTCUSDT"}
    ranged = (
        await env.client.get(
            url, params={**query, "from_ms": times[10], "to_ms": times[15]}, headers=headers
        )
    ).json()
    assert (ranged["interval_s"], ranged["symbol"]) == (60, "BTCUSDT")
    assert [c["t"] for c in ranged["candles"]] == times[10:15]
    assert ranged["candles"][0]["c"] == "10.25"
    recent = (await env.client.get(url, params=query, headers=headers)).json()
    assert [c["t"] for c in recent["candles"]] == [
        t for t in times if NOW_MS - 3_600_000 < t <= NOW_MS
    ]
    for params, field in (
        ({"from_ms": 10, "to_ms": 10}, "query.to_ms"),
        ({"from_ms": 0, "to_ms": 7 * 86_400_000 + 1}, "query.to_ms"),
        ({"from_ms": NOW_MS - 8 * 86_400_000}, "query.from_ms"),  # no to_ms: the start
        ({"from_ms": -5}, "query.from_ms"),
        ({"market": "perp"}, "query.market"),
    ):
        response = await env.client.get(url, params={**query, **params}, headers=headers)
        assert response.status_code == 422, params
        assert field in [d["field"] for d in response.json()["error"]["details"]]
    missing = await env.client.get(url, params={"exchange": "okx"}, headers=headers)
    assert missing.status_code == 422


async def test_a_symbol_in_another_case_is_answered_for_the_venues_spelling(env: Env) -> None:
    """`/symbols` finds `btc`; `/prices/latest` and `/candles` with `btcusdt` answered 404 and
    an empty 200 (indistinguishable from "no data in this range")."""
    env.clock.now = NOW
    _, headers = await member(env)
    minute = NOW_MS - NOW_MS % 60_000
    await add_rows(env.sessionmaker, [candle_row(minute, "65000")])
    query = {"exchange": "binance", "market": "spot", "symbol": "btcusdt"}
    latest = await env.client.get(f"{API}/prices/latest", params=query, headers=headers)
    assert (latest.status_code, latest.json()["symbol"]) == (200, "BTCUSDT"), latest.text
    candles = (await env.client.get(f"{API}/candles", params=query, headers=headers)).json()
    assert (candles["symbol"], [c["t"] for c in candles["candles"]]) == ("BTCUSDT", [minute])
    unknown = {**query, "symbol": "nosuchusdt"}
    assert (
        await env.client.get(f"{API}/prices/latest", params=unknown, headers=headers)
    ).status_code == 404
