"""Gate connectors against the Gate simulator over loopback WebSockets."""

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
from wickwatch.market.connectors import GateFutures, GateSpot, VenueConnector
from wickwatch.market.connectors.base import Ack, Pong, Rejected, ServerNotice
from wickwatch.market.simulators import GateSimulator, SimConfig, SimLimits, SimTrade

VENUES: dict[str, type[VenueConnector]] = {"spot": GateSpot, "futures": GateFutures}


@pytest.mark.timeout(30)
@pytest.mark.parametrize("market", sorted(VENUES))
@pytest.mark.parametrize("scenario", scenarios.ALL, ids=lambda f: f.__name__)
async def test_scenario(scenario: Callable[..., Awaitable[None]], market: str) -> None:
    await scenario(GateSimulator, VENUES[market], market)


@pytest.mark.parametrize("market", sorted(VENUES))
async def test_trade_values_match_the_venue(market: str) -> None:
    """Spot amounts are base units; futures sizes are signed contracts × quanto_multiplier
    (negative: the taker sold)."""
    async with scenarios.running(GateSimulator, VENUES[market], market) as (sim, feed, sink):
        await asyncio.sleep(0.6)
        await scenarios.settle(sim, sink)
        if market == "futures":
            sizes = {s: i.contract_size for s, i in sim.instruments.items()}
            assert {s: i.contract_size for s, i in feed.instruments.items()} == sizes
            assert set(sizes.values()) != {1.0}

    def qty(t: SimTrade) -> float:
        return float(t.size) * sim.instruments[t.symbol].contract_size

    assert values_match(sim, sink, qty_of=qty) > 20
    assert {t.side for t in sink.trades} == {"buy", "sell"}
    same_ids(sim, sink)


@pytest.mark.timeout(30)
async def test_spot_gap_beyond_a_page_is_paged_back() -> None:
    """1500 spot trades missed: the latest page, then ``last_id`` + ``reverse`` pages back to the
    last trade seen; the candles equal those of the full log."""
    sim_cfg = SimConfig(symbols=2, seed=6, generate=False)
    cfg = scenarios.slow_reconnect(GateSpot)
    async with scenarios.running(
        GateSimulator, GateSpot, "spot", sim_config=sim_cfg, config=cfg
    ) as (sim, feed, sink):
        busy, quiet = sim.symbols()
        await sim.emit_new(busy, 4)
        await sim.emit_new(quiet, 4)
        await scenarios.eventually(lambda: len(sink.trades) == 8)
        await sim.drop_all()
        await sim.emit_new(busy, 1500)  # while we are away
        await until_recovered(feed, 1)
        await sim.emit_new(busy, 2)
        await scenarios.eventually(lambda: len(sink.trades) == 1510)
        assert sim.served["/api/v4/spot/trades"] >= 3  # busy: 2 pages, quiet: 1
        assert feed.status.backfilled_trades == 1500
        assert feed.status.gaps == 0
    same_ids(sim, sink)
    same_candles(sim, feed, sink)
    values_match(sim, sink)


@pytest.mark.timeout(30)
async def test_futures_gap_beyond_a_page_is_paged_back_by_time() -> None:
    """1200 futures trades over two seconds missed: the latest page, then a page ending at its
    oldest trade's second (``to``); overlaps dropped by id, nothing missing."""
    sim_cfg = SimConfig(symbols=2, seed=7, generate=False)
    cfg = scenarios.slow_reconnect(GateFutures)
    async with scenarios.running(
        GateSimulator, GateFutures, "futures", sim_config=sim_cfg, config=cfg
    ) as (sim, feed, sink):
        busy, quiet = sim.symbols()
        seen = await sim.emit_new(busy, 4)
        await sim.emit_new(quiet, 4)
        await scenarios.eventually(lambda: len(sink.trades) == 8)
        await asyncio.sleep(2.1)
        await sim.drop_all()
        start = seen[-1].ts_ms
        for offset in (1000, 2000):  # while we are away
            await sim.emit(sim.market_gen.make(busy, start + offset, 600))
        await until_recovered(feed, 1)
        await scenarios.eventually(lambda: len(sink.trades) == 1208)
        assert sim.served["/api/v4/futures/usdt/trades"] >= 3
        assert feed.status.gaps == 0
    same_ids(sim, sink)
    same_candles(sim, feed, sink)


async def test_pongs_keep_a_quiet_connection() -> None:
    """No trades at all: ``spot.ping`` answered by ``spot.pong`` keeps the silence watchdog
    quiet (and the simulator's idle limit)."""
    limits = SimLimits(streams_per_connection=1000, idle_timeout_s=2.5)  # see test_okx
    sim_cfg = SimConfig(symbols=3, generate=False, limits=limits)
    cfg = replace(scenarios.fast_config(GateSpot), silence_s=3.0)
    async with scenarios.running(
        GateSimulator, GateSpot, "spot", sim_config=sim_cfg, config=cfg
    ) as (sim, feed, _sink):
        await asyncio.sleep(6.0)
        assert feed.status.reconnects == 0
        assert feed.status.malformed_frames == 0
    assert sim.violations == []


@pytest.mark.parametrize("market", sorted(VENUES))
async def test_upgrade_notice_reconnects_without_loss(market: str) -> None:
    """``spot.system`` / ``futures.system`` upgrade notice: reconnect at once, nothing lost."""
    async with scenarios.running(GateSimulator, VENUES[market], market) as (sim, feed, sink):
        await asyncio.sleep(0.3)
        first = {s.id for s in sim.sessions}
        await sim.send_notice()
        await scenarios.eventually(lambda: feed.status.reconnects >= 1)
        async with asyncio.timeout(5):
            await feed.wait_live()
        assert {s.id for s in sim.sessions}.isdisjoint(first)
        await asyncio.sleep(0.3)
        await scenarios.settle(sim, sink)
        assert feed.status.gaps == 0
    scenarios.same_trades(sink.trades, scenarios.expected(sim, feed, sink))


def test_control_frames() -> None:
    venue = GateSpot(GateSpot.default_endpoints, None, None)  # type: ignore[arg-type]
    msg = orjson.loads(venue.subscribe_message(["BTC_USDT", "ETH_USDT"], "12"))
    assert (msg["id"], msg["channel"], msg["event"]) == (12, "spot.trades", "subscribe")
    assert msg["payload"] == ["BTC_USDT", "ETH_USDT"]
    assert abs(msg["time"] - time.time()) < 5
    ok = (
        '{"time":1,"time_ms":1,"id":12,"channel":"spot.trades","event":"subscribe",'
        '"result":{"status":"success"}}'
    )
    assert venue.read_control(ok) == Ack("12")
    refused = venue.read_control(
        '{"time":1,"id":12,"channel":"spot.trades","event":"subscribe",'
        '"error":{"code":2,"message":"unknown currency pair XYZ_USDT"},"result":null}'
    )
    assert isinstance(refused, Rejected)
    assert (refused.req_id, refused.names, refused.final) == ("12", ("XYZ_USDT",), True)
    assert venue.read_control('{"time":1,"channel":"spot.pong","event":"","result":null}') == Pong()
    notice = venue.read_control(
        '{"channel":"spot.system","event":"update","result":{"type":"upgrade","msg":"bye"}}'
    )
    assert notice == ServerNotice("bye")
    assert venue.read_control('{"foo":1}') is None
    futures = GateFutures(GateFutures.default_endpoints, None, None)  # type: ignore[arg-type]
    assert orjson.loads(futures.ping_message())["channel"] == "futures.ping"
