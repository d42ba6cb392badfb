"""Market spike candidates: which closed candles the collector keeps for the settings dry run,
what is stored with them, de-duplication and retention."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.roles.kit import add_user, role_settings, spike_rules
from wickwatch.alerts.repository import AlertRepository
from wickwatch.alerts.service import AlertService
from wickwatch.detection import QuoteRates, SymbolResolver
from wickwatch.market.types import BUY, Candle, Trade
from wickwatch.markets.repository import MarketRepository
from wickwatch.roles.collector import Collector
from wickwatch.roles.spikes import SpikeWriter
from wickwatch.storage.models import Alert, MarketSpike, SpikeCandle1s, User
from wickwatch.storage.types import utcnow

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


# --- the 1-second candles around alerts ----------------------------------------------------------


class Ring:
    """Stands in for the detector's per-symbol ring: the candles closed so far, oldest first."""

    def __init__(self) -> None:
        self.candles: dict[tuple[str, str, str], list[Candle]] = {}
        self.closed_before: dict[tuple[str, str], int] = {}

    def close(self, *candles: Candle) -> None:
        for c in candles:
            self.candles.setdefault((c.exchange, c.market, c.symbol), []).append(c)
            self.closed_before[(c.exchange, c.market)] = c.ts_ms + 1000

    def recent(self, exchange: str, market: str, symbol: str) -> list[Candle]:
        return self.candles.get((exchange, market, symbol), [])[-60:]  # like the detector

    def venue_closed_before(self, exchange: str, market: str) -> int | None:
        return self.closed_before.get((exchange, market))


def window_writer(sessionmaker: async_sessionmaker[AsyncSession], ring: Ring) -> SpikeWriter:
    return SpikeWriter(
        sessionmaker,
        floor_pct=0.3,
        retention_days=7,
        resolve=SymbolResolver().resolve,
        usd_rate=QuoteRates().rate,
        clock_ms=lambda: T0,
        recent=ring.recent,
    )


def second(ts_ms: int, symbol: str = "BTCUSDT", price: float = 100.0) -> Candle:
    """A candle whose fields all differ, so a stored copy shows any field mixed up."""
    return Candle(
        "binance", "spot", symbol, ts_ms, price, price + 0.5, price - 0.25, price + 0.125,
        1.5, 150.75, 7, 0.625, ts_ms % 7000 != 0,
    )  # fmt: skip


async def stored_seconds(sessionmaker: async_sessionmaker[AsyncSession]) -> list[SpikeCandle1s]:
    async with sessionmaker() as session:
        query = select(SpikeCandle1s).order_by(SpikeCandle1s.symbol, SpikeCandle1s.ts_ms)
        return list((await session.scalars(query)).all())


def as_candle(row: SpikeCandle1s) -> Candle:
    return Candle(
        row.exchange, row.market, row.symbol, row.ts_ms, float(row.open), float(row.high),
        float(row.low), float(row.close), float(row.volume), float(row.quote_volume), row.trades,
        float(row.taker_buy_volume), row.complete,
    )  # fmt: skip


async def test_an_alert_keeps_the_minute_before_and_the_half_minute_after(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    ring = Ring()
    spikes = window_writer(sessionmaker, ring)
    spike = T0 + 100_000
    # 80 seconds before the spike, with a second without trades (no candle) in the window
    times = [t for t in range(T0 + 20_000, spike + 1, 1000) if t != spike - 10_000]
    ring.close(*(second(t, price=100 + t % 97) for t in times))
    ring.close(second(spike, "ETHUSDT"))  # another symbol at the same second
    spikes.capture("binance", "spot", "BTCUSDT", spike)
    spikes.capture("binance", "spot", "BTCUSDT", spike)  # a second user's alert of it

    before = [c for c in ring.recent("binance", "spot", "BTCUSDT") if c.ts_ms >= spike - 59_000]
    assert list(spikes.window_queue) == before  # at once: the user may open the chart now
    assert len(before) == 59  # 60 seconds, one without a candle
    # the next seconds are taken as they close, until 30 s after the spike
    for t in range(spike + 1000, spike + 40_000, 1000):
        ring.close(second(t, price=t % 89))
        spikes.advance(ring.venue_closed_before)
        if t == spike + 5000:
            assert spikes.window_queue[-1].ts_ms == t
    assert spikes.open_windows == 0
    assert await spikes.flush(30.0)

    expected = [
        c
        for c in ring.candles[("binance", "spot", "BTCUSDT")]
        if spike - 59_000 <= c.ts_ms <= spike + 30_000
    ]
    assert len(expected) == 59 + 30
    assert [as_candle(r) for r in await stored_seconds(sessionmaker)] == expected
    assert spikes.window_written == len(expected)  # the second alert queued nothing again


async def test_a_later_spike_in_an_open_window_extends_it_without_copies(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    ring = Ring()
    spikes = window_writer(sessionmaker, ring)
    ring.close(*(second(t) for t in range(T0, T0 + 60_001, 1000)))
    spikes.capture("binance", "spot", "BTCUSDT", T0 + 60_000)
    for t in range(T0 + 61_000, T0 + 110_000, 1000):
        ring.close(second(t))
        if t == T0 + 69_000:
            spikes.capture("binance", "spot", "BTCUSDT", t)  # a second spike 9 s later
        spikes.advance(ring.venue_closed_before)
    assert spikes.open_windows == 0
    times = [c.ts_ms for c in spikes.window_queue]
    assert times == list(range(T0 + 1000, T0 + 99_001, 1000))  # each second once
    assert await spikes.flush(30.0)
    assert len(await stored_seconds(sessionmaker)) == 99


async def test_a_stopping_collector_stores_what_closed_of_open_windows(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    ring = Ring()
    spikes = window_writer(sessionmaker, ring)
    ring.close(*(second(t) for t in range(T0, T0 + 5000, 1000)))
    spikes.capture("binance", "spot", "BTCUSDT", T0 + 4000)
    ring.close(second(T0 + 5000))
    spikes.advance(None)
    assert spikes.open_windows == 0
    assert await spikes.flush(30.0)
    assert [r.ts_ms for r in await stored_seconds(sessionmaker)] == [
        T0 + i * 1000 for i in range(6)
    ]


async def test_window_candles_are_purged_with_the_market_spikes(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    ring = Ring()
    spikes = window_writer(sessionmaker, ring)
    for age_days in (8, 6):
        ts = T0 - age_days * DAY_MS
        ring.close(second(ts, symbol=f"D{age_days}USDT"))
        spikes.capture("binance", "spot", f"D{age_days}USDT", ts)
    spikes.advance(None)
    assert await spikes.flush(30.0)
    await spikes.purge()
    assert [r.symbol for r in await stored_seconds(sessionmaker)] == ["D6USDT"]


async def test_alerts_below_the_floor_get_their_window_once_for_every_user(
    database_url: str, sessionmaker: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    # the market-spike floor is far above these users' rules: their alerts still get charts
    settings = role_settings(database_url, tmp_path, spike_floor_pct=5.0)
    collector = Collector(settings, sessionmaker, None, markets=[])
    users = [await add_user(sessionmaker, f"u{i}@example.com") for i in range(2)]
    for uid in users:
        collector.detector.update_user(uid, spike_rules())
    start = T0 - 70_000
    for t in range(start, T0, 1000):  # a quiet minute and more
        collector._handle([candle(ts_ms=t, h=100.01, low=99.99), candle("ETHUSDT", t)])
    collector._handle([candle(ts_ms=T0, h=102.0, c=101.0)])  # 2 %: both users' rules
    for t in range(T0 + 1000, T0 + 32_000, 1000):
        collector._handle([candle(ts_ms=t, o=101.0, h=101.0, low=101.0, c=101.0)])
        collector.spike_writer.advance(lambda _e, _m, t=t: t + 1000)
    assert collector.spike_writer.open_windows == 0
    assert await collector.alert_writer.flush(30.0)
    assert await collector.spike_writer.flush(30.0)

    assert await stored(sessionmaker) == []  # below the floor: no market spike
    rows = await stored_seconds(sessionmaker)
    assert [(r.symbol, r.ts_ms) for r in rows] == [
        ("BTCUSDT", t) for t in range(T0 - 59_000, T0 + 30_001, 1000)
    ]  # one copy of the window, of the spiking symbol only
    async with sessionmaker() as session:
        alerts = (await session.scalars(select(Alert).order_by(Alert.user_id))).all()
        assert [(a.user_id, a.ts_ms) for a in alerts] == [(uid, T0) for uid in users]
        service = AlertService(AlertRepository(session), MarketRepository(session), utcnow())
        for alert in alerts:
            user = await session.get(User, alert.user_id)
            assert user is not None
            chart = await service.candles(user, alert.id, 30, 30)
            assert chart.interval_s == 1
            assert [c.t for c in chart.candles] == [r.ts_ms for r in rows]


# --- the ticker's hand-over per slice ------------------------------------------------------------


async def test_the_ticker_hands_over_a_slice_s_drafts_and_keeps_what_closed_when_cancelled(
    database_url: str, sessionmaker: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    settings = role_settings(database_url, tmp_path, spike_floor_pct=50.0)
    collector = Collector(settings, sessionmaker, None, markets=[])
    uid = await add_user(sessionmaker, "slices@example.com")
    collector.detector.update_user(uid, spike_rules())
    # two seconds of each symbol before: its first candle is incomplete (the collector does
    # not know what it missed before), and a window holding it (the rules' 2 s) never fires
    for n, (exchange, symbol, p) in enumerate(
        [("binance", "BTCUSDT", 100.0), ("binance", "ETHUSDT", 10.0), ("okx", "BTC-USDT", 100.0)]
    ):
        for ago in (1900, 900):
            t = T0 - ago
            trade = Trade(exchange, "spot", symbol, p, 1.0, p, BUY, t, t, f"{ago}{n}")
            collector.builder.add_frame([trade])
    assert collector.process(T0 + collector.builder.grace_ms) == 6
    ts = T0 + 100
    frames = [
        [Trade("binance", "spot", "BTCUSDT", p, 1.0, p, BUY, ts, ts, "1") for p in (100.0, 103.0)],
        [Trade("binance", "spot", "ETHUSDT", 10.0, 1.0, 10.0, BUY, ts, ts, "2")],
        [Trade("okx", "spot", "BTC-USDT", 100.0, 1.0, 100.0, BUY, ts, ts, "3")],
    ]
    for frame in frames:
        collector.builder.add_frame(frame)
    due = T0 + 1_000 + collector.builder.grace_ms
    task = asyncio.create_task(collector.process_yielding(due))
    await asyncio.sleep(0)  # the first slice (binance) had a draft: the ticker yields after it
    assert [d.symbol for d in collector.alert_writer.queue] == ["BTCUSDT"]
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert collector.candles == 6 + 2  # binance's slice, handed on despite the cancellation
    assert collector.process(due) == 1  # the rest closes at the next tick
    assert collector.candles == 6 + 3
    assert collector.builder.open_candles == 0


async def test_the_ticker_gives_the_loop_a_turn_after_every_slice_not_only_those_with_drafts(
    database_url: str, sessionmaker: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    settings = role_settings(database_url, tmp_path, spike_floor_pct=50.0)
    collector = Collector(settings, sessionmaker, None, markets=[])
    ts = T0 + 100
    for n, (exchange, symbol) in enumerate(
        [("binance", "BTCUSDT"), ("okx", "BTC-USDT"), ("bybit", "BTCUSDT")]
    ):
        trade = Trade(exchange, "spot", symbol, 100.0, 1.0, 100.0, BUY, ts, ts, str(n))
        collector.builder.add_frame([trade])
    due = T0 + 1_000 + collector.builder.grace_ms
    task = asyncio.create_task(collector.process_yielding(due))
    handed_on = []
    while not task.done():
        await asyncio.sleep(0)
        handed_on.append(collector.candles)
    assert await task == 3
    # one venue's second at a time, none of them with an alert: a quiet second of many venues
    # does not hold the event loop either
    assert handed_on[:3] == [1, 2, 3]
