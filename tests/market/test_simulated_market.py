"""The simulators' trade log stays out of the garbage collector's way."""

from __future__ import annotations

import gc

from wickwatch.market.simulators._market import SyntheticMarket, TradeLog, make_instruments


def test_logged_trades_are_not_scanned_by_the_garbage_collector() -> None:
    """A simulator keeps thousands of trades per symbol for REST backfill; if the cyclic
    collector tracked them, each full collection would walk millions of objects and stall the
    simulated market (seconds in the soak)."""
    instruments = {f"C{i}USDT": inst for i, inst in enumerate(make_instruments(20, seed=1))}
    market = SyntheticMarket(instruments, seed=1, trades_per_s=50)
    log = TradeLog(keep=500)
    for second in range(20):
        for trade in market.step(1_700_000_000_000 + second * 1000, 1.0):
            log.append(trade)
    trades = [t for symbol in instruments for t in log.all(symbol)]
    assert len(trades) > 5_000
    assert not any(gc.is_tracked(t) for t in trades)
    first = trades[0]
    assert log.num_of(first.symbol, first.trade_id) == first.num
