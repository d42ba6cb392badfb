"""Plain offline references for candle tests: Decimal arithmetic on the exchange's decimal text."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pytest

from wickwatch.market.types import Candle

U = 2.0**-53


@dataclass
class RefTrade:
    symbol: str
    ts_ms: int
    price: Decimal
    qty: Decimal
    quote: Decimal
    buy: bool
    trade_id: str
    exact_qty: bool = True  #: False when qty is a rounded quotient (inverse contracts)


@dataclass
class Ref:
    """One reference candle."""

    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    volume: Decimal
    quote: Decimal
    buy: Decimal
    trades: int
    exact_qty: bool = True


def candles_of(trades: list[RefTrade]) -> dict[tuple[str, int], Ref]:
    """Group by (symbol, second); open/close = earliest/latest exchange time, arrival order
    breaking ties."""
    groups: dict[tuple[str, int], list[RefTrade]] = {}
    for t in trades:
        groups.setdefault((t.symbol, t.ts_ms // 1000 * 1000), []).append(t)
    out = {}
    for key, ts in groups.items():
        first = ts[0]
        last = ts[0]
        for t in ts:
            if t.ts_ms < first.ts_ms:
                first = t
            if t.ts_ms >= last.ts_ms:
                last = t
        out[key] = Ref(
            open=first.price,
            high=max(t.price for t in ts),
            low=min(t.price for t in ts),
            close=last.price,
            volume=sum((t.qty for t in ts), Decimal(0)),
            quote=sum((t.quote for t in ts), Decimal(0)),
            buy=sum((t.qty for t in ts if t.buy), Decimal(0)),
            trades=len(ts),
            exact_qty=all(t.exact_qty for t in ts),
        )
    return out


def exact_expected(value: Decimal, terms: int) -> bool:
    """Does exact_sum's documented guarantee cover this true sum of ``terms`` terms?"""
    if value == 0:
        return True
    exponent = value.normalize().as_tuple().exponent
    assert isinstance(exponent, int)
    return 10.0**exponent > 2 * (terms + 3) * float(value) * U * 1.01


def assert_sum(got: float, want: Decimal, terms: int, exact_terms: bool = True) -> None:
    if exact_terms and exact_expected(want, terms):
        assert Decimal(repr(got)) == want.normalize(), (got, want)
    else:
        assert got == pytest.approx(float(want), rel=1e-12), (got, want)


def assert_candle(c: Candle, ref: Ref) -> None:
    """Prices exact (the float's shortest repr is the exchange's decimal), counts exact, sums
    exact wherever exact_sum guarantees it."""
    got = tuple(Decimal(repr(x)) for x in (c.open, c.high, c.low, c.close))
    assert got == tuple(x.normalize() for x in (ref.open, ref.high, ref.low, ref.close))
    assert c.trades == ref.trades
    assert_sum(c.volume, ref.volume, ref.trades, ref.exact_qty)
    assert_sum(c.quote_volume, ref.quote, ref.trades)
    assert_sum(c.taker_buy_volume, ref.buy, ref.trades, ref.exact_qty)


def decimal_text(value: Decimal) -> str:
    """The CSV's expected text of a decimal: plain positional, no trailing zeros."""
    text = format(value.normalize(), "f")
    return text
