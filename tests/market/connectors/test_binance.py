"""Binance connectors against the Binance simulator over loopback WebSockets."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

import pytest

from tests.market.connectors import scenarios
from wickwatch.market.connectors import BinanceFutures, BinanceSpot, VenueConnector
from wickwatch.market.simulators import BinanceSimulator

VENUES: dict[str, type[VenueConnector]] = {"spot": BinanceSpot, "futures": BinanceFutures}


@pytest.mark.timeout(30)
@pytest.mark.parametrize("market", sorted(VENUES))
@pytest.mark.parametrize("scenario", scenarios.ALL, ids=lambda f: f.__name__)
async def test_scenario(scenario: Callable[..., Awaitable[None]], market: str) -> None:
    await scenario(BinanceSimulator, VENUES[market], market)


async def test_consecutive_ids_need_no_backfill() -> None:
    """After a drop, a symbol whose first live trade follows the last one seen needs no REST
    call; one that traded during the drop, or stays quiet (unknown), gets a gap: REST is down."""
    market = "futures"
    venue = VENUES[market]
    sim_cfg = scenarios.SimConfig(symbols=3, seed=2, generate=False)
    async with scenarios.running(BinanceSimulator, venue, market, sim_config=sim_cfg) as (
        sim,
        feed,
        sink,
    ):
        quiet, busy, silent = sim.symbols()
        for symbol in (quiet, busy):
            await sim.emit_new(symbol, 3)
        await asyncio.sleep(0.2)
        sim.rest_down = True
        await sim.drop_all()
        await sim.emit_new(busy, 2)  # traded while we were away
        await scenarios.eventually(lambda: feed.status.reconnects >= 1)
        async with asyncio.timeout(5):
            await feed.wait_live()
        rest_calls = len(sim.rest_requests)
        await sim.emit_new(quiet, 2)
        await sim.emit_new(busy, 2)
        await asyncio.sleep(0.8)
        assert len(sim.rest_requests) == rest_calls + 2  # busy and silent, not quiet
        assert sorted(g[0] for g in sink.gaps) == sorted([busy, silent])
        assert feed.status.gaps == 2
        assert len([t for t in sink.trades if t.symbol == quiet]) == 5
        assert len([t for t in sink.trades if t.symbol == busy]) == 5
        # Live trades took the parser's fast path into the sink; buffered ones the Trade path.
        assert feed.feed_frame is not None and 0 < sink.raw < len(sink.trades)


@pytest.mark.parametrize("market", sorted(VENUES))
def test_streams_go_to_the_endpoint_that_carries_agg_trades(market: str) -> None:
    """USD-M futures route streams by path: ``aggTrade`` is a ``/market`` stream, and a
    connection without a routed path receives only ``/public`` ones (acknowledged, then silent).
    The live endpoint must be the path the simulator serves the trades on, with no more streams
    per connection than the simulator (and the routed endpoints' documentation) allows."""
    live = urlsplit(VENUES[market].default_endpoints.ws_url)
    sim = BinanceSimulator(market)
    assert live.path == sim.ws_path
    if market == "futures":
        assert live.netloc == "fstream.binance.com"
        assert live.path == "/market/stream"
    assert VENUES[market].limits.streams_per_connection <= sim.limits.streams_per_connection


async def test_a_feed_stopped_while_recovering_releases_its_symbols_with_a_gap() -> None:
    """The feed stops (the collector hands it over, or stops) while a connection is down: the
    symbols it held for the backfill are released with their gap reported, instead of their
    candles waiting for ever in the builder."""
    cfg = scenarios.slow_reconnect(BinanceFutures, delay_s=30.0)  # no reconnect in this test
    async with scenarios.running(BinanceSimulator, BinanceFutures, "futures", config=cfg) as (
        sim,
        feed,
        sink,
    ):
        await scenarios.eventually(lambda: len(sink.trades) >= 10)
        await sim.drop_all()
        await scenarios.eventually(lambda: bool(sink.builder.held("binance", "futures")))
        held = set(sink.builder.held("binance", "futures"))
        await feed.stop()
        assert sink.builder.held("binance", "futures") == {}
        assert held <= {symbol for symbol, _from, _to in sink.gaps}
        assert {g.reason for g in feed.status.gap_log} == {"feed stopped"}
