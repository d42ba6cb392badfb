from __future__ import annotations

from wickwatch.market.types import Candle


def candle(
    t: int,
    o: float,
    h: float | None = None,
    lo: float | None = None,
    c: float | None = None,
    *,
    qv: float = 1_000_000.0,
    symbol: str = "BTCUSDT",
    exchange: str = "binance",
    market: str = "spot",
    complete: bool = True,
) -> Candle:
    """Candle of second ``t`` (seconds); h/l/c default to o (a flat second)."""
    h = o if h is None else h
    lo = o if lo is None else lo
    c = o if c is None else c
    return Candle(
        exchange=exchange,
        market=market,
        symbol=symbol,
        ts_ms=t * 1000,
        open=o,
        high=h,
        low=lo,
        close=c,
        volume=qv / o,
        quote_volume=qv,
        trades=3,
        taker_buy_volume=0.0,
        complete=complete,
    )


def flat(t0: int, t1: int, price: float = 100.0, **kw: object) -> list[Candle]:
    return [candle(t, price, **kw) for t in range(t0, t1)]  # type: ignore[arg-type]
