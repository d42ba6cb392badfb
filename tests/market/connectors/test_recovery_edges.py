"""Gap recovery edge cases, each once lost or duplicated trades around a reconnect: REST
answers newer than the buffered live trades, trades sharing a millisecond across Bybit's
``recent-trade`` window, a host clock ahead of the venue's, a symbol delisted while recovering or
relisted with a subscribe snapshot, and a Binance time backfill that runs out of pages."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import replace
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from tests.market.connectors import scenarios
from tests.market.connectors._venue_checks import by_symbol, until_recovered
from wickwatch.market.candles import monotonic_epoch_ms
from wickwatch.market.connectors import (
    BinanceFutures,
    BitgetSpot,
    BybitSpot,
    HyperliquidFutures,
    _connection,
)
from wickwatch.market.connectors import feed as feed_module
from wickwatch.market.connectors._pacing import WindowLimiter
from wickwatch.market.connectors.base import Since, Until
from wickwatch.market.connectors.rest import RestClient
from wickwatch.market.simulators import (
    BinanceSimulator,
    BitgetSimulator,
    BybitSimulator,
    HyperliquidSimulator,
    SimConfig,
)
from wickwatch.market.venues.binance import BinanceFuturesParser


async def test_bybit_same_ms_trades_across_the_recent_trade_window_are_not_lost() -> None:
    """Bybit spot: the last trade seen, A, is one fill of a sweep at time t; after the drop 61
    more fills at the same t. ``recent-trade`` (60) no longer holds A, its oldest row is at t:
    the fill right after A is neither recovered nor reported as a gap."""
    sim_cfg = SimConfig(symbols=1, seed=4, generate=False)
    cfg = scenarios.slow_reconnect(BybitSpot)
    async with scenarios.running(
        BybitSimulator, BybitSpot, "spot", sim_config=sim_cfg, config=cfg
    ) as (sim, feed, sink):
        (symbol,) = sim.symbols()
        t = int(time.time() * 1000)
        await sim.emit(sim.market_gen.make(symbol, t, 1))  # A
        await scenarios.eventually(lambda: len(sink.trades) == 1)
        await sim.drop_all()
        await sim.emit(sim.market_gen.make(symbol, t, 61))  # same millisecond, while away
        await until_recovered(feed, 1)
        await asyncio.sleep(0.2)
    lost = scenarios.missing(sim, sink)
    assert not lost or sink.gaps, f"lost {lost} without a gap mark"


class GatedRecentTrades(HyperliquidSimulator):
    """``recentTrades`` answers only once the test opens the gate (a REST call that waited in
    the feed's queue / rate limiter)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.asked = asyncio.Event()
        self.gate = asyncio.Event()

    async def _info(self, request: web.Request) -> web.StreamResponse:
        body = await request.json()
        if body.get("type") == "recentTrades":
            self.asked.set()
            await self.gate.wait()
        return await super()._info(request)


def lost_outside_gaps(sim: Any, sink: Any) -> list[str]:
    out = []
    for symbol, got in sink.by_symbol().items():
        log = sim.log.all(symbol)
        ids = [t.trade_id for t in log]
        seen = {t.trade_id for t in got}
        for t in log[ids.index(got[0].trade_id) :]:
            if t.trade_id in seen:
                continue
            if not any(s == symbol and a <= t.ts_ms < b for s, a, b in sink.gaps):
                out.append(t.trade_id)
    return out


async def test_rest_answers_newer_than_the_buffer_keep_the_buffered_trades() -> None:
    """The snapshot after a reconnect does not reach back to the last trade seen; the
    ``recentTrades`` answer comes late (> the 15 s de-duplication horizon after the snapshot's
    trades). Its trades are accepted first, which moves the track's floor past the buffered
    snapshot trades: they are dropped as "already processed", and the gap marked ends at the
    first buffered trade, so they are lost without a mark."""
    sim_cfg = SimConfig(symbols=1, seed=4, generate=False)
    cfg = replace(scenarios.slow_reconnect(HyperliquidFutures), backfill_wait_s=30.0)
    async with scenarios.running(
        GatedRecentTrades, HyperliquidFutures, "futures", sim_config=sim_cfg, config=cfg
    ) as (sim, feed, sink):
        assert isinstance(sim, GatedRecentTrades)
        (coin,) = sim.symbols()
        t = int(time.time() * 1000)
        await sim.emit(sim.market_gen.make(coin, t, 3))
        await scenarios.eventually(lambda: len(sink.trades) == 3)
        await sim.drop_all()
        for k in range(3):  # 15 trades while away: the 10-trade snapshot misses 5
            await sim.emit(sim.market_gen.make(coin, t + 100 + 30 * k, 5))
        await scenarios.eventually(lambda: sim.asked.is_set(), 8.0)
        # Live trades while the REST call waits, 20 s (exchange time) after the snapshot's.
        await sim.emit(sim.market_gen.make(coin, t + 20_000, 12))
        await asyncio.sleep(0.2)
        sim.gate.set()
        await until_recovered(feed, 1)
        await asyncio.sleep(0.2)
    assert lost_outside_gaps(sim, sink) == []


class ClockSink(scenarios.Sink):
    """As in production, the sink is the candle builder, which estimates the venue clock."""

    def exchange_now_ms(self, exchange: str, market: str, now_local_ms: float) -> float | None:
        return self.builder.exchange_now_ms(exchange, market, now_local_ms)


@pytest.mark.parametrize("skew_ms", [0, 3_000])
async def test_unseen_symbol_recovered_with_a_local_clock_seconds_ahead(
    monkeypatch: pytest.MonkeyPatch, skew_ms: int
) -> None:
    """The host clock runs ``skew_ms`` ahead of the venue (the candle builder is built for a
    local clock "seconds off"). A symbol never seen trading is backfilled from the last frame's
    *local* receive time minus 1 s, compared with the venue's trade times: its trades made right
    after the drop are before that bound and are lost, without a gap."""
    monkeypatch.setattr(_connection, "now_ms", lambda: monotonic_epoch_ms() + skew_ms)
    monkeypatch.setattr(feed_module, "now_ms", lambda: monotonic_epoch_ms() + skew_ms)
    sim = BinanceSimulator("futures", SimConfig(symbols=2, seed=6, generate=False))
    await sim.start()
    sink = ClockSink()
    feed = scenarios.Feed(
        BinanceFutures,
        sink,
        endpoints=sim.endpoints,
        config=scenarios.slow_reconnect(BinanceFutures),
    )
    try:
        await feed.start()
        async with asyncio.timeout(10):
            await feed.wait_live()
        seen, unseen = sim.symbols()
        await sim.emit_new(seen, 2)
        await scenarios.eventually(lambda: len(sink.trades) == 2)
        await sim.drop_all()
        await sim.emit_new(unseen, 3)  # while away
        await until_recovered(feed, 1)
        await sim.emit_new(unseen, 1)
        await asyncio.sleep(0.3)
    finally:
        await feed.stop()
        await sim.stop()
    got = [t.trade_id for t in by_symbol(sink.trades, unseen)]
    assert got == [t.trade_id for t in sim.log.all(unseen)] or sink.gaps, (got, sink.gaps)


async def test_symbol_delisted_while_recovering_keeps_its_gap() -> None:
    """A connection drops; one symbol trades meanwhile, then a listing refresh (before the
    reconnect) no longer lists it. Its track — with the recovery — is dropped and the hold
    released: the trades it made while we were away are neither backfilled nor reported."""
    base = scenarios.slow_reconnect(BinanceFutures, delay_s=2.0)
    cfg = replace(base, listing_refresh_s=0.2)
    sim_cfg = SimConfig(symbols=2, seed=6, generate=False)
    async with scenarios.running(
        BinanceSimulator, BinanceFutures, "futures", sim_config=sim_cfg, config=cfg
    ) as (sim, feed, sink):
        gone, _other = sim.symbols()
        await sim.emit_new(gone, 2)
        await scenarios.eventually(lambda: len(sink.trades) == 2)
        await sim.drop_all()
        await sim.emit_new(gone, 3)  # while away, before its status changes
        sim.delist(gone)
        await scenarios.eventually(lambda: gone not in feed._name_of, 3.0)
        sim.relist(gone)
        await until_recovered(feed, 1)
        await scenarios.eventually(lambda: any(gone in s.subscribed for s in sim.sessions), 3.0)
        await asyncio.sleep(0.3)
        await sim.emit_new(gone, 2)
        await asyncio.sleep(0.3)
    got = [t.trade_id for t in by_symbol(sink.trades, gone)]
    log = [t.trade_id for t in sim.log.all(gone)]
    assert got == log or any(g[0] == gone for g in sink.gaps), (got, log, sink.gaps)


async def test_relisted_symbol_snapshot_is_not_delivered_twice() -> None:
    """Bitget: a symbol leaves the listing (halt) and comes back. Its track was dropped, so the
    subscribe snapshot of the re-subscription — trades delivered before — is delivered again."""
    cfg = replace(scenarios.fast_config(BitgetSpot), listing_refresh_s=0.2)
    sim_cfg = SimConfig(symbols=2, seed=6, generate=False)
    async with scenarios.running(
        BitgetSimulator, BitgetSpot, "spot", sim_config=sim_cfg, config=cfg
    ) as (sim, _feed, sink):
        halted, _other = sim.symbols()
        await sim.emit_new(halted, 5)
        await scenarios.eventually(lambda: len(sink.trades) == 5)
        sim.delist(halted)
        await scenarios.eventually(lambda: all(halted not in s.subscribed for s in sim.sessions))
        sim.relist(halted)
        await scenarios.eventually(lambda: any(halted in s.subscribed for s in sim.sessions))
        await asyncio.sleep(0.3)
    ids = [t.trade_id for t in by_symbol(sink.trades, halted)]
    assert len(ids) == len(set(ids)), ids


async def test_binance_time_backfill_over_an_hour_that_runs_out_of_pages_reports_the_tail() -> None:
    """A symbol never seen trading, down for 2 h: the first hour is reported missing (the
    startTime..endTime window is < 1 h) and the last hour is paged by ``fromId``. When that
    hour needs more than ``max_pages`` pages, ``missing or (reached, until)`` keeps only the
    first span: the trades after the last page are neither returned nor reported."""
    sim = BinanceSimulator("futures", SimConfig(symbols=1, seed=6, generate=False))
    await sim.start()
    try:
        (symbol,) = sim.symbols()
        now = int(time.time() * 1000)
        await sim.emit(sim.market_gen.make(symbol, now - 1_800_000, 1500))  # 30 min ago
        log = logging.LoggerAdapter(logging.getLogger(__name__))
        async with aiohttp.ClientSession() as session:
            rest = RestClient(
                session, sim.endpoints.rest_url, WindowLimiter(2400, 60.0), timeout_s=2.0, log=log
            )
            venue = BinanceFutures(sim.endpoints, BinanceFuturesParser(), log)
            venue.max_pages = 1
            got = await venue.backfill(rest, symbol, Since(None, now - 7_200_000), Until(None, now))
    finally:
        await sim.stop()
    returned = {t.trade_id for t in got.trades}
    unreported = [
        t.trade_id
        for t in sim.log.all(symbol)
        if t.trade_id not in returned
        and not (got.missing and got.missing[0] <= t.ts_ms <= got.missing[1])
    ]
    assert unreported == [], (len(unreported), got.missing)
