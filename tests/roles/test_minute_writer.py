"""1-minute candles written around a restart: a minute the previous process already stored is
merged into the stored row (never a second row, never a lost trade), and marked incomplete."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from wickwatch.market.types import Candle
from wickwatch.roles.persist import MinuteWriter
from wickwatch.storage.models import PriceCandle1m

MINUTE = 1_767_225_600_000


def minute(symbol: str, ts_ms: int, o: float, h: float, lo: float, c: float, trades: int) -> Candle:
    return Candle(
        "binance", "spot", symbol, ts_ms, o, h, lo, c, trades * 0.5, trades * 0.5 * c, trades, 0.0
    )


async def stored(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> dict[tuple[str, int], PriceCandle1m]:
    async with sessionmaker() as session:
        rows = (await session.scalars(select(PriceCandle1m))).all()
    return {(r.symbol, r.ts_ms): r for r in rows}


async def test_minutes_stored_before_a_restart_are_merged_not_duplicated(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    symbols = [f"C{i}USDT" for i in range(7)]  # 7 clashes: batches of 4, 2 and 1 keys
    before = MinuteWriter(sessionmaker)
    for s in symbols:
        before.add(minute(s, MINUTE, 10.0, 11.0, 9.5, 10.5, 4))  # the first half of the minute
    assert await before.flush(30.0)

    after = MinuteWriter(sessionmaker)  # the restarted process: the rest of that minute, and more
    for s in symbols:
        after.add(minute(s, MINUTE, 10.4, 12.0, 9.8, 9.9, 6))
        after.add(minute(s, MINUTE + 60_000, 9.9, 10.0, 9.7, 9.8, 2))
    assert await after.flush(30.0)

    rows = await stored(sessionmaker)
    assert len(rows) == 2 * len(symbols)
    assert after.merged == len(symbols) and after.written == 2 * len(symbols)
    for s in symbols:
        merged = rows[(s, MINUTE)]
        assert (float(merged.open), float(merged.high), float(merged.low), float(merged.close)) == (
            10.0, 12.0, 9.5, 9.9,
        )  # fmt: skip
        assert merged.trades == 10
        assert float(merged.volume) == 5.0
        assert merged.complete is False  # two processes' halves: not one uninterrupted minute
        fresh = rows[(s, MINUTE + 60_000)]
        assert (fresh.trades, fresh.complete) == (2, True)
