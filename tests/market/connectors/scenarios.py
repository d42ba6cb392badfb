"""Scenarios every venue connector must pass against its simulator over a real loopback socket.

Each ``test_<venue>.py`` runs them for its simulator and connector classes, both markets.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field, replace
from typing import Any

from wickwatch.market.candles import CandleBuilder
from wickwatch.market.connectors import Feed, FeedConfig, VenueConnector
from wickwatch.market.simulators import ExchangeSimulator, SimConfig, SimLimits

__all__ = ["SimConfig", "SimLimits"]
from wickwatch.market.types import BUY, SELL, Candle, Trade


@dataclass
class Sink:
    """Collects what a feed delivers and feeds a real :class:`CandleBuilder` (nobody calls
    ``close_due``: candles stay open until :meth:`candles` flushes them).

    It takes raw trades too, as the builder does, so a venue whose parser has a fast path
    (``feed_frame``: Binance) is tested on it; they are recorded as the equal ``Trade``."""

    trades: list[Trade] = field(default_factory=list)
    gaps: list[tuple[str, int, int]] = field(default_factory=list)
    builder: CandleBuilder = field(default_factory=CandleBuilder)
    holds: int = 0
    raw: int = 0  #: trades that came by add_raw

    def add(self, trade: Trade) -> None:
        self.trades.append(trade)
        self.builder.add(trade)

    def add_raw(
        self,
        venue: tuple[str, str],
        symbol: str,
        ts_ms: int,
        price: float,
        qty: float,
        buy: bool,
        recv_ms: int,
        trade_id: int | str = 0,
    ) -> None:
        exchange, market = venue
        side = BUY if buy else SELL
        self.raw += 1
        self.trades.append(
            Trade(
                exchange,
                market,
                symbol,
                price,
                qty,
                price * qty,
                side,
                ts_ms,
                recv_ms,
                str(trade_id),
            )
        )
        self.builder.add_raw(venue, symbol, ts_ms, price, qty, buy, recv_ms, trade_id)

    def mark_gap(self, exchange: str, market: str, symbol: str, from_ms: int, to_ms: int) -> None:
        self.gaps.append((symbol, from_ms, to_ms))
        self.builder.mark_gap(exchange, market, symbol, from_ms, to_ms)

    def hold(self, exchange: str, market: str, symbol: str, from_ms: int) -> None:
        self.holds += 1
        self.builder.hold(exchange, market, symbol, from_ms)

    def release(self, exchange: str, market: str, symbol: str) -> None:
        self.builder.release(exchange, market, symbol)

    def by_symbol(self) -> dict[str, list[Trade]]:
        out: dict[str, list[Trade]] = {}
        for t in self.trades:
            out.setdefault(t.symbol, []).append(t)
        return out

    def candles(self) -> list[Candle]:
        return sorted(self.builder.flush(), key=lambda c: (c.symbol, c.ts_ms))


def candles_of(trades: list[Trade]) -> list[Candle]:
    builder = CandleBuilder()
    for t in trades:
        builder.add(t)
    return sorted(builder.flush(), key=lambda c: (c.symbol, c.ts_ms))


def slow_reconnect(venue: type[VenueConnector], delay_s: float = 0.6) -> FeedConfig:
    """Fast config whose reconnect takes ``delay_s/2..delay_s``: every symbol trades meanwhile."""
    return replace(fast_config(venue), backoff_base_s=delay_s, backoff_max_s=delay_s)


def fast_config(venue: type[VenueConnector], **limits: Any) -> FeedConfig:
    base = replace(venue.limits, connects_per_window=1000, connect_window_s=1.0, **limits)
    return FeedConfig(
        backoff_base_s=0.05,
        backoff_max_s=0.3,
        stable_after_s=1.0,
        limit_cooldown_s=0.2,
        ping_interval_s=0.2,
        silence_s=0.8,
        ack_timeout_s=2.0,
        listing_refresh_s=3600.0,
        limits=base,
        pacing_margin=0.8,
        backfill_wait_s=5.0,
        backfill_grace_s=0.3,
        rest_timeout_s=2.0,
        malformed_log_interval_s=0.0,
    )


@contextlib.asynccontextmanager
async def running(
    sim_cls: type[ExchangeSimulator],
    venue: type[VenueConnector],
    market: str,
    *,
    sim_config: SimConfig | None = None,
    config: FeedConfig | None = None,
    before_start: Callable[[ExchangeSimulator], None] | None = None,
) -> AsyncIterator[tuple[ExchangeSimulator, Feed, Sink]]:
    sim = sim_cls(market, sim_config or SimConfig(symbols=6, seed=11, trades_per_s=10.0))
    await sim.start()
    if before_start is not None:
        before_start(sim)
    sink = Sink()
    feed = Feed(venue, sink, endpoints=sim.endpoints, config=config or fast_config(venue))
    try:
        await feed.start()
        async with asyncio.timeout(10):
            await feed.wait_live()
        yield sim, feed, sink
    finally:
        await feed.stop()
        await sim.stop()


def _reconnected(feed: Feed, times: int) -> Callable[[], bool]:
    return lambda: feed.status.reconnects >= times


async def eventually(check: Callable[[], bool], seconds: float = 5.0) -> None:
    """Wait until ``check()`` holds (polling), or fail."""
    for _ in range(int(seconds / 0.02)):
        if check():
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"condition not met within {seconds}s")


async def settle(sim: ExchangeSimulator, sink: Sink, wait_s: float = 8.0) -> None:
    """Pause the generator and wait until the feed has delivered every trade streamed after its
    first one per symbol (backfill included)."""
    sim.pause()
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        await asyncio.sleep(0.1)
        if not missing(sim, sink):
            return
    raise AssertionError(f"feed never caught up: {missing(sim, sink)}")


def expected(sim: ExchangeSimulator, feed: Feed, sink: Sink) -> list[Trade]:
    """The simulator's log from each symbol's first delivered trade on, parsed like REST, in
    the order the venue generated them."""
    out: list[Trade] = []
    for symbol, got in sink.by_symbol().items():
        log = sim.log.all(symbol)
        ids = [t.trade_id for t in log]
        start = ids.index(got[0].trade_id)
        payload = sim.history_payload(symbol, log[start:])
        parsed = feed.parser.parse_rest_trades(symbol, payload, 0)
        order = {tid: i for i, tid in enumerate(ids)}
        out.extend(sorted(parsed, key=lambda t: order[t.trade_id]))
    return out


def missing(sim: ExchangeSimulator, sink: Sink) -> dict[str, int]:
    gone: dict[str, int] = {}
    for symbol, got in sink.by_symbol().items():
        log = sim.log.all(symbol)
        ids = [t.trade_id for t in log]
        first = ids.index(got[0].trade_id)
        seen = {t.trade_id for t in got}
        lost = sum(1 for t in log[first:] if t.trade_id not in seen)
        if lost:
            gone[symbol] = lost
    return gone


def key(t: Trade) -> tuple[Any, ...]:
    return (t.symbol, t.trade_id, t.price, t.qty, t.side, t.ts_ms)


def same_trades(got: list[Trade], want: list[Trade]) -> None:
    """Same trades per symbol, in the same order."""
    got_sym: dict[str, list[tuple[Any, ...]]] = {}
    want_sym: dict[str, list[tuple[Any, ...]]] = {}
    for t in got:
        got_sym.setdefault(t.symbol, []).append(key(t))
    for t in want:
        want_sym.setdefault(t.symbol, []).append(key(t))
    assert got_sym.keys() == want_sym.keys()
    for symbol, rows in want_sym.items():
        assert got_sym[symbol] == rows, symbol


# -- scenarios -------------------------------------------------------------------------------------


async def spreads_and_paces(
    sim_cls: type[ExchangeSimulator], venue: type[VenueConnector], market: str
) -> None:
    """More symbols than one connection may carry: several connections, all subscribed, paced,
    no limit error; trades equal the simulator's."""
    per_conn, per_req = 4, 2
    cfg = fast_config(venue, streams_per_connection=per_conn, args_per_request=per_req)
    sim_cfg = SimConfig(symbols=10, seed=5, trades_per_s=8.0)
    async with running(sim_cls, venue, market, sim_config=sim_cfg, config=cfg) as (sim, feed, sink):
        assert len(feed.connections) == 3
        assert {c.id for c in feed.connections} == {f"{feed.name}.ws.{i}" for i in (1, 2, 3)}
        subscribed: set[str] = set()
        for session in sim.sessions:
            assert len(session.subscribed) <= per_conn
            assert all(args <= per_req for _, args in session.subscribe_log)
            subscribed |= session.subscribed
        assert subscribed == set(sim.symbols())
        await asyncio.sleep(0.8)
        await settle(sim, sink)
        assert sim.violations == []
        assert feed.status.limit_errors == 0
        snap = feed.snapshot()
        assert snap.connections_up == snap.connections_total == 3
        assert snap.symbols == 10
        assert snap.trades_per_s > 0 and snap.last_trade_ms is not None
        assert snap.lag_p50_ms is not None and snap.lag_p99_ms is not None
    assert sink.trades
    same_trades(sink.trades, expected(sim, feed, sink))


async def drops_are_backfilled(
    sim_cls: type[ExchangeSimulator], venue: type[VenueConnector], market: str
) -> None:
    """Dropped connections: the candles are exactly those of the complete trade log."""
    cfg = slow_reconnect(venue, 0.4)
    async with running(sim_cls, venue, market, config=cfg) as (sim, feed, sink):
        await asyncio.sleep(0.5)
        for _ in range(2):
            await sim.drop_all()
            await asyncio.sleep(0.4)
            async with asyncio.timeout(10):
                await feed.wait_live()
            await asyncio.sleep(0.3)
        await settle(sim, sink)
        assert feed.status.reconnects >= 2
        assert feed.status.backfilled_trades > 0
        assert feed.status.gaps == 0, feed.status.gap_log
        assert sink.gaps == []
    want = expected(sim, feed, sink)
    got = sink.candles()
    assert got == candles_of(want)
    assert all(c.complete for c in got)
    same_trades(sink.trades, want)


async def rapid_drops_during_recovery(
    sim_cls: type[ExchangeSimulator], venue: type[VenueConnector], market: str
) -> None:
    """A second drop while the first one is still being recovered loses nothing either."""
    async with running(sim_cls, venue, market) as (sim, feed, sink):
        await asyncio.sleep(0.4)
        for n in (1, 2, 3):
            await sim.drop_all()
            await eventually(_reconnected(feed, n))
            async with asyncio.timeout(10):
                await feed.wait_live()
        await asyncio.sleep(0.3)
        await settle(sim, sink)
        assert feed.status.gaps == 0, feed.status.gap_log
    want = expected(sim, feed, sink)
    assert sink.candles() == candles_of(want)
    same_trades(sink.trades, want)


async def unfillable_gap_is_marked(
    sim_cls: type[ExchangeSimulator], venue: type[VenueConnector], market: str
) -> None:
    """REST history down during a drop: the gap is reported, its candles are incomplete."""
    cfg = slow_reconnect(venue)
    async with running(sim_cls, venue, market, config=cfg) as (sim, feed, sink):
        await asyncio.sleep(0.5)
        sim.rest_down = True
        await sim.drop_all()
        await asyncio.sleep(0.6)
        async with asyncio.timeout(10):
            await feed.wait_live()
        await asyncio.sleep(0.5)
        sim.pause()
        await asyncio.sleep(0.3)
    lost = missing(sim, sink)
    assert lost, "the drop lost no trade: nothing to test"
    assert feed.status.gaps >= len(lost)
    gapped = {symbol for symbol, _, _ in sink.gaps}
    assert set(lost) <= gapped
    built = sink.candles()
    for symbol, start, end in sink.gaps:
        for c in built:
            if c.symbol == symbol and c.ts_ms + 1000 > start and c.ts_ms < end:
                assert not c.complete, (c, start, end)
    assert any(not c.complete for c in built)
    assert all(c.complete for c in built if c.symbol not in gapped)


async def rest_rate_limit_marks_gap(
    sim_cls: type[ExchangeSimulator],
    venue: type[VenueConnector],
    market: str,
    *,
    listing_requests: int = 1,
) -> None:
    """The venue answers 429 to the backfill: counted as a limit error, the gap is marked.
    (The REST budget is the requests the instrument list takes: ``listing_requests``.)"""
    sim_cfg = SimConfig(
        symbols=4, seed=8, trades_per_s=15.0, rest_per_window=listing_requests, rest_window_s=30
    )
    # A reconnect slow enough for every symbol to trade while we are away.
    cfg = slow_reconnect(venue)
    async with running(sim_cls, venue, market, sim_config=sim_cfg, config=cfg) as (
        sim,
        feed,
        sink,
    ):
        await asyncio.sleep(0.4)
        await sim.drop_all()
        await eventually(lambda: feed.status.gaps >= 1)
    assert sim.rest_limited >= 1
    assert feed.status.limit_errors >= 1
    assert any("429" in g.reason for g in feed.status.gap_log)
    assert sink.gaps


async def malformed_frame_counted(
    sim_cls: type[ExchangeSimulator], venue: type[VenueConnector], market: str
) -> None:
    async with running(sim_cls, venue, market) as (sim, feed, sink):
        await asyncio.sleep(0.3)
        await sim.send_malformed()
        await asyncio.sleep(0.2)
        before = len(sink.trades)
        await asyncio.sleep(0.4)
        assert feed.status.malformed_frames == 1
        assert feed.status.reconnects == 0
        assert len(sink.trades) > before


async def rejected_symbol_dropped_alone(
    sim_cls: type[ExchangeSimulator], venue: type[VenueConnector], market: str
) -> None:
    holder: dict[str, str] = {}

    def reject(sim: ExchangeSimulator) -> None:
        holder["symbol"] = sim.symbols()[2]
        sim.reject(holder["symbol"])

    cfg = fast_config(venue, args_per_request=4)
    async with running(sim_cls, venue, market, config=cfg, before_start=reject) as (
        sim,
        feed,
        sink,
    ):
        bad = holder["symbol"]
        assert feed.status.rejected_symbols == [bad]
        subscribed = set().union(*(s.subscribed for s in sim.sessions))
        assert subscribed == set(sim.symbols()) - {bad}
        assert feed.snapshot().symbols == len(sim.symbols()) - 1
        await asyncio.sleep(0.4)
        assert {t.symbol for t in sink.trades} <= subscribed
        assert sim.violations == []


async def watchdog_reconnects_stall(
    sim_cls: type[ExchangeSimulator], venue: type[VenueConnector], market: str
) -> None:
    async with running(sim_cls, venue, market) as (sim, feed, sink):
        await asyncio.sleep(0.3)
        first = {s.id for s in sim.sessions}
        sim.stall()
        await asyncio.sleep(1.6)
        async with asyncio.timeout(10):
            await feed.wait_live()
        assert feed.status.reconnects >= 1
        assert {s.id for s in sim.sessions}.isdisjoint(first)
        await asyncio.sleep(0.3)
        await settle(sim, sink)
        assert feed.status.gaps == 0
    same_trades(sink.trades, expected(sim, feed, sink))


async def limit_close_backs_off(
    sim_cls: type[ExchangeSimulator], venue: type[VenueConnector], market: str
) -> None:
    async with running(sim_cls, venue, market) as (sim, feed, sink):
        await asyncio.sleep(0.2)
        await sim.close_all_with_limit()
        await asyncio.sleep(0.1)
        if sim.limit_close_code in venue.limit_close_codes:
            assert feed.status.limit_errors >= 1
        async with asyncio.timeout(10):
            await feed.wait_live()
        await settle(sim, sink)


async def listing_changes_followed(
    sim_cls: type[ExchangeSimulator], venue: type[VenueConnector], market: str
) -> None:
    base = fast_config(venue)
    cfg = replace(base, listing_refresh_s=0.3)
    async with running(sim_cls, venue, market, config=cfg) as (sim, _feed, _sink):
        gone = sim.symbols()[0]
        sim.delist(gone)
        await asyncio.sleep(1.0)
        assert all(gone not in s.subscribed for s in sim.sessions)
        sim.relist(gone)
        await asyncio.sleep(1.0)
        assert any(gone in s.subscribed for s in sim.sessions)


async def lifetime_rotation_is_seamless(
    sim_cls: type[ExchangeSimulator], venue: type[VenueConnector], market: str
) -> None:
    base = fast_config(venue, max_lifetime_s=1.2)
    cfg = replace(base, lifetime_margin_s=0.4)
    async with running(sim_cls, venue, market, config=cfg) as (sim, feed, sink):
        first = {c.id for c in feed.connections}
        await asyncio.sleep(1.6)
        assert {c.id for c in feed.connections}.isdisjoint(first)
        await settle(sim, sink)
        assert feed.status.gaps == 0
    same_trades(sink.trades, expected(sim, feed, sink))


ALL = [
    spreads_and_paces,
    drops_are_backfilled,
    rapid_drops_during_recovery,
    unfillable_gap_is_marked,
    rest_rate_limit_marks_gap,
    malformed_frame_counted,
    rejected_symbol_dropped_alone,
    watchdog_reconnects_stall,
    limit_close_backs_off,
    listing_changes_followed,
    lifetime_rotation_is_seamless,
]
