"""Hyperliquid connectors against the Hyperliquid simulator over loopback WebSockets."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any

import aiohttp
import pytest

from tests.market.connectors import scenarios
from tests.market.connectors._venue_checks import (
    by_symbol,
    gap_candles_incomplete,
    same_candles,
    same_ids,
    until_recovered,
    values_match,
)
from wickwatch.market.connectors import HyperliquidFutures, HyperliquidSpot, VenueConnector
from wickwatch.market.connectors._pacing import WindowLimiter
from wickwatch.market.connectors.base import Ack, Pong, Rejected, Since, Until
from wickwatch.market.connectors.rest import RestClient
from wickwatch.market.simulators import HyperliquidSimulator, SimConfig, SimLimits
from wickwatch.market.venues.hyperliquid import HyperliquidFuturesParser

VENUES: dict[str, type[VenueConnector]] = {"spot": HyperliquidSpot, "futures": HyperliquidFutures}


class RoomyHyperliquid(HyperliquidSimulator):
    """Recent trades (snapshot and ``recentTrades``) of 1000: the generic scenarios stall and drop
    connections for up to ~2 s at 10 trades a second per symbol, with bursts of 15 times that."""

    recent_size = 1000


# The generic scenarios that do not count on a REST trade history (Hyperliquid has none), on 3
# connections (Hyperliquid allows 2 per market) nor on 4 subscriptions per message (Hyperliquid
# takes one): those have Hyperliquid versions below.
GENERIC = [
    scenarios.rapid_drops_during_recovery,
    scenarios.malformed_frame_counted,
    scenarios.watchdog_reconnects_stall,
    scenarios.limit_close_backs_off,
    scenarios.listing_changes_followed,
    scenarios.lifetime_rotation_is_seamless,
]


@pytest.mark.timeout(30)
@pytest.mark.parametrize("market", sorted(VENUES))
@pytest.mark.parametrize("scenario", GENERIC, ids=lambda f: f.__name__)
async def test_scenario(scenario: Callable[..., Awaitable[None]], market: str) -> None:
    await scenario(RoomyHyperliquid, VENUES[market], market)


@pytest.mark.parametrize("market", sorted(VENUES))
async def test_trade_values_match_the_venue(market: str) -> None:
    """Coin sizes, B/A sides, times and tids are the venue's; spot ``@N`` pairs carry the token
    names from ``spotMeta``."""
    async with scenarios.running(HyperliquidSimulator, VENUES[market], market) as (
        sim,
        feed,
        sink,
    ):
        await asyncio.sleep(0.6)
        await scenarios.settle(sim, sink)
    assert values_match(sim, sink) > 20
    same_ids(sim, sink)
    if market == "spot":
        names = sorted(feed.instruments)
        assert names[0].startswith("@") and any("/" in n for n in names)
        for name, inst in feed.instruments.items():
            assert inst.base == sim.instruments[name].base and inst.quote == "USDC"
        assert {t.symbol for t in sink.trades} == set(sim.symbols())


@pytest.mark.parametrize("market", sorted(VENUES))
async def test_per_ip_limits(market: str) -> None:
    """One subscription per message, two connections per market, a per-connection message
    budget: within the simulator's per-IP subscription and message limits; what does not fit
    in the connections is left out (and logged), not forced."""

    class SmallIp(HyperliquidSimulator):
        max_subscriptions = 8
        messages_per_window = 12
        message_window_s = 1.0

    cfg = scenarios.fast_config(
        VENUES[market], streams_per_connection=4, messages_per_window=5, message_window_s=1.0
    )
    sim_cfg = SimConfig(symbols=10, seed=5, trades_per_s=8.0)
    async with scenarios.running(
        SmallIp, VENUES[market], market, sim_config=sim_cfg, config=cfg
    ) as (
        sim,
        feed,
        sink,
    ):
        assert len(feed.connections) == 2
        assert sorted(len(s.subscribed) for s in sim.sessions) == [4, 4]
        assert all(args == 1 for s in sim.sessions for _, args in s.subscribe_log)
        assert feed.snapshot().symbols == 8
        await asyncio.sleep(0.8)
        await scenarios.settle(sim, sink)
    assert sim.violations == []
    assert len({t.symbol for t in sink.trades}) == 8
    scenarios.same_trades(sink.trades, scenarios.expected(sim, feed, sink))


@pytest.mark.parametrize("market", sorted(VENUES))
async def test_drops_are_filled_by_the_snapshot(market: str) -> None:
    """Dropped connections, short gaps: the subscribe snapshot fills them; the candles are
    exactly those of the complete trade log."""
    cfg = scenarios.slow_reconnect(VENUES[market], 0.4)
    # No bursts: a burst outruns the 10 recent trades (then the gap is marked, tested below).
    sim_cfg = SimConfig(symbols=6, seed=11, trades_per_s=10.0, burst_prob=0.0)
    async with scenarios.running(
        HyperliquidSimulator, VENUES[market], market, sim_config=sim_cfg, config=cfg
    ) as (sim, feed, sink):
        await asyncio.sleep(0.5)
        for n in (1, 2):
            await sim.drop_all()
            await until_recovered(feed, n)
            await asyncio.sleep(0.3)
        await scenarios.settle(sim, sink)
        assert feed.status.gaps == 0, feed.status.gap_log
        assert sink.gaps == []
    same_ids(sim, sink)
    same_candles(sim, feed, sink)


async def test_rejected_coin_dropped_alone() -> None:
    """An unknown coin is refused (``Invalid subscription {…}``): that coin is dropped, the
    others are subscribed, no limit is touched."""
    holder: dict[str, str] = {}

    def reject(sim: object) -> None:
        assert isinstance(sim, HyperliquidSimulator)
        holder["coin"] = sim.symbols()[2]
        sim.reject(holder["coin"])

    async with scenarios.running(
        HyperliquidSimulator, HyperliquidSpot, "spot", before_start=reject
    ) as (sim, feed, sink):
        bad = holder["coin"]
        assert feed.status.rejected_symbols == [bad]
        subscribed = set().union(*(s.subscribed for s in sim.sessions))
        assert subscribed == set(sim.symbols()) - {bad}
        assert feed.snapshot().symbols == len(sim.symbols()) - 1
        await asyncio.sleep(0.4)
        assert {t.symbol for t in sink.trades} <= subscribed
    assert sim.violations == []


async def test_snapshot_fills_even_with_rest_down() -> None:
    """REST is down, but the snapshot reaches back past the last trade seen: no REST call at
    all, no gap."""
    sim_cfg = SimConfig(symbols=2, seed=3, generate=False)
    async with scenarios.running(
        HyperliquidSimulator, HyperliquidFutures, "futures", sim_config=sim_cfg
    ) as (sim, feed, sink):
        busy, quiet = sim.symbols()
        for symbol in (busy, quiet, busy, quiet):
            await sim.emit_new(symbol, 2)
            await asyncio.sleep(0.01)  # distinct times: the snapshot's oldest is older
        await scenarios.eventually(lambda: len(sink.trades) == 8)
        sim.rest_down = True
        await sim.drop_all()
        await sim.emit_new(busy, 5)  # while we are away
        await until_recovered(feed, 1)
        await sim.emit_new(busy, 1)
        await scenarios.eventually(lambda: len(sink.trades) == 14)
        assert sim.served["recentTrades"] == 0
        assert feed.status.gaps == 0
    same_ids(sim, sink)
    same_candles(sim, feed, sink)


async def test_gap_beyond_recent_trades_is_marked() -> None:
    """30 trades missed, the snapshot and ``recentTrades`` keep 10: the gap is reported and its
    candles are incomplete; a quiet symbol is proven complete by ``recentTrades``."""
    sim_cfg = SimConfig(symbols=2, seed=4, generate=False)
    cfg = scenarios.slow_reconnect(HyperliquidSpot)
    async with scenarios.running(
        HyperliquidSimulator, HyperliquidSpot, "spot", sim_config=sim_cfg, config=cfg
    ) as (sim, feed, sink):
        busy, quiet = sim.symbols()
        await sim.emit_new(busy, 3)
        await sim.emit_new(quiet, 3)
        await scenarios.eventually(lambda: len(sink.trades) == 6)
        await sim.drop_all()
        await sim.emit_new(busy, 30)  # while we are away
        await until_recovered(feed, 1)
        await sim.emit_new(busy, 2)
        await scenarios.eventually(lambda: len(by_symbol(sink.trades, busy)) == 15)
        assert sim.served["recentTrades"] == 2
    assert [g[0] for g in sink.gaps] == [busy]
    assert feed.status.gaps == 1
    assert "beyond" in feed.status.gap_log[0].reason
    candles = gap_candles_incomplete(sink)
    assert any(not c.complete for c in candles if c.symbol == busy)
    assert all(c.complete for c in candles if c.symbol == quiet)
    # What was delivered is the log minus the lost middle, in order, each trade once.
    log = [t.trade_id for t in sim.log.all(busy)]
    got = [t.trade_id for t in by_symbol(sink.trades, busy)]
    assert got == log[:3] + log[-12:]


async def test_info_weights_follow_the_docs() -> None:
    """As the docs' "Rate limits and user limits" say: ``meta`` weighs 20, ``recentTrades`` 20
    plus 1 per 20 trades returned (45 trades: 3 started blocks), on the shared REST budget."""
    sim = RoomyHyperliquid("futures", SimConfig(symbols=2, seed=3, generate=False))
    await sim.start()
    try:
        coin = sim.symbols()[0]
        await sim.emit_new(coin, 45)
        limiter = WindowLimiter(1200, 60.0)
        log = logging.LoggerAdapter(logging.getLogger(__name__))
        async with aiohttp.ClientSession() as session:
            rest = RestClient(session, sim.endpoints.rest_url, limiter, timeout_s=2.0, log=log)
            venue = HyperliquidFutures(sim.endpoints, HyperliquidFuturesParser(), log)
            await venue.fetch_instruments(rest)
            assert limiter._used == 20
            got = await venue.backfill(rest, coin, Since(None, 0), Until(None, 0))
            assert len(got.trades) == 45
            assert limiter._used == 20 + 20 + 3
    finally:
        await sim.stop()
    assert sim.served == {"meta": 1, "recentTrades": 1}


async def test_a_new_listing_never_opens_more_connections_than_allowed() -> None:
    """A market may use 2 connections here (Hyperliquid: 2 × 250 subscriptions per market, the
    two markets within the 1000 per IP): a listing that needs a third is logged and left out,
    as at start, instead of exceeding the per-IP budget."""
    cfg = replace(
        scenarios.fast_config(HyperliquidFutures, streams_per_connection=2, max_connections=2),
        listing_refresh_s=0.3,
    )
    sim_cfg = SimConfig(symbols=5, seed=6, trades_per_s=5.0)

    def late_listing(sim: Any) -> None:
        sim.delist(sim.symbols()[-1])

    async with scenarios.running(
        HyperliquidSimulator,
        HyperliquidFutures,
        "futures",
        sim_config=sim_cfg,
        config=cfg,
        before_start=late_listing,
    ) as (sim, feed, _sink):
        assert len(feed.connections) == 2
        late = sim.symbols()[-1]
        sim.relist(late)
        await asyncio.sleep(1.5)  # a few listing refreshes
        assert len(feed.connections) == 2
        assert all(late not in s.subscribed for s in sim.sessions)


class OneBlockHyperliquid(RoomyHyperliquid):
    """Every trade of ``recentTrades`` at one time: the fills of one block share it."""

    def history_payload(self, symbol: str, trades: list[Any]) -> Any:
        rows = super().history_payload(symbol, trades)
        for row in rows:
            row["time"] = 1_767_225_600_000
        return rows


async def test_backfill_of_one_block_takes_the_trades_after_the_last_seen() -> None:
    """``recentTrades`` answers newest first; with every row at one time the order cannot be
    read from the times: the trades after the last one seen are recovered, not those before."""
    sim = OneBlockHyperliquid("futures", SimConfig(symbols=2, seed=4, generate=False))
    await sim.start()
    try:
        coin = sim.symbols()[0]
        await sim.emit_new(coin, 5)
        tids = [t.trade_id for t in sim.log.all(coin)]  # oldest first
        log = logging.LoggerAdapter(logging.getLogger(__name__))
        async with aiohttp.ClientSession() as session:
            rest = RestClient(
                session, sim.endpoints.rest_url, WindowLimiter(1200, 60.0), timeout_s=2.0, log=log
            )
            venue = HyperliquidFutures(sim.endpoints, HyperliquidFuturesParser(), log)
            got = await venue.backfill(
                rest, coin, Since(tids[2], 1_767_225_600_000), Until(None, 1_767_225_600_000)
            )
    finally:
        await sim.stop()
    assert [t.trade_id for t in got.trades] == tids[3:]
    assert got.missing is None


async def test_rest_rate_limit_marks_gap() -> None:
    """``recentTrades`` answered 429: a limit error, the gap is marked with the reason."""
    sim_cfg = SimConfig(symbols=2, seed=8, generate=False, rest_per_window=1, rest_window_s=30)
    cfg = scenarios.slow_reconnect(HyperliquidFutures)
    async with scenarios.running(
        HyperliquidSimulator, HyperliquidFutures, "futures", sim_config=sim_cfg, config=cfg
    ) as (sim, feed, sink):
        busy, _quiet = sim.symbols()
        await sim.emit_new(busy, 3)
        await scenarios.eventually(lambda: len(sink.trades) == 3)
        await sim.drop_all()
        await sim.emit_new(busy, 30)
        await scenarios.eventually(lambda: feed.status.gaps >= 1)
    assert sim.rest_limited >= 1
    assert feed.status.limit_errors >= 1
    assert any("429" in g.reason for g in feed.status.gap_log)
    assert sink.gaps


async def test_pings_keep_an_idle_connection_open() -> None:
    """The server closes a connection it sent nothing to for a while: with no trades, our
    ``{"method":"ping"}`` gets ``{"channel":"pong"}`` and keeps it (and the watchdog) quiet."""
    limits = SimLimits(streams_per_connection=1000, args_per_request=1, idle_timeout_s=2.5)
    sim_cfg = SimConfig(symbols=3, generate=False, limits=limits)
    cfg = replace(scenarios.fast_config(HyperliquidFutures), silence_s=3.0)  # see test_okx
    async with scenarios.running(
        HyperliquidSimulator, HyperliquidFutures, "futures", sim_config=sim_cfg, config=cfg
    ) as (sim, feed, _sink):
        await asyncio.sleep(6.0)
        assert feed.status.reconnects == 0
    assert sim.violations == []


def test_control_frames() -> None:
    venue = HyperliquidFutures(HyperliquidFutures.default_endpoints, None, None)  # type: ignore[arg-type]
    assert venue.subscribe_message(["BTC"], "9") == (
        '{"method":"subscribe","subscription":{"type":"trades","coin":"BTC"}}'
    )
    ack = (
        '{"channel":"subscriptionResponse","data":{"method":"subscribe",'
        '"subscription":{"type":"trades","coin":"BTC"}}}'
    )
    assert venue.read_control(ack) == Ack("9", ("BTC",))
    quoted = '{\\"type\\":\\"trades\\",\\"coin\\":\\"%s\\"}'
    already = '{"channel":"error","data":"Already subscribed: %s"}' % (quoted % "BTC")
    assert venue.read_control(already) == Ack("9", ("BTC",))
    venue.subscribe_message(["XYZ"], "10")
    invalid = '{"channel":"error","data":"Invalid subscription %s"}' % (quoted % "XYZ")
    rejected = venue.read_control(invalid)
    assert isinstance(rejected, Rejected)
    assert (rejected.req_id, rejected.names, rejected.limit) == ("10", ("XYZ",), False)
    assert venue.read_control('{"channel":"pong"}') == Pong()
    assert venue.read_control("[1]") is None
    assert venue.follows("5", "5") and not venue.follows("5", "6")
