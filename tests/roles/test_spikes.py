"""Market spike candidates: which closed candles the collector keeps for the settings dry run,
what is stored with them, de-duplication and retention."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.roles.kit import role_settings
from wickwatch.detection import QuoteRates, SymbolResolver
from wickwatch.market.types import Candle
from wickwatch.roles.collector import Collector
from wickwatch.roles.spikes import SpikeWriter
from wickwatch.storage.models import MarketSpike

T0 = 1_767_225_600_000
DAY_MS = 86_400_000


def candle(
    symbol: str = "BTCUSDT",
    ts_ms: int = T0,
    *,
    o: float = 100.0,
    h: float = 100.0,
    low: float = 100.0,
    c: float = 100.0,
    qv: float = 1000.0,
    complete: bool = True,
    exchange: str = "binance",
    market: str = "spot",
) -> Candle:
    return Candle(exchange, market, symbol, ts_ms, o, h, low, c, qv / c, qv, 3, 0.0, complete)


def writer(
    sessionmaker: async_sessionmaker[AsyncSession], rates: QuoteRates | None = None
) -> SpikeWriter:
    rates = rates or QuoteRates()
    return SpikeWriter(
        sessionmaker,
        floor_pct=0.3,
        retention_days=7,
        resolve=SymbolResolver().resolve,
        usd_rate=rates.rate,
        clock_ms=lambda: T0,
    )


async def stored(sessionmaker: async_sessionmaker[AsyncSession]) -> list[MarketSpike]:
    async with sessionmaker() as session:
        return list((await session.scalars(select(MarketSpike).order_by(MarketSpike.ts_ms))).all())


async def test_keeps_complete_candles_that_moved_at_least_the_floor(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    rates = QuoteRates()
    rates.set_rate("BTC", 50_000.0, T0)
    spikes = writer(sessionmaker, rates)
    spikes.offer(candle(ts_ms=T0, h=100.29))  # 0.29 %: below the floor
    spikes.offer(candle(ts_ms=T0 + 1000, h=100.3))  # exactly the floor: kept
    spikes.offer(candle(ts_ms=T0 + 2000, low=99.0, c=99.5))  # 1 % down: kept
    spikes.offer(candle(ts_ms=T0 + 3000, h=105.0, complete=False))  # feed gap: never
    spikes.offer(candle("ETHBTC", T0 + 4000, o=0.05, h=0.051, c=0.0505, qv=2.0))  # BTC quote
    assert await spikes.flush(30.0)

    rows = await stored(sessionmaker)
    assert [r.ts_ms for r in rows] == [T0 + 1000, T0 + 2000, T0 + 4000]
    up, down, eth = rows
    assert up.delta_pct == pytest.approx(0.3)
    assert (down.delta_pct, down.low, down.close) == (pytest.approx(1.0), 99.0, 99.5)
    assert (up.base, up.quote, up.volume_usd) == ("BTC", "USDT", pytest.approx(1000.0))
    # a BTC-quoted volume in dollars through the BTC rate, not through its own close
    assert (eth.base, eth.quote) == ("ETH", "BTC")
    assert eth.volume_usd == pytest.approx(2.0 * 50_000.0)
    assert eth.quote_volume == pytest.approx(2.0) and eth.trades == 3


async def test_unknown_usd_rate_is_stored_as_unknown(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    spikes = writer(sessionmaker)  # no BTC rate known
    spikes.offer(candle("ETHBTC", T0, o=0.05, h=0.06, c=0.05, qv=2.0))
    assert await spikes.flush(30.0)
    assert [r.volume_usd for r in await stored(sessionmaker)] == [None]


async def test_the_same_second_twice_is_stored_once(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    first = writer(sessionmaker)
    first.offer(candle(h=101.0))
    assert await first.flush(30.0)
    again = writer(sessionmaker)  # a restart, or a second collector of the feed
    again.offer(candle(h=102.0))
    again.offer(candle(ts_ms=T0 + 1000, h=102.0))
    assert await again.flush(30.0)
    rows = await stored(sessionmaker)
    assert [(r.ts_ms, r.high) for r in rows] == [(T0, 101.0), (T0 + 1000, 102.0)]


async def test_purge_deletes_what_is_older_than_the_retention(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    spikes = writer(sessionmaker)
    for age_days in (8, 6, 0):
        spikes.offer(candle(ts_ms=T0 - age_days * DAY_MS, h=101.0))
    assert await spikes.flush(30.0)
    assert await spikes.purge() == 1
    assert [r.ts_ms for r in await stored(sessionmaker)] == [T0 - 6 * DAY_MS, T0]


async def test_the_collector_hands_closed_candles_to_the_spike_writer(
    database_url: str, sessionmaker: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    settings = role_settings(database_url, tmp_path, spike_floor_pct=0.5)
    collector = Collector(settings, sessionmaker, None, markets=[])
    collector._handle([candle(h=100.4), candle("ETHUSDT", h=100.6), candle("XRPUSDT", low=99.0)])
    assert await collector.spike_writer.flush(30.0)
    rows = await stored(sessionmaker)
    assert sorted((r.symbol, r.quote) for r in rows) == [("ETHUSDT", "USDT"), ("XRPUSDT", "USDT")]
