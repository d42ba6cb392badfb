"""Bitget connectors against the Bitget simulator over loopback WebSockets."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace

import orjson
import pytest

from tests.market.connectors import scenarios
from tests.market.connectors._venue_checks import (
    same_candles,
    same_ids,
    until_recovered,
    values_match,
)
from wickwatch.market.connectors import BitgetFutures, BitgetSpot, VenueConnector
from wickwatch.market.connectors.base import Ack, Pong, Rejected
from wickwatch.market.simulators import BitgetSimulator, SimConfig

VENUES: dict[str, type[VenueConnector]] = {"spot": BitgetSpot, "futures": BitgetFutures}


class NoSnapshotBitget(BitgetSimulator):
    """Bitget without the subscribe snapshot: the generic scenarios count on REST alone to
    recover a gap (the snapshot path has its own tests below)."""

    snapshot_size = 0


# The futures instrument list takes two requests (USDT-M and USDC-M): the generic 429 scenario
# allows one per 30 s, so futures run their own version below.
CASES = [
    (scenario, market)
    for scenario in scenarios.ALL
    for market in sorted(VENUES)
    if not (scenario is scenarios.rest_rate_limit_marks_gap and market == "futures")
]


@pytest.mark.timeout(30)
@pytest.mark.parametrize(("scenario", "market"), CASES, ids=lambda v: getattr(v, "__name__", v))
async def test_scenario(scenario: Callable[..., Awaitable[None]], market: str) -> None:
    await scenario(NoSnapshotBitget, VENUES[market], market)


async def test_futures_rest_rate_limit_marks_gap() -> None:
    """The generic 429 scenario with a budget of the two instrument-list requests."""
    await scenarios.rest_rate_limit_marks_gap(
        NoSnapshotBitget, BitgetFutures, "futures", listing_requests=2
    )


@pytest.mark.parametrize("market", sorted(VENUES))
async def test_trade_values_match_the_venue(market: str) -> None:
    """Prices, sizes (base coin for both markets), sides, times and ids are the venue's."""
    async with scenarios.running(BitgetSimulator, VENUES[market], market) as (sim, _, sink):
        await asyncio.sleep(0.6)
        await scenarios.settle(sim, sink)
    assert values_match(sim, sink) > 20
    same_ids(sim, sink)


async def test_usdc_perpetuals_use_their_inst_type() -> None:
    """USDT-M and USDC-M perpetuals are listed by two ``productType`` requests and subscribed
    with their own ``instType`` (the simulator refuses a wrong one)."""
    async with scenarios.running(BitgetSimulator, BitgetFutures, "futures") as (sim, feed, sink):
        perps = [s for s in sim.symbols() if s.endswith("PERP")]
        assert perps and len(perps) < len(sim.symbols())
        assert feed.status.rejected_symbols == []
        assert {s for session in sim.sessions for s in session.subscribed} == set(sim.symbols())
        await asyncio.sleep(0.6)
        await scenarios.settle(sim, sink)
    assert {t.symbol for t in sink.trades} & set(perps)
    assert feed.instruments[perps[0]].quote == "USDC"


@pytest.mark.timeout(30)
async def test_documented_limits_split_subscriptions() -> None:
    """120 spot pairs with the documented limits: 49 channels per connection (under the
    recommended 50), no limit breached; with more channels per connection allowed, the 4096-byte
    args cap splits the subscribe requests (the simulator checks every request's size)."""
    sim_cfg = SimConfig(symbols=120, seed=3, trades_per_s=0.5)
    async with scenarios.running(BitgetSimulator, BitgetSpot, "spot", sim_config=sim_cfg) as (
        sim,
        feed,
        _sink,
    ):
        assert len(feed.connections) == 3
        assert sorted(len(s.subscribed) for s in sim.sessions) == [22, 49, 49]
        assert feed.snapshot().symbols == 120
    assert sim.violations == []
    wide = scenarios.fast_config(BitgetSpot, streams_per_connection=200, args_per_request=1000)
    async with scenarios.running(
        BitgetSimulator, BitgetSpot, "spot", sim_config=sim_cfg, config=wide
    ) as (sim, feed, _sink):
        (session,) = sim.sessions
        assert len(session.subscribed) == 120
        assert len(session.subscribe_log) >= 2  # 120 args are over 4096 bytes
    assert sim.violations == []


async def test_missing_pings_close_the_connection() -> None:
    """The venue drops a connection without a ``ping`` for a while: our fixed-cadence ping
    keeps it; a feed that pings too rarely is dropped (and reconnects)."""
    sim_cfg = SimConfig(symbols=3, generate=False)

    class StrictPing(BitgetSimulator):
        ping_timeout_s = 2.5  # far above the 0.2 s pings: see test_okx

    steady = replace(scenarios.fast_config(BitgetSpot), silence_s=3.0)
    async with scenarios.running(
        StrictPing, BitgetSpot, "spot", sim_config=sim_cfg, config=steady
    ) as (sim, feed, _sink):
        await asyncio.sleep(6.0)
        assert sim.violations == []
        assert feed.status.reconnects == 0
    rare = replace(scenarios.fast_config(BitgetSpot), ping_interval_s=5.0, silence_s=10.0)
    async with scenarios.running(
        StrictPing, BitgetSpot, "spot", sim_config=sim_cfg, config=rare
    ) as (sim, feed, _sink):
        await scenarios.eventually(lambda: feed.status.reconnects >= 1, 10.0)
        assert any("no ping" in v for v in sim.violations)


@pytest.mark.parametrize("market", sorted(VENUES))
async def test_snapshot_proves_quiet_symbols_complete(market: str) -> None:
    """After a reconnect the subscribe snapshot shows that quiet symbols missed nothing: no REST
    call (REST is even down), no gap; trades after the reconnect flow on."""
    sim_cfg = SimConfig(symbols=3, seed=2, generate=False)
    async with scenarios.running(BitgetSimulator, VENUES[market], market, sim_config=sim_cfg) as (
        sim,
        feed,
        sink,
    ):
        for symbol in sim.symbols():
            await sim.emit_new(symbol, 3)
        await scenarios.eventually(lambda: len(sink.trades) == 9)
        sim.rest_down = True
        await sim.drop_all()
        await until_recovered(feed, 1)
        for symbol in sim.symbols():
            await sim.emit_new(symbol, 2)
        await scenarios.eventually(lambda: len(sink.trades) == 15)
        await asyncio.sleep(0.2)
        assert sum(sim.served.values()) == 0
        assert feed.status.gaps == 0
        assert sink.holds == 3
    same_ids(sim, sink)
    same_candles(sim, feed, sink)


@pytest.mark.timeout(30)
async def test_gap_beyond_fills_is_paged_from_history() -> None:
    """A gap longer than ``fills`` (100 futures trades) is read back through ``fills-history``
    pages: the candles equal those of the full log."""
    sim_cfg = SimConfig(symbols=2, seed=6, generate=False)
    cfg = scenarios.slow_reconnect(BitgetFutures)
    async with scenarios.running(
        NoSnapshotBitget, BitgetFutures, "futures", sim_config=sim_cfg, config=cfg
    ) as (sim, feed, sink):
        busy, quiet = sim.symbols()
        await sim.emit_new(busy, 5)
        await sim.emit_new(quiet, 5)
        await scenarios.eventually(lambda: len(sink.trades) == 10)
        await sim.drop_all()
        await sim.emit_new(busy, 1500)  # while we are away
        await until_recovered(feed, 1)
        await sim.emit_new(busy, 3)
        await scenarios.eventually(lambda: len(sink.trades) == 1513)
        assert sim.served["/api/v2/mix/market/fills-history"] >= 2
        assert feed.status.backfilled_trades == 1500
        assert feed.status.gaps == 0
    same_ids(sim, sink)
    same_candles(sim, feed, sink)
    values_match(sim, sink)


async def test_spot_history_times_are_whole_seconds() -> None:
    """Spot ``fills-history`` gives second-level times: the trades keep their one-second
    candle, so the candles still equal those of the full log. A symbol that had not traded
    before the drop has no last trade id and is backfilled by time: the trades made after the
    drop in its first second, dated to that second's start, are kept too."""
    sim_cfg = SimConfig(symbols=2, seed=6, generate=False)
    cfg = scenarios.slow_reconnect(BitgetSpot)
    async with scenarios.running(
        NoSnapshotBitget, BitgetSpot, "spot", sim_config=sim_cfg, config=cfg
    ) as (sim, feed, sink):
        symbol, unseen = sim.symbols()
        await sim.emit_new(symbol, 2)
        await scenarios.eventually(lambda: len(sink.trades) == 2)
        await sim.drop_all()
        await sim.emit_new(symbol, 900)  # beyond the 500 of spot ``fills``
        await sim.emit_new(unseen, 900)
        await until_recovered(feed, 1)
        await scenarios.eventually(lambda: len(sink.trades) == 1802)
        assert sim.served["/api/v2/spot/market/fills-history"] >= 1
        assert feed.status.gaps == 0
    same_ids(sim, sink)
    same_candles(sim, feed, sink)
    values_match(sim, sink, exact_time=False)


async def test_drop_noticed_late_keeps_the_trades_made_before_it_was_noticed() -> None:
    """A symbol that had not traded is backfilled from the last frame received, not from the
    moment the dropped socket was read: under load the reset can be read a second or more
    after the drop, and the symbol's trades made in between were lost."""
    sim_cfg = SimConfig(symbols=2, seed=6, generate=False)
    cfg = scenarios.slow_reconnect(BitgetSpot)
    async with scenarios.running(
        NoSnapshotBitget, BitgetSpot, "spot", sim_config=sim_cfg, config=cfg
    ) as (sim, feed, sink):
        symbol, unseen = sim.symbols()
        await sim.emit_new(symbol, 2)
        await scenarios.eventually(lambda: len(sink.trades) == 2)
        await sim.drop_all()
        await sim.emit_new(unseen, 5)
        # The event loop is busy past the next whole second before the reset is read.
        time.sleep(1.05 - time.time() % 1)  # noqa: ASYNC251 (blocking on purpose)
        await until_recovered(feed, 1)
        await scenarios.eventually(lambda: len(sink.trades) == 7)
        assert feed.status.gaps == 0
    same_ids(sim, sink)


async def test_first_snapshot_reaches_the_sink_in_trade_order() -> None:
    sim_cfg = SimConfig(symbols=1, seed=9, generate=False)

    def history(sim: object) -> None:
        assert isinstance(sim, BitgetSimulator)
        (symbol,) = sim.symbols()
        for trade in sim.market_gen.make(symbol, int(time.time() * 1000) - 500, 5):
            sim.log.append(trade)

    async with scenarios.running(
        BitgetSimulator, BitgetSpot, "spot", sim_config=sim_cfg, before_start=history
    ) as (sim, _feed, sink):
        await scenarios.eventually(lambda: len(sink.trades) == 5)
    assert [t.trade_id for t in sink.trades] == [t.trade_id for t in sim.log.all(sim.symbols()[0])]


def test_control_frames() -> None:
    """Answers are matched to requests by ``instId``; errors name the refused instrument."""
    venue = BitgetSpot(BitgetSpot.default_endpoints, None, None)  # type: ignore[arg-type]
    msg = venue.subscribe_message(["BTCUSDT", "ETHUSDT"], "7")
    assert orjson.loads(msg)["args"][1] == {
        "instType": "SPOT",
        "channel": "trade",
        "instId": "ETHUSDT",
    }
    arg = '{"instType":"SPOT","channel":"trade","instId":"ETHUSDT"}'
    assert venue.read_control(f'{{"event":"subscribe","arg":{arg}}}') == Ack("7", ("ETHUSDT",))
    error = (
        '{"event":"error","arg":{"instType":"SPOT","channel":"trade","instId":"ETHUSDT"},'
        '"code":30001,"msg":"instType:SPOT,channel:trade,instId:ETHUSDT doesn\'t exist",'
        '"op":"subscribe"}'
    )
    rejected = venue.read_control(error)
    assert isinstance(rejected, Rejected)
    assert (rejected.req_id, rejected.names, rejected.final) == ("7", ("ETHUSDT",), False)
    limit = venue.read_control('{"event":"error","code":"30006","msg":"request too many"}')
    assert isinstance(limit, Rejected) and limit.limit
    assert venue.read_control("pong") == Pong()
    assert venue.read_control('{"foo":1}') is None
    assert venue.follows("1200000000000005000", "1200000000000004000")  # snapshot reaches back
    assert not venue.follows("1200000000000005000", "1200000000000006000")
