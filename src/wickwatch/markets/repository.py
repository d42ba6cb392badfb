"""SQL of the markets domain: ``exchange_stats`` rows and the ``price_history_1m`` candles.

Every candle query names the full primary-key prefix ``(exchange, market, symbol)`` and a
``ts_ms`` range, so it is an index range scan whatever the table's size.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from wickwatch.storage.models import ExchangeStats, PriceCandle1m

C = PriceCandle1m

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

    async def latest_candle(self, exchange: str, market: str, symbol: str) -> PriceCandle1m | None:
        rows = await self.candles(exchange, market, symbol, limit=1, newest_first=True)
        return rows[0] if rows else None

    async def feed_symbols(self, exchange: str, market: str) -> list[tuple[str, int | None]]:
        """``(symbol, start of its newest candle)`` of every symbol stored for one feed."""
        result = await self.session.execute(_FEED_SYMBOLS, {"exchange": exchange, "market": market})
        return [(str(r[0]), None if r[1] is None else int(r[1])) for r in result.all()]
