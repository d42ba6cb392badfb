"""Checks shared by the Bitget, Gate and Hyperliquid connector tests (beside :mod:`.scenarios`)."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable

from tests.market.connectors.scenarios import Sink, candles_of, eventually, expected
from wickwatch.market.connectors import Feed
from wickwatch.market.simulators import ExchangeSimulator, SimTrade
from wickwatch.market.types import Candle, Trade


def values_match(
    sim: ExchangeSimulator,
    sink: Sink,
    *,
    qty_of: Callable[[SimTrade], float] | None = None,
    exact_time: bool = True,
) -> int:
    """Every delivered trade equals the simulator's own record of it (not a re-parse): price,
    base quantity (``qty_of``: venue size → base units), taker side, time and id. Returns how
    many trades were checked."""
    checked = 0
    for symbol, got in sink.by_symbol().items():
        logged = {t.trade_id: t for t in sim.log.all(symbol)}
        for trade in got:
            ref = logged[trade.trade_id]
            qty = qty_of(ref) if qty_of is not None else float(ref.size)
            assert trade.price == float(ref.price), (trade, ref)
            assert math.isclose(trade.qty, qty, rel_tol=1e-12), (trade, ref)
            assert math.isclose(trade.quote_qty, trade.price * qty, rel_tol=1e-12)
            assert trade.side == ref.side, (trade, ref)
            if exact_time:
                assert trade.ts_ms == ref.ts_ms, (trade, ref)
            else:  # second-level REST times still fall in the trade's one-second candle
                assert trade.ts_ms // 1000 == ref.ts_ms // 1000, (trade, ref)
            assert (trade.exchange, trade.market) == (sim.exchange, sim.market)
            checked += 1
    return checked


def same_candles(sim: ExchangeSimulator, feed: Feed, sink: Sink) -> None:
    """The feed's candles are those of the simulator's complete trade log, all complete."""
    want = expected(sim, feed, sink)
    got = sink.candles()
    assert got == candles_of(want)
    assert all(c.complete for c in got)


def same_ids(sim: ExchangeSimulator, sink: Sink) -> None:
    """Per symbol, the delivered trade ids are the log's, in the log's order, from the first
    delivered one on (nothing missing, nothing twice, nothing reordered)."""
    for symbol, got in sink.by_symbol().items():
        ids = [t.trade_id for t in sim.log.all(symbol)]
        start = ids.index(got[0].trade_id)
        assert [t.trade_id for t in got] == ids[start:], symbol


def gap_candles_incomplete(sink: Sink) -> list[Candle]:
    """Every candle touching a reported gap is incomplete. Returns the candles (flushed from the
    sink's builder: call once)."""
    built = sink.candles()
    for symbol, start, end in sink.gaps:
        for c in built:
            if c.symbol == symbol and c.ts_ms + 1000 > start and c.ts_ms < end:
                assert not c.complete, (c, start, end)
    return built


def by_symbol(trades: list[Trade], symbol: str) -> list[Trade]:
    return [t for t in trades if t.symbol == symbol]


async def until_recovered(feed: Feed, reconnects: int, seconds: float = 8.0) -> None:
    """Wait until the feed reconnected ``reconnects`` times, is live and recovered every symbol."""
    await eventually(lambda: feed.status.reconnects >= reconnects, seconds)
    async with asyncio.timeout(seconds):
        await feed.wait_live()
    await eventually(lambda: not any(t.recovering for t in feed._tracks.values()), seconds)
