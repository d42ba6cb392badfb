"""SQL of the markets domain: ``exchange_stats`` rows and the ``price_history_1m`` candles.

Every candle query names the full primary-key prefix ``(exchange, market, symbol)`` and a
``ts_ms`` range, so it is an index range scan whatever the table's size.

Longer timeframes (:meth:`MarketRepository.candles_tf`) are aggregated by the database from the
1-minute rows, in buckets aligned to the epoch (UTC: a ``1d`` candle is a UTC day, ``4h`` starts
at 00:00, 04:00, … UTC): open = the first minute's open, close = the last minute's close, high /
low = the extremes, volumes and trades summed, complete only if every stored minute was. Open,
high, low and close are the stored decimals themselves (window functions pick the row); sums are
exact: ``NUMERIC`` on PostgreSQL; on SQLite, which has no decimal arithmetic and keeps the
decimal text, the integer parts and two 9-digit halves of the first 18 decimals are summed as
integers and put together in Python (digits beyond the 18th decimal are dropped). A page of
``limit`` buckets reads at most ``limit × minutes per bucket`` rows: one index probe finds where
the page's rows start, so the aggregation never scans the whole history of the symbol.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

from sqlalchemy import (
    BigInteger,
    Integer,
    bindparam,
    case,
    cast,
    delete,
    func,
    literal_column,
    select,
    text,
)
from sqlalchemy.ext.asyncio import AsyncSession

from wickwatch.storage.expressions import as_number, dialect_of
from wickwatch.storage.models import ExchangeStats, PriceCandle1m

C = PriceCandle1m
MINUTE_MS = 60_000


class CandleRow(Protocol):
    """A stored 1-minute candle or an aggregated bucket (the fields every view reads)."""

    @property
    def ts_ms(self) -> int: ...
    @property
    def open(self) -> Decimal: ...
    @property
    def high(self) -> Decimal: ...
    @property
    def low(self) -> Decimal: ...
    @property
    def close(self) -> Decimal: ...
    @property
    def volume(self) -> Decimal: ...
    @property
    def quote_volume(self) -> Decimal: ...
    @property
    def trades(self) -> int: ...
    @property
    def complete(self) -> bool: ...


@dataclass(frozen=True, slots=True)
class Bucket:
    """One candle of a timeframe longer than a minute, aggregated from the minutes."""

    ts_ms: int
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    volume: Decimal
    quote_volume: Decimal
    trades: int
    complete: bool


def _picked(value: Any) -> Decimal:
    """A stored decimal chosen by a window function (text on SQLite, NUMERIC on PostgreSQL)."""
    return value if isinstance(value, Decimal) else Decimal(str(value))


_SCALE = Decimal(10) ** 9


def _text_parts(column: Any) -> tuple[Any, Any, Any]:
    """SQLite: a non-negative decimal text (``"123.456"``) as three integers — the integer part
    and the 1st–9th and 10th–18th decimals — that SUM adds exactly."""
    dot = func.instr(column, ".")
    whole = case(
        (dot == 0, cast(column, Integer)), else_=cast(func.substr(column, 1, dot - 1), Integer)
    )
    digits = func.substr(
        case((dot == 0, ""), else_=func.substr(column, dot + 1)).concat("0" * 18), 1, 18
    )
    return (
        whole,
        cast(func.substr(digits, 1, 9), Integer),
        cast(func.substr(digits, 10, 9), Integer),
    )


def _sum_of(whole: Any, high: Any = None, low: Any = None) -> Decimal:
    """A summed column: a NUMERIC sum (PostgreSQL), or the three integer sums of
    :func:`_text_parts` (SQLite)."""
    if high is None:
        return whole if isinstance(whole, Decimal) else Decimal(whole or 0)
    return Decimal(whole or 0) + Decimal(high or 0) / _SCALE + Decimal(low or 0) / _SCALE / _SCALE


def _ceil(value: int, step: int) -> int:
    return -(-value // step) * step


#: The distinct symbols of one feed by a loose index scan: one primary-key probe per symbol
#: (``MIN(symbol) > previous``) instead of reading every stored minute; the newest candle of each
#: is one more probe. Portable: recursive CTEs and scalar subqueries work on SQLite and PostgreSQL.
_FEED_SYMBOLS = text(
    """
    WITH RECURSIVE s(symbol) AS (
        SELECT MIN(symbol) FROM price_history_1m WHERE exchange = :exchange AND market = :market
        UNION ALL
        SELECT (
            SELECT MIN(p.symbol) FROM price_history_1m p
            WHERE p.exchange = :exchange AND p.market = :market AND p.symbol > s.symbol
        )
        FROM s WHERE s.symbol IS NOT NULL
    )
    SELECT s.symbol, (
        SELECT MAX(q.ts_ms) FROM price_history_1m q
        WHERE q.exchange = :exchange AND q.market = :market AND q.symbol = s.symbol
    ) AS last_ms
    FROM s WHERE s.symbol IS NOT NULL
    """
)


class MarketRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def feed_rows(self) -> Sequence[ExchangeStats]:
        result = await self.session.execute(
            select(ExchangeStats).order_by(ExchangeStats.exchange, ExchangeStats.market)
        )
        return result.scalars().all()

    async def candles(
        self,
        exchange: str,
        market: str,
        symbol: str,
        *,
        from_ms: int | None = None,
        to_ms: int | None = None,
        limit: int,
        newest_first: bool = False,
    ) -> Sequence[PriceCandle1m]:
        """Candles with ``from_ms <= ts_ms < to_ms``, at most ``limit``."""
        query = select(C).where(C.exchange == exchange, C.market == market, C.symbol == symbol)
        if from_ms is not None:
            query = query.where(C.ts_ms >= from_ms)
        if to_ms is not None:
            query = query.where(C.ts_ms < to_ms)
        query = query.order_by(C.ts_ms.desc() if newest_first else C.ts_ms).limit(limit)
        result = await self.session.execute(query)
        return result.scalars().all()

    async def candles_tf(
        self,
        exchange: str,
        market: str,
        symbol: str,
        *,
        tf_ms: int,
        from_ms: int | None = None,
        to_ms: int | None = None,
        limit: int,
        newest_first: bool = False,
    ) -> Sequence[CandleRow]:
        """Candles of ``tf_ms`` (a multiple of a minute) whose bucket starts in
        ``[from_ms, to_ms)``, at most ``limit``: the stored minutes for ``1m``, else buckets
        aggregated in SQL (see the module documentation)."""
        if tf_ms <= MINUTE_MS:
            return await self.candles(
                exchange,
                market,
                symbol,
                from_ms=from_ms,
                to_ms=to_ms,
                limit=limit,
                newest_first=newest_first,
            )
        key = (C.exchange == exchange, C.market == market, C.symbol == symbol)
        # rows of the buckets that start in [from_ms, to_ms)
        lo = None if from_ms is None else _ceil(from_ms, tf_ms)
        hi = None if to_ms is None else _ceil(to_ms, tf_ms)
        span = [*key]
        if lo is not None:
            span.append(C.ts_ms >= lo)
        if hi is not None:
            span.append(C.ts_ms < hi)
        # The page's buckets hold at most limit × (minutes per bucket) rows, all among that many
        # rows from the page's end: the row that far in bounds the page (whole bucket kept).
        edge = await self.session.scalar(
            select(C.ts_ms)
            .where(*span)
            .order_by(C.ts_ms.desc() if newest_first else C.ts_ms)
            .offset(limit * (tf_ms // MINUTE_MS) - 1)
            .limit(1)
        )
        if edge is not None:
            bound = int(edge) - int(edge) % tf_ms
            if newest_first:
                span.append(C.ts_ms >= bound)
            else:
                span.append(C.ts_ms < bound + tf_ms)

        dialect = dialect_of(self.session)
        step = literal_column(str(int(tf_ms)), BigInteger)  # whitelisted, never user text
        bucket = C.ts_ms - C.ts_ms % step

        def first(column: Any, *order: Any) -> Any:
            return func.first_value(column).over(partition_by=bucket, order_by=order)

        if dialect == "sqlite":
            volumes = [*_text_parts(C.volume), *_text_parts(C.quote_volume)]
        else:
            volumes = [C.volume, C.quote_volume]
        rows = (
            select(
                bucket.label("t"),
                first(C.open, C.ts_ms.asc()).label("o"),
                first(C.high, as_number(C.high, dialect).desc(), C.ts_ms).label("h"),
                first(C.low, as_number(C.low, dialect).asc(), C.ts_ms).label("l"),
                first(C.close, C.ts_ms.desc()).label("c"),
                C.trades.label("n"),
                case((C.complete, 1), else_=0).label("ok"),
                *(v.label(f"v{i}") for i, v in enumerate(volumes)),
            )
            .where(*span)
            .subquery()
        )
        query = (
            select(
                rows.c.t,
                func.min(rows.c.o),
                func.min(rows.c.h),
                func.min(rows.c.l),
                func.min(rows.c.c),
                func.sum(rows.c.n),
                func.min(rows.c.ok),
                *(func.sum(rows.c[f"v{i}"]) for i in range(len(volumes))),
            )
            .group_by(rows.c.t)
            .order_by(rows.c.t.desc() if newest_first else rows.c.t)
            .limit(limit)
        )
        half = len(volumes) // 2
        return [
            Bucket(
                ts_ms=int(r[0]),
                open=_picked(r[1]),
                high=_picked(r[2]),
                low=_picked(r[3]),
                close=_picked(r[4]),
                volume=_sum_of(*r[7 : 7 + half]),
                quote_volume=_sum_of(*r[7 + half :]),
                trades=int(r[5] or 0),
                complete=bool(r[6]),
            )
            for r in (await self.session.execute(query)).all()
        ]

    async def latest_candle(self, exchange: str, market: str, symbol: str) -> PriceCandle1m | None:
        rows = await self.candles(exchange, market, symbol, limit=1, newest_first=True)
        return rows[0] if rows else None

    async def feed_symbols(self, exchange: str, market: str) -> list[tuple[str, int | None]]:
        """``(symbol, start of its newest candle)`` of every symbol stored for one feed."""
        result = await self.session.execute(_FEED_SYMBOLS, {"exchange": exchange, "market": market})
        return [(str(r[0]), None if r[1] is None else int(r[1])) for r in result.all()]

    async def has_symbol(self, exchange: str, market: str, symbol: str) -> bool | None:
        """Whether the symbol has stored history; None when the feed has none at all (not
        collected, or not yet): then nothing can be said."""
        if await self.latest_candle(exchange, market, symbol) is not None:
            return True
        P = PriceCandle1m
        any_row = await self.session.execute(
            select(P.symbol).where(P.exchange == exchange, P.market == market).limit(1)
        )
        return False if any_row.first() is not None else None

    async def purge_history(self, exchange: str, market: str, before_ms: int) -> int:
        """Delete one feed's 1-minute candles older than ``before_ms``; returns how many.

        Per symbol, so each delete is a range of the primary key (the table has no index on
        the time alone) and a long backlog never becomes one huge statement."""
        P = PriceCandle1m
        statement = delete(P).where(
            P.exchange == exchange,
            P.market == market,
            P.symbol == bindparam("symbol"),
            P.ts_ms < before_ms,
        )
        deleted = 0
        for symbol, _ in await self.feed_symbols(exchange, market):
            result = await self.session.execute(statement, {"symbol": symbol})
            deleted += int(result.rowcount or 0)  # type: ignore[attr-defined]
        return deleted
